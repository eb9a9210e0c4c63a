"""Comparison helpers and feedback: the first divergence, in words a student can act on."""
from __future__ import annotations

import pytest
import torch

from graders import checks
from graders.trace import Trace


def tr(**series):
    return Trace(tensors={k: {i: torch.tensor(v) for i, v in enumerate(vals)} for k, vals in series.items()})


def test_first_divergence_reports_step_key_and_values():
    d = checks.first_divergence(tr(loss=[1.0, 0.5, 0.3]), tr(loss=[1.0, 0.5, 0.2]), "loss")
    assert (d.key, d.step, d.reason) == ("loss", 2, "value")
    assert checks.first_divergence(tr(loss=[1.0]), tr(loss=[1.0 + 1e-9]), "loss") is None


def test_assert_close_message_is_readable():
    with pytest.raises(checks.Mistake) as e:
        checks.assert_close(tr(loss=[1.0, 0.7]), tr(loss=[1.0, 0.5]), "loss", what="Your loss",
                            hint="Check the learning rate.", diagnosis="lr")
    assert str(e.value) == "Your loss at step 2 is 0.7, expected 0.5. Check the learning rate."
    assert e.value.diagnosis == "lr"


def test_missing_and_shape_divergences():
    with pytest.raises(checks.Mistake, match="never produced"):
        checks.assert_close(tr(), tr(loss=[1.0]), "loss", what="Your loss")
    with pytest.raises(checks.Mistake, match=r"shape \[2\], expected \[3\]"):
        checks.assert_close(tr(w=[[1.0, 2.0]]), tr(w=[[1.0, 2.0, 3.0]]), "w", what="w")


def test_nan_never_matches():
    assert not checks.close(float("nan"), float("nan"))


def test_ratio_detects_sign_and_factor_two():
    e = torch.tensor([1.0, -2.0, 3.0])
    assert checks.ratio_to(-e, e) == -1.0
    assert checks.ratio_to(e / 2, e) == 0.5
    assert checks.ratio_to(e + 1, e) is None


def test_fmt_keeps_feedback_short():
    assert checks.fmt(0.123456789) == "0.1235"
    assert checks.fmt(torch.tensor([[1.0, 2.0]])) == "[[1, 2]]"
    assert "shape [100]" in checks.fmt(torch.zeros(100))


def test_source_questions_use_the_syntax_tree():
    src = "import torch.autograd\n# loss.backward() in a comment\ndef f(l):\n    l.backward()\n"
    assert checks.calls_attribute(src, "backward") == [4]
    assert checks.uses_name(src, "autograd") == [1]
    assert checks.defines(src, "f") and not checks.defines(src, "g")
    assert checks.calls_attribute("def (:", "backward") == []


def f64(x):
    return Trace(tensors={"w": {0: torch.tensor([x], dtype=torch.float64)}})


def test_fmt_pair_shows_enough_digits_to_differ():
    yours, expected = checks.fmt_pair(-1.0770001, -1.0770004)
    assert yours != expected and yours.startswith("-1.077")
    assert checks.fmt_pair(0.5, 0.25) == ("0.5", "0.25")
    with pytest.raises(checks.Mistake) as e:
        checks.assert_close(f64(-1.0770001), f64(-1.0770009), "w", what="w", rtol=1e-9, atol=1e-9)
    assert "-1.077 " not in str(e.value) and "expected -1.07700" in str(e.value)


def test_plural_says_one_and_many():
    assert checks.plural(1, "pass", "passes") == "1 pass"
    assert checks.plural(3, "pass", "passes") == "3 passes"
    assert checks.plural(1, "epoch loss", "epoch losses") == "1 epoch loss"
    assert checks.plural(0, "value") == "0 values"
    with pytest.raises(checks.Mistake, match="stops after 1 value;"):
        checks.assert_series_close([1.0], [1.0, 2.0], "Your loss")


def test_a_big_tensor_divergence_names_the_element():
    ref = torch.linspace(-1, 1, 20)
    yours = ref.clone()
    yours[7] += 0.01
    with pytest.raises(checks.Mistake, match=r"element \[7\] is -0\.2532, expected -0\.2632"):
        checks.assert_close(Trace(tensors={"p": {0: yours}}), Trace(tensors={"p": {0: ref}}), "p",
                            what="p")


def test_forward_diagnosis_is_worked_out_once_per_pair_of_traces(monkeypatch):
    # every grader of forward-pass asks diagnose_forward; the answer comes from one pass over
    # the traces, and a different reference (or tolerance) gets its own
    from graders.checks import forward
    calls = []
    real = forward._diagnose_forward
    monkeypatch.setattr(forward, "_diagnose_forward",
                        lambda *a: calls.append(a[1:]) or real(*a))
    student, ref = tr(loss=[1.0]), tr(loss=[1.0])
    student.info["not_module"] = True
    first = forward.diagnose_forward(student, ref)
    assert first[0] == "not_a_module"
    assert forward.diagnose_forward(student, ref) == first and len(calls) == 1
    other = tr(loss=[2.0])
    assert forward.diagnose_forward(student, other) == first and len(calls) == 2
    forward.diagnose_forward(student, ref, rtol=1e-3)
    assert len(calls) == 3
