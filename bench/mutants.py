"""Mutation testing of the whole bundled course: every exercise's solution mutated
(graders.mutants), each mutant graded on every seed through one warm pool.

    python bench/mutants.py [--exercises DIR] [--in-flight N] [--only SLUG ...] [--verbose]

Prints per exercise: mutants generated, marked equivalent, caught, survived, % caught and
seconds, then the total time. Exits 1 when an exercise is below the 95% threshold.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders import Exercise, Grader  # noqa: E402
from graders.mutants.report import report_lines  # noqa: E402
from graders.mutants.run import THRESHOLD, run_mutants  # noqa: E402
from graders.pool import cores  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exercises", type=Path, default=ROOT / "exercises")
    ap.add_argument("--in-flight", type=int, default=cores())
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--verbose", action="store_true", help="print each exercise's full report")
    args = ap.parse_args()
    exercises = [Exercise.load(t.parent) for t in sorted(args.exercises.glob("*/exercise.toml"))]
    if args.only:
        exercises = [e for e in exercises if e.slug in args.only]
    t0 = time.monotonic()
    rows, bad = [], 0
    with Grader() as grader:
        start = time.monotonic() - t0
        for ex in exercises:
            run = run_mutants(ex, grader, in_flight=args.in_flight)
            if args.verbose or not run.ok:
                print("\n".join(report_lines(run, show_caught=args.verbose)), flush=True)
            bad += not run.ok
            rows.append((ex.slug, run.generated, run.equivalent, run.caught, len(run.survivors),
                         100 * run.fraction, run.seconds))
    total = time.monotonic() - t0
    print(f"\n{'exercise':<20}{'generated':>10}{'equiv.':>8}{'caught':>8}{'survived':>10}"
          f"{'caught %':>10}{'seconds':>9}")
    for slug, g, e, c, s, pct, sec in rows:
        print(f"{slug:<20}{g:>10}{e:>8}{c:>8}{s:>10}{pct:>9.1f}%{sec:>9.1f}")
    g, e, c, s = (sum(r[i] for r in rows) for i in (1, 2, 3, 4))
    pct = 100 * c / (g - e) if g - e else 100.0
    print(f"{'total':<20}{g:>10}{e:>8}{c:>8}{s:>10}{pct:>9.1f}%{total:>9.1f}")
    print(f"\nwhole course: {total:.1f} s ({start:.1f} s starting the pool), {args.in_flight} in "
          f"flight on {cores()} cores; threshold {THRESHOLD:.0%}; "
          f"{len(rows) - bad} of {len(rows)} exercises at or above it")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
