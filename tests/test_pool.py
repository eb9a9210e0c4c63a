"""The warm pool as its users see it: it grades exactly like a fresh process per submission,
says whether it isolates, survives its zygotes dying (the job runs again or fails with a message),
and its zygotes hold no secret and fork only while single-threaded."""
from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from graders import Exercise, Grader, GradingError
from graders.pool.backends import ColdBackend
from graders.cli.report import result_table
from graders.pool import ALLOW_ENV, PoolError, WarmPool, require_sandbox
from graders.sandbox import availability as sandbox
from tests.conftest import EXERCISES, GOOD_TRAIN_STEP

SECRET = ("TRACEGRADE_TEST_SECRET", "s3cr3t-" + os.urandom(4).hex())
SLOW_GOOD = "\nimport time\ntime.sleep(1.5)\n" + GOOD_TRAIN_STEP


@pytest.fixture(scope="module")
def ex():
    return Exercise.load(EXERCISES / "one-training-step")


@pytest.fixture(scope="module")
def pool():
    os.environ[SECRET[0]] = SECRET[1]
    try:
        p = WarmPool(size=2)
        p.wait_ready()
    finally:
        del os.environ[SECRET[0]]
    yield p
    p.close()


def outcome(r):
    return r.verdict, r.score, [(t.name, t.status, t.diagnosis, t.message) for t in r.tests]


def test_grades_exactly_like_a_fresh_process(pool, ex):
    source = ex.starter.read_text()
    with Grader(ColdBackend()) as cold:
        expected = cold.grade(ex, source, seeds=[42])
    warm = Grader(pool).grade(ex, source, seeds=[42])
    assert outcome(warm) == outcome(expected)
    assert 0 < warm.score < warm.max_score


def test_says_whether_it_isolates(pool, ex):
    r = Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score
    assert r.sandboxed == pool.sandboxed == sandbox.probe().available
    assert ("not isolated" in result_table(r, ex.title)) != r.sandboxed


def test_unsandboxed_mode_grades_and_says_it_is_not_isolated(ex):
    with Grader(WarmPool(size=1, sandbox_mode="off")) as g:
        r = g.grade(ex, ex.solution.read_text(), seeds=[42])
        assert "not isolated" in g.backend.description
    assert r.score == r.max_score and not r.sandboxed
    assert "without isolation" in result_table(r, ex.title)


def test_a_dead_idle_zygote_is_replaced(pool, ex):
    before = pool.zygote_pids("untrusted")
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    r = Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score
    assert not set(pool.zygote_pids("untrusted")) & set(before)


def kill_untrusted(pool, after: float, stop: threading.Event | None = None) -> threading.Thread:
    """Kill the untrusted zygotes after `after` seconds (and keep doing so until stop is set)."""
    def work():
        time.sleep(after)
        while True:
            for pid in pool.zygote_pids("untrusted"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if stop is None or stop.wait(0.05):
                return
    t = threading.Thread(target=work)
    t.start()
    return t


def test_a_job_whose_zygote_dies_runs_again(pool, ex):
    pool.wait_ready()
    killer = kill_untrusted(pool, after=0.8)
    r = Grader(pool).grade(ex, SLOW_GOOD, seeds=[42])
    killer.join()
    assert r.verdict.value == "graded" and r.score == r.max_score


def test_a_job_fails_with_a_message_when_its_zygotes_keep_dying(pool, ex):
    pool.wait_ready()
    stop = threading.Event()
    killer = kill_untrusted(pool, after=0.5, stop=stop)
    try:
        with pytest.raises(PoolError, match="it was not graded"):
            Grader(pool).grade(ex, SLOW_GOOD, seeds=[42])
    finally:
        stop.set()
        killer.join()
    r = Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score


def test_concurrent_gradings_are_all_correct(pool, ex):
    sources = [ex.solution.read_text(), ex.starter.read_text()] * 3
    results = [None] * len(sources)

    def work(i):
        results[i] = Grader(pool).grade(ex, sources[i], seeds=[42, 3])
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sources))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.score == r.max_score for r in results] == [True, False] * 3
    assert len(pool.zygote_pids("untrusted")) <= 2 and len(pool.zygote_pids("trusted")) <= 2


def test_zygotes_hold_no_secret_and_no_exercise_file(pool, ex):
    Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    for pid in pool.zygote_pids():
        env = Path(f"/proc/{pid}/environ").read_bytes()
        assert SECRET[1].encode() not in env and b"DATABASE_URL" not in env
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert not [f for f in fds if str(EXERCISES) in f], fds


def test_zygotes_are_single_threaded(pool):
    for pid in pool.zygote_pids():
        assert os.listdir(f"/proc/{pid}/task") == [str(pid)]


def test_the_server_refuses_to_grade_without_isolation(monkeypatch):
    if sandbox.probe().available:
        assert require_sandbox().available
    monkeypatch.setattr(sandbox, "_probed", sandbox.Availability(False, False, False, "no namespaces"))
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    with pytest.raises(PoolError, match=ALLOW_ENV):
        require_sandbox()
    with pytest.raises(PoolError, match="not available"):
        WarmPool(sandbox_mode="require")
    monkeypatch.setenv(ALLOW_ENV, "1")
    assert not require_sandbox().available


def test_changed_graders_take_effect_at_once(pool, tmp_path):
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    ex = Exercise.load(tmp_path / "ex")
    g = Grader(pool)
    first = g.grade(ex, ex.starter.read_text(), seeds=[42])
    grader_file = next((tmp_path / "ex" / "graders").glob("test_*.py"))
    grader_file.write_text(grader_file.read_text() + '''

@pytest.mark.points(1)
def test_added_later(student):
    """A check added after the first grading"""
''')
    second = g.grade(ex, ex.starter.read_text(), seeds=[42])
    assert "A check added after the first grading" not in [t.name for t in first.tests]
    assert "A check added after the first grading" in [t.name for t in second.tests]


def test_graders_that_do_not_collect_are_reported(pool, tmp_path):
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    grader_file = next((tmp_path / "ex" / "graders").glob("test_*.py"))
    grader_file.write_text("def test_broken(:\n    pass\n")
    ex = Exercise.load(tmp_path / "ex")
    with pytest.raises(GradingError):
        Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    good = Exercise.load(EXERCISES / "one-training-step")
    assert Grader(pool).grade(good, good.solution.read_text(), seeds=[42]).score == 10


def test_graders_that_end_without_reporting_are_reported(pool, tmp_path):
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    grader_file = next((tmp_path / "ex" / "graders").glob("test_*.py"))
    grader_file.write_text(grader_file.read_text() + "\n\nimport os\n\ndef test_quits(student):\n    os._exit(3)\n")
    ex = Exercise.load(tmp_path / "ex")
    with pytest.raises(GradingError, match="did not report"):
        Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])


def test_a_dead_grader_session_is_replaced(pool, ex):
    g = Grader(pool)
    g.grade(ex, ex.solution.read_text(), seeds=[42])
    before = pool.session_pids()
    assert before
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    r = g.grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score
    assert not set(pool.session_pids()) & set(before)


def test_user_namespace_mode_isolates_without_root_privileges(ex):
    if not sandbox.probe().available:
        pytest.skip("no namespaces here")
    probe = '''
import os
status = open("/proc/self/status").read()
print("CAPS", [l for l in status.splitlines() if l.startswith("CapEff")])
try:
    open("/exercise/solution.py").read()
    print("READ")
except OSError as e:
    print("BLOCKED", type(e).__name__)
''' + GOOD_TRAIN_STEP
    with Grader(WarmPool(size=1, sandbox_mode="userns")) as g:
        r = g.grade(ex, probe, seeds=[42])
    assert r.sandboxed and r.score == r.max_score, (r.verdict, r.message, r.stderr[-2000:])
    assert "CapEff:\\t0000000000000000" in r.stdout and "BLOCKED" in r.stdout and "READ" not in r.stdout


def test_re_recorded_reference_traces_take_effect_at_once(pool, tmp_path):
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    ex = Exercise.load(tmp_path / "ex")
    g = Grader(pool)
    # a submission whose gradients are twice the reference's loses the gradient points...
    doubled = ex.solution.read_text().replace("loss.backward()", "(2 * loss).backward()")
    assert doubled != ex.solution.read_text()
    first = g.grade(ex, doubled, seeds=[42])
    assert first.score < first.max_score, outcome(first)
    ex.solution.write_text(doubled)              # ...until the instructor records it as the reference
    g.record_reference(ex, seeds=[42])
    second = g.grade(ex, doubled, seeds=[42])
    assert second.score == second.max_score, (outcome(first), outcome(second))


def test_one_shot_pool_grades_like_a_fresh_process(ex):
    source = ex.starter.read_text()
    with Grader(ColdBackend()) as cold:
        expected = cold.grade(ex, source, seeds=[42])
    with Grader(one_shot=True) as once:
        got = once.grade(ex, source, seeds=[42])
        assert once.backend.size == 1 and not once.backend.use_sessions
    assert outcome(got) == outcome(expected)


def test_each_job_gets_a_fresh_sandbox(pool, ex):
    """Sandboxes are prepared ahead of their job: nothing one job leaves in /tmp, in memory or
    in its process reaches the next one."""
    probe = '''
import builtins, os
print("SEEN", "left-behind" in os.listdir("/tmp"), sorted(os.listdir("/tmp/work")), hasattr(builtins, "mark"))
open("/tmp/left-behind", "w").write("x")
builtins.mark = True
''' + GOOD_TRAIN_STEP
    g = Grader(pool)
    for _ in range(4):
        r = g.grade(ex, probe, seeds=[42])
        assert r.score == r.max_score
        assert "SEEN False ['step.py'] False" in r.stdout, r.stdout


def test_light_modules_agree_with_the_engine_on_file_names():
    """The pool's light modules spell the engine's file names themselves (no torch import)."""
    from graders.grading import phase1
    from graders.pool import sessions
    from graders.sandbox import copyout
    from graders.trace import store
    assert (sessions.INFO_FILE, sessions.TENSORS_FILE) == (store.INFO_FILE, store.TENSORS_FILE)
    assert copyout.RESULT_FILE == phase1.RESULT_FILE


def test_a_job_process_killed_while_waiting_is_replaced(pool, ex):
    """Job processes are forked ahead of their job; one that dies waiting costs nothing."""
    import subprocess
    g = Grader(pool)
    g.grade(ex, ex.solution.read_text(), seeds=[42])
    parents = set(pool.zygote_pids("untrusted")) | set(pool.session_pids())
    waiting = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", ",".join(map(str, parents))],
                                              capture_output=True, text=True).stdout.split()]
    assert waiting
    for pid in waiting:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    r = g.grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.verdict.value == "graded" and r.score == r.max_score, (r.verdict, r.message, r.stderr[-2000:])


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie runs nothing; this machine's init may be slow to reap)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _waiting_sandboxes(pool) -> tuple[list[int], list[int]]:
    """(keepers, inside): the processes that keep the prepared sandboxes (keeper processes, or
    as root the zygotes themselves) and the PID 1s and student processes inside them."""
    keepers, inside = [], []
    for zygote in pool.zygote_pids("untrusted"):
        kids = [c for c in _children(zygote) if _running(c)]
        jobs = [c for c in kids if _comm(c) == "tg-keeper"]
        keepers += jobs or [zygote]
        inside += [p for w in jobs for p in _children(w)] if jobs else kids
    return keepers, inside


def test_a_killed_keeper_takes_its_whole_sandbox_with_it(pool, ex):
    """However the process that keeps a waiting sandbox ends (its keeper process, or as root the
    zygote that built it and watches it), PID 1 and the student process of that sandbox end too,
    and grading goes on."""
    if not pool.sandboxed:
        pytest.skip(f"no sandbox on this machine: {sandbox.probe().reason}")
    Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    time.sleep(0.5)                     # the next sandboxes prepared, the last ones gone
    keepers, inside = _waiting_sandboxes(pool)
    assert sorted(map(_comm, inside)) == sorted(["cat", "tg-student"] * len(keepers)), inside
    for pid in keepers:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(map(_running, inside)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in inside if _running(p)]
    r = Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score, (r.verdict, r.message, r.stderr[-2000:])


def test_a_sandbox_killed_while_waiting_is_replaced_at_once(pool, ex):
    """Killing a prepared sandbox's PID 1 (or its student process) before its job came: a fresh
    one takes its place without waiting for a job, and nothing is left over."""
    if not pool.sandboxed:
        pytest.skip(f"no sandbox on this machine: {sandbox.probe().reason}")
    Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    time.sleep(0.5)
    keepers, inside = _waiting_sandboxes(pool)
    if any(_comm(k) == "tg-keeper" for k in keepers):
        pytest.skip("rootless: a keeper process keeps each sandbox, and a fresh one is made when its job comes")
    for pid in [p for p in inside if _comm(p) == "cat"]:
        os.kill(pid, signal.SIGKILL)
    def gone(pid: int) -> bool:
        return not os.path.exists(f"/proc/{pid}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, now = _waiting_sandboxes(pool)
        if len(now) == len(inside) and not set(now) & set(inside) and all(map(gone, inside)):
            break
        time.sleep(0.05)
    assert len(now) == len(inside) and not set(now) & set(inside), (inside, now)
    assert all(map(gone, inside)), "killed processes were not reaped"
    r = Grader(pool).grade(ex, ex.solution.read_text(), seeds=[42])
    assert r.score == r.max_score, (r.verdict, r.message, r.stderr[-2000:])


def test_the_sandbox_shows_the_public_files_of_the_job_s_own_exercise(pool, tmp_path):
    """A sandbox holds its zygote's previous exercise ahead of its job: another exercise, or an
    edited one, must still show exactly its own public files."""
    exercises = {}
    for name in ("a", "b"):
        shutil.copytree(EXERCISES / "one-training-step", tmp_path / name)
        (tmp_path / name / "README.md").write_text(f"marker-{name}\n")
        data = tmp_path / name / "data"
        data.mkdir(exist_ok=True)
        (data / f"only-{name}.txt").write_text(name)
        exercises[name] = Exercise.load(tmp_path / name)
    probe = '''
import os
print("SHOWN", open("/exercise/README.md").read().strip(), sorted(os.listdir("/exercise/data")))
''' + GOOD_TRAIN_STEP
    g = Grader(pool)
    for name in ("a", "a", "b", "a", "b", "b"):
        r = g.grade(exercises[name], probe, seeds=[42])
        assert f"SHOWN marker-{name} ['only-{name}.txt']" in r.stdout, (name, r.stdout)
    (tmp_path / "b" / "README.md").write_text("marker-b, edited\n")
    r = g.grade(exercises["b"], probe, seeds=[42])
    assert "SHOWN marker-b, edited ['only-b.txt']" in r.stdout, r.stdout


def test_an_exercise_the_sandbox_would_expose_is_refused_with_a_message(pool):
    """An exercise folder inside what the sandbox shows every submission (here the engine's own
    package) would put its hidden files in view: the grading stops with a message saying where
    and what to do, and the pool grades the next submission as usual."""
    if not pool.sandboxed:
        pytest.skip(f"no sandbox on this machine: {sandbox.probe().reason}")
    import graders
    inside = Path(graders.__file__).resolve().parent / f"_exposed_exercise_{os.getpid()}"
    try:
        shutil.copytree(EXERCISES / "one-training-step", inside)
        exposed = Exercise.load(inside)
        with pytest.raises(PoolError, match="move the course elsewhere"):
            Grader(pool).grade(exposed, GOOD_TRAIN_STEP, seeds=[42])
    finally:
        shutil.rmtree(inside, ignore_errors=True)
    ex = Exercise.load(EXERCISES / "one-training-step")
    r = Grader(pool).grade(ex, GOOD_TRAIN_STEP, seeds=[42])
    assert r.score == r.max_score, (r.verdict, r.message, r.stderr[-2000:])


def test_a_session_sees_its_exercise_as_it_is_now(pool, tmp_path):
    """A sandboxed session holds a copy of its exercise: a changed file of the folder (here a
    data file a grader reads) starts a new session, as changed graders do."""
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    (tmp_path / "ex" / "data").mkdir()
    marker = tmp_path / "ex" / "data" / "marker.txt"
    marker.write_text("first")
    (tmp_path / "ex" / "graders" / "test_marker.py").write_text('''
import pytest

@pytest.mark.points(1)
def test_marker(exercise):
    raise AssertionError("MARKER " + (exercise.data_dir / "marker.txt").read_text())
''')
    ex = Exercise.load(tmp_path / "ex")
    g = Grader(pool)

    def seen():
        r = g.grade(ex, ex.solution.read_text(), seeds=[42])
        return next(t.message for t in r.tests if t.name == "marker")
    assert seen() == "MARKER first"
    marker.write_text("second")
    assert seen() == "MARKER second"


def test_a_grader_past_the_wall_clock_is_stopped_and_its_session_lives_on(tmp_path, monkeypatch):
    """At phase 2's wall clock the pool kills the job's process (in a sandboxed session, the
    host pid its keeper read from the session's pidfd), not the session: the next job of the
    exercise runs in the same session."""
    from graders.grading import grader as grading
    shutil.copytree(EXERCISES / "one-training-step", tmp_path / "ex")
    (tmp_path / "ex" / "graders" / "test_slow.py").write_text('''
import time
import pytest

@pytest.mark.points(1)
def test_slow(source):
    if "SLOW" in source:
        time.sleep(60)
''')
    ex = Exercise.load(tmp_path / "ex")
    monkeypatch.setattr(grading, "PHASE2_WALL_SECONDS", 2.0)
    p = WarmPool(size=1, warm=False)
    p.stream_when_idle = False
    with Grader(p) as g:
        assert g.grade(ex, GOOD_TRAIN_STEP, seeds=[42]).score == 11
        sessions = p.session_pids()
        assert sessions
        t0 = time.monotonic()
        with pytest.raises(GradingError, match="did not report"):
            g.grade(ex, "# SLOW\n" + GOOD_TRAIN_STEP, seeds=[42])
        assert time.monotonic() - t0 < 20
        assert g.grade(ex, GOOD_TRAIN_STEP, seeds=[42]).score == 11
        assert p.session_pids() == sessions
