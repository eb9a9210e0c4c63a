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


def _first_divergence_step_by_step(student, reference, keys, rtol, atol):
    """The policy's definition: every step in order, then every key, one close() at a time."""
    from graders.checks.compare import magnitude
    steps = sorted({s for k in keys for s in reference.steps(k)})
    scale = magnitude(*(t for k in keys for t in reference.series(k)))
    for s in steps:
        for k in keys:
            exp = reference.tensors.get(k, {}).get(s)
            if exp is None:
                continue
            got = student.tensors.get(k, {}).get(s)
            if got is None:
                return (k, s, "missing")
            if tuple(got.shape) != tuple(exp.shape):
                return (k, s, "shape")
            if not checks.close(got, exp, rtol, atol, scale):
                return (k, s, "value")
    return None


def test_first_divergence_over_all_steps_at_once_agrees_with_one_step_at_a_time():
    # the comparison batches a key's steps; the answer (key, step, reason) must be the one the
    # step-by-step definition gives, on the edges of the policy: infinities, NaN, zero
    # tolerance, values on the boundary, empty and scalar values, a missing step, a new shape
    gen = torch.Generator().manual_seed(7)
    specials = [float("inf"), float("-inf"), float("nan"), 0.0, 1e-30]
    shapes = [(), (3,), (2, 2), (0,)]
    checked = diverged = 0
    for case in range(400):
        shape = shapes[case % len(shapes)]
        dtype = torch.float64 if case % 5 == 0 else torch.float32
        ref, stu = Trace(strict=True), Trace()
        keys = [f"k{i}" for i in range(1 + case % 3)]
        for k in keys:
            n = 1 + int(torch.randint(0, 6, (1,), generator=gen))
            for s in range(n):
                e = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype)
                if case % 11 == 0:              # all zero: M is 0, so only 0 matches 0
                    e = torch.zeros(shape, dtype=dtype)
                elif case % 7 == 0 and e.numel():
                    e.reshape(-1)[0] = specials[s % len(specials)]
                y = e.clone()
                r = float(torch.rand((), generator=gen))
                if r < 0.15 and y.numel():      # just inside or outside rtol + atol * M
                    y.reshape(-1)[0] += (1e-5 if r < 0.07 else 4e-5) * (1 + e.abs().max().nan_to_num(0.0))
                elif r < 0.2 and y.numel():
                    y.reshape(-1)[-1] = specials[int(r * 100) % len(specials)]
                elif r < 0.23:
                    continue                    # never recorded
                elif r < 0.25:
                    y = torch.zeros((4,), dtype=dtype)
                elif r < 0.3 and y.numel():     # a finite value where an infinity is expected
                    y.reshape(-1)[0] = 1.0
                ref.tensors.setdefault(k, {})[s] = e
                stu.tensors.setdefault(k, {})[s] = y
            ref.tensors.setdefault(k, {}).setdefault(0, torch.zeros(shape, dtype=dtype))
        for rtol, atol in ((1e-5, 1e-5), (0.0, 0.0), (1e-3, 0.0)):
            want = _first_divergence_step_by_step(stu, ref, keys, rtol, atol)
            d = checks.first_divergence(stu, ref, keys, rtol, atol)
            got = None if d is None else (d.key, -1 if d.step is None else d.step, d.reason)
            assert got == want, (case, rtol, atol)
            checked += 1
            diverged += want is not None
    assert diverged > checked // 4 and checked - diverged > checked // 10   # both kinds were tried
