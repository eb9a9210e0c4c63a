"""A collected grader session at work (see graders.pool.sessions): pytest collects one exercise's
graders once, then a pre-forked child runs each job's tests. Sandboxed, it runs inside the
sandbox its keeper made (graders.pool.session_keeper) and talks to that keeper, with the paths
it sees there (`confined` jobs); unsandboxed, it is a fork of a trusted zygote talking to the pool.
"""
from __future__ import annotations

import gc
import json
import os
import socket
import sys
import traceback

import pytest
from _pytest.runner import runtestprotocol

from graders.grading import phase2, plugin
from graders.pool import jobs, spares, stream
from graders.pool.heap import collapse_heap
from graders.sandbox.syscalls import set_process_name

MAX_MESSAGE = 1 << 20


class _Server:
    """The pytest plugin that turns a collected session into a fork server."""

    def __init__(self, sock: socket.socket, confined: bool = False):
        self.sock, self.confined = sock, confined

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if session.testsfailed or not session.items:
            self.sock.send(json.dumps({"error": f"collection failed ({session.testsfailed} errors, "
                                                f"{len(session.items)} tests)"}).encode())
            os._exit(3)
        plugin.preload(session.config)
        gc.collect()
        gc.freeze()                      # as in the zygote: children neither scan nor copy this
        collapse_heap()
        self.sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
        items, me, running, spare = list(session.items), os.getpid(), set(), None

        def run(job, fds, report_w, _prepared):
            _run_one(session, items, job, fds, report_w)

        def announce(pid):              # to the keeper: with a pidfd, whose host pid it reads
            pidfd = None
            try:
                pidfd = os.pidfd_open(pid)
            except OSError:
                pass
            try:
                socket.send_fds(self.sock, [json.dumps({"pid": pid}).encode()],
                                [pidfd] if pidfd is not None else [])
            finally:
                if pidfd is not None:
                    os.close(pidfd)

        def make_spare() -> spares.Spare:
            sys.stdout.flush()
            sys.stderr.flush()
            return spares.fork(lambda: (set_process_name("tg-grader"), jobs.detach(me)), run)

        while True:
            if spare is None:
                spare = make_spare()
            try:
                msg, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 3)
            except OSError:
                os._exit(0)
            if not msg:
                os._exit(0)
            spare = spares.run_on_spare(self.sock, spare, msg, fds, make_spare, running,
                                        announce if self.confined else None)


def _run_one(session, items, job: dict, fds: list[int], report_w: int) -> None:
    """In the per-job child: this job's output pipes, its seeds' tests, its results file."""
    try:
        jobs.take_stdio(fds, report_w)
        if job.get("confined"):
            jobs.confine_job_process()
        os.chdir(job["tmp_dir"])
        config = session.config
        config._tg_job = {**job, "ready_fd": None}
        config._tg_outcomes = {}
        groups = _by_seed(items, job["seeds"])
        mine = [it for _, group in groups for it in group]
        feed = stream.Feed(job["student_dir"]) if job.get("streamed") else None
        jobs.signal_ready()
        done = 0
        for seed, group in groups:
            if group and feed is not None and not feed.wait(seed):
                jobs.finish(0)           # phase 1 failed: nothing to grade
            for item in group:              # the per-test protocol, without pytest's reporting
                done += 1
                runtestprotocol(item, log=False, nextitem=mine[done] if done < len(mine) else None)
        plugin.write_results(config, len(mine))
        jobs.finish(1 if plugin.failed(config) else 0)
    except BaseException:
        traceback.print_exc()
        jobs.flush_and_exit(70)


def _by_seed(items, seeds) -> list[tuple[int | None, list]]:
    """The job's tests in groups of one seed each, in the order of seeds (so that a streamed
    job grades each seed's trace as it comes), then the tests of no particular seed."""
    groups = [(s, [it for it in items if _seed(it) == s]) for s in seeds]
    return groups + [(None, [it for it in items if _seed(it) is None])]


def _seed(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("seed") if callspec is not None else None


def serve(job: dict, sock: socket.socket) -> None:
    """In a fresh fork of the trusted zygote (sandboxed: in its sandbox): collect `job` (a
    template) and serve on sock."""
    try:
        os.makedirs(job["tmp_dir"], exist_ok=True)
        with open(job["job_file"], "w", encoding="utf-8") as f:
            json.dump(job, f)
        os.chdir(job["tmp_dir"])
        pytest.main(phase2.pytest_args(job), plugins=[_Server(sock, bool(job.get("confined")))])
        sock.send(json.dumps({"error": "the session ended without serving"}).encode())
    except BaseException as e:
        try:
            sock.send(json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())
        except OSError:
            pass
    os._exit(3)
