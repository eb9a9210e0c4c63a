"""The student bundle of an exercise version: a zip of the public files (README, starter,
scenario, public graders and traces, data) under a folder named after the exercise.
Never the solution, hidden graders or hidden traces: the engine's `public_files()` decides.
"""
from __future__ import annotations

import io
import zipfile

from graders import Exercise


def student_bundle(exercise: Exercise) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in exercise.public_files():
            rel = path.relative_to(exercise.path)
            z.write(path, f"{exercise.slug}/{rel.as_posix()}")
    return buf.getvalue()
