"""Graders of learning-rate: the loop is sound, and at the chosen learning rate the loss stays
finite, never rises and gets below THRESHOLD within the steps given (any working rate passes).
"""
import pytest
import torch

from graders import checks
from graders.checks import bypass, curves

THRESHOLD = 0.02
FLOAT32_MAX = torch.finfo(torch.float32).max
SLOW = ("too_slow", "edge_of_stability")      # the loss falls, but not far enough
LOOP_MISTAKES = ("backward_missing", "optimizer_never_stepped", "zero_grad_after_backward",
                 "step_before_backward", "grads_accumulate", "step_repeated")


def _accumulates_before_overflow(student) -> bool:
    """True when some step used gradients left over from earlier steps, looking only at the
    steps before the values stopped being finite (an explosion hides it from diagnose_training)."""
    names = [k[len("grad/"):] for k in student.prefixed("grad/")]
    for k in range(student.info.get("step_calls", 0)):
        for n in names:
            grad, fresh = student.get(f"grad/{n}", k), student.get(f"fresh_grad/{n}", k)
            if grad is None or fresh is None:
                continue
            if not (torch.isfinite(grad).all() and torch.isfinite(fresh).all()):
                return False
            if (grad - fresh).abs().max() > max(1e-7, 1e-5 * float(fresh.abs().max())):
                return True
    return False


def _loop_mistake(student):
    """(message, diagnosis) when LEARNING_RATE is unusable or the loop itself is broken
    (worked out once per trace: every test of a seed asks)."""
    return student.remember("learning-rate/loop", lambda: _find_loop_mistake(student))


def _find_loop_mistake(student):
    if "lr_invalid" in student.info:
        return (f"LEARNING_RATE must be a positive number; yours is "
                f"{student.info['lr_invalid']}.", "lr_invalid")
    if bypass.moved_without_optimizer(student):
        return ("Your parameters changed, but never through the optimizer train was given. Use "
                "that optimizer (it is already set to LEARNING_RATE) instead of making a new one.",
                "own_optimizer")
    d = checks.diagnose_training(student)
    if d == "nonfinite" and _accumulates_before_overflow(student):
        d = "grads_accumulate"
    if d in LOOP_MISTAKES:
        return checks.explain(d), d
    return None


def _outcome(student, reference):
    """(message, diagnosis) of the first thing wrong with the loss curve, or None (once per
    pair of traces: three tests of each seed ask)."""
    return student.remember(("learning-rate/outcome", id(reference)),
                            lambda: _find_outcome(student, reference))


def _find_outcome(student, reference):
    mistake = _loop_mistake(student)
    if mistake:
        message, code = mistake
        if code not in ("lr_invalid", "own_optimizer"):
            message = ("Fix the training loop first (see the first check): until every step "
                       "runs forward, zero_grad, backward and step, the loss curve says nothing "
                       "about the learning rate.")
        return message, code
    steps = reference.info["step_calls"]
    lr = checks.fmt(student.info.get("lr"))
    curve = curves.linear_mse_curve(student, reference.get("x"), reference.get("y"))[: steps + 1]
    k = curves.first_nonfinite(curve, overflow=FLOAT32_MAX)
    if k is not None:
        before = f" (one step earlier it was {checks.fmt(curve[k - 1])})" if k else ""
        return (f"Your loss overflowed to inf or NaN after {checks.plural(k, 'step')}{before}. "
                f"With learning rate {lr} each update jumps past the minimum by more than it "
                f"corrects, so the error grows at every step. Try a learning rate 10 times "
                f"smaller.", "nonfinite")
    k = curves.first_rise(curve)
    if k is not None:
        before, after = checks.fmt_pair(curve[k - 1], curve[k])
        return (f"Your loss rises at step {k}, from {before} to {after}. With learning rate "
                f"{lr} the updates jump past the minimum and land higher on the other side "
                f"(overshoot). Lower the learning rate a little, say by half, until the loss only "
                f"goes down.", "overshoot")
    if curves.first_below(curve, THRESHOLD) is None:
        return _too_slow(curve, student.info.get("lr"), reference.get("x"))
    return None


def _too_slow(curve, lr: float, x):
    """(message, diagnosis) for a loss that never rises yet stays above THRESHOLD: the rate is
    too small, or so large that the steepest direction bounces from side to side."""
    where = (f"After {checks.plural(len(curve) - 1, 'step')} your loss is "
             f"{checks.fmt(curve[-1])}, still above {THRESHOLD}")
    curvatures = curves.linear_mse_curvatures(x)
    _, factor = curves.slowest_direction(lr, curvatures)
    if factor < 0:
        return (f"{where}, although it never rises. Learning rate {checks.fmt(lr)} is at the edge "
                f"of stability: along the steepest direction each step jumps to the other side "
                f"of the minimum and lands almost as high, so that part of the error hardly "
                f"shrinks (a larger rate would make it grow). Lower the learning rate a little, "
                f"say to three quarters of it.", "edge_of_stability")
    if 2 * lr * max(curvatures) < 2:
        advice = "try a larger one (double it) and check that the loss still never rises"
    else:
        advice = ("raise it, but by less than double: twice this rate would make the loss "
                  "bounce and grow")
    return (f"{where}: it falls, but too slowly. Learning rate {checks.fmt(lr)} is too small; "
            f"{advice}.", "too_slow")


@pytest.mark.points(2)
def test_loop_is_sound(student, reference):
    """The training loop clears the gradients and takes exactly `steps` steps"""
    mistake = _loop_mistake(student)
    if mistake:
        checks.fail(*mistake)
    steps, expected = student.info.get("step_calls", 0), reference.info["step_calls"]
    if steps != expected:
        checks.fail(f"train called optimizer.step() {checks.plural(steps, 'time')}; it must "
                    f"take exactly `steps` ({expected}) steps, one per pass through the loop.",
                    "wrong_step_count")


@pytest.mark.points(2)
def test_loss_stays_finite(student, reference):
    """The loss never becomes NaN or infinite"""
    mistake = _outcome(student, reference)
    if mistake and mistake[1] not in ("overshoot",) + SLOW:
        checks.fail(*mistake)


@pytest.mark.points(3)
def test_loss_never_rises(student, reference):
    """The loss goes down at every step (no overshoot)"""
    mistake = _outcome(student, reference)
    if mistake and mistake[1] not in SLOW:
        checks.fail(*mistake)


@pytest.mark.points(3)
def test_loss_gets_below_threshold(student, reference):
    """The loss gets below 0.02 within the steps given"""
    mistake = _outcome(student, reference)
    if mistake:
        checks.fail(*mistake)
