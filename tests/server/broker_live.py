"""Scale-out for the tests: a throwaway redis-server on a free loopback port (skips visibly
without one), `tracegrade worker` processes on a broker, each with its own instance folder, and
gunicorn as the web, sharing nothing with the workers but PostgreSQL and Redis.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import ROOT, require_service
from tests.server.live import free_port


class RedisServer:
    """redis-server on 127.0.0.1:port with nothing saved to disk: stop() and start() again is
    a Redis restart that loses every message (the sweep's case)."""

    def __init__(self, port: int | None = None):
        self.binary = shutil.which("redis-server")
        require_service("Redis", self.binary is not None,
                        "redis-server is not installed (apt-get install redis-server)")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = Path(tempfile.mkdtemp(prefix="tracegrade-redis-"))
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {(self.folder / 'redis.log').read_text()[-2000:]}")
            if self.ping():
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within 30 s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()              # no shutdown save: whatever it held is gone
            self.proc.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def env(instance: Path, database_url: str, broker_url: str, **extra) -> dict:
    return dict(os.environ, TRACEGRADE_INSTANCE=str(instance), TRACEGRADE_ALLOW_UNSANDBOXED="1",
                TRACEGRADE_DATABASE_URL=database_url, TRACEGRADE_BROKER_URL=broker_url,
                TRACEGRADE_SECRET_KEY="test-secret", TRACEGRADE_SECURE_COOKIES="0", **extra)


class Process:
    """A child in its own process group with its output in a log file."""

    def __init__(self, argv: list[str], environ: dict, log: Path):
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=environ, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_for(self, text: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if not self.alive() or time.monotonic() > deadline:
                raise AssertionError(f"{self.log.name}: no {text!r}\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL it and everything it started (a machine dying mid-grade)."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(home: Path, database_url: str, broker_url: str, name: str, *options: str,
                 **extra) -> Process:
    """A worker "machine": its own empty instance folder under home (extra: environment)."""
    instance = home / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return Process([sys.executable, "-m", "server.cli", "worker", "--instance", str(instance),
                    "--name", name, *options], env(instance, database_url, broker_url, **extra),
                   home / f"{name}.log")


def start_web(instance: Path, database_url: str, broker_url: str, port: int | None = None) -> tuple[Process, str]:
    """gunicorn on a free port (the web machine: the instance folder that synced the course)."""
    port = port or free_port()
    web = Process([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                   "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
                   "server.wsgi:app"], env(instance, database_url, broker_url),
                  instance.parent / "web.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return web, url
        except OSError:
            if not web.alive():
                break
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start:\n{web.output()[-3000:]}")
