"""Graders of zero-grad: each step uses only its own batch's gradient, the parameters move, and
the whole run matches the reference loop step by step."""
import pytest

from graders import checks
from graders.checks import batches, moves
from graders.checks.stale_grads import explain_stale, first_stale_grad

NO_UPDATE = ("zero_grad_after_backward", "optimizer_never_stepped", "backward_missing")
ORDER_MISTAKES = NO_UPDATE + ("step_before_backward", "grads_accumulate", "step_repeated")


@pytest.mark.points(4)
def test_gradients_are_fresh(student):
    """Each step uses only the current batch's gradient"""
    if checks.diagnose_training(student) == "grads_accumulate":
        stale = first_stale_grad(student)
        msg = explain_stale(stale) if stale else checks.explain("grads_accumulate")
        checks.fail(msg, "grads_accumulate")


@pytest.mark.points(2)
def test_parameters_are_updated(student):
    """optimizer.step() finds a gradient and moves the parameters"""
    d = checks.diagnose_training(student)
    if d in NO_UPDATE:
        checks.fail(checks.explain(d), d)
    if moves.never_moved(student):
        code = d if d in ORDER_MISTAKES else "parameters_unchanged"
        why = checks.explain(d) if d in ORDER_MISTAKES else (
            "Call loss.backward() before optimizer.step(), so step() has gradients to use.")
        checks.fail(f"optimizer.step() ran, but it never changed the parameters. {why}", code)


@pytest.mark.points(4)
def test_training_matches_reference(student, reference, tol):
    """Every batch gives the reference loss, gradient and parameters"""
    d = checks.diagnose_training(student)
    if d == "grads_accumulate":
        stale = first_stale_grad(student)
        at = f"step {stale.step + 1}" if stale else "the second step"
        checks.fail(f"From {at} on, your updates use gradients summed over earlier batches, so "
                    f"losses and parameters drift away from the reference. Clear the gradients "
                    f"once per batch, before loss.backward().", d)
    if d is not None:
        checks.fail(checks.explain(d), d)
    batches.assert_batches(student, reference, reference.info["epochs"],
                           reference.info["batch_size"])
    if student.info.get("step_calls", 0) != reference.info.get("step_calls", 0):
        checks.fail(f"Your loop called optimizer.step() "
                    f"{checks.plural(student.info.get('step_calls', 0), 'time')}; "
                    f"expected {reference.info['step_calls']} ({reference.info['batches_per_epoch']} "
                    f"batches per epoch). Run every epoch over every batch, one step per batch.",
                    "wrong_step_count")
    checks.assert_close(student, reference, "loss", what="Your loss", **tol)
    checks.assert_close(student, reference, reference.prefixed("grad/"), what="The gradient", **tol)
    checks.assert_close(student, reference, reference.prefixed("param/"),
                        what="The parameters after the update", **tol)
