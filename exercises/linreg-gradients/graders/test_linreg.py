"""Graders of linreg-gradients: no autograd, hand-derived dL/da and dL/db, one SGD step, and two
epochs of mini-batch SGD, each compared with the reference and its mistakes named.
"""
import pytest
import torch

from graders import checks
from graders.checks import handgrad
from graders.checks.feedback import fmt

GRAD_KEYS = ("grad_a", "grad_b")
STEP_KEYS = ("step_a", "step_b")
FIXED_LRS = (0.1, 0.01, 0.001, 0.05, 0.2, 0.5, 1.0)
NAMES = {"grad_a": "dL/da", "grad_b": "dL/db"}
CHAIN_HINT = ("By the chain rule each residual (a*x_i + b - y_i) is multiplied by x_i for a and "
              "by 1 for b, and the loss averages over the batch.")
SIGN_HINT = ("The residual is prediction minus target, a*x + b - y; writing y - (a*x + b) "
             "needs a minus sign in front of the derivative.")


def where(reference, i: int) -> str:
    """The probe's inputs in words."""
    return (f"for the batch x={fmt(reference.get('probe/x', i))}, y={fmt(reference.get('probe/y', i))} "
            f"at a={fmt(reference.get('probe/a', i))}, b={fmt(reference.get('probe/b', i))}")


def check_returns(student, fn: str) -> None:
    for bad in student.info.get("bad_return", []):
        if bad["fn"] == fn:
            n = f" of {bad['len']} values" if bad.get("len") is not None else ""
            checks.fail(f"{fn} returned a {bad['type']}{n}; return two numbers (or one-element "
                        f"tensors) as a tuple, like `return dL_da, dL_db`.", "bad_return")


def check_ran(student, reference, tol) -> None:
    """No points when autograd ran (by any route), when the gradients are difference quotients,
    or when values are missing because autograd was blocked or shapes did not fit: say so."""
    handgrad.assert_by_hand(student)
    handgrad.assert_not_numerical(student, reference)
    check_far(student, reference, tol)
    for err in student.info.get("shape_errors", []):
        fn = err["probe"].split("#")[0]
        checks.fail(f"{fn} raised a shape error: {err['error']}. x and y are 1-D tensors of the "
                    f"batch's samples; a and b are single numbers.", "shape_error")


def check_far(student, reference, tol) -> None:
    """Right (or within rounding of a quotient) on the ordinary probes but far off at a = 1e12:
    a difference quotient. Real mistakes are off by a factor on the ordinary probes too."""
    found = student.remember("far", lambda: far_off(student, reference))
    if found is not None:
        key, yours, expected = found
        checks.fail(f"At a = 1e12, b = 0.5, on the whole data set, your {NAMES[key]} is "
                    f"{fmt(yours)}, expected {fmt(expected)}: there a difference quotient loses "
                    f"its digits, a formula does not. " + handgrad.explain("finite_differences"),
                    "finite_differences")


def far_off(student, reference):
    """(key, yours, expected) of the far probe when it is off by more than half while every
    ordinary probe is within 1%; else None."""
    for key in GRAD_KEYS:
        for i in reference.steps(key):
            yours, expected = student.get(key, i), reference.get(key, i)
            if yours is None or not torch.allclose(yours.double(), expected.double(), rtol=1e-2, atol=1e-3):
                return None
    for key in GRAD_KEYS:
        yours, expected = student.get("far_" + key, 0), reference.get("far_" + key, 0)
        if yours is not None and expected is not None and not torch.allclose(
                yours.double(), expected.double(), rtol=0.5, atol=0.0):
            return key, yours, expected
    return None


def gradient_mistake(student, reference, key: str, tol) -> str | None:
    """The scaling mistake that explains the student's `key` on the probes (None if no pattern).
    Batches of 2 cannot tell a sum from a doubled mean, so larger batches decide when present."""
    codes = {}
    for i in reference.steps(key):
        yours, expected = student.get(key, i), reference.get(key, i)
        if yours is None:
            return None
        n = len(reference.get("probe/x", i))
        if checks.close(yours, expected, **tol):
            codes[i] = ("ok", n)
        else:
            codes[i] = (handgrad.scale_mistake(yours, expected, n), n)
    decisive = [c for c, n in codes.values() if n > 2] or [c for c, _ in codes.values()]
    same = decisive and all(c == decisive[0] for c in decisive)
    return decisive[0] if same and decisive[0] != "ok" else None


def gradients_mistake(student, reference, tol) -> str | None:
    """The named mistake of gradients(), if its values differ from the reference."""
    codes = [gradient_mistake(student, reference, k, tol) for k in GRAD_KEYS]
    return next((c for c in codes if c), None)


@pytest.mark.points(2)
def test_no_autograd(source, student):
    """The gradients are derived by hand, without autograd"""
    handgrad.assert_no_autograd(source, student)


@pytest.mark.points(4)
def test_gradients(student, reference, tol):
    """gradients() returns dL/da and dL/db of the batch's mean squared error"""
    check_ran(student, reference, tol)
    check_returns(student, "gradients")
    d = checks.first_divergence(student, reference, GRAD_KEYS, **tol)
    if d is None:
        return
    if d.reason == "missing":
        checks.fail(f"gradients() returned nothing usable {where(reference, d.step)}.")
    code = gradient_mistake(student, reference, d.key, tol)
    msg = f"{NAMES[d.key]} {where(reference, d.step)} is {fmt(d.yours)}, expected {fmt(d.expected)}. "
    if code == "sign_error":
        msg += "It has the wrong sign. " + SIGN_HINT
    elif code:
        msg += handgrad.explain(code)
    else:
        other = "grad_b" if d.key == "grad_a" else "grad_a"
        if checks.first_divergence(student, reference, other, **tol) is None:
            msg += f"{NAMES[other]} is right, so look at {NAMES[d.key]}. "
        msg += CHAIN_HINT
    checks.fail(msg.strip(), code)


@pytest.mark.points(2)
def test_sgd_step(student, reference, tol):
    """sgd_step() moves a and b against their gradients, both from the same point"""
    check_ran(student, reference, tol)
    check_returns(student, "sgd_step")
    d = checks.first_divergence(student, reference, STEP_KEYS, **tol)
    if d is None:
        return
    i = d.step
    lr = float(reference.info["lr"])
    a, b = (float(reference.get(k, i)) for k in ("probe/a", "probe/b"))
    ea, eb = (float(reference.get(k, i)) for k in STEP_KEYS)
    ya, yb = (student.get(k, i) for k in STEP_KEYS)
    if ya is None or yb is None:
        checks.fail(f"sgd_step() returned nothing usable {where(reference, i)}.")
    ya, yb = float(ya), float(yb)
    said = (f"From a={fmt(a)}, b={fmt(b)} with lr={fmt(lr)} on x={fmt(reference.get('probe/x', i))}, "
            f"y={fmt(reference.get('probe/y', i))}, sgd_step returned a={fmt(ya)}, b={fmt(yb)}; "
            f"expected a={fmt(ea)}, b={fmt(eb)}. ")
    if checks.first_divergence(student, reference, GRAD_KEYS, **tol) is not None:
        code = gradients_mistake(student, reference, tol)
        checks.fail(said + "Your gradients() is not right yet (see its test); fix it first.", code)
    mean_x = float(reference.get("probe/x", i).mean())
    # a first, then b's gradient at the new a (or the other way round): d(dL/db)/da = 2*mean(x)
    b_late = eb - lr * 2 * mean_x * (ea - a)
    a_late = ea - lr * 2 * mean_x * (eb - b)
    step = ("a", ya - a, ea - a), ("b", yb - b, eb - b)
    if (checks.close(ya, ea, **tol) and checks.close(yb, b_late, **tol)) or (
            checks.close(yb, eb, **tol) and checks.close(ya, a_late, **tol)):
        checks.fail(said + handgrad.explain("sequential_update"), "sequential_update")
    if all(checks.close(mine, -theirs, **tol) for _, mine, theirs in step):
        checks.fail(said + "Your update goes uphill: parameters move against the gradient, "
                           "new = old - lr * gradient.", "sign_error")
    fixed = [c / lr for c in FIXED_LRS if abs(c - lr) > 1e-9]
    if handgrad.ratio_of(torch.tensor([ya - a, yb - b]), torch.tensor([ea - a, eb - b]), fixed):
        checks.fail(said + "Your step has the wrong size: use the learning rate passed in as lr, "
                           "not a fixed number.", "ignores_lr")
    checks.fail(said + "Each parameter moves by -lr times its own gradient at the starting point.")


@pytest.mark.points(2)
def test_training(student, reference, tol):
    """Two epochs of SGD with batch size 2 follow the reference"""
    check_ran(student, reference, tol)
    check_returns(student, "sgd_step")
    code, hint = None, ("Each call must start from the a and b it is given, and keep no state "
                        "between calls.")
    if checks.first_divergence(student, reference, GRAD_KEYS, **tol) is not None:
        code, hint = gradients_mistake(student, reference, tol), "Fix gradients() first (see its test)."
    elif checks.first_divergence(student, reference, STEP_KEYS, **tol) is not None:
        hint = "Fix sgd_step() first (see its test)."
    d = checks.first_divergence(student, reference, ["a", "b"], **tol)
    if d is not None and d.yours is None:
        checks.fail(f"Training stopped before update {d.step + 1} of 6. {hint}", code)
    if d is not None:
        checks.fail(f"{d.key} after update {d.step + 1} is {fmt(d.yours)}, expected "
                    f"{fmt(d.expected)}. {hint}", code)
    checks.assert_close(student, reference, "loss", what="The loss on all the data", **tol)
