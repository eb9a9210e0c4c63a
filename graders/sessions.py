"""Collected grader sessions for phase 2: a fork of the trusted zygote runs pytest up to the end
of collection for one exercise's graders (all its seeds), then forks one child per job that
runs only that job's tests. Saves pytest's start-up, plugin registration, fixture parsing and
collection on every grading (about 70 ms of ~160 here).

Trusted code only: a session loads hidden graders and never runs student code. A job whose
seeds were not collected, or graders that do not collect cleanly, go the plain way (phase2.run).
"""
from __future__ import annotations

import gc
import json
import os
import socket
import stat
import sys
import traceback
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

from graders import isolate, phase2, plugin, spares
from graders.trace.store import INFO_FILE, TENSORS_FILE

MAX_MESSAGE = 1 << 20


def key(job: dict) -> str | None:
    """What a session depends on: the grader files (and their folders' contents, for helper
    modules), exercise.toml, the reference traces it preloads and the seeds it collects. None
    when the job cannot use a session. (Checked on every job: plain os calls, no pathlib.)"""
    if "all_seeds" not in job or not set(job["seeds"]) <= set(job["all_seeds"]):
        return None
    parts = [json.dumps([sorted(job["graders"]), sorted(job["all_seeds"])])]
    files = [os.path.join(job["exercise_dir"], "exercise.toml")]
    for folder in sorted({os.path.dirname(g) for g in job["graders"]}):
        files += _files_under(folder)
    for seed in sorted(job["all_seeds"]):
        files += [os.path.join(job["reference_dir"], f"seed-{seed}", name) for name in (INFO_FILE, TENSORS_FILE)]
    for p in files:
        try:
            st = os.stat(p)
            if stat.S_ISREG(st.st_mode):
                parts.append(f"{p}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(f"{p}:missing")
    return "\n".join(parts)


def _files_under(folder: str) -> list[str]:
    out = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return out
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            if e.name != "__pycache__":
                out += _files_under(e.path)
        else:
            out.append(e.path)
    return out


def template(job: dict, folder: Path) -> dict:
    """The job a session collects with: every seed, its own scratch folder."""
    folder.mkdir(parents=True, exist_ok=True)
    t = {**job, "seeds": list(job["all_seeds"]), "tmp_dir": str(folder),
         "job_file": str(folder / "job.json"), "results_file": str(folder / "unused.json")}
    Path(t["job_file"]).write_text(json.dumps(t), encoding="utf-8")
    return t


class _Server:
    """The pytest plugin that turns a collected session into a fork server."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if session.testsfailed or not session.items:
            self.sock.send(json.dumps({"error": f"collection failed ({session.testsfailed} errors, "
                                                f"{len(session.items)} tests)"}).encode())
            os._exit(3)
        from graders.zygote import collapse_heap
        plugin.preload(session.config)
        gc.collect()
        gc.freeze()                      # as in the zygote: children neither scan nor copy this
        collapse_heap()
        self.sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
        items, me, running, spare = list(session.items), os.getpid(), set(), None

        def run(job, fds, report_w, _prepared):
            _run_one(session, items, job, fds, report_w)

        while True:
            if spare is None:
                sys.stdout.flush()
                sys.stderr.flush()
                spare = spares.fork(lambda: isolate.detach(me), run)
            try:
                msg, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 3)
            except OSError:
                os._exit(0)
            if not msg:
                os._exit(0)
            job, spare = spare, None
            handed = job.hand_over(msg, fds)
            for fd in fds:
                os.close(fd)
            running.add(job.pid)
            self.sock.send(json.dumps({"pid": job.pid}).encode())
            if handed:
                spare = spares.fork(lambda: isolate.detach(me), run)      # while this job runs
            inner, status = job.wait_report()
            self.sock.send(json.dumps({"status": status, "inner": inner}).encode())
            spares.reap(running)


def _run_one(session, items, job: dict, fds: list[int], report_w: int) -> None:
    """In the per-job child: this job's output pipes, its seeds' tests, its results file."""
    try:
        isolate.take_stdio(fds, report_w)
        os.chdir(job["tmp_dir"])
        config = session.config
        config._tg_job = {**job, "ready_fd": None}
        config._tg_outcomes = {}
        seeds = set(job["seeds"])
        mine = [it for it in items if _seed(it) in seeds or _seed(it) is None]
        isolate.signal_ready()
        for i, item in enumerate(mine):     # the per-test protocol, without pytest's reporting
            runtestprotocol(item, log=False, nextitem=mine[i + 1] if i + 1 < len(mine) else None)
        plugin.write_results(config, len(mine))
        isolate.finish(1 if plugin.failed(config) else 0)
    except BaseException:
        traceback.print_exc()
        isolate.flush_and_exit(70)


def _seed(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("seed") if callspec is not None else None


def serve(job: dict, sock: socket.socket) -> None:
    """In a fresh fork of the trusted zygote: collect `job` (a template) and serve on sock."""
    os.chdir(job["tmp_dir"])
    try:
        pytest.main(phase2.pytest_args(job), plugins=[_Server(sock)])
        sock.send(json.dumps({"error": "the session ended without serving"}).encode())
    except BaseException as e:
        try:
            sock.send(json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())
        except OSError:
            pass
    os._exit(3)
