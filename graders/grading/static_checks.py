"""The checks of an exercise folder that need no grading: its parts, its limits, its traces
(current, one folder per seed, a sensible size). `tracegrade check`, `grade` and `exercises sync`
use them; each finding names the file and the fix.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from graders.format.exercise import Exercise
from graders.format.where import toml_line
from graders.grading.provenance import stale_traces

# a traces/ folder larger than this is reported (every grading loads a seed's trace, and the
# student bundle carries the public ones)
TRACE_WARN_MB = 8
SEED_DIR = re.compile(r"^seed-(-?\d+)$")


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)   # check fails
    warnings: list[str] = field(default_factory=list)   # reported, check still passes
    traces_current: bool = True                         # False: grading against them means nothing
    runnable: bool = True                               # False: a part is missing or does not compile


def static_findings(exercise: Exercise) -> Findings:
    """Everything wrong with the folder that can be seen without running it."""
    found = Findings()
    for part in ("README.md", "starter.py", "solution.py", "scenario.py"):
        if not (exercise.path / part).is_file():
            found.problems.append(f"{exercise.path / part} is missing: every exercise needs it "
                                  f"(`tracegrade new` makes a template).")
    if not exercise.grader_files():
        found.problems.append(f"{exercise.graders_dir} has no test_*.py: add a grader "
                              f"(docs/authoring.md, section 6).")
    found.problems += syntax_problems(exercise)
    found.runnable = not found.problems
    found.problems += limit_problems(exercise)
    found.problems += stray_trace_folders(exercise)
    if (exercise.path / "scenario.py").is_file() and (exercise.path / "solution.py").is_file():
        stale = stale_traces(exercise)
        found.problems += stale
        found.traces_current = not stale
    size = trace_size_warning(exercise)
    if size:
        found.warnings.append(size)
    return found


def syntax_problems(exercise: Exercise) -> list[str]:
    """Syntax errors in the files the author writes (the starter may be broken on purpose)."""
    out = []
    for f in [exercise.solution, exercise.scenario, *exercise.grader_files()]:
        if not f.is_file():
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(f.read_bytes(), str(f), "exec", dont_inherit=True)
        except SyntaxError as e:
            code = (e.text or "").strip()
            out.append(f"{f}:{e.lineno}: {type(e).__name__}: {e.msg}" + (f": `{code}`" if code else ""))
        except ValueError as e:          # NUL bytes
            out.append(f"{f}: cannot be compiled: {e}")
    return out


def limit_problems(exercise: Exercise) -> list[str]:
    toml = exercise.path / "exercise.toml"
    out = []
    for key, problem in exercise.limits.contradictions():
        where = toml_line(toml, f"limits.{key}")
        at = f"{toml}:{where[0]}" if where else f"{toml} (default; set it under [limits])"
        out.append(f"{at}: limits contradict each other: {problem}")
    return out


def stray_trace_folders(exercise: Exercise) -> list[str]:
    """Folders in traces/ that belong to no seed of exercise.toml (left after a seed was removed
    or renamed), and anything else that is not a seed folder."""
    if not exercise.traces_dir.is_dir():
        return []
    seeds = set(exercise.seeds)
    out = []
    for p in sorted(exercise.traces_dir.iterdir()):
        m = SEED_DIR.match(p.name)
        if m and p.is_dir() and int(m.group(1)) in seeds:
            continue
        if m and p.is_dir():
            out.append(f"{p}: seed {m.group(1)} is not in [seeds] of exercise.toml; remove the "
                       f"folder (`tracegrade trace {exercise.path}` removes it) or list the seed.")
        elif p.name != "__pycache__":
            out.append(f"{p}: traces/ holds only seed-N folders written by `tracegrade trace`; "
                       f"remove it.")
    return out


def trace_size_warning(exercise: Exercise) -> str | None:
    if not exercise.traces_dir.is_dir():
        return None
    sizes = {}
    for d in sorted(exercise.traces_dir.iterdir()):
        if d.is_dir():
            sizes[d.name] = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
    total = sum(sizes.values())
    if total <= TRACE_WARN_MB << 20:
        return None
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    return (f"{exercise.traces_dir} holds {total / 2**20:.0f} MB (largest: "
            f"{', '.join(f'{k} {v / 2**20:.1f} MB' for k, v in biggest)}), above the "
            f"{TRACE_WARN_MB} MB this check warns at: every grading loads a seed's trace and the "
            f"student bundle carries the public ones. Record fewer steps or smaller tensors in "
            f"scenario.py (limit: trace_mb = {exercise.limits.trace_mb} per seed).")
