"""Graders of target-shape: with MSELoss and with BCELoss the target reaches the loss with the
predictions' shape [N, 1], and training then matches the reference."""
import pytest

from graders import checks
from graders.checks.shapes import loss_shape_problem

PARTS = {"mse": "MSELoss", "bce": "BCELoss"}


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


@pytest.mark.points(4)
def test_training_matches_reference(student, reference, tol):
    """Five training steps give the reference losses and parameters"""
    for part, loss_name in PARTS.items():
        _check_shapes(student, part)
        checks.assert_close(student, reference, f"{part}_loss", what=f"Your {loss_name} value",
                            hint="Change only the target's shape; keep the training loop as it was.",
                            **tol)
        checks.assert_close(student, reference, reference.prefixed(f"param/{part}."),
                            what="The parameters after the update", **tol)
