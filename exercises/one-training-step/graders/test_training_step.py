"""Graders of one-training-step: the five calls happen, in order, and training matches."""
import pytest

from graders import checks

ORDER_MISTAKES = ("backward_missing", "optimizer_never_stepped", "zero_grad_after_backward",
                  "step_before_backward", "grads_accumulate")


@pytest.mark.points(2)
def test_gradients_are_computed(student):
    """loss.backward() computes gradients"""
    if checks.diagnose_training(student) == "backward_missing":
        checks.fail(checks.explain("backward_missing"), "backward_missing")


@pytest.mark.points(2)
def test_parameters_are_updated(student):
    """optimizer.step() updates the parameters"""
    d = checks.diagnose_training(student)
    if d in ("optimizer_never_stepped", "zero_grad_after_backward"):
        checks.fail(checks.explain(d), d)


@pytest.mark.points(4)
def test_training_matches_reference(student, reference, tol):
    """Six steps give the reference losses, gradients and parameters"""
    d = checks.diagnose_training(student)
    if d in ORDER_MISTAKES:
        checks.fail(checks.explain(d), d)
    checks.assert_close(student, reference, "loss", what="Your loss", **tol)
    checks.assert_close(student, reference, reference.prefixed("grad/"), what="The gradient", **tol)
    checks.assert_close(student, reference, reference.prefixed("param/"),
                        what="The parameters after the update", **tol)


@pytest.mark.points(2)
def test_returns_the_loss(student, reference, tol):
    """train_step returns the loss as a number"""
    if "returned_type" in student.info:
        checks.fail(f"train_step returned a {student.info['returned_type']}; return the loss "
                    f"as a number with loss.item().")
    checks.assert_close(student, reference, "returned_loss", what="The value train_step returned", **tol)
