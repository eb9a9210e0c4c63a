"""`tracegrade submit` and `tracegrade fetch`: talk to a tracegrade server with an API token
(--server/--token, or TRACEGRADE_SERVER/TRACEGRADE_TOKEN).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from server.api_client import ApiClient, ApiError, safe_extract

server_option = click.option("--server", envvar="TRACEGRADE_SERVER", required=True,
                             help="Server URL, such as http://127.0.0.1:8000 ($TRACEGRADE_SERVER).")
token_option = click.option("--token", envvar="TRACEGRADE_TOKEN", required=True,
                            help="API token from `tracegrade tokens create` ($TRACEGRADE_TOKEN).")


def _fmt(x) -> str:
    return "-" if x is None else f"{x:g}"


@click.command("submit", help="Submit FILE for COURSE's EXERCISE and (by default) wait for the "
                              "result. Exit 0 when graded, 1 when the server refused or failed.")
@click.argument("course")
@click.argument("exercise")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@server_option
@token_option
@click.option("--wait/--no-wait", default=True, show_default=True)
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the result.")
def submit_cmd(course, exercise, file, server, token, wait, timeout):
    client = ApiClient(server, token)
    code = file.read_bytes().decode("utf-8", "surrogateescape")   # the server judges the bytes
    try:
        sub = client.submit(course, exercise, code)
        click.echo(f"submission {sub['id']}: {sub['status']}  {sub['url']}")
        if not wait:
            return
        sub = client.wait(sub["id"], timeout=timeout)
    except ApiError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    if sub["status"] not in ("graded", "error"):
        click.echo(f"still {sub['status']} after {timeout:g} s; check later: {sub['url']}", err=True)
        sys.exit(1)
    click.echo(f"{sub['status']}: {_fmt(sub['score'])} / {_fmt(sub['max_score'])}")
    if sub.get("message"):
        click.echo(sub["message"])
    for t in sub["tests"]:
        mark = "PASS" if t["status"] == "passed" else "FAIL"
        click.echo(f"  {mark} {_fmt(t['score'])}/{_fmt(t['max_score'])}  {t['name']}")
        if t["message"]:
            click.echo("       " + t["message"].replace("\n", "\n       "))
    sys.exit(0 if sub["status"] == "graded" else 1)


@click.command("fetch", help="Download COURSE's EXERCISE (starter, scenario, public graders and "
                             "traces) into DEST (default ./EXERCISE), to grade it locally.")
@click.argument("course")
@click.argument("exercise")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--force", is_flag=True, help="Overwrite files that exist (your work included).")
@server_option
@token_option
def fetch_cmd(course, exercise, dest, force, server, token):
    client = ApiClient(server, token)
    folder = dest or Path(exercise)
    try:
        written = safe_extract(client.bundle(course, exercise), folder, overwrite=force, strip=1)
    except ApiError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(f"{len(written)} file(s) written under {folder}")
    click.echo(f"grade locally: tracegrade grade {folder} {folder}/<your file>")
