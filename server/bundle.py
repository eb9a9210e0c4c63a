"""The student bundle of an exercise version: a zip of the public files (README, starter,
scenario, public graders and traces, data) under a folder named after the exercise.
Never the solution, hidden graders or hidden traces (the engine's `public_files()` decides), and
its exercise.toml lists no hidden seeds.
"""
from __future__ import annotations

import io
import tomllib
import zipfile

import tomli_w

from graders import Exercise


def public_toml(text: str) -> str:
    """exercise.toml as a student may see it: the hidden seeds emptied (the server keeps them),
    no [mutants] table."""
    data = tomllib.loads(text)
    if isinstance(data.get("seeds"), dict):
        data["seeds"]["hidden"] = []
    data.pop("mutants", None)        # the equivalent mutants' reasons describe the solution
    return ("# The hidden seeds this exercise is scored on stay on the server.\n"
            + tomli_w.dumps(data))


def student_bundle(exercise: Exercise) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in exercise.public_files():
            rel = path.relative_to(exercise.path)
            name = f"{exercise.slug}/{rel.as_posix()}"
            if rel.as_posix() == "exercise.toml":
                z.writestr(name, public_toml(path.read_text(encoding="utf-8")))
            else:
                z.write(path, name)
    return buf.getvalue()
