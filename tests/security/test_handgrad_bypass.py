"""Derive-by-hand integrity: no route to autograd earns the points of tests that check gradients
or training, and honest code (no_grad, in-place updates, detach) is left alone.

The corpus files `bypass_*.py` of linreg-gradients and fnn-backprop are graded in full; the
watch itself (graders.trace.autograd_watch) is also driven in-process, route by route.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from graders import Exercise
from graders.trace import Recorder, use
from graders.trace.handgrad import forbid_autograd, probe
from tests.conftest import EXERCISES

CORPUS = Path(__file__).resolve().parent.parent / "exercises" / "corpus"
SLUGS = ("linreg-gradients", "fnn-backprop")
BYPASSES = [pytest.param(f, id=f"{f.parent.name}/{f.stem}")
            for slug in SLUGS for f in sorted((CORPUS / slug).glob("bypass_*.py"))]


def test_the_corpus_holds_at_least_twelve_bypasses():
    assert len(BYPASSES) >= 12


@pytest.mark.parametrize("path", BYPASSES)
def test_bypass_earns_no_gradient_points(path: Path, grader):
    ex = Exercise.load(EXERCISES / path.parent.name)
    result = grader.grade(ex, path.read_bytes(), seeds="all")
    summary = [(t.name, t.score, t.diagnosis, t.message[:120]) for t in result.tests]
    gradient_tests = [t for t in result.tests if "without autograd" not in t.name]
    allowed = sum(t.max_score for t in result.tests if "without autograd" in t.name)
    assert result.verdict.value == "graded", (result.verdict, result.message)
    assert result.score <= allowed, summary
    assert all(t.score == 0 for t in gradient_tests), summary
    assert all(t.diagnosis in ("uses_autograd", "autograd_watch_off") for t in gradient_tests), summary


# ---- the watch, in-process ---------------------------------------------------------------------
def watched(fn, *args):
    """(result, events) of fn(*args) called the way a derive-by-hand scenario calls it."""
    rec = Recorder()
    with use(rec), forbid_autograd():
        got = probe("gradients#0", fn, *args)
    return got, rec.trace.info["autograd_detected"]


def honest(a, x):
    with torch.no_grad():
        r = a * x
    r.mul_(2).add_(1)
    return r.detach(), (r * x).mean()


def engine_backward(a, x):
    with torch.enable_grad():
        a = a.clone().requires_grad_()
        loss = (a * x).sum()
    engine = vars(torch.autograd)["Variable"]._execution_engine
    return engine.run_backward((loss,), (torch.ones(()),), False, False, (a,), False, False)


def dual_numbers(a, x):
    import torch.autograd.forward_ad as fw
    with fw.dual_level():
        d = fw.make_dual(a, torch.ones_like(a))
        return fw.unpack_dual((d * x).sum()).tangent


def custom_function(a, x):
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Double.apply(a)


def leaves_graph_on(a, x):
    torch.set_grad_enabled(True)
    return a * x


def test_honest_code_sets_off_nothing():
    got, events = watched(honest, torch.ones(3), torch.arange(3.0))
    assert events == []
    assert torch.equal(got[0], torch.tensor([1.0, 3.0, 5.0]))


@pytest.mark.parametrize("fn, kind", [(engine_backward, "graph"), (dual_numbers, "forward_ad"),
                                      (custom_function, "graph")])
def test_each_route_is_seen(fn, kind):
    _, events = watched(fn, torch.ones(3), torch.arange(3.0))
    assert kind in {e["kind"] for e in events}, events
    assert all(e["probe"] == "gradients#0" for e in events)


def test_grad_mode_left_on_is_switched_back_off():
    rec = Recorder()
    with use(rec), forbid_autograd():
        probe("gradients#0", leaves_graph_on, torch.ones(3), torch.arange(3.0))
        on_in_next_call = probe("gradients#1", lambda: torch.is_grad_enabled())
    assert rec.trace.info["autograd_detected"] == []
    assert on_in_next_call is False


def test_popping_the_watch_hooks_is_tampering():
    def pop(a, x):
        torch._C._autograd._pop_saved_tensors_default_hooks()
        return a
    _, events = watched(pop, torch.ones(3), torch.arange(3.0))
    assert [e["kind"] for e in events] == ["tampered"]


def test_a_thread_is_seen_although_its_graph_is_not():
    import threading

    def in_thread(a, x):
        box = []
        t = threading.Thread(target=lambda: box.append(engine_backward(a, x)))
        t.start()
        t.join()
        return box[0][0]
    got, events = watched(in_thread, torch.ones(3), torch.arange(3.0))
    assert torch.equal(got, torch.arange(3.0))          # autograd did run, in the other thread
    assert [e["kind"] for e in events] == ["tampered"]
    assert "thread" in events[0]["how"]


def test_forward_ad_works_again_after_the_window():
    assert torch.equal(dual_numbers(torch.ones(3), torch.arange(3.0)), torch.tensor(3.0))


def test_rebinding_the_watch_counter_is_tampering():
    import graders.trace.autograd_watch as aw

    def rebind(a, x):
        aw._sequence_nr = lambda: 0
        return a
    saved = aw._sequence_nr
    try:
        _, events = watched(rebind, torch.ones(3), torch.arange(3.0))
    finally:
        aw._sequence_nr = saved
    assert "tampered" in {e["kind"] for e in events}, events


# ---- the syntax check: the early, friendly warning ---------------------------------------------
HIDDEN_SNIPPETS = [
    'getattr(loss, "back" + "ward")()',
    'setattr(w, "requires_" + "grad", True)',
    'f = getattr(torch, name)',
    'm = __import__("torch.auto" + "grad")',
    'import importlib\nm = importlib.import_module("torch." + "func")',
    'exec(src)',
    'import gc',
    'import sys\nm = sys.modules["torch.autograd"]',
    'g = getattr(torch, "".join(["_", "C"]))',
]


@pytest.mark.parametrize("snippet", HIDDEN_SNIPPETS)
def test_syntax_check_flags_hidden_names(snippet):
    from graders.checks.handgrad import autograd_uses
    assert autograd_uses("import torch\n" + snippet + "\n")


@pytest.mark.parametrize("path", [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for slug in SLUGS
                                  for f in sorted((CORPUS / slug).glob("good_*.py"))])
def test_syntax_check_leaves_correct_variants_alone(path):
    from graders.checks.handgrad import autograd_uses
    assert autograd_uses(path.read_text(encoding="utf-8")) == ()
