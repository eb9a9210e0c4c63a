"""Helpers of the authoring tests: run the real `tracegrade` command, copy a bundled exercise
to break it on purpose."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXERCISES


def tg(*args, cwd=None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "tracegrade"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=900, env={**os.environ, "COLUMNS": "100"})


def copy_exercise(dest: Path, slug: str = "one-training-step") -> Path:
    shutil.copytree(EXERCISES / slug, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_grader(ex: Path, body: str, points: int) -> int:
    """Write graders/test_added.py with body; raise exercise.toml's points by `points`; return
    the line number of the body's last line (where a crash in it is reported)."""
    text = "import pytest\n\n\n" + body.strip("\n") + "\n"
    (ex / "graders" / "test_added.py").write_text(text, encoding="utf-8")
    toml = ex / "exercise.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    lines = [f"points = {int(float(ln.split('=')[1])) + points}" if ln.startswith("points =") else ln
             for ln in lines]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(text.splitlines())
