"""Warm latency of two checkouts of tracegrade, measured in alternating rounds (so that the
machine's drift hits both alike): each checkout runs its own warm pool in a process of its own,
and the two take turns grading every bundled solution, starter and corpus file, one at a
time (bench/grading.py --baseline also measures throughput and CPU).

    python bench/compare.py OTHER_CHECKOUT [--rounds 10]

Prints p50 and p95 per checkout and the ratio of this checkout's p50 to the other's. Make the
other checkout with `git worktree add /tmp/old <commit>`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def worker(root: str) -> None:
    """In a process of its own: a warm pool of the checkout at root, one round per input line."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("tg_bench_grading", HERE / "bench" / "grading.py")
    listing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(listing)         # (this checkout's list: the whole course)
    sys.path.insert(0, root)
    from graders import Exercise, Grader
    from graders.pool import WarmPool

    subs = [(Exercise.load(folder), label, source)
            for folder, label, source in listing.submissions(Path(root) / "exercises")]
    pool = WarmPool(start=2)
    pool.wait_ready()
    with Grader(pool) as g:
        for ex, _label, source in subs:          # off the clock: sessions for every exercise
            g.grade(ex, source)
        print("ready", flush=True)
        for _ in sys.stdin:
            times = []
            for ex, _label, source in subs:
                t0 = time.perf_counter()
                g.grade(ex, source)
                times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps(times), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", nargs="?", help="the other checkout (a folder with graders/ and exercises/)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if not args.other:
        ap.error("name the other checkout")
    roots = {"this": str(HERE), "other": str(Path(args.other).resolve())}
    procs = {name: subprocess.Popen([sys.executable, __file__, "--worker", root], text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root)
             for name, root in roots.items()}
    for name, p in procs.items():
        if p.stdout.readline().strip() != "ready":
            print(f"the {name} checkout's pool did not start", file=sys.stderr)
            return 2
    times = {name: [] for name in procs}
    for r in range(args.rounds):
        for name in ("this", "other") if r % 2 == 0 else ("other", "this"):
            procs[name].stdin.write("round\n")
            procs[name].stdin.flush()
            times[name] += json.loads(procs[name].stdout.readline())
    for p in procs.values():
        p.stdin.close()
        p.wait()
    p50 = {name: statistics.median(v) for name, v in times.items()}
    for name, v in times.items():
        v = sorted(v)
        print(f"{name:6} {roots[name]}: {len(v)} gradings, p50 {p50[name]:.1f} ms, "
              f"p95 {v[round(0.95 * (len(v) - 1))]:.1f} ms")
    print(f"this / other (p50): {p50['this'] / p50['other']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
