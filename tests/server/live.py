"""Real processes for end-to-end tests: a `tracegrade worker` and a `tracegrade serve` on a free
port, each started in its own process group and stopped (or killed) by the test.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from server.db import Database
from server.models import Submission

ROOT = Path(__file__).resolve().parent.parent.parent



def wait_until(predicate, timeout: float, what: str, process=None, every: float = 0.05) -> None:
    """Poll predicate() until true; after timeout seconds fail, naming `what`, with the tail of
    process.output() when one is given."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = f"\n{process.output()[-3000:]}" if process is not None else ""
            raise AssertionError(f"{what}: not after {timeout} s{tail}")
        time.sleep(every)

def worker_env(instance: Path) -> dict:
    return dict(os.environ, TRACEGRADE_INSTANCE=str(instance), TRACEGRADE_ALLOW_UNSANDBOXED="1")


class LiveWorker:
    def __init__(self, instance: Path, name: str, args: tuple[str, ...] = ()):
        self.instance, self.name, self.args = instance, name, tuple(args)
        self.proc: subprocess.Popen | None = None
        self.log = instance / f"{name}.log"

    def start(self) -> "LiveWorker":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "worker", "--instance", str(self.instance),
                 "--name", self.name, *self.args], cwd=ROOT, env=worker_env(self.instance),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (a machine dying mid-grade)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "LiveWorker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_for(instance: Path, sid: int, statuses=("graded", "error"), timeout: float = 120.0,
             worker: LiveWorker | None = None) -> Submission:
    """Poll the database until submission sid reaches one of statuses."""
    db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
    deadline = time.monotonic() + timeout
    try:
        while True:
            with db.sessions() as s:
                sub = s.scalar(select(Submission).where(Submission.id == sid))
                if sub is not None and sub.status in statuses:
                    sub.tests  # load the test rows before the session closes
                    return sub
            if time.monotonic() > deadline:
                log = worker.output()[-3000:] if worker else ""
                raise AssertionError(f"submission {sid} still {sub.status if sub else None} "
                                     f"after {timeout} s\n{log}")
            time.sleep(0.05)
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`tracegrade serve --demo` on a free port with its own instance and course folder."""

    def __init__(self, instance: Path, exercises: Path, port: int | None = None):
        self.instance, self.exercises = instance, exercises
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = instance.parent / "serve.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "LiveServer":
        self.instance.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--demo", "--port", str(self.port),
                 "--instance", str(self.instance), "--exercises", str(self.exercises),
                 "--web-workers", "1"], cwd=ROOT, env=worker_env(self.instance),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tracegrade serve exited:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200 and "worker" in self.output() and "ready" in self.output():
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"tracegrade serve did not start:\n{self.output()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def post(url: str, token: str, code: str) -> int:
    """POST code to one-training-step of the test course through the API; the new row's id."""
    req = urllib.request.Request(url + "/api/v1/submissions", method="POST",
                                 data=json.dumps({"course": "backprop", "exercise": "one-training-step",
                                                  "code": code}).encode(),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 202
        return json.load(r)["id"]


class Prober(threading.Thread):
    """Asks the web's /healthz every 0.2 s and keeps every answer (or what went wrong instead)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.answers, self.failures = url, 0, []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=10) as r:
                    json.load(r)
                    self.answers += 1
            except urllib.error.HTTPError as e:
                self.failures.append(f"HTTP {e.code}: {e.read()[:200]!r}")
            except OSError as e:
                self.failures.append(repr(e))
