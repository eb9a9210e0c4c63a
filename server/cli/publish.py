"""`tracegrade push` and `tracegrade pull`: publish an exercise folder to a server with an
instructor's API token, and get a published exercise's full folder back.

Exit codes: 0 published (or already published, or checked with --dry-run), 1 the server refused
it or could not be reached (the report is printed), 2 a usage error.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from server.api_client import ApiError, safe_extract
from server.cli.client import server_option, token_option
from server.publish.client import PublishClient, Refused, pack
from server.publish.report import PublishReport


@click.command("push", help="Publish the exercise folder DIR in COURSE: the server records the "
                            "references and checks it (solution full marks on every seed, starter "
                            "less), and publishes only on success. Exit 0 published, 1 refused, "
                            "2 usage error.")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course", required=True, help="The course's slug.")
@click.option("--dry-run", is_flag=True, help="Only check; publish nothing.")
@click.option("--mutants", is_flag=True,
              help="The server also grades mutants of the solution and reports how many the "
                   "graders catch (tens of gradings: 10 to 50 s more).")
@server_option
@token_option
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for the check.")
def push_cmd(folder, course, dry_run, mutants, server, token, timeout):
    if not (folder / "exercise.toml").is_file():
        raise click.UsageError(f"{folder} is not an exercise folder (no exercise.toml in it).")
    client = PublishClient(server, token, timeout=timeout)
    try:
        doc = client.push(course, pack(folder), dry_run=dry_run, mutants=mutants)
    except Refused as e:
        click.echo(f"refused: {e}", err=True)
        for line in PublishReport.from_json(e.report).lines():
            click.echo(line)
        sys.exit(1)
    except ApiError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    for line in PublishReport.from_json(doc["report"]).lines():
        click.echo(line)


@click.command("pull", help="Download the published exercise SLUG of COURSE, hidden graders, "
                            "solution and traces included, into DIR (default ./SLUG).")
@click.argument("course")
@click.argument("slug")
@click.argument("folder", metavar="[DIR]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that exist in DIR.")
@server_option
@token_option
def pull_cmd(course, slug, folder, force, server, token):
    folder = folder or Path(slug)
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise click.UsageError(f"{folder} is not empty; choose another DIR or pass --force.")
    try:
        written = safe_extract(PublishClient(server, token).source(course, slug), folder,
                               overwrite=True, strip=1)
    except ApiError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(f"{len(written)} file(s) written under {folder}")
