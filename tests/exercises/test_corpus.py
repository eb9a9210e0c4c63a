"""Every bundled exercise's corpus keeps its verdict: correct variants get full marks, each
known mistake fails with its named diagnosis.

A corpus file lives in tests/exercises/corpus/<slug>/ and says what it expects on its first line:
`# expect: full`, `# expect: mistake <diagnosis>` or `# expect: verdict <verdict>`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from graders import Exercise
from graders.grading import corpus
from tests.conftest import EXERCISES

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_files():
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for f in corpus.files(folder):
            yield pytest.param(f, id=f"{f.parent.name}/{f.stem}")


@pytest.mark.parametrize("path", list(corpus_files()))
def test_corpus_verdict(path: Path, grader):
    """The same runner and rules as `tracegrade corpus EXDIR CORPUS_DIR`."""
    assert corpus.expectation(path) is not None, f"{path}: {corpus.FIRST_LINE}"
    judged = corpus.grade_file(Exercise.load(EXERCISES / path.parent.name), path, grader)
    assert judged.ok, f"{path.name}: expected {judged.expect}, got {judged.got}: {judged.why}"


MIN_CORRECT = MIN_MISTAKES = 8


def test_every_exercise_has_a_corpus():
    slugs = [p.parent.name for p in EXERCISES.glob("*/exercise.toml")]
    for slug in slugs:
        files = list((CORPUS / slug).glob("*.py"))
        full = [f for f in files if f.read_text().startswith("# expect: full")]
        bad = [f for f in files if f.read_text().startswith("# expect: mistake")]
        assert len(full) >= MIN_CORRECT, \
            f"{slug}: needs at least {MIN_CORRECT} also-correct variants, has {len(full)}"
        assert len(bad) >= MIN_MISTAKES, \
            f"{slug}: needs at least {MIN_MISTAKES} known mistakes, has {len(bad)}"


@pytest.mark.parametrize("slug, path", [
    ("one-training-step", "one-training-step/bad_step_before_backward.py"),
    ("zero-grad", "zero-grad/bad_step_before_backward.py"),
])
def test_step_that_never_moves_the_parameters_loses_the_update_points(slug, path, grader):
    result = grader.grade(Exercise.load(EXERCISES / slug), (CORPUS / path).read_bytes(),
                          seeds="all")
    update = [t for t in result.tests if t.name.startswith("optimizer.step()")]
    assert update, [t.name for t in result.tests]
    assert all(t.status == "failed" for t in update), [(t.name, t.status) for t in update]
    assert all(t.diagnosis == "step_before_backward" for t in update)


def _no_double(m: str) -> bool:
    return "double" not in m and "Lower the learning rate" in m


def _digits_differ(m: str) -> bool:
    found = re.search(r"yours is (\S+), expected (\S+?)\.? ", m)
    return bool(found) and found.group(1) != found.group(2)


@pytest.mark.parametrize("path, diagnosis, says_it_right", [
    ("learning-rate/bad_lr_0_25_edge.py", "edge_of_stability", _no_double),
    ("gradient-check/bad_eps_1e12.py", "numerical_grad_inaccurate", _digits_differ),
    ("minibatch-epochs/bad_one_epoch_loss.py", "wrong_epoch_count",
     lambda m: "returned 1 epoch loss;" in m),
    ("bce-with-logits/bad_softmax_one_column.py", "softmax_one_logit",
     lambda m: "softmax" in m and "labels" not in m),
], ids=lambda v: v if isinstance(v, str) else "")
def test_feedback_words_the_mistake_right(path, diagnosis, says_it_right, grader):
    result = grader.grade(Exercise.load(EXERCISES / Path(path).parent.name),
                          (CORPUS / path).read_bytes(), seeds="all")
    messages = [t.message for t in result.tests if t.diagnosis == diagnosis]
    assert messages and all(says_it_right(m) for m in messages), messages
