"""`tracegrade serve`: migrate, load the bundled course, then run gunicorn and one grading worker
as child processes (server/supervise.py restarts one that dies) until Ctrl-C, which stops both.
`tracegrade worker` runs a worker alone, waiting for the database first.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from server import config as cfg
from server.cli.admin import ensure_user, migrate_instance, sync_folder
from server.cli.common import database, instance_option, resolve_instance
from server.supervise import Child, supervise

DEMO_USERS = (("instructor@example.com", "instructor-demo", "instructor"),
              ("student@example.com", "student-demo", "student"))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("worker", help="Grade queued submissions until stopped: from the database, or from the "
                              "Celery broker named by TRACEGRADE_BROKER_URL (redis://...).")
@instance_option
@click.option("--name", default=None, help="A stable name for this worker: on restart it takes back "
                                           "what it had claimed. Default: worker-1@HOSTNAME.")
@click.option("--once", is_flag=True, help="Stop when the queue is empty.")
@click.option("--wait", "wait_seconds", type=float, default=None,
              help="Seconds to wait for the database to answer and be migrated before giving up "
                   "(exit 1). Default: wait as long as it takes.")
@click.option("--concurrency", type=click.IntRange(1), default=None,
              help="Submissions graded at once. Default: one per core.")
@click.option("--check", is_flag=True, help="Grade nothing: exit 0 when the worker of this name was "
                                             "heard from in the last minute, else 1 (a container healthcheck).")
def worker_cmd(instance, name, once, wait_seconds, concurrency, check):
    from server.grading.worker import default_name, main
    instance = resolve_instance(instance)
    if check:
        from server.grading.heartbeat import STALE_SECONDS, last_beat_age
        with database(instance) as db, db.sessions() as s:
            age = last_beat_age(s, name or default_name())
        click.echo("no heartbeat" if age is None else f"last heartbeat {age:.0f} s ago")
        sys.exit(0 if age is not None and age < STALE_SECONDS else 1)
    try:
        broker_url = cfg.broker_url()
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if broker_url and not once:
        from server.grading import broker_worker
        sys.exit(broker_worker.main(cfg.database_url(instance), instance, broker_url,
                                    name=name, wait=wait_seconds, concurrency=concurrency))
    sys.exit(main(cfg.database_url(instance), instance, name=name, once=once, wait=wait_seconds,
                  concurrency=concurrency))


@click.command("serve", help="Run the web server (gunicorn) and a grading worker.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@instance_option
@click.option("--exercises", "exercises_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Course folder loaded at start. Default: $TRACEGRADE_EXERCISES, else ./exercises.")
@click.option("--web-workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--demo", is_flag=True, help="Create (or reset) a demo instructor and student and print their logins.")
@click.option("--no-worker", is_flag=True, help="Web only (grading runs elsewhere).")
@click.option("--access-log", is_flag=True, help="Log every request to stdout.")
def serve_cmd(host, port, instance, exercises_dir, web_workers, demo, no_worker, access_log):
    instance = resolve_instance(instance)
    try:                                # a bad setting is said once, before anything starts
        cfg.settings(instance)
    except ValueError as e:
        raise click.ClickException(f"{e} Fix it in the environment, then start again.") from None
    migrate_instance(instance)
    folder = Path(exercises_dir or os.environ.get("TRACEGRADE_EXERCISES") or "exercises")
    lines = sync_folder(instance, folder) if (folder / "course.toml").is_file() else [
        f"no course.toml in {folder}: no course loaded"]
    slug = lines[0].split()[1] if lines[0].startswith("course ") else None
    env = dict(os.environ, TRACEGRADE_INSTANCE=str(instance))
    if "TRACEGRADE_SECURE_COOKIES" not in env:
        env["TRACEGRADE_SECURE_COOKIES"] = "0" if is_loopback(host) else "1"
        if not is_loopback(host):
            click.echo("note: session cookies are marked Secure, so browsers log in only over "
                       "HTTPS; put a TLS proxy in front (docs/server.md) or set "
                       "TRACEGRADE_SECURE_COOKIES=0 on a trusted network.", err=True)
    if demo and slug:
        with database(instance) as db, db.session() as s:
            for email, password, role in DEMO_USERS:
                ensure_user(s, email, password, slug, role)
    procs = _start(host, port, instance, web_workers, no_worker, access_log, env)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo("")
    click.echo(f"tracegrade is running at http://{shown}:{port}/  (Ctrl-C stops it)")
    for line in lines:
        click.echo(f"  {line}")
    if demo and slug:
        for email, password, role in DEMO_USERS:
            click.echo(f"  demo {role:<10} {email} / {password}")
    sys.exit(supervise(procs, click.echo))


def _start(host, port, instance, web_workers, no_worker, access_log, env) -> list[Child]:
    children = []
    if not no_worker:
        children.append(Child("the grading worker", [sys.executable, "-m", "server.cli", "worker",
                                                     "--instance", str(instance)], env))
    children.append(Child("the web server", [
        sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
        "--workers", str(web_workers), "--worker-class", "gthread", "--threads", "4",
        *(["--access-logfile", "-"] if access_log else []), "--log-level", "warning",
        "--graceful-timeout", "5", "server.wsgi:app"], env))
    for child in children:
        child.start()
    return children
