"""The `tracegrade` click group, its exit codes, and loading of plug-in command groups.

Other packages (the server) add commands through the `tracegrade.commands` entry point group,
so the engine never imports them.
"""
from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from graders.cli import author, corpus, grade, preview

EXIT_OK = 0            # the command did its job (grading completed, whatever the score)
EXIT_FAILED = 1        # --fail-under not met, or `check` / `corpus` found problems
EXIT_USAGE = 2         # bad command line (click's own code)
EXIT_BAD_EXERCISE = 3  # the exercise folder or exercise.toml is invalid
EXIT_INTERNAL = 4      # the engine failed (a bug, or a broken installation)

EXIT_CODES_HELP = """Exit codes: 0 done (grading completed, whatever the score); 1 --fail-under
not met or `check` / `corpus` found problems; 2 usage error; 3 invalid exercise; 4 internal failure."""


@click.group(help="tracegrade: auto-graded PyTorch exercises.\n\n" + EXIT_CODES_HELP)
@click.version_option(package_name="tracegrade")
def cli() -> None:
    pass


cli.add_command(grade.grade_cmd)
cli.add_command(author.check_cmd)
cli.add_command(author.trace_cmd)
cli.add_command(author.new_cmd)
cli.add_command(corpus.corpus_cmd)
cli.add_command(preview.preview_cmd)


def _load_plugins() -> None:
    for ep in entry_points(group="tracegrade.commands"):
        try:
            cmd = ep.load()
        except Exception as e:  # a broken plug-in must not break local grading
            click.echo(f"warning: could not load commands from {ep.value}: {e}", err=True)
            continue
        for c in (cmd if isinstance(cmd, (list, tuple)) else [cmd]):
            if isinstance(c, click.Command):
                cli.add_command(c)


def main() -> None:
    if not (len(sys.argv) > 1 and sys.argv[1] in cli.commands):
        _load_plugins()     # (the server's commands import Flask and SQLAlchemy: not for `grade`)
    sys.exit(cli.main(standalone_mode=True))
