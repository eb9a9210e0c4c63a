"""Engine throughput and latency over the whole bundled course: the warm pool of this checkout
(and, with --baseline, of another commit, measured in alternation), against a cold sample.

    python bench/grading.py [--rounds 3] [--baseline REV] [--cold-sample 10] [--json]

Grades every exercise's solution, starter and corpus files (tests/exercises/corpus/<slug>/*.py).
Throughput: each exercise's submissions with two gradings in flight, exercise after exercise;
gradings/s over the whole course and the CPU per grading of each exercise (the CPU time of the
pool's whole process tree, read from /proc: other jobs on the machine do not count). Warm
latency: one grading at a time, back to back. Scores: what every warm grading decided (score,
verdict, each test's status, diagnosis and message) against the cold path (a fresh interpreter
per grading, a sample of --cold-sample), and against the baseline's when there is one. --baseline REV measures REV's engine (a git worktree in /tmp) in a
process of its own, alternating rounds with this checkout, and prints each figure side by side.
--floor runs bench/floor.py after each round: the CPU of phase 1 alone (the exercise's own work),
printed against the CPU a grading may cost for twice the baseline's gradings/s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from proctree import tree_cpu

HERE = Path(__file__).resolve().parent.parent
TARGETS = {"throughput_ratio": 2.0, "warm_p50_ms": 30.0}
IN_FLIGHT = 2


def submissions(exercises_dir: Path, corpus_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """(exercise folder, label, source) for each exercise's solution, starter and corpus files,
    exercise by exercise (only exercises with recorded traces)."""
    import tomllib
    corpus_dir = corpus_dir or HERE / "tests" / "exercises" / "corpus"
    out = []
    for toml in sorted(Path(exercises_dir).glob("*/exercise.toml")):
        folder = toml.parent
        if not any((folder / "traces").glob("seed-*/trace.json")):
            continue
        slug = tomllib.loads(toml.read_text(encoding="utf-8")).get("slug", folder.name)
        files = [folder / "solution.py", folder / "starter.py", *sorted((corpus_dir / slug).glob("*.py"))]
        out += [(str(folder), f"{slug}/{f.name}", f.read_text(encoding="utf-8")) for f in files if f.is_file()]
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


# ---- the worker: one checkout's warm pool, in a process of its own ------------------------------
def worker(root: str, exercises: str, corpus: str) -> None:
    """Serve measurement requests (one JSON line each) for the checkout at root."""
    sys.path.insert(0, root)
    from graders import Exercise, Grader
    from graders.pool import WarmPool

    subs = submissions(Path(exercises), Path(corpus))
    loaded = {folder: Exercise.load(folder) for folder, _, _ in subs}
    pool = WarmPool(start=IN_FLIGHT)
    pool.wait_ready()
    me = os.getpid()
    with Grader(pool) as g:
        by_ex: dict[str, list] = {}
        for folder, label, source in subs:
            by_ex.setdefault(folder, []).append((label, source))
        for folder, items in by_ex.items():      # off the clock: two sessions of every exercise
            _in_flight(g, loaded[folder], items[:2 * IN_FLIGHT])
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            what = json.loads(line)["do"]
            if what == "throughput":
                per, wall_all, n_all = {}, 0.0, 0
                for folder, items in by_ex.items():
                    time.sleep(0.05)             # the previous exercise's leftovers reaped
                    c0, t0 = tree_cpu(me), time.perf_counter()
                    _in_flight(g, loaded[folder], items)
                    wall = time.perf_counter() - t0
                    time.sleep(0.05)
                    cpu = tree_cpu(me) - c0
                    per[loaded[folder].slug] = {"n": len(items), "wall": wall, "cpu": cpu}
                    wall_all += wall
                    n_all += len(items)
                print(json.dumps({"per": per, "wall": wall_all, "n": n_all}), flush=True)
            else:
                times, scores = [], {}
                for folder, label, source in subs:
                    t0 = time.perf_counter()
                    r = g.grade(loaded[folder], source)
                    times.append(time.perf_counter() - t0)
                    scores[label] = outcome(r)
                print(json.dumps({"times": times, "scores": scores}), flush=True)


def outcome(r) -> list:
    """What a grading decided: score, verdict, and each test's status, diagnosis and message."""
    return [r.score, r.verdict.value, [[t.name, t.status, t.diagnosis, t.message] for t in r.tests]]


def _in_flight(grader, exercise, items) -> None:
    """Grade items (label, source) with IN_FLIGHT gradings at a time."""
    todo, lock = list(items), threading.Lock()

    def work():
        while True:
            with lock:
                if not todo:
                    return
                _, source = todo.pop(0)
            grader.grade(exercise, source)
    threads = [threading.Thread(target=work) for _ in range(IN_FLIGHT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Worker:
    """The measuring side's handle on a worker process."""

    def __init__(self, root: Path, exercises: Path, corpus: Path):
        self.root = root
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", str(root), str(exercises),
                                      str(corpus)], text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, cwd=str(root))

    def ask(self, what: str) -> dict:
        self.proc.stdin.write(json.dumps({"do": what}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker of {self.root} ended")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def baseline_checkout(rev: str) -> Path:
    """A git worktree of rev in /tmp (made once; reused while it is there)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=HERE, capture_output=True, text=True,
                         check=True).stdout.strip()
    path = Path(f"/tmp/tracegrade-baseline-{sha}")
    if not (path / "graders").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), sha], cwd=HERE, check=True,
                       capture_output=True)
    return path


# ---- the cold path -----------------------------------------------------------------------------
def cold_one(exercise_dir: str, source_file: str) -> None:
    """One cold grading in this fresh interpreter: import torch, pytest and both phases, grade
    (each phase in a fork: graders.pool.backends.ColdBackend's work without its exec), print."""
    sys.path.insert(0, str(HERE))
    import pytest  # noqa: F401
    import torch  # noqa: F401

    from bench.cold import ForkBackend
    from graders import Exercise, Grader
    from graders.grading import phase1, phase2, plugin  # noqa: F401
    from graders.pool import lazydynamo
    lazydynamo.skip_until_imported()
    try:                                    # (the zygotes' shortcuts, where the checkout has them)
        from graders.pool import seeding
        seeding.skip_absent_devices()
    except ImportError:
        pass
    ex = Exercise.load(exercise_dir)
    r = Grader(ForkBackend()).grade(ex, Path(source_file).read_text(encoding="utf-8"))
    print(json.dumps(outcome(r)))


def run_cold(sample, tmp: Path) -> tuple[list[float], dict]:
    times, scores = [], {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEGRADE_")}
    for i, (folder, label, source) in enumerate(sample):
        f = tmp / f"sub{i}.py"
        f.write_text(source, encoding="utf-8")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--cold-one", folder, str(f)],
                             capture_output=True, text=True, env=env, check=True).stdout
        times.append(time.perf_counter() - t0)
        scores[label] = json.loads(out.strip().splitlines()[-1])
    return times, scores


def spread(subs, n: int):
    """n submissions spread over the course (every exercise's solution and starter first)."""
    if n <= 0:
        return []
    step = max(1, len(subs) // n)
    return subs[::step][:n]


# ---- the measuring side ------------------------------------------------------------------------
def measure(args) -> dict:
    exercises, corpus = Path(args.exercises), Path(args.corpus)
    names = {"this": HERE}
    if args.baseline:
        names["baseline"] = baseline_checkout(args.baseline)
    load_before = os.getloadavg()[0]
    workers = {}
    for name, root in names.items():          # one at a time: starting pools competes for the CPU
        w = Worker(root, exercises, corpus)
        if not json.loads(w.proc.stdout.readline() or "{}").get("ready"):
            raise RuntimeError(f"the {name} checkout's pool did not start")
        workers[name] = w
    thr = {n: [] for n in workers}
    lat = {n: [] for n in workers}
    scores, floors = {}, []
    for r in range(args.rounds):
        order = list(workers) if r % 2 == 0 else list(reversed(workers))
        for name in order:
            thr[name].append(workers[name].ask("throughput"))
        if args.floor:
            floors.append(floor_round(exercises, corpus))
        for name in reversed(order):
            got = workers[name].ask("latency")
            lat[name] += got["times"]
            scores.setdefault(name, got["scores"])
    for w in workers.values():
        w.close()
    import tempfile
    sample = spread(submissions(exercises, corpus), args.cold_sample)
    with tempfile.TemporaryDirectory(prefix="tracegrade-bench-") as tmp:
        cold_times, cold_scores = run_cold(sample, Path(tmp))
    res = {"rounds": args.rounds, "submissions": len(scores["this"]), "in_flight": IN_FLIGHT,
           "load_average_before": round(load_before, 2), "load_average_after": round(os.getloadavg()[0], 2),
           "checkouts": {n: str(p) for n, p in names.items()}, "figures": {}}
    for name in workers:
        runs = thr[name]
        per = {}
        for slug in runs[0]["per"]:
            n = sum(x["per"][slug]["n"] for x in runs)
            per[slug] = {"cpu_ms": round(1000 * sum(x["per"][slug]["cpu"] for x in runs) / n, 1),
                         "wall_ms": round(1000 * sum(x["per"][slug]["wall"] for x in runs) / n, 1)}
        rates = [x["n"] / x["wall"] for x in runs]
        n_all = sum(x["n"] for x in runs)
        res["figures"][name] = {
            "throughput_per_s": round(statistics.median(rates), 2),
            "throughput_runs": [round(v, 2) for v in rates],
            "cpu_ms_per_grading": round(1000 * sum(sum(p["cpu"] for p in x["per"].values()) for x in runs) / n_all, 1),
            "warm_p50_ms": round(1000 * pct(lat[name], 0.5), 1),
            "warm_p95_ms": round(1000 * pct(lat[name], 0.95), 1),
            "per_exercise": per,
        }
    if floors:
        res["floor"] = {k: round(statistics.median(f[k] for f in floors), 1)
                        for k in ("first_ms", "second_ms", "second_p50_ms")}
        res["floor"]["runs"] = [f["second_ms"] for f in floors]
    res["same_scores_as_cold"] = all(scores["this"][label] == cold_scores[label] for label in cold_scores)
    res["cold_sample"] = len(cold_scores)
    res["cold_p50_ms"] = round(1000 * pct(cold_times, 0.5), 1) if cold_times else None
    if "baseline" in workers:
        diff = [k for k in scores["this"] if scores["this"][k] != scores["baseline"].get(k)]
        res["same_scores_as_baseline"] = not diff
        res["score_differences"] = {k: [scores["this"][k][:2], scores["baseline"].get(k, [None, None])[:2]]
                                    for k in diff}
        f = res["figures"]
        res["throughput_ratio"] = round(f["this"]["throughput_per_s"] / f["baseline"]["throughput_per_s"], 2)
        res["p50_ratio"] = round(f["this"]["warm_p50_ms"] / f["baseline"]["warm_p50_ms"], 2)
    return res


def floor_round(exercises: Path, corpus: Path) -> dict:
    """One run of bench/floor.py (phase 1 alone, without sandbox, pool or pytest), here
    between the throughput rounds so that it meets the same machine."""
    out = subprocess.run([sys.executable, str(HERE / "bench" / "floor.py"), "--json",
                          "--exercises", str(exercises), "--corpus", str(corpus)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def table(r: dict) -> str:
    names = list(r["figures"])
    f = r["figures"]
    head = "".join(f"{n:>14}" for n in names)
    lines = [f"{r['submissions']} submissions (solutions, starters, corpus), {r['rounds']} rounds, "
             f"{r['in_flight']} in flight, load average {r['load_average_before']} before, "
             f"{r['load_average_after']} after",
             *(f"  {n}: {p}" for n, p in r["checkouts"].items()),
             f"{'':28}{head}"]
    for key, label in (("throughput_per_s", "gradings/s (2 in flight)"),
                       ("cpu_ms_per_grading", "CPU ms per grading"),
                       ("warm_p50_ms", "warm p50 ms"), ("warm_p95_ms", "warm p95 ms")):
        lines.append(f"{label:28}" + "".join(f"{f[n][key]:>14}" for n in names))
    lines.append("CPU ms per grading, by exercise (costliest first):")
    slugs = sorted(f["this"]["per_exercise"], key=lambda s: -f["this"]["per_exercise"][s]["cpu_ms"])
    for s in slugs:
        lines.append(f"  {s:26}" + "".join(f"{f[n]['per_exercise'][s]['cpu_ms']:>14}" for n in names))
    lines.append(f"throughput runs: " + "; ".join(f"{n} {f[n]['throughput_runs']}" for n in names))
    lines.append(f"cold sample: {r['cold_sample']} gradings, p50 {r['cold_p50_ms']} ms; "
                 f"same scores as cold: {r['same_scores_as_cold']}"
                 + (f"; same scores as baseline: {r['same_scores_as_baseline']}" if "baseline" in f else ""))
    if "floor" in r:
        fl = r["floor"]
        lines.append(f"phase 1 alone (bench/floor.py, between the rounds {fl['runs']}): warm {fl['second_ms']} ms "
                     f"a grading, first run {fl['first_ms']} ms, warm median {fl['second_p50_ms']} ms")
        if "baseline" in f:
            budget = f["baseline"]["cpu_ms_per_grading"] / 2
            lines.append(f"  twice the baseline's gradings/s leaves {budget:.1f} ms of CPU a grading; "
                         f"phase 1 alone, warm, is {fl['second_ms'] / budget:.0%} of it")
    p50_ok = f["this"]["warm_p50_ms"] <= TARGETS["warm_p50_ms"]
    target = f"targets: warm p50 <= {TARGETS['warm_p50_ms']:g} ms {'met' if p50_ok else 'MISSED'}"
    if "baseline" in f:
        ok = r["throughput_ratio"] >= TARGETS["throughput_ratio"]
        lines.append(f"this / baseline: gradings/s {r['throughput_ratio']}x, p50 {r['p50_ratio']}x")
        target += f", gradings/s >= {TARGETS['throughput_ratio']:g}x baseline {'met' if ok else 'MISSED'}"
    lines.append(target)
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds over the whole course, per checkout")
    ap.add_argument("--baseline", default="", help="a commit to measure side by side (git worktree)")
    ap.add_argument("--cold-sample", type=int, default=10, help="cold gradings to check scores against")
    ap.add_argument("--exercises", default=str(HERE / "exercises"))
    ap.add_argument("--corpus", default=str(HERE / "tests" / "exercises" / "corpus"))
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--floor", action="store_true",
                    help="also run bench/floor.py after each round: phase 1's own CPU, the least a grading costs")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--cold-one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.cold_one:
        cold_one(*args.cold_one)
        return 0
    res = measure(args)
    print(json.dumps(res) if args.json else table(res))
    same = res["same_scores_as_cold"] and res.get("same_scores_as_baseline", True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
