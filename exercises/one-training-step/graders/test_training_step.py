"""Graders of one-training-step: the five calls happen, in order, and training matches."""
import pytest

from graders import checks
from graders.checks import bypass, moves

OWN_OPTIMIZER = ("Your parameters changed, but never through the optimizer train_step was given. "
                 "Call optimizer.step() on that optimizer instead of making a new one.")
ORDER_MISTAKES = ("backward_missing", "optimizer_never_stepped", "zero_grad_after_backward",
                  "step_before_backward", "grads_accumulate", "step_repeated")


@pytest.mark.points(2)
def test_gradients_are_computed(student):
    """loss.backward() computes gradients"""
    if checks.diagnose_training(student) == "backward_missing":
        checks.fail(checks.explain("backward_missing"), "backward_missing")


@pytest.mark.points(2)
def test_parameters_are_updated(student):
    """optimizer.step() updates the parameters"""
    if bypass.moved_without_optimizer(student):
        checks.fail(OWN_OPTIMIZER, "own_optimizer")
    d = checks.diagnose_training(student)
    if not student.info.get("step_calls", 0):
        checks.fail(checks.explain("optimizer_never_stepped"), "optimizer_never_stepped")
    if d == "zero_grad_after_backward":
        checks.fail(checks.explain(d), d)
    if moves.never_moved(student):
        code = d if d in ORDER_MISTAKES else "parameters_unchanged"
        why = checks.explain(d) if d in ORDER_MISTAKES else (
            "Call loss.backward() before optimizer.step(), so step() has gradients to use.")
        checks.fail(f"optimizer.step() ran, but it never changed the parameters. {why}", code)


@pytest.mark.points(4)
def test_training_matches_reference(student, reference, tol):
    """Six steps give the reference losses, gradients and parameters"""
    if bypass.moved_without_optimizer(student):
        checks.fail(OWN_OPTIMIZER, "own_optimizer")
    d = checks.diagnose_training(student)
    if d in ORDER_MISTAKES:
        checks.fail(checks.explain(d), d)
    checks.assert_close(student, reference, "loss", what="Your loss", **tol)
    checks.assert_close(student, reference, reference.prefixed("grad/"), what="The gradient", **tol)
    checks.assert_close(student, reference, reference.prefixed("param/"),
                        what="The parameters after the update", **tol)


@pytest.mark.points(2)
def test_returns_the_loss(student, reference, tol):
    """train_step returns the loss as a Python float"""
    if "returned_tensor" in student.info:
        checks.fail("train_step returned a tensor; return the loss as a Python float with "
                    "loss.item(). A float holds no autograd graph, so code that collects the "
                    "losses (for a plot or a running total) does not keep every step's graph "
                    "in memory.", "returned_tensor")
    if "returned_type" in student.info:
        checks.fail(f"train_step returned a {student.info['returned_type']}; return the loss "
                    f"as a Python float with loss.item().", "returned_not_a_number")
    own = student.prefixed("call_loss") and all(student.get("call_loss", k) is not None
                                                for k in reference.steps("returned_loss"))
    if own:       # the loss this run computed, so a mistake elsewhere does not count twice
        for k in reference.steps("returned_loss"):
            got, want = student.get("returned_loss", k), student.get("call_loss", k)
            if got is None or not checks.close(got, want, **tol):
                yours, computed = checks.fmt_pair(got, want)
                checks.fail(f"At step {k + 1} train_step returned {yours}, but the loss "
                            f"it computed was {computed}: return that loss, "
                            f"loss.item().", "returned_wrong_value")
        return
    checks.assert_close(student, reference, "returned_loss", what="The value train_step returned",
                        **tol)
