"""Wall-clock time of `tracegrade grade` on one file against `python -c "import torch"`, measured
side by side in alternating rounds (so that the machine's drift hits all alike).

    python bench/cli.py [--rounds 7] [--old /tmp/old] [--json]

Each round runs, in turn: the baseline `python -c "import torch"` (and, for a stricter
comparison, the same ended by os._exit, without the interpreter's teardown, as `tracegrade
grade` ends); `tracegrade grade` of exercises/zero-grad's solution and starter (one
interpreter: graders.pool.inline); the same with --pool (the one-shot warm pool: two zygote
interpreters); and, with --old, the command of another checkout (`git worktree add /tmp/old
<commit>`). Prints each one's median wall time and its ratio to the baseline's median (and to
the stricter one's); the target is a ratio of at most 1.3 to `import torch`. Every grading's
score is checked (10/10 for the solution, less for the starter).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
EXERCISE = "exercises/zero-grad"
TARGET = 1.3
TOTAL = re.compile(r"Total: ([\d.]+)/([\d.]+)")


def commands(python: str, old: str | None) -> dict[str, tuple[list[str], str | None]]:
    """name -> (argv, what the score must be: 'full', 'partial' or None), run from HERE."""
    tracegrade = str(Path(python).parent / "tracegrade")
    ex = HERE / EXERCISE
    out = {
        "import torch": ([python, "-c", "import torch"], None),
        # the same without the interpreter's teardown, which `tracegrade grade` skips (os._exit)
        "import torch, _exit": ([python, "-c", "import os, torch; os._exit(0)"], None),
        "grade solution": ([tracegrade, "grade", str(ex), str(ex / "solution.py")], "full"),
        "grade starter": ([tracegrade, "grade", str(ex), str(ex / "starter.py")], "partial"),
        "grade solution --pool": ([tracegrade, "grade", "--pool", str(ex), str(ex / "solution.py")], "full"),
    }
    if old:
        run_old = (f"import sys; sys.path.insert(0, {old!r}); sys.argv[0] = 'tracegrade'; "
                   f"from graders.cli.main import main; main()")
        oex = Path(old) / EXERCISE
        out["old: grade solution"] = ([python, "-c", run_old, "grade", str(oex), str(oex / "solution.py")], "full")
    return out


def once(argv: list[str], expect: str | None, cwd: Path) -> float:
    """Seconds of wall time for one run; checks its exit status and score."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"{argv} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    if expect is not None:
        m = TOTAL.search(r.stdout)
        got, top = (float(m.group(1)), float(m.group(2))) if m else (None, None)
        if m is None or (got == top) != (expect == "full"):
            sys.exit(f"{argv}: unexpected score:\n{r.stdout[-2000:]}")
    return wall


def load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--old", help="another checkout (git worktree) to time too")
    ap.add_argument("--only", action="append", help="time only these (and import torch)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cmds = commands(sys.executable, args.old)
    if args.only:
        cmds = {k: v for k, v in cmds.items() if k.startswith("import torch") or k in args.only}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    loads = [load()]
    for name, (argv, expect) in cmds.items():       # a first run of each, off the clock
        once(argv, expect, HERE)
    for r in range(args.rounds):
        order = list(cmds) if r % 2 == 0 else list(reversed(cmds))
        for name in order:
            argv, expect = cmds[name]
            times[name].append(once(argv, expect, HERE))
        loads.append(load())
    base = statistics.median(times["import torch"])
    strict = statistics.median(times["import torch, _exit"]) if "import torch, _exit" in times else None
    rows = {name: {"median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3),
                   "ratio": round(statistics.median(t) / base, 3),
                   "ratio_strict": round(statistics.median(t) / strict, 3) if strict else None,
                   "runs": [round(x, 3) for x in t]}
            for name, t in times.items()}
    summary = {"rounds": args.rounds, "cpus": os.cpu_count(), "load_avg": [round(x, 1) for x in loads],
               "target_ratio": TARGET, "rows": rows,
               "met": rows["grade solution"]["ratio"] <= TARGET if "grade solution" in rows else None}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{args.rounds} alternating rounds on {os.cpu_count()} CPUs, load average "
          f"{min(loads):.1f}-{max(loads):.1f} (1 min)")
    print(f"{'command':<24} {'median s':>9} {'min s':>7} {'ratio':>6} {'strict':>7}")
    for name, row in rows.items():
        print(f"{name:<24} {row['median_s']:>9.3f} {row['min_s']:>7.3f} {row['ratio']:>6.2f} "
              f"{row['ratio_strict']:>7.2f}")
    print("ratio: to import torch's median; strict: to the median of import torch ended by os._exit")
    if summary["met"] is not None:
        print(f"target: grade solution <= {TARGET} x import torch: "
              f"{'met' if summary['met'] else 'NOT met'} ({rows['grade solution']['ratio']:.2f})")


if __name__ == "__main__":
    main()
