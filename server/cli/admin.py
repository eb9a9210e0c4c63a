"""Administration commands: `db upgrade`, `users create`, `tokens create`, `exercises sync`."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from graders.errors import ExerciseError
from server import config as cfg
from graders.format.course import Course as EngineCourse
from server.catalog import sync_course
from server.cli.common import database, instance_option, require_schema, resolve_instance
from server.migrate import upgrade
from server.models import ROLES, ApiToken, Course, Enrollment, User
from server.passwords import email_problem, password_problem, set_password
from server.security import hash_password, new_api_token


def migrate_instance(instance: Path) -> None:
    """Create the instance folder and secret key, and bring the schema to the newest revision."""
    cfg.prepare_instance(instance)
    upgrade(cfg.database_url(instance))


@click.group("db", help="The server's database.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Create or migrate the database to the newest schema.")
@instance_option
def db_upgrade(instance):
    instance = resolve_instance(instance)
    migrate_instance(instance)
    click.echo(f"database in {instance} is up to date")


@click.group("users", help="Server accounts.")
def users_group() -> None:
    pass


def ensure_user(s, email: str, password: str, course: str | None, role: str) -> tuple[User, bool]:
    """Create the user (or set the password of an existing one, which ends their sessions) and
    enroll them if asked."""
    email = email.strip().lower()
    if problem := email_problem(email):
        raise click.BadParameter(problem, param_hint="EMAIL")
    if problem := password_problem(password, email):
        raise click.BadParameter(problem, param_hint="--password")
    user = s.scalar(select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(email=email, password_hash=hash_password(password))
        s.add(user)
        s.flush()
    else:
        set_password(user, password)
    if course:
        c = s.scalar(select(Course).where(Course.slug == course))
        if c is None:
            raise click.BadParameter(f"no course '{course}'. Run `tracegrade exercises sync` first.",
                                     param_hint="--course")
        e = s.scalar(select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == c.id))
        if e is None:
            s.add(Enrollment(user_id=user.id, course_id=c.id, role=role))
        else:
            e.role = role
    return user, created


@users_group.command("create", help="Create a user (or reset their password) and enroll them.")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--course", default=None, help="Course slug to enroll the user in.")
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True)
@instance_option
def users_create(email, password, course, role, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        user, created = ensure_user(s, email, password, course, role)
        email = user.email
    where = f" ({role} in {course})" if course else ""
    click.echo(f"{'created' if created else 'updated'} user {email}{where}")


@click.group("tokens", help="API tokens for `tracegrade submit` and the JSON API.")
def tokens_group() -> None:
    pass


@tokens_group.command("create", help="Create an API token for a user; the token is printed "
                                     "once, as the last line, and stored only as a hash.")
@click.argument("email")
@instance_option
def tokens_create(email, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        user = s.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}. Create one with `tracegrade users create`.")
        token, digest = new_api_token()
        s.add(ApiToken(user_id=user.id, token_hash=digest))
    click.echo(f"API token for {email} (shown once; keep it secret):", err=True)
    click.echo(token)


@click.group("exercises", help="The courses and exercises the server offers.")
def exercises_group() -> None:
    pass


def sync_folder(instance: Path, folder: Path) -> list[str]:
    with database(instance) as db, db.session() as s:
        try:
            report = sync_course(s, folder, instance)
        except ExerciseError as e:
            raise click.ClickException(str(e)) from None
        return report.lines() + [f"join code: {s.scalar(select(Course.join_code).where(Course.slug == report.course))}"]


@exercises_group.command("sync", help="Load a course folder (course.toml + exercises) into the "
                                      "server; changed exercises get a new version.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
                default="exercises")
@instance_option
@click.option("--force", is_flag=True,
              help="Emergencies only: load without running `tracegrade check` on new content "
                   "(the output lists what is then not verified).")
def exercises_sync(folder, instance, force):
    from server.cli import sync_check

    instance = resolve_instance(instance)
    require_schema(instance)
    try:
        fresh = sync_check.new_content(instance, EngineCourse.load(folder))
    except ExerciseError as e:
        raise click.ClickException(str(e)) from None
    if force:
        click.echo(sync_check.force_note(fresh), err=True)
    else:
        report = sync_check.refusals(fresh)
        if report:
            click.echo("refused: `tracegrade check` found problems; nothing was loaded.")
            for line in report:
                click.echo(line)
            click.echo(f"Fix them (`tracegrade check {folder}` shows the same report), or load "
                       f"anyway with --force.")
            raise SystemExit(1)
    for line in sync_folder(instance, folder):
        click.echo(line)
