"""Grading latency and throughput: the warm pool against a cold baseline (a fresh interpreter
per submission that imports torch and pytest and runs the same two phases).

    python bench/grading.py [--rounds 10] [--cold-rounds 1] [--json]

Grades every bundled exercise's solution and starter. Latency is measured one grading at a time,
back to back (each grading starts as the previous one returns, so it shares the CPU with the
previous job's exits and the next job's preparation) and paced (a pause before each grading, as
on a server that is not saturated); throughput with one grading in flight per core. Prints a
table, or one JSON object with --json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders import Exercise, Grader  # noqa: E402
from graders.pool import WarmPool, cores  # noqa: E402
from graders.pool.backends import Backend, ChildRun, kill_group, watch_child  # noqa: E402

TARGETS = {"speedup": 30.0, "warm_p50_ms": 80.0, "throughput_per_s": 25.0}


def submissions(exercises_dir: Path) -> list[tuple[Exercise, str, str]]:
    """(exercise, label, source) for each bundled exercise's solution and starter."""
    out = []
    for toml in sorted(exercises_dir.glob("*/exercise.toml")):
        ex = Exercise.load(toml.parent)
        if not all((ex.trace_dir(s) / "trace.json").is_file() for s in ex.seeds):
            continue
        for f in (ex.solution, ex.starter):
            out.append((ex, f"{ex.slug}/{f.name}", f.read_text(encoding="utf-8")))
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


# ---- the cold baseline -------------------------------------------------------------------------
class ForkBackend(Backend):
    """Runs each phase in a fork of this (freshly started, not warmed) interpreter."""

    description = "cold: fresh interpreter per submission"

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        from graders.grading import child
        pipes = [os.pipe() for _ in range(3)]
        (out_r, out_w), (err_r, err_w), (ready_r, ready_w) = pipes
        pid = os.fork()
        if pid == 0:
            os.setsid()
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.chdir(job.get("work_dir") or job["tmp_dir"])
            os._exit(child.run_phase({**job, "ready_fd": ready_w}))
        for fd in (out_w, err_w, ready_w):
            os.close(fd)

        def wait(timeout):
            end = None if timeout is None else time.monotonic() + timeout
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status
                if end is not None and time.monotonic() > end:
                    return None
                time.sleep(0.002)
        try:
            return watch_child(pid, out_r, err_r, ready_r, wall_seconds, output_bytes, wait)
        finally:
            kill_group(pid)
            for fd in (out_r, err_r, ready_r):
                os.close(fd)


def cold_one(exercise_dir: str, source_file: str) -> None:
    """Entry point of one cold grading (in its own fresh interpreter): import torch, pytest and
    both phases once (the forks below share them, as a process per submission would), grade,
    print the score. It gets the zygotes' start-up shortcuts, so that the speedup measures what
    being warm saves, not those."""
    import pytest  # noqa: F401
    import torch  # noqa: F401

    from graders.grading import phase1, phase2, plugin  # noqa: F401
    from graders.pool import lazydynamo
    lazydynamo.skip_until_imported()        # the zygotes' start-up shortcut too (1.9 s a process)
    ex = Exercise.load(exercise_dir)
    r = Grader(ForkBackend()).grade(ex, Path(source_file).read_text(encoding="utf-8"))
    print(json.dumps({"score": r.score, "verdict": r.verdict.value}))


def run_cold(subs, rounds: int, tmp: Path) -> tuple[list[float], list[float]]:
    times, scores = [], []
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEGRADE_")}
    for _ in range(rounds):
        for i, (ex, _label, source) in enumerate(subs):
            f = tmp / f"sub{i}.py"
            f.write_text(source, encoding="utf-8")
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--cold-one", str(ex.path), str(f)],
                                 capture_output=True, text=True, env=env, check=True).stdout
            times.append(time.perf_counter() - t0)
            scores.append(json.loads(out.strip().splitlines()[-1])["score"])
    return times, scores


# ---- the warm pool -----------------------------------------------------------------------------
def run_warm_latency(grader: Grader, subs, rounds: int, gap: float = 0.0) -> tuple[list[float], list[float]]:
    """Seconds per grading and scores, one grading at a time; gap: seconds of pause before each."""
    times, scores = [], []
    for _ in range(rounds):
        for ex, _label, source in subs:
            if gap:
                time.sleep(gap)
            t0 = time.perf_counter()
            r = grader.grade(ex, source)
            times.append(time.perf_counter() - t0)
            scores.append(r.score)
    return times, scores


def phase_table(grader: Grader, subs, rounds: int) -> str:
    """Median milliseconds per exercise solution: whole grading, phase 1, phase 2 (the phases
    one after the other: run alongside, phase 2's time would include waiting for phase 1)."""
    backend, spent = grader.backend, {}
    run = backend.run
    streaming = getattr(backend, "stream_when_idle", None)
    if streaming is not None:
        backend.stream_when_idle = False

    def timed(job, wall_seconds, output_bytes):
        t0 = time.perf_counter()
        try:
            return run(job, wall_seconds=wall_seconds, output_bytes=output_bytes)
        finally:
            spent.setdefault(job["phase"], []).append(time.perf_counter() - t0)
    backend.run = timed
    lines = [f"{'solution of':24}{'seeds':>6}{'total':>8}{'phase 1':>9}{'phase 2':>9}   (median ms)"]
    try:
        for ex, label, source in subs:
            if not label.endswith("solution.py"):
                continue
            spent.clear()
            total, _ = run_warm_latency(grader, [(ex, label, source)], rounds)
            ms = lambda v: statistics.median(v) * 1000  # noqa: E731
            lines.append(f"{ex.slug:24}{len(ex.hidden_seeds):>6}{ms(total):>8.0f}{ms(spent[1]):>9.0f}"
                         f"{ms(spent[2]):>9.0f}")
    finally:
        backend.run = run
        if streaming is not None:
            backend.stream_when_idle = streaming
    return "\n".join(lines)


def run_warm_throughput(grader: Grader, subs, rounds: int, workers: int) -> float:
    jobs = [(ex, source) for _ in range(rounds) for ex, _label, source in subs]
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not jobs:
                    return
                ex, source = jobs.pop()
            grader.grade(ex, source)
    n = len(jobs)
    threads = [threading.Thread(target=work) for _ in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (time.perf_counter() - t0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10, help="warm rounds over all submissions")
    ap.add_argument("--cold-rounds", type=int, default=1, help="cold rounds over all submissions")
    ap.add_argument("--exercises", default=str(ROOT / "exercises"))
    ap.add_argument("--paced-rounds", type=int, default=3,
                    help="rounds with a pause before each grading (0: skip)")
    ap.add_argument("--gap", type=float, default=0.25, help="the pause of paced rounds, seconds")
    ap.add_argument("--only", default="", help="only exercises whose slug contains this")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--phases", action="store_true", help="only the per-phase table of the warm pool")
    ap.add_argument("--cold-one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cold_one:
        cold_one(*args.cold_one)
        return 0
    subs = [s for s in submissions(Path(args.exercises)) if args.only in s[0].slug]
    if not subs:
        print("no exercise with recorded traces found", file=sys.stderr)
        return 2
    workers = cores()
    load_before = os.getloadavg()[0]
    pool = WarmPool(start=workers)
    pool.wait_ready()
    with Grader(pool) as g:
        run_warm_throughput(g, subs, 1, workers)          # off the clock: sessions for every exercise
        if args.phases:
            print(phase_table(g, subs, args.rounds))
            return 0
        warm, warm_scores = run_warm_latency(g, subs, args.rounds)
        paced, _ = run_warm_latency(g, subs, args.paced_rounds, args.gap)
        throughput = run_warm_throughput(g, subs, args.rounds, workers)
        sandboxed = g.sandboxed
    import tempfile
    with tempfile.TemporaryDirectory(prefix="tracegrade-bench-") as tmp:
        cold, cold_scores = run_cold(subs, args.cold_rounds, Path(tmp))
    same = warm_scores[:len(subs)] == cold_scores[:len(subs)]
    res = {
        "warm_p50_ms": round(pct(warm, 0.5) * 1000, 1), "warm_p95_ms": round(pct(warm, 0.95) * 1000, 1),
        "cold_p50_ms": round(pct(cold, 0.5) * 1000, 1), "cold_p95_ms": round(pct(cold, 0.95) * 1000, 1),
        "speedup": round(pct(cold, 0.5) / pct(warm, 0.5), 1),
        "throughput_per_s": round(throughput, 1),
        **({"warm_paced_p50_ms": round(pct(paced, 0.5) * 1000, 1),
            "warm_paced_p95_ms": round(pct(paced, 0.95) * 1000, 1), "paced_gap_s": args.gap} if paced else {}),
        "cold_throughput_per_s": round(1 / statistics.mean(cold), 2),
        "gradings_warm": len(warm), "gradings_cold": len(cold), "submissions": len(subs),
        "same_scores": same, "sandboxed": sandboxed, "cores": workers,
        "load_average_before": round(load_before, 2), "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(res))
    else:
        print(table(res))
    return 0 if same else 1


def table(r: dict) -> str:
    ok = {"speedup": r["speedup"] >= TARGETS["speedup"],
          "warm_p50_ms": r["warm_p50_ms"] <= TARGETS["warm_p50_ms"],
          "throughput_per_s": r["throughput_per_s"] >= TARGETS["throughput_per_s"]}
    mark = {k: "met" if v else "MISSED" for k, v in ok.items()}
    iso = "sandboxed" if r["sandboxed"] else "NOT isolated"
    return "\n".join([
        f"{r['submissions']} submissions (solutions and starters), {r['cores']} cores, "
        f"load average {r['load_average_before']} before the run",
        f"{'':34}{'p50 ms':>9}{'p95 ms':>9}{'gradings/s':>12}",
        f"{'warm pool (' + iso + ')':34}{r['warm_p50_ms']:>9.1f}{r['warm_p95_ms']:>9.1f}"
        f"{r['throughput_per_s']:>12.1f}",
        *([f"{'warm, paced (' + str(r['paced_gap_s']) + ' s apart)':34}{r['warm_paced_p50_ms']:>9.1f}"
           f"{r['warm_paced_p95_ms']:>9.1f}"] if "warm_paced_p50_ms" in r else []),
        f"{'cold (fresh interpreter each)':34}{r['cold_p50_ms']:>9.1f}{r['cold_p95_ms']:>9.1f}"
        f"{r['cold_throughput_per_s']:>12.2f}",
        f"speedup (cold p50 / warm p50): {r['speedup']}x   same scores: {r['same_scores']}",
        f"targets: speedup >= 30x {mark['speedup']}, warm p50 <= 80 ms {mark['warm_p50_ms']}, "
        f"throughput >= 25/s {mark['throughput_per_s']} (p50 and p95 of the warm pool: back to back)",
    ])


if __name__ == "__main__":
    sys.exit(main())
