"""Mutation testing of graders (`tracegrade check --mutants`): each operator makes the mutant it
should, ids are stable, equivalents marked in exercise.toml are honoured and validated, a weak
exercise's survivors are reported with their diffs, and the command fails below the threshold."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders import Exercise, ExerciseError
from graders.mutants.generate import generate
from graders.mutants.report import report_lines
from graders.mutants.run import THRESHOLD, run_mutants
from tests.conftest import EXERCISES

TRAIN = """\
import torch
from torch import nn


def train(model, x, y, optimizer, steps):
    loss_fn = nn.MSELoss()  # the loss
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def predict(model, x):
    with torch.no_grad():
        return torch.relu(model(x)).mean()
"""

SUMMARY = re.compile(r"^mutants: caught (\d+) of (\d+) \((\d+) equivalent\)$", re.M)


def by_id(source: str) -> dict:
    return {m.id: m for m in generate(source)}


def changed_lines(m) -> list[str]:
    """The mutant's changed lines, as its diff shows them ('-old' and '+new')."""
    return [ln for ln in m.diff.splitlines()
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


@pytest.mark.parametrize("mid, old, new", [
    ("remove-zero_grad:L10", "optimizer.zero_grad()", "pass"),
    ("remove-backward:L11", "loss.backward()", "pass"),
    ("remove-step:L12", "optimizer.step()", "pass"),
    ("replace-loss:L6", "nn.MSELoss()", "nn.L1Loss()"),
    ("replace-reduction:L18", "torch.relu(model(x)).mean()", "torch.relu(model(x)).sum()"),
    ("replace-activation:L18", "torch.relu(model(x))", "torch.sigmoid(model(x))"),
    ("drop-method:L13", "return loss.item()", "return loss"),
    ("drop-method:L18", "torch.relu(model(x)).mean()", "return torch.relu(model(x))"),
    ("drop-wrapper:L18", "torch.relu(model(x)).mean()", "return model(x).mean()"),
    ("swap-args:L9", "loss_fn(pred, y)", "loss_fn(y, pred)"),
])
def test_each_operator_rewrites_one_line(mid, old, new):
    m = by_id(TRAIN)[mid]
    removed, added = [ln for ln in changed_lines(m) if ln[0] == "-"], [ln for ln in changed_lines(m) if ln[0] == "+"]
    assert len(removed) == len(added) == 1, m.diff
    assert old in removed[0] and new in added[0] and old not in added[0], m.diff
    ast.parse(m.source)


def test_remove_no_grad_runs_the_body_with_gradients_on():
    m = by_id(TRAIN)["remove-no_grad:L17"]
    assert "no_grad" not in m.source
    assert "    return torch.relu(model(x)).mean()\n" in m.source
    deco = by_id("import torch\n\n\n@torch.no_grad()\ndef f(x):\n    return x\n")
    assert "no_grad" not in deco["remove-no_grad:L4"].source


def test_swap_stmts_moves_whole_lines_and_keeps_their_comments():
    m = by_id(TRAIN)["swap-stmts:L10"]
    lines = m.source.splitlines()
    assert lines[9:11] == ["        loss.backward()", "        optimizer.zero_grad()"]
    assert "    loss_fn = nn.MSELoss()  # the loss" in lines


def test_two_independent_assignments_are_not_swapped():
    """Their order cannot matter: such a mutant would always be equivalent."""
    src = "def f(X, Y, i):\n    a = X[i:i + 2]\n    b = Y[i:i + 2]\n    return a + b\n"
    ops = {(m.operator, m.line) for m in generate(src)}
    assert ("swap-stmts", 2) not in ops
    assert ("swap-stmts", 3) in ops       # b before the return that reads it


def test_constants_operators_calls_and_operands():
    src = "def f(a, b, model, x):\n    x = model(x)\n    print(a)\n    keep(a)\n    return -(a - b) * 0.5 < 2\n"
    ms = generate(src)
    new_lines = {m.description: changed_lines(m)[-1] for m in ms}
    assert any("return -(a - b) * -0.5 < 2" in ln for ln in new_lines.values())
    assert any("return -(a - b) * 1.0 < 2" in ln for ln in new_lines.values())
    assert any("return -(a - b) * 0.25 < 2" in ln for ln in new_lines.values())
    assert any("< 3" in ln for ln in new_lines.values()) and any("< 1" in ln for ln in new_lines.values())
    assert any("-(a + b)" in ln for ln in new_lines.values())
    assert any("-(b - a)" in ln for ln in new_lines.values())
    assert any("return (a - b) * 0.5 < 2" in ln for ln in new_lines.values())
    assert any("<= 2" in ln for ln in new_lines.values())
    assert any("/ 0.5" in ln for ln in new_lines.values())
    dropped = {m.id for m in ms if m.operator == "drop-call"}
    assert dropped == {"drop-call:L2", "drop-call:L4"}     # x = model(x) and keep(a); never print


def test_every_mutant_parses_differs_and_is_unique():
    for f in sorted(EXERCISES.glob("*/solution.py")):
        src = f.read_text(encoding="utf-8")
        ms = generate(src)
        assert 5 <= len(ms) <= 150, f
        dumps = [ast.dump(ast.parse(m.source)) for m in ms]
        assert len(set(dumps)) == len(dumps), f
        assert ast.dump(ast.parse(src)) not in dumps, f
        assert len({m.id for m in ms}) == len(ms), f


def test_ids_are_stable():
    first = [m.id for m in generate(TRAIN)]
    assert first == [m.id for m in generate(TRAIN)]
    assert all(re.fullmatch(r"[a-z_-]+:L\d+(:C\d+)?(:[^\s:]+)?(:\d+)?", i) for i in first)
    # an edit further down changes no id above it
    edited = TRAIN.replace("torch.relu(model(x)).mean()", "torch.relu(model(x)).mean() * 2")
    above = [i for i in first if int(i.split(":L")[1].split(":")[0]) < 16]
    assert set(above) <= {m.id for m in generate(edited)}


# ---- exercise.toml ------------------------------------------------------------------------------
def _copy(tmp_path, slug="one-training-step") -> Path:
    dest = tmp_path / slug
    shutil.copytree(EXERCISES / slug, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _set_equivalents(ex: Path, entries: str) -> None:
    toml = ex / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    text = text[:text.index("# Mutants of solution.py")] if "# Mutants of solution.py" in text else text
    toml.write_text(text + "\n# Mutants of solution.py\n" + entries, encoding="utf-8")


def test_equivalents_need_an_id_and_a_reason(tmp_path):
    ex = _copy(tmp_path)
    _set_equivalents(ex, '[[mutants.equivalent]]\nid = "swap-stmts:L6"\n')
    with pytest.raises(ExerciseError) as e:
        Exercise.load(ex)
    assert "exercise.toml" in str(e.value) and "swap-stmts:L6" in str(e.value) and "reason" in str(e.value)
    _set_equivalents(ex, '[[mutants.equivalent]]\nid = "swap-stmts:L6"\nreason = "x"\nwhy = "y"\n')
    with pytest.raises(ExerciseError, match="unknown key"):
        Exercise.load(ex)
    _set_equivalents(ex, '[mutants]\nsurvivors = []\n')
    with pytest.raises(ExerciseError, match="mutants.survivors"):
        Exercise.load(ex)
    _set_equivalents(ex, '[[mutants.equivalent]]\nid = "swap-stmts:L6"\nreason = "independent"\n')
    assert Exercise.load(ex).equivalent_mutants == (("swap-stmts:L6", "independent"),)


WEAK_GRADER = '''\
import pytest

from graders import checks


@pytest.mark.points(10)
def test_calls_backward(source):
    """The code calls backward()"""
    if not checks.calls_attribute(source, "backward"):
        checks.fail("Call loss.backward() so the parameters get gradients.", "backward_missing")
'''


def _weaken(ex: Path) -> None:
    """Graders that only look for a call to backward() in the source."""
    for f in (ex / "graders").rglob("test_*.py"):
        f.unlink()
    (ex / "graders" / "test_weak.py").write_text(WEAK_GRADER, encoding="utf-8")


def test_a_weak_graders_survivors_are_reported_with_their_diffs(tmp_path, grader):
    ex_dir = _copy(tmp_path)
    _weaken(ex_dir)
    _set_equivalents(ex_dir, '[[mutants.equivalent]]\nid = "swap-stmts:L6"\n'
                             'reason = "zero_grad before the loss is computed is the same program"\n'
                             '[[mutants.equivalent]]\nid = "constant:L99"\nreason = "gone"\n')
    run = run_mutants(Exercise.load(ex_dir), grader)
    ids = {r.mutant.id for r in run.results}
    assert "remove-step:L9" in ids and "remove-backward:L8" in ids
    caught = {r.mutant.id for r in run.counted if r.caught}
    assert "remove-backward:L8" in caught                      # the one thing the grader looks at
    survivors = {r.mutant.id for r in run.survivors}
    assert "remove-step:L9" in survivors and "swap-stmts:L6" not in survivors
    assert run.equivalent == 1 and run.unknown_equivalents == ["constant:L99"]
    assert run.fraction < THRESHOLD and not run.ok
    text = "\n".join(report_lines(run))
    assert "SURVIVED  remove-step:L9" in text
    assert "+++ solution.py (remove-step:L9)" in text and "-    optimizer.step()" in text
    assert "equivalent swap-stmts:L6: zero_grad before the loss" in text
    assert "'constant:L99' matches no mutant" in text and str(ex_dir / "exercise.toml") in text
    m = SUMMARY.search(text)
    assert m and text.rstrip().endswith(m.group(0))
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (run.caught, run.generated - 1, 1)


def tg(*args) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "tracegrade"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "100"})


def test_check_mutants_prints_the_figure_and_fails_below_the_threshold(tmp_path):
    ex = _copy(tmp_path)
    _weaken(ex)
    r = tg("check", ex, "--mutants")
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert "ok    one-training-step" in out                  # the self-check itself passes
    assert "SURVIVED  remove-step:L9" in out and "below the 95%" in out
    m = SUMMARY.search(out)
    assert m and int(m.group(1)) < 0.95 * int(m.group(2))
    assert "0 of 1 exercises ok" in out
