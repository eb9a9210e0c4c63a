"""The tolerance policy: |yours − expected| ≤ rtol·|expected| + atol·M (M the largest |expected|
of the quantity compared), never tighter than float noise of the dtype; real mistakes fail."""
from __future__ import annotations

import torch

from graders import checks
from graders.checks.drift import trace_drift
from graders.trace import Trace


def series(key, *values, dtype=torch.float32):
    return Trace(tensors={key: {k: torch.tensor(v, dtype=dtype) for k, v in enumerate(values)}})


def test_a_small_value_of_a_large_quantity_gets_the_quantitys_rounding():
    # a bias trained from ~0.8 to ~0.003: another CPU is off by ~1e-7 or more, 3e-5 of the value itself
    ref = series("param/bias", [0.8], [0.3], [0.003246])
    other_cpu = series("param/bias", [0.8], [0.3], [0.003246 + 2e-7])
    checks.assert_close(other_cpu, ref, "param/bias", rtol=1e-5, atol=1e-5)
    assert not torch.allclose(torch.tensor(0.003246 + 2e-7), torch.tensor(0.003246), rtol=1e-5, atol=1e-7)


def test_real_mistakes_still_fail():
    ref = series("loss", [1.0], [0.5], [0.25])
    for wrong in (0.25 * (1 + 1e-3), 0.25 * (1 - 1e-3), 0.25 + 1e-3):
        assert checks.first_divergence(series("loss", [1.0], [0.5], [wrong]), ref, "loss").step == 2
    w = torch.tensor([[0.5, -0.2], [0.01, 0.9]])
    assert not checks.close(w * (1 + 1e-3), w)
    assert not checks.close(w + 1e-3 * w.abs().max(), w)


def test_no_tolerance_is_tighter_than_float32_noise():
    x = torch.tensor([1.0, -3.0, 0.5])
    assert checks.close(x * (1 + 2e-6), x, rtol=0.0, atol=0.0)
    assert not checks.close(x * (1 + 1e-4), x, rtol=0.0, atol=0.0)
    assert checks.noise_floor(x) > 1e-6 > checks.noise_floor(x.double())
    # float64 keeps its precision: a float64 input nudged by 1e-9 is seen
    y = x.double()
    assert not checks.close(y + 1e-9, y, rtol=1e-12, atol=1e-12)


def test_nonfinite_values_and_shapes():
    assert not checks.close(float("nan"), float("nan"))
    assert checks.close(torch.tensor([float("inf"), 1.0]), torch.tensor([float("inf"), 1.0]))
    assert not checks.close(torch.tensor([float("inf"), 1.0]), torch.tensor([5.0, 1.0]))
    assert not checks.close(torch.zeros(2), torch.zeros(3))
    assert checks.close(torch.zeros(3), torch.zeros(3))
    assert not checks.close(torch.tensor([1e-9, 0.0]), torch.zeros(2))   # exact zeros stay exact


def test_a_series_is_scaled_by_its_largest_value():
    checks.assert_series_close([2.0, 1e-3 + 1e-9], [2.0, 1e-3], "Your epoch loss")
    assert checks.excess([2.0, 1e-3 + 1e-9], [2.0, 1e-3]) < 1


def test_drift_names_the_worst_quantity():
    a = Trace(tensors={"loss": {0: torch.tensor(1.0)}, "param/w": {0: torch.tensor([1.0, 0.01])}})
    b = Trace(tensors={"loss": {0: torch.tensor(1.0)}, "param/w": {0: torch.tensor([1.0, 0.01 + 3e-6])}})
    worst = trace_drift(a, b)[0]
    assert worst.key == "param/w" and 2e-6 < worst.relative < 4e-6 and worst.of_tolerance < 1
    c = Trace(tensors={"loss": {0: torch.tensor(1.0)}})
    assert trace_drift(a, c)[0].of_tolerance == float("inf")


def test_python_numbers_keep_float64_precision():
    assert not checks.close(1.0 + 1e-9, 1.0, rtol=1e-12, atol=1e-12)
    assert checks.close(1.0 + 1e-13, 1.0, rtol=1e-12, atol=1e-12)
