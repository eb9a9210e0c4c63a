"""The Grader: validates a submission, runs phase 1 (student code, untrusted) and phase 2
(pytest graders, trusted) through a Backend, and folds what happened into a GradeResult.

Scores come only from phase 2; everything phase 1 wrote is read as capped data.
"""
from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from pathlib import Path

from graders.errors import GradingError
from graders.format.exercise import Exercise
from graders.pool import stream
from graders.pool.backends import Backend, ChildRun
from graders.grading.provenance import file_sha, reference_meta  # noqa: F401 (file_sha: callers)
from graders.grading.results import (GradeResult, TestOutcome, Verdict, join_stderr,
                                     quiet_stderr)
from graders.sandbox import scratch

PHASE1_VERDICTS = {
    "syntax_error": Verdict.SYNTAX_ERROR, "exception": Verdict.EXCEPTION,
    "missing": Verdict.MISSING, "memory_limit": Verdict.MEMORY_LIMIT,
    "output_limit": Verdict.OUTPUT_LIMIT,
}
MAX_RESULT_BYTES = 64 << 10
PHASE2_WALL_SECONDS = 60.0


def decode_source(source, limit_kb: int) -> tuple[str | None, str]:
    """(text, "") for a usable submission, or (None, reason a student can act on)."""
    if isinstance(source, str):
        data = source.encode("utf-8", "surrogatepass")
    else:
        data = bytes(source)
    if len(data) > limit_kb * 1024:
        return None, (f"Your file is {len(data) // 1024} KB; the limit is {limit_kb} KB. "
                      f"Submit only the exercise file.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, (f"Your file is not UTF-8 text (byte {e.start} cannot be decoded). "
                      f"Save it as UTF-8 in your editor and submit again.")
    if not text.strip():
        return None, "Your file is empty. Start from the starter code and submit your version."
    if "\x00" in text:
        return None, "Your file contains a NUL byte, so it is not a Python source file."
    return text, ""



def phase1_job(exercise: Exercise, text: str, seeds, tmp: Path, meta=None) -> dict:
    """A phase-1 job for text in the folder tmp: its work folder (with the submission written
    in) and output folder made, and the job's description (see graders.grading.phase1.run)."""
    work, out = tmp / "work", tmp / "out"
    work.mkdir(parents=True)
    out.mkdir(exist_ok=True)
    (work / exercise.submission).write_text(text, encoding="utf-8")
    return {
        "phase": 1, "tmp_dir": str(tmp), "work_dir": str(work), "out_dir": str(out),
        "exercise_dir": str(exercise.path), "scenario": str(exercise.scenario),
        "data_dir": str(exercise.data_dir), "submission": exercise.submission,
        "seeds": list(seeds), "requires": list(exercise.requires),
        "limits": exercise.limits.to_dict(), "meta": meta or {},
        "public_files": [str(p) for p in exercise.public_files()],
    }

class Grader:
    """Grades submissions against exercises. Use as a context manager so the backend (a warm
    pool, when there is one) is started once and stopped at the end."""

    def __init__(self, backend: Backend | None = None, one_shot: bool = False):
        """one_shot: the default backend set up for a few gradings (the command line)."""
        self.backend = backend or default_backend(one_shot)

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    @property
    def sandboxed(self) -> bool:
        return self.backend.sandboxed

    # ---- grading ----------------------------------------------------------------------------
    def grade(self, exercise: Exercise, source, seeds: str | list[int] = "auto") -> GradeResult:
        """Grade source (str or bytes) on exercise. seeds: 'auto' (hidden when their reference
        traces exist, else public), 'public', 'hidden', 'all', or an explicit list."""
        t0 = time.monotonic()
        seed_list = self._seeds(exercise, seeds)
        text, problem = decode_source(source, exercise.limits.source_kb)
        if text is None:
            return self._verdict(exercise, Verdict.BAD_SOURCE, problem, seed_list, t0)
        for s in seed_list:
            if not (exercise.trace_dir(s) / "trace.json").is_file():
                raise GradingError(f"{exercise.path}: no reference trace for seed {s}. "
                                   f"Run `tracegrade trace {exercise.path}`.")
        with scratch.folder("tracegrade-") as tmp:
            tmp = Path(tmp)
            (tmp / "out").mkdir()
            # where the backend can, phase 2 starts now and grades each seed as it comes
            alongside = (_InThread(lambda: self._phase2(exercise, text, seed_list, tmp, streamed=True))
                         if getattr(self.backend, "streams", False) else None)
            ok = False                      # phase 1 finished with a trace for every seed
            try:
                run1, res1 = self._phase1(exercise, text, seed_list, tmp)
                early = self._phase1_verdict(exercise, run1, res1, seed_list, tmp / "out")
                ok = early is None
            finally:
                if alongside is not None:
                    stream.end(tmp / "out", stream.OK if ok else stream.ABORT)
                    streamed = alongside.result(raise_error=ok)
            if early is not None:
                verdict, message = early
                r = self._verdict(exercise, verdict, message, seed_list, t0)
                r.stdout, r.stderr = run1.stdout, quiet_stderr(run1.stderr)
                return r
            result = streamed if alongside is not None else None
            if result is None:       # not streamed, or the stream ran out of time waiting
                result = self._phase2(exercise, text, seed_list, tmp)
        result.stdout, result.stderr = run1.stdout, join_stderr(quiet_stderr(run1.stderr), [
            f"{t.name}:\n{t.error}" for t in result.grader_errors])
        result.execution_time = time.monotonic() - t0
        result.seeds = seed_list
        result.sandboxed = self.sandboxed
        return result

    def record_reference(self, exercise: Exercise, seeds=None) -> list[int]:
        """Run the solution and store its traces in exercise/traces/seed-N (all seeds)."""
        seeds = list(seeds or exercise.seeds)
        text = exercise.solution.read_text(encoding="utf-8")
        with scratch.folder("tracegrade-ref-") as tmp:
            tmp = Path(tmp)
            run1, res1 = self._phase1(exercise, text, seeds, tmp, meta=reference_meta(exercise))
            early = self._phase1_verdict(exercise, run1, res1, seeds, tmp / "out")
            if early is not None:
                raise GradingError(solution_failure(exercise, early, res1, run1.stderr))
            for s in seeds:
                dest = exercise.trace_dir(s)
                if dest.exists():
                    shutil.rmtree(dest)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(tmp / "out" / f"seed-{s}", dest)
        return seeds

    # ---- phases -------------------------------------------------------------------------------
    def _phase1(self, exercise: Exercise, text: str, seeds, tmp: Path, meta=None):
        job = phase1_job(exercise, text, seeds, tmp, meta)
        out = Path(job["out_dir"])
        lim = exercise.limits
        run = self.backend.run(job, wall_seconds=lim.wall_seconds, output_bytes=lim.output_kb * 1024)
        res = None
        rfile = out / "result.json"
        if rfile.is_file() and not rfile.is_symlink() and rfile.stat().st_size <= MAX_RESULT_BYTES:
            try:
                res = json.loads(rfile.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                res = None
        return run, res

    def _phase1_verdict(self, exercise: Exercise, run: ChildRun, res, seeds, out_dir: Path):
        """None when phase 1 produced a trace for every seed, else (Verdict, message)."""
        lim = exercise.limits
        if run.output_exceeded:
            return Verdict.OUTPUT_LIMIT, lim.message("output_kb")
        if run.timed_out:
            return Verdict.TIME_LIMIT, lim.message("wall_seconds")
        if run.signal == signal.SIGXCPU:
            return Verdict.TIME_LIMIT, lim.message("cpu_seconds")
        if run.signal == signal.SIGXFSZ:
            return Verdict.CRASHED, lim.message("file_size_mb")
        if run.signal is not None:
            name = signal.Signals(run.signal).name if run.signal in signal.Signals._value2member_map_ else run.signal
            if run.signal == signal.SIGKILL:
                return Verdict.MEMORY_LIMIT, lim.message("memory_mb")
            return Verdict.CRASHED, (f"Your code crashed the Python process (signal {name}). "
                                     f"This usually means very large tensors or a native error; "
                                     f"run it locally to see where.")
        if not isinstance(res, dict) or not isinstance(res.get("verdict"), str):
            return Verdict.CRASHED, (f"Your code ended the program early (exit status {run.returncode}) "
                                     f"before the exercise finished. Do not call exit() or os._exit().")
        v = res["verdict"]
        msg = str(res.get("message", ""))[:4000]
        if v == "internal":
            raise GradingError(f"{exercise.scenario}: {msg}")
        if v in PHASE1_VERDICTS:
            return PHASE1_VERDICTS[v], msg
        if v != "ok":
            return Verdict.CRASHED, "Your code interfered with the grader and the run was discarded."
        for s in seeds:
            folder = out_dir / f"seed-{s}"
            if not (folder / "trace.json").is_file() or not (folder / "trace.safetensors").is_file():
                return Verdict.CRASHED, "Your code interfered with the grader and the run was discarded."
        return None

    def _phase2(self, exercise: Exercise, text: str, seeds, tmp: Path,
                streamed: bool = False) -> GradeResult | None:
        """Run the graders. streamed: alongside phase 1, each seed as its trace arrives
        (graders.pool.stream); None when phase 1 failed or the run timed out waiting for it."""
        p2 = tmp / ("phase2-streamed" if streamed else "phase2")
        p2.mkdir()
        source_file = p2 / exercise.submission
        source_file.write_text(text, encoding="utf-8")
        job = {
            "phase": 2, "tmp_dir": str(p2), "exercise_dir": str(exercise.path),
            "graders": [str(p) for p in exercise.grader_files()], "seeds": list(seeds),
            "all_seeds": list(exercise.seeds),
            "student_dir": str(tmp / "out"), "reference_dir": str(exercise.traces_dir),
            "source_file": str(source_file), "results_file": str(p2 / "results.json"),
            "max_trace_bytes": exercise.limits.trace_mb << 20, "streamed": streamed,
        }
        job_file = p2 / "job.json"
        job["job_file"] = str(job_file)
        job_file.write_text(json.dumps(job), encoding="utf-8")
        wall = PHASE2_WALL_SECONDS + (exercise.limits.wall_seconds if streamed else 0)
        run = self.backend.run(job, wall_seconds=wall, output_bytes=1 << 20)
        rfile = p2 / "results.json"
        if streamed and (run.timed_out or not rfile.is_file()):
            return None
        if not rfile.is_file():
            raise GradingError(f"the graders of {exercise.slug} did not report (exit {run.returncode}, "
                               f"signal {run.signal}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        data = json.loads(rfile.read_text(encoding="utf-8"))
        tests, errors = [], []
        for t in data["tests"]:
            if t.get("error"):
                errors.append(f"{t['name']}:\n{t['error']}")
            tests.append(TestOutcome(name=t["name"], score=t["score"], max_score=t["max_score"],
                                     status=t["status"], message=t["message"],
                                     diagnosis=t["diagnosis"], visibility=t["visibility"],
                                     error=t.get("error") or ""))
        if not tests:
            why = "\n".join(data.get("collect_errors") or []) or run.stdout[-3000:]
            raise GradingError(f"the graders of {exercise.slug} collected no tests:\n{why}")
        result = GradeResult(
            verdict=Verdict.GRADED, score=sum(t.score for t in tests),
            max_score=sum(t.max_score for t in tests), tests=tests, stderr=join_stderr("", errors),
        )
        result.traces = data.get("curves") or {"seed": seeds[0], "student": [], "reference": []}
        return result

    # ---- helpers ------------------------------------------------------------------------------
    def seeds_for(self, exercise: Exercise, seeds) -> list[int]:
        """The seeds grade(exercise, ..., seeds=seeds) grades."""
        return self._seeds(exercise, seeds)

    def _seeds(self, exercise: Exercise, seeds) -> list[int]:
        if isinstance(seeds, (list, tuple)):
            return [int(s) for s in seeds]
        if seeds == "public":
            return list(exercise.public_seeds)
        if seeds == "hidden":
            return list(exercise.hidden_seeds)
        if seeds == "all":
            return list(exercise.seeds)
        hidden_ready = all((exercise.trace_dir(s) / "trace.json").is_file() for s in exercise.hidden_seeds)
        return list(exercise.hidden_seeds if hidden_ready and exercise.hidden_seeds
                    else exercise.public_seeds)

    def _verdict(self, exercise, verdict, message, seeds, t0) -> GradeResult:
        return GradeResult(verdict=verdict, score=0.0, max_score=exercise.points, message=message,
                           execution_time=time.monotonic() - t0, seeds=list(seeds),
                           sandboxed=self.sandboxed,
                           tests=[TestOutcome(name=verdict.title, score=0.0, max_score=exercise.points,
                                              status="failed", message=message,
                                              diagnosis=verdict.value)])


class _InThread:
    """fn() running in a thread of its own; result() waits for it."""

    def __init__(self, fn):
        self._box: dict = {}
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn) -> None:
        try:
            self._box["value"] = fn()
        except BaseException as e:
            self._box["error"] = e

    def result(self, raise_error: bool = True):
        """fn's return value (None when it raised and not raise_error)."""
        self._thread.join()
        if "error" in self._box and raise_error:
            raise self._box["error"]
        return self._box.get("value")


def solution_failure(exercise: Exercise, early, res, stderr: str) -> str:
    """Why the solution could not be recorded, for its author: the verdict, the whole
    traceback with the scenario's file and line (not the advice a student would read), and the
    end of what the run printed to stderr."""
    verdict, message = early
    detail = res.get("detail") if isinstance(res, dict) and isinstance(res.get("detail"), str) else ""
    text = (f"{exercise.solution}: the solution did not run cleanly through {exercise.scenario.name} "
            f"({verdict.title.lower()}).\n{detail.rstrip() or message}")
    stderr = quiet_stderr(stderr).strip()
    return text + (f"\nstderr:\n{stderr[-2000:]}" if stderr else "")


def default_backend(one_shot: bool = False) -> Backend:
    """The sandboxed pool where available (see graders.pool.make_default_backend)."""
    from graders.pool import make_default_backend

    return make_default_backend(one_shot)
