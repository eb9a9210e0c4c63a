"""The production image, built from the Dockerfile and run for real with podman: the bundled
exercise checks out, a corpus mistake is graded in the sandbox with its diagnosis, and
`tracegrade serve` answers /healthz as a non-root user under tini."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

from tests.conftest import ROOT, require_service

IMAGE = os.environ.get("TRACEGRADE_TEST_IMAGE", "localhost/tracegrade:latest")
SCRIPT = str(ROOT / "scripts" / "image.sh")
# the sandbox mounts its own /proc: the container's masked /proc paths must be unmasked
SANDBOX = ["--security-opt", "unmask=/proc/*"]
MISTAKE = ROOT / "tests" / "exercises" / "corpus" / "zero-grad" / "bad_no_zero_grad.py"


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", SCRIPT, "podman", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def image() -> str:
    require_service("podman", shutil.which("podman") is not None,
                    "apt-get install podman runc (and debootstrap to make the base image)")
    if os.environ.get("TRACEGRADE_TEST_IMAGE") is None:
        for step, limit in (("base", 900), ("build", 1800)):
            done = subprocess.run(["bash", SCRIPT, step], capture_output=True, text=True,
                                  timeout=limit)
            assert done.returncode == 0, f"scripts/image.sh {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return IMAGE


def test_bundled_exercise_checks_out_in_the_image(image):
    done = podman("run", "--rm", "--network", "none", *SANDBOX, image,
                  "tracegrade", "check", "exercises/zero-grad")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 of 1 exercises ok" in done.stdout


def test_a_mistake_is_graded_in_the_sandbox(image):
    done = podman("run", "--rm", "--network", "none", *SANDBOX, "-v", f"{MISTAKE}:/tmp/sub.py:ro",
                  image, "tracegrade", "grade", "exercises/zero-grad", "/tmp/sub.py")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "gradients are not cleared between batches" in done.stdout
    assert "Total: 2/10" in done.stdout
    assert "without isolation" not in done.stdout + done.stderr


def test_serve_in_the_image_is_healthy(image):
    name = f"tracegrade-test-{uuid.uuid4().hex[:8]}"
    started = podman("run", "-d", "--name", name, "--network", "none", *SANDBOX, image)
    assert started.returncode == 0, started.stderr
    try:
        body, deadline = None, time.monotonic() + 240
        while time.monotonic() < deadline:
            probe = podman("exec", name, "python3", "-c",
                           "import urllib.request; print(urllib.request.urlopen("
                           "'http://127.0.0.1:8000/healthz', timeout=4).read().decode())", timeout=60)
            if probe.returncode == 0:
                body = json.loads(probe.stdout)
                if body.get("workers"):           # the worker has started and beaten once
                    break
            time.sleep(2)
        logs = podman("logs", name).stdout[-3000:]
        assert body and body["status"] == "ok" and body["database"] == "ok", logs
        assert body["workers"], logs
        assert podman("healthcheck", "run", name).returncode == 0
        assert podman("exec", name, "id", "-u").stdout.strip() == "10001"
        assert "tini" in podman("exec", name, "cat", "/proc/1/cmdline").stdout
    finally:
        podman("rm", "-f", "-v", name, timeout=120)
