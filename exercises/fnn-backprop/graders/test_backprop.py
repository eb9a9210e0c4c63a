"""Graders of fnn-backprop: no autograd, hand-derived dC/dw2 and dC/dw1 of the 2->32->1 sigmoid
net under mean BCE, one gradient-descent step, and a short training run; mistakes are named by
matching the student's gradients against models of each classic slip.
"""
import itertools

import pytest
import torch

from graders import checks
from graders.checks import handgrad
from graders.checks.feedback import fmt

SHAPES = {"grad_w1": "2 x 32, like w1", "grad_w2": "32 x 1, like w2"}
MESSAGES = {
    "sigmoid_derivative_twice": (
        "You multiply (y_hat - y) by the sigmoid's derivative y_hat(1 - y_hat) again. With binary "
        "cross-entropy that factor is already used up: dC/dy_hat = (y_hat - y) / (y_hat(1 - y_hat)) "
        "per sample, so the output delta dC/dz2 is just (y_hat - y) / N. (The tutorial's code "
        "makes this same slip.)"),
    "derivative_of_preactivation": (
        "Your hidden-layer derivative uses z1(1 - z1), the formula s(1 - s) applied to the "
        "pre-activation z1 = X w1. s(1 - s) is the sigmoid's derivative only when s is the "
        "activation: use h(1 - h) with h = sigmoid(z1)."),
    "sigmoid_of_activation": (
        "Your hidden-layer derivative applies the sigmoid to h, which is already sigmoid(z1): "
        "sigmoid'(z1) = h(1 - h), not sigmoid(h)(1 - sigmoid(h))."),
    "hidden_derivative_forgotten": (
        "Going back through the hidden layer you stop at delta2 w2^T: the hidden sigmoid's "
        "derivative is missing. dC/dz1 = (delta2 w2^T) * h(1 - h), element by element."),
    "output_derivative_in_hidden": (
        "Your hidden-layer delta multiplies by y_hat(1 - y_hat), the output layer's sigmoid "
        "derivative. Each layer uses its own: at the hidden layer it is h(1 - h), with "
        "h = sigmoid(X w1)."),
    "sign_error": (
        "Your gradient has the opposite sign: the output delta is prediction minus label "
        "(y_hat - y), not label minus prediction."),
    "transposed": (
        "A matrix is the wrong way round. Each gradient has the shape of its weight: dC/dw2 is "
        "h^T delta2 (32 x 1) and dC/dw1 is X^T delta1 (2 x 32); going back through w2 uses w2^T."),
}


def explain(code: str) -> str:
    return MESSAGES.get(code) or handgrad.explain(code)


# ---- models of the classic mistakes (float64, from the reference's probe inputs) ---------------
def backprop(X, y, w1, w2, slip=False, hidden="h(1-h)", total=False, x_untransposed=False):
    """dC/dw1, dC/dw2 as a student with the given mistakes would compute them."""
    z1 = X @ w1
    h = torch.sigmoid(z1)
    y_hat = torch.sigmoid(h @ w2)
    delta2 = (y_hat - y) / (1 if total else len(X))
    if slip:
        delta2 = delta2 * y_hat * (1 - y_hat)
    dw2 = h.T @ delta2
    local = {"h(1-h)": h * (1 - h), "z(1-z)": z1 * (1 - z1),
             "sig(h)": torch.sigmoid(h) * (1 - torch.sigmoid(h)),
             "1": torch.ones_like(h), "y(1-y)": y_hat * (1 - y_hat)}[hidden]
    delta1 = (delta2 @ w2.T) * local
    dw1 = (X if x_untransposed else X.T) @ delta1
    return dw1, dw2


HIDDEN_CODES = {"z(1-z)": "derivative_of_preactivation", "sig(h)": "sigmoid_of_activation",
                "1": "hidden_derivative_forgotten", "y(1-y)": "output_derivative_in_hidden"}
HIDDEN_FORMS = ("h(1-h)", *HIDDEN_CODES)


def inputs(reference, i: int):
    return [reference.get(f"probe/{k}", i).to(torch.float64) for k in ("X", "y", "w1", "w2")]


def matching_models(student, reference, key: str, rtol: float = 1e-3):
    """Every mistake combination whose `key` matches the student's on all probes."""
    found = []
    for slip, hidden, total, xu in itertools.product((False, True), HIDDEN_FORMS,
                                                      (False, True), (False, True)):
        if key == "grad_w2" and (hidden != "h(1-h)" or xu):
            continue
        ok = True
        for i in reference.steps(key):
            X, y, w1, w2 = inputs(reference, i)
            if xu and len(X) != 2:
                continue
            model = backprop(X, y, w1, w2, slip, hidden, total, xu)[0 if key == "grad_w1" else 1]
            yours = student.get(key, i)
            if yours is None or yours.shape != model.shape or not torch.allclose(
                    yours.to(torch.float64), model, rtol=rtol, atol=1e-7):
                ok = False
                break
        if ok:
            found.append({"slip": slip, "hidden": hidden, "total": total, "transposed": xu})
    return found


def diagnose(student, reference, key: str) -> tuple[str | None, str]:
    """(diagnosis, extra sentence) for a gradient that differs from the reference (worked out
    once per seed: several tests ask)."""
    return student.remember(("diagnose", key), lambda: _diagnose(student, reference, key))


def _diagnose(student, reference, key: str) -> tuple[str | None, str]:
    for i in reference.steps(key):
        yours, expected = student.get(key, i), reference.get(key, i)
        if yours is not None and yours.dim() == 2 and tuple(yours.shape) == tuple(expected.shape)[::-1]:
            return "transposed", ""
    models = matching_models(student, reference, key)
    if models:
        m = min(models, key=lambda m: (m["slip"] + m["total"] + m["transposed"]
                                       + (m["hidden"] != "h(1-h)")))
        also = " Also, your gradient sums over the samples: divide by N, the loss is a mean." \
            if m["total"] else ""
        if m["slip"]:
            return "sigmoid_derivative_twice", also
        if m["hidden"] != "h(1-h)":
            return HIDDEN_CODES[m["hidden"]], also
        if m["transposed"]:
            return "transposed", also
        if m["total"]:
            return "sum_not_mean", ""
    n_of = {i: len(reference.get("probe/X", i)) for i in reference.steps(key)}
    codes = {handgrad.scale_mistake(student.get(key, i), reference.get(key, i), n_of[i])
             for i in reference.steps(key) if student.get(key, i) is not None and n_of[i] > 2}
    if len(codes) == 1 and None not in codes:
        return codes.pop(), ""
    return None, ""


# ---- shared guards -----------------------------------------------------------------------------
def check_ran(student, reference, fn: str) -> None:
    handgrad.assert_by_hand(student)
    handgrad.assert_not_numerical(student, reference)
    for err in student.info.get("shape_errors", []):
        if err["probe"].split("#")[0] == fn or fn == "any":
            checks.fail(f"{err['probe'].split('#')[0]}() raised a shape error: {err['error']}. "
                        + explain("transposed"), "transposed")
    for bad in student.info.get("bad_return", []):
        if bad["fn"] == fn or fn == "any":
            n = f" of {bad['len']} values" if bad.get("len") is not None else ""
            checks.fail(f"{bad['fn']}() returned a {bad['type']}{n}; return two tensors as a "
                        f"tuple, like `return dC_dw1, dC_dw2`.", "bad_return")


def where(reference, i: int) -> str:
    n = len(reference.get("probe/X", i))
    return f"on the whole data set ({n} samples)" if i == 0 else f"on a batch of {n} samples"


def check_gradient(student, reference, tol, key: str, name: str) -> None:
    check_ran(student, reference, "gradients")
    d = checks.first_divergence(student, reference, key, **tol)
    if d is None:
        return
    if d.reason == "missing":
        checks.fail(f"{name} was never returned {where(reference, d.step)}.")
    code, extra = diagnose(student, reference, key)
    if d.reason == "shape":
        head = f"{name} has shape {list(d.yours.shape)}; it must be {SHAPES[key]}. "
    else:
        head = (where(reference, d.step).capitalize() + ", "
                + handgrad.describe_difference(name, d.yours, d.expected, **tol) + ". ")
    if key == "grad_w1" and checks.first_divergence(student, reference, "grad_w2", **tol) is not None:
        w2_code, w2_extra = diagnose(student, reference, "grad_w2")
        if code in (None, w2_code, "sum_not_mean"):
            checks.fail(head + "dC/dw1 is built from the output delta, which is not right yet "
                               "(see the dC/dw2 test): fix that first.", w2_code)
    if code is None:
        hint = ("Check each factor of the chain: the output delta, the way back through w2, the "
                "hidden sigmoid's derivative, and the product with the layer's input."
                if key == "grad_w1" else
                "Check the output delta dC/dz2 and its product with the hidden activations h.")
        checks.fail(head + hint)
    checks.fail(head + explain(code) + extra, code)


# ---- graders -----------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_no_autograd(source, student):
    """The backward pass is derived by hand, without autograd"""
    handgrad.assert_no_autograd(source, student)


@pytest.mark.points(3)
def test_output_layer_gradient(student, reference, tol):
    """dC/dw2 (output layer) matches the mean-BCE gradient"""
    check_gradient(student, reference, tol, "grad_w2", "dC/dw2")


@pytest.mark.points(3)
def test_hidden_layer_gradient(student, reference, tol):
    """dC/dw1 (hidden layer) matches the mean-BCE gradient"""
    check_gradient(student, reference, tol, "grad_w1", "dC/dw1")


@pytest.mark.points(1)
def test_gd_step(student, reference, tol):
    """gd_step() moves both weights against their gradients"""
    check_ran(student, reference, "gd_step")
    d = checks.first_divergence(student, reference, ["step_w1", "step_w2"], **tol)
    if d is None:
        return
    if checks.first_divergence(student, reference, ["grad_w1", "grad_w2"], **tol) is not None:
        code = diagnose(student, reference, "grad_w2")[0] or diagnose(student, reference, "grad_w1")[0]
        checks.fail("gd_step() uses your gradients, which are not right yet (see their tests): "
                    "fix them first.", code)
    i, lr = d.step, float(reference.info["lr"])
    w = reference.get(f"probe/{d.key[5:]}", i).to(torch.float64)
    if d.yours is None or d.yours.shape != d.expected.shape:
        checks.fail(f"gd_step() must return the new (w1, w2) with the shapes of w1 and w2; "
                    f"the new {d.key[5:]} is {fmt(d.yours)}.", "bad_return")
    mine, theirs = d.yours.to(torch.float64) - w, d.expected.to(torch.float64) - w
    if checks.close(mine, -theirs, **tol):
        checks.fail("Your update goes uphill: weights move against the gradient, "
                    "new = old - lr * gradient.", "sign_error")
    if handgrad.ratio_of(mine, theirs, [c / lr for c in (0.001, 0.01, 0.1, 0.5, 1.0) if c != lr]):
        checks.fail("Your step has the wrong size: use the learning rate passed in as lr, not a "
                    "fixed number.", "ignores_lr")
    checks.fail("The new " + handgrad.describe_difference(d.key[5:], d.yours, d.expected, **tol)
                + f" {where(reference, i)}: each weight moves by -lr times its own gradient.")


@pytest.mark.points(1)
def test_training(student, reference, tol):
    """Twenty steps of gradient descent follow the reference"""
    check_ran(student, reference, "any")
    if checks.first_divergence(student, reference, ["step_w1", "step_w2"], **tol) is not None:
        code = diagnose(student, reference, "grad_w2")[0] or diagnose(student, reference, "grad_w1")[0]
        hint = "It follows from the problems above: fix those first."
    else:
        code, hint = None, "Each call must start from the weights it is given and keep no state."
    d = checks.first_divergence(student, reference, ["w2", "w1"], **tol)
    if d is not None and d.yours is None:
        checks.fail(f"Training stopped before update {d.step + 1} of 20. {hint}", code)
    if d is not None:
        checks.fail(handgrad.describe_difference(d.key, d.yours, d.expected, **tol)
                    + f" after update {d.step + 1}. {hint}", code)
    checks.assert_close(student, reference, "loss", what="The loss", **tol)
