"""Course operations from the terminal: `grades export COURSE [--format csv|long|json]` and
`extensions set|remove|list` (a student's own due date for one exercise)."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from server import exports, extensions, gradebook
from server.cli.common import database, instance_option, require_schema, resolve_instance
from server.models import Course


def _course(s, slug: str) -> Course:
    course = s.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course '{slug}'. Run `tracegrade exercises sync` first.")
    return course


@click.group("grades", help="Grades of a course.")
def grades_group() -> None:
    pass


@grades_group.command("export", help="Print the gradebook: csv (a row per student: email, a "
                                     "column per exercise, total), long (a row per counted "
                                     "submission) or json.")
@click.argument("course")
@click.option("--format", "fmt", type=click.Choice(["csv", "long", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
@instance_option
def grades_export(course, fmt, output, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        gb = gradebook.build(s, _course(s, course))
        if fmt == "json":
            text = json.dumps(exports.as_json(gb), indent=2) + "\n"
        else:
            text = exports.FORMATS[fmt][1](gb)
    output.write(text)


@click.group("extensions", help="Per-student due dates.")
def extensions_group() -> None:
    pass


@extensions_group.command("set", help="Give a student their own due date for one exercise "
                                      "(ISO 8601; without an offset, in the course's time zone).")
@click.argument("course")
@click.argument("email")
@click.argument("exercise")
@click.argument("due")
@instance_option
def extensions_set(course, email, exercise, due, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        try:
            row = extensions.grant(s, _course(s, course), email, exercise, due)
        except extensions.ExtensionError as e:
            raise click.ClickException(str(e)) from None
        out = extensions.as_json(row)
    click.echo(f"{out['email']} is due {out['due']} for {out['exercise']}")


@extensions_group.command("remove", help="Remove a student's extension for one exercise.")
@click.argument("course")
@click.argument("email")
@click.argument("exercise")
@instance_option
def extensions_remove(course, email, exercise, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        try:
            removed = extensions.remove(s, _course(s, course), email, exercise)
        except extensions.ExtensionError as e:
            raise click.ClickException(str(e)) from None
    click.echo("removed" if removed else "there was no extension")


@extensions_group.command("list", help="The course's extensions, one per line.")
@click.argument("course")
@instance_option
def extensions_list(course, instance):
    instance = resolve_instance(instance)
    require_schema(instance)
    with database(instance) as db, db.session() as s:
        rows = [extensions.as_json(e) for e in extensions.for_course(s, _course(s, course))]
    for r in rows:
        click.echo(f"{r['email']}\t{r['exercise']}\t{r['due']}")
