"""Phase 2 alongside phase 1 (graders.pool.stream): each seed's trace reaches the graders as soon as
it is whole, the grading comes out exactly as when the phases run one after the other, and a
phase 1 that fails part-way ends the graders' wait without a score."""
from __future__ import annotations

import os
import threading
import time

import pytest

from graders import Exercise, Grader
from graders.pool import WarmPool, cores, spares, stream
from graders.sandbox.copyout import RESULT_FILE
from graders.sandbox.inotify import ClosedAfterWriting
from graders.sandbox.watch import wait_student
from graders.grading.grader import PHASE2_WALL_SECONDS
from tests.conftest import EXERCISES, GOOD_TRAIN_STEP

FAILS_ON_SECOND_SEED = '''
import os
if os.path.exists("seen"):          # (the working folder lives as long as the job)
    raise RuntimeError("second seed")
open("seen", "w").close()
''' + GOOD_TRAIN_STEP


def _rename_in_later(folder, name, delay=0.2):
    def go():
        time.sleep(delay)
        part = folder / f".{name}.part"
        part.mkdir()
        (part / "trace.json").write_text("{}")
        os.rename(part, folder / name)
    t = threading.Thread(target=go)
    t.start()
    return t


def test_a_seed_is_waited_for_until_its_folder_is_renamed_in(tmp_path):
    feed = stream.Feed(tmp_path)
    t = _rename_in_later(tmp_path, stream.seed_folder(7))
    assert feed.wait(7, timeout=10) is True
    assert (tmp_path / "seed-7" / "trace.json").is_file()       # whole when announced
    t.join()


def test_the_end_marker_ends_the_wait(tmp_path):
    feed = stream.Feed(tmp_path)
    assert feed.wait(1, timeout=0.05) is False          # nothing yet: the wait times out
    threading.Timer(0.1, stream.end, (tmp_path, stream.OK)).start()
    assert feed.wait(1, timeout=10) is True             # phase 1 is over: grade what is there
    stream.end(tmp_path, stream.ABORT)
    assert feed.wait(1, timeout=10) is False and feed.wait() is False
    (tmp_path / stream.END_FILE).write_text("something else")
    assert feed.outcome() == stream.ABORT               # anything unexpected counts as failed


def test_the_sandbox_hands_each_seed_on_before_the_student_process_ends(tmp_path):
    def student(job, fds, report_w, prepared):
        for seed in (1, 2):
            part = tmp_path / stream.part_folder(seed)
            part.mkdir()
            os.rename(part, tmp_path / stream.seed_folder(seed))
        time.sleep(0.3)
        with open(tmp_path / RESULT_FILE, "w") as f:
            f.write("{}")
        time.sleep(30)
        os._exit(0)
    child = spares.fork(lambda: None, student)
    finished = ClosedAfterWriting(tmp_path)
    child.hand_over(b"{}", [])
    seen = []
    status, reaped = wait_student(child, finished, seen.append)
    assert (status, reaped) == (0, False)
    assert seen == ["seed-1", "seed-2"]
    os.kill(child.pid, 9)
    os.waitpid(child.pid, 0)


@pytest.fixture(scope="module")
def ex():
    return Exercise.load(EXERCISES / "one-training-step")


@pytest.fixture(scope="module")
def pool():
    p = WarmPool(size=1)
    p.wait_ready()
    yield p
    p.close()


def _outcome(r):
    return r.verdict, r.score, r.traces, [(t.name, t.status, t.diagnosis, t.message) for t in r.tests]


def test_streamed_grading_equals_grading_phase_after_phase(pool, ex):
    if cores() < 2:
        pytest.skip("phase 2 runs alongside phase 1 only where a second core is idle")
    assert pool.streams
    g = Grader(pool)
    for source in (ex.solution.read_text(), ex.starter.read_text()):
        streamed = g.grade(ex, source, seeds="all")
        pool.stream_when_idle = False
        try:
            sequential = g.grade(ex, source, seeds="all")
        finally:
            pool.stream_when_idle = True
        assert _outcome(streamed) == _outcome(sequential)
    assert 0 < streamed.score < streamed.max_score


def test_a_phase_1_that_fails_part_way_scores_nothing_and_the_next_grading_is_whole(pool, ex):
    g = Grader(pool)
    r = g.grade(ex, FAILS_ON_SECOND_SEED, seeds=[3, 42])
    assert r.verdict.value == "exception" and "second seed" in r.message
    assert r.score == 0
    # the graders stopped waiting when phase 1 failed (else they wait out their wall clock)
    assert r.execution_time < PHASE2_WALL_SECONDS / 2
    after = g.grade(ex, ex.solution.read_text(), seeds=[3, 42])
    assert after.verdict.value == "graded" and after.score == after.max_score
