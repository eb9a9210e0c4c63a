"""Where an author's mistake is: the line of a key in a TOML file, so that an invalid
exercise.toml or course.toml is reported with its file, its line and the fix.
"""
from __future__ import annotations

import re
from pathlib import Path

from graders.errors import ExerciseError

_TABLE = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def toml_line(path: Path, key: str | None) -> tuple[int, str] | None:
    """(line number, the line) where key ('points', 'seeds.public', 'schedule.zero-grad.due')
    is set in the TOML file at path, or its table's header; None when not found."""
    if not key or not Path(path).is_file() or not str(path).endswith(".toml"):
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    table, header = "", None
    for n, line in enumerate(lines, 1):
        m = _TABLE.match(line)
        if m:
            table = m.group(1).replace('"', "").replace("'", "")
            if table == key:
                header = header or (n, line.strip())
            continue
        m = _KEY.match(line)
        if m:
            name = m.group(1).replace('"', "").replace("'", "")
            if (f"{table}.{name}" if table else name) == key:
                return n, line.strip()
    return header


def exercise_error_text(e: ExerciseError) -> str:
    """The error, then the file:line and the line itself when the key can be found."""
    found = toml_line(Path(e.path), e.key)
    if found is None:
        return str(e)
    n, line = found
    return f"{e}\n    at {e.path}:{n}: {line}"
