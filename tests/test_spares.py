"""Job processes forked ahead of their job (graders.pool.spares) and how the sandbox's keeper
learns that the student process is done (graders.sandbox.watch.wait_student): by result.json,
by the process ending, and without inotify."""
from __future__ import annotations

import os
import signal
import time

from graders.pool import jobs, spares
from graders.sandbox.inotify import ClosedAfterWriting
from graders.sandbox.watch import wait_student


def _exit_with(code: int, then_sleep: float = 0.0, write: str | None = None):
    def run(job, fds, report_w, prepared):
        if write:
            with open(os.path.join(write, job["name"]), "w") as f:
                f.write("{}")
        time.sleep(then_sleep)
        os._exit(code)
    return run


def test_the_job_reaches_the_waiting_child_with_its_fds(tmp_path):
    r, w = os.pipe()

    def run(job, fds, report_w, prepared):
        os.write(fds[0], f"{job['x']} {prepared}".encode())
        jobs.finish(0, report_w)
    child = spares.fork(lambda: "ready", run)
    assert child.hand_over(b'{"x": 41}', [w])
    os.close(w)
    assert os.read(r, 100) == b"41 ready"
    assert child.wait_report() == (0, None)         # reported before its exit
    os.waitpid(child.pid, 0)


def test_a_failed_preparation_reaches_the_job():
    r, w = os.pipe()

    def prepare():
        raise RuntimeError("no sandbox here")

    def run(job, fds, report_w, prepared):
        os.write(fds[0], prepared.text.encode())
        os._exit(71)
    child = spares.fork(prepare, run)
    child.hand_over(b"{}", [w])
    os.close(w)
    assert b"no sandbox here" in os.read(r, 10000)
    reported, status = child.wait_report()
    assert reported is None and os.WEXITSTATUS(status) == 71


def test_result_json_counts_as_the_end_without_waiting_for_the_exit(tmp_path):
    child = spares.fork(lambda: None, _exit_with(5, then_sleep=30, write=str(tmp_path)))
    finished = ClosedAfterWriting(tmp_path)
    child.hand_over(b'{"name": "result.json"}', [])
    t0 = time.monotonic()
    status, reaped = wait_student(child, finished)
    assert (status, reaped) == (0, False) and time.monotonic() - t0 < 10
    os.kill(child.pid, signal.SIGKILL)
    os.waitpid(child.pid, 0)


def test_other_files_do_not_end_the_wait_and_an_exit_does(tmp_path):
    child = spares.fork(lambda: None, _exit_with(3, then_sleep=0.3, write=str(tmp_path)))
    finished = ClosedAfterWriting(tmp_path)
    child.hand_over(b'{"name": "trace.json"}', [])
    status, reaped = wait_student(child, finished)
    assert reaped and os.WEXITSTATUS(status) == 3


def test_without_inotify_the_exit_is_waited_for():
    child = spares.fork(lambda: None, _exit_with(4))
    child.hand_over(b"{}", [])
    status, reaped = wait_student(child, None)
    assert reaped and os.WEXITSTATUS(status) == 4


def test_a_child_gone_before_its_job_is_noticed():
    child = spares.fork(lambda: None, _exit_with(0))
    os.kill(child.pid, signal.SIGKILL)
    os.waitpid(child.pid, 0)
    assert not child.hand_over(b"{}", [])


def test_result_json_renamed_into_place_counts_too(tmp_path):
    def run(job, fds, report_w, prepared):
        (tmp_path / ".result.json.tmp").write_text("{}")
        os.rename(tmp_path / ".result.json.tmp", tmp_path / "result.json")
        time.sleep(30)
        os._exit(0)
    child = spares.fork(lambda: None, run)
    finished = ClosedAfterWriting(tmp_path)
    child.hand_over(b"{}", [])
    t0 = time.monotonic()
    assert wait_student(child, finished) == (0, False) and time.monotonic() - t0 < 10
    os.kill(child.pid, signal.SIGKILL)
    os.waitpid(child.pid, 0)
