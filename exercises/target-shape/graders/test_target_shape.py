"""Graders of target-shape: with MSELoss and with BCELoss the target reaches the loss with the
predictions' shape [N, 1], and training then matches the reference."""
import pytest

from graders import checks
from graders.checks.shapes import loss_shape_problem

PARTS = {"mse": "MSELoss", "bce": "BCELoss"}
ORDER_MISTAKES = ("backward_missing", "optimizer_never_stepped", "zero_grad_after_backward",
                  "step_before_backward", "grads_accumulate", "step_repeated")


def _check_shapes(student, part):
    found = loss_shape_problem(student, f"{part}_loss", PARTS[part])
    if found:
        checks.fail(found[1], found[0])


@pytest.mark.points(3)
def test_mse_shapes_match(student):
    """With MSELoss, the target has the predictions' shape (no silent broadcasting)"""
    _check_shapes(student, "mse")


@pytest.mark.points(3)
def test_bce_shapes_match(student):
    """With BCELoss, the target has the predictions' shape (no shape error)"""
    _check_shapes(student, "bce")


def _first_param(reference, part: str) -> str:
    return reference.prefixed(f"param/{part}.")[0][len(f"param/{part}."):]


@pytest.mark.points(4)
def test_training_matches_reference(student, reference, tol):
    """`steps` training steps give the reference losses and parameters"""
    for part in PARTS:
        _check_shapes(student, part)
    d = checks.diagnose_training(student)
    if d in ORDER_MISTAKES:
        checks.fail(checks.explain(d) + " Keep the training loop as it was; change only the "
                    "target's shape.", d)
    steps = reference.info["steps"]
    for part, loss_name in PARTS.items():
        yours = len(student.steps(f"param/{part}.{_first_param(reference, part)}")) - 1
        if yours != steps:
            checks.fail(f"With {loss_name}, train called optimizer.step() "
                        f"{checks.plural(yours, 'time')}; it must take exactly `steps` ({steps}) "
                        f"steps. Loop over range(steps), not over a fixed number.",
                        "wrong_step_count")
    for part, loss_name in PARTS.items():
        checks.assert_close(student, reference, f"{part}_loss", what=f"Your {loss_name} value",
                            hint="Change only the target's shape; keep the training loop as it was.",
                            **tol)
        checks.assert_close(student, reference, reference.prefixed(f"param/{part}."),
                            what="The parameters after the update", **tol)
