"""`tracegrade preview EXDIR`: what students get of an exercise (the files of the student
bundle and the sandbox, and what stays private) and its prompt rendered to an HTML file.
"""
from __future__ import annotations

import html
from pathlib import Path

import click


@click.command("preview")
@click.argument("exercise_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: ./<slug>-preview.html, outside the exercise "
                   "folder so it is not published).")
def preview_cmd(exercise_dir: Path, out: Path | None) -> None:
    """List the files students get and the ones that stay private, and render README.md to an
    HTML file to read as students will (math stays as $...$ text here; the server renders it)."""
    from graders.cli.grade import load_or_exit

    exercise = load_or_exit(exercise_dir)
    public = exercise.public_files()
    shown = {p.resolve() for p in public}
    private = sorted(p for p in exercise.path.rglob("*")
                     if p.is_file() and p.resolve() not in shown and "__pycache__" not in p.parts)
    click.echo(f"{exercise.title} ({exercise.slug})")
    click.echo(f"students get {len(public)} files (the bundle; all the sandbox can read):")
    for p in public:
        click.echo(f"  {p.relative_to(exercise.path)}  ({_size(p.stat().st_size)})")
    click.echo(f"private ({len(private)} files: the solution, hidden graders, hidden seeds' traces):")
    for p in private:
        click.echo(f"  {p.relative_to(exercise.path)}")
    if not exercise.readme.is_file():
        click.echo(f"warning: {exercise.readme} is missing: students get no prompt.", err=True)
    out = out or Path.cwd() / f"{exercise.slug}-preview.html"
    out.write_text(page(exercise, public), encoding="utf-8")
    click.echo(f"prompt rendered to {out}")


def render_markdown(text: str) -> str:
    """The prompt as sanitized HTML (the server's renderer adds KaTeX for the math)."""
    import markdown
    import nh3

    body = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return nh3.clean(body)


def page(exercise, public: list[Path]) -> str:
    files = "".join(f"<li><code>{html.escape(str(p.relative_to(exercise.path)))}</code></li>"
                    for p in public)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Preview: {html.escape(exercise.title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}}pre{{background:#f4f4f4;padding:.75rem;overflow:auto}}code{{font-size:.95em}}
aside{{border-top:1px solid #ccc;margin-top:2rem;color:#444}}</style></head>
<body><main>
{render_markdown(exercise.read_readme())}</main>
<aside><h2>Students get</h2><p>Submission file: <code>{html.escape(exercise.submission)}</code>,
{exercise.points:g} points, seeds {", ".join(map(str, exercise.public_seeds))} public.</p>
<ul>{files}</ul></aside></body></html>
"""


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KB"
