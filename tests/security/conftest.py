"""Fixtures of the security suite: one sandboxed warm pool for the package, and a copy of the
one-training-step exercise with canaries planted where student code must never reach (the
solution, a hidden grader, a fake database, a secret in the server's environment).

Every test grades a hostile submission, checks containment from outside, then checks that the
same pool still grades the solution correctly (`healthy`).
"""
from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders import Exercise, Grader
from tests.conftest import EXERCISES, GOOD_TRAIN_STEP, require_service

CANARY = "CANARY" + secrets.token_hex(8)
SECRET_ENV = {"TRACEGRADE_SECRET_KEY": f"{CANARY}-secret-key",
              "DATABASE_URL": f"postgresql://grader:{CANARY}-dbpass@db/tracegrade"}

GOOD = GOOD_TRAIN_STEP
STARTER = '''
def train_step(model, x, y, loss_fn, optimizer):
    pred = model(x)
    loss = loss_fn(pred, y)
    return loss.item()
'''
HIDDEN_GRADER = f'''# {CANARY}-hidden-grader
import pytest


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
def test_loss_is_recorded(student):
    """The loss is recorded at every step"""
    assert student.steps("loss"), "No loss was recorded."
'''
LIMITS = """
[limits]
wall_seconds = 4
cpu_seconds = 3
memory_mb = 512
processes = 3
tmpfs_mb = 16
output_kb = 64
"""


@dataclass
class Lab:
    """What the tests need: the grader, the planted exercise, and where the canaries are."""

    grader: Grader
    exercise: Exercise
    database: Path
    full_marks: float

    def grade(self, source: str, seeds="hidden"):
        return self.grader.grade(self.exercise, source, seeds=seeds)

    def healthy(self) -> None:
        """The pool still grades: the solution gets full marks, the starter does not."""
        good = self.grade(GOOD)
        assert good.verdict.value == "graded" and good.score == self.full_marks, (good.verdict, good.message, good.stderr[-2000:])
        assert good.sandboxed
        bad = self.grade(STARTER, seeds="public")
        assert bad.verdict.value == "graded" and 0 < bad.score < self.full_marks

    def everything(self, result) -> str:
        """All the text a submission's grading produced (where a leak would show)."""
        parts = [result.message, result.stdout, result.stderr]
        parts += [f"{t.name} {t.message}" for t in result.tests]
        return "\n".join(parts)


def planted_exercise(dest: Path) -> Exercise:
    shutil.copytree(EXERCISES / "one-training-step", dest)
    sol = dest / "solution.py"
    sol.write_text(sol.read_text() + f"\n# {CANARY}-solution\n")
    (dest / "graders" / "hidden").mkdir(exist_ok=True)
    (dest / "graders" / "hidden" / "test_hidden.py").write_text(HIDDEN_GRADER)
    toml = dest / "exercise.toml"
    text = toml.read_text().replace("points = 10", "points = 11")
    toml.write_text(text + LIMITS)
    return Exercise.load(dest)


@pytest.fixture(scope="package")
def lab(tmp_path_factory):
    from graders.pool import WarmPool
    from graders.sandbox import probe

    avail = probe()
    require_service("the sandbox", avail.available, avail.reason)
    root = tmp_path_factory.mktemp("security")
    ex = planted_exercise(root / "one-training-step")
    db = root / "instance" / "tracegrade.sqlite"
    db.parent.mkdir()
    db.write_text(f"SQLite format 3\0 users: admin {CANARY}-password-hash\n")
    saved = {k: os.environ.get(k) for k in SECRET_ENV}
    os.environ.update(SECRET_ENV)            # the server's environment, as the pool starts
    try:
        pool = WarmPool(size=2, sandbox_mode="require", start=2)
        pool.wait_ready()
        with Grader(pool) as g:
            lab = Lab(g, ex, db, ex.points)
            yield lab
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def host_pids() -> set[int]:
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def comm_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def lines(result, prefix: str) -> set[str]:
    """The distinct stdout lines starting with prefix (a module runs once per seed)."""
    return {ln for ln in result.stdout.splitlines() if ln.startswith(prefix)}
