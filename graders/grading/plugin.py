"""The pytest plugin of tracegrade graders: markers for points, name and visibility; fixtures
`student`, `reference` (traces, one test instance per seed), `source`, `exercise`, `tol`.

Outcomes of a test's seed instances are folded into one result per test function and written
to the results file named in the job. Every test of a seed gets the same trace objects (loaded
once per job; references and the exercise once per collected session): graders must not change them.
"""
from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

from graders.checks.compare import key_magnitude
from graders.checks.feedback import Mistake
from graders.format.exercise import Exercise
from graders.trace.store import TraceFormatError, load_trace

INTERNAL = ("The grader itself failed on this check (not necessarily your fault). "
            "Your instructor can see the details.")


def pytest_addoption(parser):
    parser.addoption("--tg-job", action="store", default=None, help="tracegrade phase-2 job file")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this grader test is worth")
    config.addinivalue_line("markers", "name(text): the test's title shown to students")
    config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date, after_published")
    path = config.getoption("--tg-job")
    config._tg_job = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
    config._tg_outcomes = {}
    config._tg_cache = {}
    config._tg_collect_errors = []
    if not config.pluginmanager.has_plugin("tracegrade-collect-errors"):
        config.pluginmanager.register(CollectErrors(config), "tracegrade-collect-errors")
    if not config.pluginmanager.has_plugin("tracegrade-quick-reports"):
        config.pluginmanager.register(QuickReports(), "tracegrade-quick-reports")


def _student_facing(exc) -> bool:
    """A failure whose message is all a student sees (no traceback needed)."""
    return isinstance(exc, (Mistake, TraceFormatError)) or (
        isinstance(exc, AssertionError) and str(exc).split("\nassert")[0].strip() != "")


class QuickReports:
    """Reports for failures a student reads as a message, made without pytest's traceback
    rendering (it parses and stats every source file of the traceback: ~5 ms a failure)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        exc = call.excinfo.value if call.excinfo else None
        if not _student_facing(exc):
            return None
        return pytest.TestReport(item.nodeid, item.location, keywords={}, outcome="failed",
                                 longrepr=f"{type(exc).__name__}: {str(exc)[:2000]}",
                                 when=call.when, sections=[], duration=call.duration,
                                 start=call.start, stop=call.stop)


class CollectErrors:
    """Keeps why a grader file could not be collected (a syntax error, a failing import): the
    author reads it, with its file and line, instead of "collected no tests"."""

    def __init__(self, config):
        self.config = config

    def pytest_collectreport(self, report):
        if report.failed:
            job = self.config._tg_job or {}
            self.config._tg_collect_errors.append(
                _collect_error(str(report.longreprtext), job.get("exercise_dir", "")))


def _collect_error(text: str, exercise_dir: str) -> str:
    """A collection error without pytest's and Python's own frames: the grader file's lines
    (file:line, relative to the exercise folder) and the error itself."""
    def ours(ln: str) -> bool:
        return ln.startswith("E ") or ("/graders/" in ln and "site-packages" not in ln
                                       and "/lib/python" not in ln)
    keep = [ln for ln in text.splitlines() if ours(ln)]
    out = "\n".join(keep) if keep else text
    if exercise_dir:
        out = out.replace(str(Path(exercise_dir).resolve()) + "/", "").replace(exercise_dir.rstrip("/") + "/", "")
    return out[-3000:]


def _cached(config, key, compute):
    """compute() once per key for this process; an exception is remembered and raised again."""
    cache = config._tg_cache
    if key not in cache:
        try:
            cache[key] = (True, compute())
        except TraceFormatError as e:
            cache[key] = (False, e)
    ok, value = cache[key]
    if not ok:
        raise value
    return value


def preload(config) -> None:
    """Load what every job of this session shares (the exercise, the reference traces of all
    its seeds, the magnitude of each of their keys) before a collected session starts forking
    per-job children."""
    job = _job(config)
    _exercise(config)
    for seed in job["seeds"]:
        try:
            ref = _reference(config, seed)
        except TraceFormatError:
            continue                  # each test that needs it reports the problem
        for key in ref.keys():        # what every job's comparisons scale by, worked out once
            try:
                key_magnitude(ref, key)
            except (RuntimeError, TypeError):   # (then reported in the job that asks)
                pass


def _exercise(config) -> Exercise:
    return _cached(config, "exercise", lambda: Exercise.load(_job(config)["exercise_dir"]))


def _student(config, seed):
    job = _job(config)
    folder = Path(job["student_dir"]) / f"seed-{seed}"
    return _cached(config, ("student", seed), lambda: load_trace(folder, max_bytes=job["max_trace_bytes"]))


def _reference(config, seed):
    folder = Path(_job(config)["reference_dir"]) / f"seed-{seed}"
    return _cached(config, ("reference", seed), lambda: load_trace(folder, strict=True))


def _job(config) -> dict:
    if config._tg_job is None:
        raise pytest.UsageError("tracegrade graders run through `tracegrade grade`, not plain pytest")
    return config._tg_job


def pytest_generate_tests(metafunc):
    if {"student", "reference", "seed"} & set(metafunc.fixturenames):
        seeds = _job(metafunc.config)["seeds"]
        metafunc.parametrize("seed", seeds, ids=[f"seed{s}" for s in seeds])


@pytest.fixture
def exercise(pytestconfig) -> Exercise:
    return _exercise(pytestconfig)


@pytest.fixture
def tol(exercise) -> dict:
    return {"rtol": exercise.rtol, "atol": exercise.atol}


@pytest.fixture
def source(pytestconfig) -> str:
    return Path(_job(pytestconfig)["source_file"]).read_text(encoding="utf-8")


@pytest.fixture
def student(pytestconfig, seed):
    # (pytestconfig, not request: pytest builds a new fixture definition for every `request`)
    return _student(pytestconfig, seed)


@pytest.fixture
def reference(pytestconfig, seed):
    return _reference(pytestconfig, seed)


def _title(item) -> str:
    m = item.get_closest_marker("name")
    if m and m.args:
        return str(m.args[0])
    doc = (getattr(item, "function", None).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else item.originalname.replace("_", " ").removeprefix("test ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or report.failed:
        _fold(item, report, call)


def _fold(item, report, call):
    key = f"{item.path.name}::{item.originalname}"
    pts = item.get_closest_marker("points")
    vis = item.get_closest_marker("visibility")
    entry = item.config._tg_outcomes.setdefault(key, {
        "name": _title(item), "max_score": float(pts.args[0]) if pts else 1.0,
        "visibility": vis.args[0] if vis else "visible", "status": "passed",
        "message": "", "diagnosis": None, "error": "",
    })
    if report.passed or entry["status"] == "failed":
        return
    entry["status"] = "failed"
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, Mistake):
        entry["message"], entry["diagnosis"] = exc.message, exc.diagnosis
    elif isinstance(exc, TraceFormatError):
        entry["message"] = "The results your code produced could not be read (the trace was damaged)."
    elif isinstance(exc, AssertionError) and str(exc).split("\nassert")[0].strip():
        entry["message"] = str(exc).split("\nassert")[0].strip()
    else:
        entry["message"] = INTERNAL
        entry["error"] = (author_traceback(exc, _job(item.config)["exercise_dir"])
                          if exc is not None else report.longreprtext)[-4000:]


def author_traceback(exc: BaseException, exercise_dir: str) -> str:
    """The grader's failure as its author needs it: the frames of the exercise's graders and of
    the engine they called (pytest's own left out), each with its file and line, then the error.
    Files inside the exercise folder are named relative to it."""
    root = str(Path(exercise_dir).resolve()) + "/"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/_pytest/" not in f.filename and "/pluggy/" not in f.filename]
    lines = ["Traceback (the grader's frames):"]
    for f in frames[-12:]:
        name = f.filename[len(root):] if f.filename.startswith(root) else f.filename
        lines.append(f'  File "{name}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line}")
    lines += [ln.rstrip("\n") for ln in traceback.format_exception_only(type(exc), exc)]
    return "\n".join(lines)


def pytest_sessionfinish(session, exitstatus):
    if session.config._tg_job is not None:
        write_results(session.config, session.testscollected)


def failed(config) -> bool:
    return any(e["status"] == "failed" for e in config._tg_outcomes.values())


def write_results(config, collected: int) -> None:
    """The folded outcomes, as JSON, into the job's results file."""
    job = config._tg_job
    tests = []
    for e in config._tg_outcomes.values():
        e["score"] = e["max_score"] if e["status"] == "passed" else 0.0
        tests.append(e)
    doc = {"tests": tests, "collected": collected, "curves": curves(config, job["seeds"][0]),
           "collect_errors": getattr(config, "_tg_collect_errors", [])}
    Path(job["results_file"]).write_text(json.dumps(doc), encoding="utf-8")


def curves(config, seed: int, key: str = "loss") -> dict:
    """Loss curves of the student and the reference for one seed (for plots), from the traces
    the tests loaded already."""
    out = {"seed": seed}
    for who, get in (("student", _student), ("reference", _reference)):
        try:
            trace = get(config, seed)
            out[who] = trace.floats(key)[:1000] if trace.has(key) else []
        except TraceFormatError:
            out[who] = []
    return out
