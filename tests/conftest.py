"""Shared fixtures of the project's tests: the repository root, one Grader per session, and the
rule that tests needing an outside service skip visibly (or fail with
TRACEGRADE_REQUIRE_SERVICES=1)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"

# a correct submission to one-training-step (the bundled solution's logic, in one place)
GOOD_TRAIN_STEP = """
def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
"""


def require_service(name: str, available: bool, why: str) -> None:
    """Skip (or fail in CI) when an outside service is missing."""
    if available:
        return
    msg = f"{name} is not available: {why}"
    if os.environ.get("TRACEGRADE_REQUIRE_SERVICES") == "1":
        pytest.fail(msg + " (TRACEGRADE_REQUIRE_SERVICES=1)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def grader():
    from graders import Grader

    with Grader() as g:
        yield g
