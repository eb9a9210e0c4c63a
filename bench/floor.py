"""The least CPU a grading of the bundled course can cost: each submission's phase 1 alone (the
exercise's scenario running the student's code, its traces written), without sandbox or pool.

    python bench/floor.py [--budget-of BASELINE_CPU_MS] [--json]

Takes the submissions `bench/grading.py` grades (every exercise's solution, starter and corpus
files). Each runs phase 1 twice, in a fork of this process (imports and warm-up as the pool's phase-1
zygote): the first run as the pool's student process would, the second one warm (the submission compiled,
the scenario's code paths run once): the exercise's own work, which no engine can skip. Phase 2
(the graders) and everything the sandbox and the pool add come on top.

--budget-of: the baseline's CPU ms per grading from `bench/grading.py --baseline` run in the same
hour; issue #18's target (twice its gradings/s on a CPU-bound machine) leaves half of it a grading,
and the floor is printed as a share of that.

It runs the submissions' code unsandboxed: use it on the bundled course only.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from grading import HERE, TARGETS, submissions

sys.path.insert(0, str(HERE))
P50_TARGET_MS = TARGETS["warm_p50_ms"]


def _in_child(exercise, source: str, tmp: Path, w: int) -> None:
    from graders.grading import phase1
    from graders.grading.grader import phase1_job
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    cpu, verdict = [], None
    for run in ("first", "second"):
        job = phase1_job(exercise, source, exercise.seeds, tmp / run)
        os.chdir(job["work_dir"])
        t0 = time.process_time()
        phase1.run(job)
        cpu.append(1000 * (time.process_time() - t0))
        verdict = json.loads((tmp / run / "out" / "result.json").read_text())["verdict"]
        phase1.apply_limits = lambda limits: None   # (the first run's stay: unprivileged, a
        #                                              second setrlimit could not raise them)
    os.write(w, json.dumps({"cpu": cpu, "verdict": verdict}).encode())


def phase1_cpu(exercise, source: str) -> dict:
    """{"cpu": [first, second run's CPU ms], "verdict": ...} of phase 1 in a fork, or {"error": why}."""
    tmp = Path(tempfile.mkdtemp(prefix="tracegrade-floor-"))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            _in_child(exercise, source, tmp, w)
        except BaseException as e:
            os.write(w, json.dumps({"error": f"{type(e).__name__}: {e}"[:300]}).encode())
            code = 1
        os._exit(code)
    os.close(w)
    ready = select.select([r], [], [], 2 * exercise.limits.wall_seconds + 10)[0]
    if not ready:
        os.kill(pid, signal.SIGKILL)
    data = os.read(r, 1 << 16) if ready else b""
    os.close(r)
    os.waitpid(pid, 0)
    shutil.rmtree(tmp, ignore_errors=True)
    if not data:
        return {"error": "no answer (it ran out of time or was killed)"}
    return json.loads(data)


def measure(exercises: Path, corpus: Path) -> dict:
    from graders import Exercise
    from graders.pool import zygote
    from graders.pool.heap import collapse_heap

    zygote.import_only("untrusted")      # as the pool's phase-1 zygote: the same imports,
    zygote.warm_untrusted()              # warm-up and frozen heap before it forks
    gc.collect()
    gc.freeze()
    collapse_heap()
    per: dict[str, dict] = {}
    loaded: dict[str, Exercise] = {}
    for folder, label, source in submissions(exercises, corpus):
        ex = loaded.setdefault(folder, Exercise.load(folder))
        got = phase1_cpu(ex, source)
        slot = per.setdefault(ex.slug, {"n": 0, "first": [], "second": [], "failed": []})
        slot["n"] += 1
        if "error" in got:
            slot["failed"].append(f"{label} ({got['error']})")
        else:
            slot["first"].append(got["cpu"][0])
            slot["second"].append(got["cpu"][1])
    first = [v for s in per.values() for v in s["first"]]
    second = [v for s in per.values() for v in s["second"]]
    return {"submissions": sum(s["n"] for s in per.values()), "measured": len(first),
            "first_ms": round(statistics.fmean(first), 1), "second_ms": round(statistics.fmean(second), 1),
            "first_p50_ms": round(statistics.median(first), 1), "second_p50_ms": round(statistics.median(second), 1),
            "per_exercise": {slug: {"n": s["n"], "first_ms": round(statistics.fmean(s["first"]), 1),
                                    "second_ms": round(statistics.fmean(s["second"]), 1),
                                    "not_measured": s["failed"]}
                             for slug, s in per.items() if s["first"]}}


def table(r: dict, budget_of: float | None) -> str:
    lines = [f"phase 1 alone, CPU ms a submission ({r['measured']} of {r['submissions']} submissions measured; "
             f"mean of each exercise's files)",
             f"  {'exercise':26}{'first run':>12}{'warm run':>12}"]
    for slug, s in sorted(r["per_exercise"].items(), key=lambda kv: -kv[1]["second_ms"]):
        late = f"   not measured: {'; '.join(s['not_measured'])}" if s["not_measured"] else ""
        lines.append(f"  {slug:26}{s['first_ms']:>12}{s['second_ms']:>12}{late}")
    lines.append(f"  {'the course':26}{r['first_ms']:>12}{r['second_ms']:>12}")
    lines.append(f"  {'the course, median':26}{r['first_p50_ms']:>12}{r['second_p50_ms']:>12}")
    lines.append(f"a grading takes at least its phase 1's CPU time (one thread); the warm p50 target "
                 f"is {P50_TARGET_MS:g} ms, phase 1's warm median alone {r['second_p50_ms']} ms")
    if budget_of:
        budget = budget_of / 2
        lines.append(f"twice the baseline's gradings/s leaves {budget:.1f} ms of CPU a grading "
                     f"(its {budget_of:g} / 2); phase 1 alone, warm, takes {r['second_ms'] / budget:.0%} of it")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exercises", default=str(HERE / "exercises"))
    ap.add_argument("--corpus", default=str(HERE / "tests" / "exercises" / "corpus"))
    ap.add_argument("--budget-of", type=float, default=None,
                    help="the baseline's CPU ms per grading (bench/grading.py --baseline)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    res = measure(Path(args.exercises), Path(args.corpus))
    print(json.dumps(res) if args.json else table(res, args.budget_of))
    return 0


if __name__ == "__main__":
    sys.exit(main())
