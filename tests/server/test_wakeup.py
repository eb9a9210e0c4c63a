"""The wake-up channel, with a real database, a real Grader and a real worker: a worker with a long
database poll grades promptly what the API and the submit form queue; stale or foreign files in the
wake folder never break submitting; the worker removes its socket when it stops (SIGTERM
included), and without a socket it warns once and polls."""
from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from server.grading import wakeup
from server.db import Database
from server.models import Submission
from server.grading.worker import Worker
from tests.conftest import EXERCISES
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_token, gen_user, login, make_app
from tests.server.live import LiveWorker, wait_for, wait_until

SOLUTION = (EXERCISES / EXERCISE / "solution.py").read_text()


@pytest.fixture
def short_instance(template_instance):
    """A copy of the template instance at a short path (a socket path must fit in 107 bytes,
    and pytest's tmp_path may not leave room for it)."""
    root = Path(tempfile.mkdtemp(prefix="tgw-", dir="/tmp" if os.path.isdir("/tmp") else None))
    dest = root / "instance"
    shutil.copytree(template_instance, dest, symlinks=True)
    yield dest
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def site(short_instance):
    app = make_app(short_instance)
    with app.extensions["tracegrade.db"].sessions() as s:
        token = gen_token(s, gen_user(s, "ada@example.org"))
    yield app, token, short_instance
    app.extensions["tracegrade.db"].dispose()


def api_submit(app, token) -> int:
    r = app.test_client().post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                               json={"course": COURSE, "exercise": EXERCISE, "code": SOLUTION})
    assert r.status_code == 202, r.json
    assert r.json["status"] == "queued"
    return r.json["id"]


def sockets(instance: Path) -> list[str]:
    folder = wakeup.folder(instance)
    return sorted(n for n in os.listdir(folder) if n.endswith(".sock")) if folder.is_dir() else []


class ThreadWorker:
    """Worker.run in a thread, with the given poll interval, stopping after max_jobs gradings."""

    def __init__(self, instance: Path, grader, poll_seconds: float, max_jobs: int):
        self.db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
        self.worker = Worker(self.db, instance, name="thread-worker", poll_seconds=poll_seconds)
        self.error: BaseException | None = None
        self.done = None

        def run():
            try:
                self.done = self.worker.run(grader, max_jobs=max_jobs)
            except BaseException as e:     # shown by the test, not lost in the thread
                self.error = e
        self.thread = threading.Thread(target=run, daemon=True)

    def __enter__(self) -> "ThreadWorker":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.thread.join(timeout=120)
        self.db.dispose()


def test_a_worker_with_a_long_poll_grades_promptly(site, grader):
    app, token, instance = site
    with ThreadWorker(instance, grader, poll_seconds=60, max_jobs=2) as w:
        wait_until(lambda: sockets(instance), 10, "the worker's wake-up socket")
        time.sleep(0.3)                    # its first claim found nothing: it waits in select now
        sid = api_submit(app, token)
        sub = wait_for(instance, sid, timeout=15)     # a 60 s poll would not have found it yet
        assert (sub.status, sub.score) == ("graded", 10.0)

        time.sleep(0.3)                    # idle again
        client = app.test_client()
        login(client, "ada@example.org")
        r = client.post(f"/c/{COURSE}/{EXERCISE}/submit",
                        data={"code": SOLUTION, "csrf_token": csrf(client)})
        assert r.status_code == 302
        with app.extensions["tracegrade.db"].sessions() as s:
            sid2 = s.scalar(select(Submission.id).order_by(Submission.id.desc()))
        assert sid2 > sid
        sub = wait_for(instance, sid2, timeout=15)
        assert (sub.status, sub.score) == ("graded", 10.0)
    assert w.error is None and w.done == 2 and not w.thread.is_alive()
    assert sockets(instance) == []         # stopped (max_jobs): its socket is gone


def test_submitting_ignores_stale_and_foreign_files_in_the_wake_folder(site):
    app, token, instance = site
    folder = wakeup.folder(instance)
    folder.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(folder / "4194304-0.sock"))   # a worker that died without cleaning up
    stale.close()
    (folder / "notes.sock").write_text("not a socket")
    (folder / "dir.sock").mkdir()
    assert wakeup.notify(instance) == 0

    sid = api_submit(app, token)
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": SOLUTION, "csrf_token": csrf(client)})
    assert r.status_code == 302
    with app.extensions["tracegrade.db"].sessions() as s:
        rows = s.scalars(select(Submission).order_by(Submission.id)).all()
    assert [r.status for r in rows] == ["queued", "queued"] and rows[0].id == sid


def test_submitting_works_with_a_full_worker_buffer_and_a_path_too_long(site, tmp_path):
    app, token, instance = site
    folder = wakeup.folder(instance)
    folder.mkdir(mode=0o700)
    busy = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    busy.bind(str(folder / "4194305-0.sock"))      # alive but never reading
    try:
        sent = sum(wakeup.notify(instance) for _ in range(2000))
        assert 0 < sent < 2000                     # the buffer filled up; the rest was dropped
        api_submit(app, token)
    finally:
        busy.close()
    deep = tmp_path / ("d" * 120)
    assert wakeup.notify(deep) == 0                # no folder
    (deep / "wake").mkdir(parents=True)
    (deep / "wake" / "1-0.sock").write_text("")
    assert wakeup.notify(deep) == 0                # path too long for AF_UNIX


def test_without_a_socket_the_worker_warns_once_and_polls(template_instance, tmp_path, grader, caplog):
    instance = tmp_path / ("x" * 110) / "instance"  # too long for a socket path
    shutil.copytree(template_instance, instance, symlinks=True)
    app = make_app(instance)
    try:
        with app.extensions["tracegrade.db"].sessions() as s:
            token = gen_token(s, gen_user(s, "ada@example.org"))
        caplog.set_level(logging.WARNING, logger="tracegrade.wakeup")
        with ThreadWorker(instance, grader, poll_seconds=0.05, max_jobs=1) as w:
            time.sleep(0.3)                         # idle: polling
            sid = api_submit(app, token)
        assert w.error is None and w.done == 1
        assert wait_for(instance, sid, timeout=1).status == "graded"
    finally:
        app.extensions["tracegrade.db"].dispose()
    warnings = [r for r in caplog.records if r.name == "tracegrade.wakeup"]
    assert len(warnings) == 1 and "polling" in warnings[0].getMessage()


def test_the_worker_process_replaces_stale_sockets_and_removes_its_own_on_sigterm(short_instance):
    folder = wakeup.folder(short_instance)
    folder.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(folder / "4194306-0.sock"))
    stale.close()
    (folder / "keep.txt").write_text("not ours")
    worker = LiveWorker(short_instance, name="wake-worker").start()
    try:
        wait_until(lambda: sockets(short_instance) == [f"{worker.proc.pid}-0.sock"], 120,
                   "the worker's socket, and only it\n" + worker.output()[-2000:])
        wait_until(lambda: "ready" in worker.output(), 120, "worker ready")
        time.sleep(0.3)                              # waiting in select
        t0 = time.monotonic()
        worker.stop()                                # SIGTERM while it waits for work
        assert time.monotonic() - t0 < 10
    finally:
        worker.stop()
    assert worker.proc.returncode == 0, worker.output()[-2000:]
    assert "stopped (SIGTERM)" in worker.output()
    assert sockets(short_instance) == [] and (folder / "keep.txt").is_file()
