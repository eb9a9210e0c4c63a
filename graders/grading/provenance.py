"""Where reference traces came from: the hashes of the inputs that determine them (solution.py,
scenario.py, data/) written into each trace's meta, and the check that they are still current.

`stale_traces` names what changed since the traces were recorded and the command that fixes it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from graders.format.exercise import Exercise

# meta key -> the input it fingerprints (as the author knows it)
INPUTS = {"solution_sha": "solution.py", "scenario_sha": "scenario.py", "data_sha": "data/"}


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else ""


def folder_sha(folder: Path) -> str:
    """sha256 over the names and bytes of every file below folder ("" when there is none)."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
        if folder.is_dir() else []
    if not files:
        return ""
    h = hashlib.sha256()
    for p in files:
        h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def reference_meta(exercise: Exercise) -> dict:
    """What `tracegrade trace` writes into each reference trace's meta."""
    return {"solution_sha": file_sha(exercise.solution), "scenario_sha": file_sha(exercise.scenario),
            "data_sha": folder_sha(exercise.data_dir)}


def stale_traces(exercise: Exercise, seeds=None) -> list[str]:
    """Why the recorded reference traces of seeds (default: all) are not current; empty when
    they are. An input absent here (a student's bundle has no solution.py) is not compared."""
    current = reference_meta(exercise)
    if not exercise.solution.is_file():
        current.pop("solution_sha")
    missing, torch_seen, changed = [], {}, {}
    for seed in (exercise.seeds if seeds is None else seeds):
        f = exercise.trace_dir(seed) / "trace.json"
        if not f.is_file():
            missing.append(seed)
            continue
        try:
            meta = json.loads(f.read_text(encoding="utf-8")).get("meta", {})
        except (ValueError, UnicodeDecodeError, AttributeError):
            meta = {}
        if meta.get("torch") != torch.__version__:
            torch_seen.setdefault(str(meta.get("torch")), []).append(seed)
        for key, value in current.items():
            if meta.get(key, "") != value:
                changed.setdefault(INPUTS[key], []).append(seed)
    fix = f"run `tracegrade trace {exercise.path}`"
    problems = []
    if missing:
        problems.append(f"no reference trace for seed{_s(missing)} {_list(missing)} "
                        f"(traces/seed-N/trace.json): {fix}")
    for version, seeds_ in torch_seen.items():
        problems.append(f"the traces of seed{_s(seeds_)} {_list(seeds_)} were recorded with torch "
                        f"{version}, installed is {torch.__version__}: {fix}")
    for what, seeds_ in changed.items():
        problems.append(f"stale traces: {what} changed since the traces of seed{_s(seeds_)} "
                        f"{_list(seeds_)} were recorded: {fix}")
    return problems


def _s(items) -> str:
    return "s" if len(items) != 1 else ""


def _list(items) -> str:
    return ", ".join(map(str, items))
