"""Graders of bce-with-logits: the loss gets raw logits, training matches the reference, a
confidently wrong batch still gets a finite, useful gradient, and predict() gives probabilities."""
import pytest
import torch

from graders import checks
from graders.checks import fmt
from graders.checks.logits import (
    bce_with_logits, loss_input_kind, prediction_kind, summed_loss, vanished,
)

BCE_ON_LOGITS = ("nn.BCELoss stopped with \"all elements of input should be between 0 and 1\": it "
                 "expects probabilities, but your model now outputs raw logits. Use "
                 "nn.BCEWithLogitsLoss(), which takes logits and applies the sigmoid itself.")


def softmax_message(p, when: str) -> str:
    return (f"predict() returned {fmt(p)} {when}: that is a softmax, not a sigmoid. A softmax "
            f"turns a row of several class logits into shares that sum to 1; over a single "
            f"column it gives 1.0 for every example (over the batch, the examples share 1 between "
            f"them). With one logit per example, use torch.sigmoid.")


def summed_loss_message(loss, logits, target, what: str) -> str:
    n, mean = logits.numel(), bce_with_logits(logits, target)
    return (f"{what} is {fmt(loss)}, {n} times the expected {fmt(mean)}: "
            f"reduction=\"sum\" adds up the {n} examples' losses instead of averaging them, so the "
            f"gradient (and the step) grows with the batch size. Keep the default "
            f"reduction=\"mean\": nn.BCEWithLogitsLoss().")


def first_summed_step(student):
    """The first training step whose loss is the sum, not the mean, over the batch (or None)."""
    target = student.get("target")
    for k in student.steps("loss"):
        if summed_loss(student.get("loss", k), student.get("linear_out", k), target):
            return k
    return None


def first_value(t) -> str:
    return fmt(t.reshape(-1)[0])


def double_sigmoid_message(out, logits, loss, expected_loss) -> str:
    return (f"The sigmoid is applied twice: your model still ends in nn.Sigmoid(), so the loss "
            f"gets probabilities (first example: {first_value(out)}) instead of logits "
            f"({first_value(logits)}), and "
            f"BCEWithLogitsLoss applies a second sigmoid. Your loss is {fmt(loss)} instead of "
            f"{fmt(expected_loss)}. Remove nn.Sigmoid() from the model.")


def first_loss_input_problem(student, tol):
    """(step, kind) of the first training step whose loss input is not the raw logits (worked
    out once per trace: two tests ask)."""
    return student.remember(("first_loss_input_problem", tuple(sorted(tol.items()))),
                            lambda: _first_loss_input_problem(student, tol))


def _first_loss_input_problem(student, tol):
    target = student.get("target")
    for k in student.steps("model_out"):
        kind = loss_input_kind(student.get("model_out", k), student.get("linear_out", k),
                               student.get("loss", k), target, **tol)
        if kind != "logits":
            return k, kind
    return None, None


@pytest.mark.points(3)
def test_loss_gets_logits(student, tol):
    """The model outputs raw logits (no Sigmoid at the end) for the loss"""
    k, kind = first_loss_input_problem(student, tol)
    if kind is None:
        if not student.steps("model_out"):
            checks.fail("The model was never run on a batch; build_model() must return the model.")
        return
    out, z = student.get("model_out", k), student.get("linear_out", k)
    if kind == "double_sigmoid":
        checks.fail(double_sigmoid_message(out, z, student.get("loss", k),
                                           bce_with_logits(z, student.get("target"))), kind)
    if kind == "sigmoid_kept":
        checks.fail(f"Your model still ends in nn.Sigmoid(): it outputs probabilities "
                    f"(first example: {first_value(out)}) where the loss should get the raw logits "
                    f"({first_value(z)}). Remove "
                    f"nn.Sigmoid() from the model and use nn.BCEWithLogitsLoss(), which applies "
                    f"the sigmoid inside the loss.", "sigmoid_kept")
    checks.fail(f"At step {k + 1} the model output fed to the loss is {fmt(out)}, but the linear "
                f"layer's logits are {fmt(z)}. build_model() should return just the linear layer "
                f"(no activation after it).", "not_logits")


@pytest.mark.points(3)
def test_training_matches_reference(student, reference, tol):
    """Six SGD steps give the reference losses, gradients and parameters"""
    if "loss_error" in student.info:
        checks.fail(BCE_ON_LOGITS, "bce_on_logits")
    k, kind = first_loss_input_problem(student, tol)
    if kind == "double_sigmoid":
        checks.fail(double_sigmoid_message(student.get("model_out", k), student.get("linear_out", k),
                                           student.get("loss", k), reference.get("loss", k)), kind)
    k = first_summed_step(student)
    if k is not None:
        checks.fail(summed_loss_message(student.get("loss", k), student.get("linear_out", k),
                                        student.get("target"), f"Your loss at step {k + 1}"),
                    "loss_summed")
    checks.assert_close(student, reference, "loss", what="Your loss", **tol)
    checks.assert_close(student, reference, reference.prefixed("grad/"), what="The gradient", **tol)
    checks.assert_close(student, reference, reference.prefixed("param/"),
                        what="The parameters after the update", **tol)


@pytest.mark.points(2)
def test_confidently_wrong_batch(student, reference, tol):
    """A confidently wrong example (logit ±40) still gets a finite, useful gradient"""
    if "loss_error" in student.info:
        checks.fail(BCE_ON_LOGITS, "bce_on_logits")
    keys = ["probe/grad/weight", "probe/grad/bias"]
    loss, ref_loss = student.get("probe/loss", 0), reference.get("probe/loss", 0)
    grads, ref_grads = [student.get(k) for k in keys], [reference.get(k) for k in keys]
    if loss is None or any(g is None for g in grads):
        checks.fail("The confidently wrong batch was never scored; build_loss() must return the loss.")
    if summed_loss(loss, student.get("probe/linear_out"), student.get("probe/target")):
        checks.fail(summed_loss_message(loss, student.get("probe/linear_out"),
                                        student.get("probe/target"),
                                        "Your loss on the confidently wrong batch"), "loss_summed")
    z = reference.get("probe/linear_out").reshape(-1)
    batch = f"logits {z[0]:+.0f} and {z[2]:+.0f} for label 0, {z[1]:+.0f} for label 1"
    if not torch.isfinite(loss).all() or any(not torch.isfinite(g).all() for g in grads):
        checks.fail(f"On a confidently wrong batch ({batch}) your loss is {fmt(loss)} and the "
                    f"weight gradient {fmt(grads[0])}: in float32 sigmoid(40) is exactly 1.0, so "
                    f"log(1 - p) = log(0). nn.BCEWithLogitsLoss() works from the logit directly "
                    f"and stays finite (expected loss {fmt(ref_loss)}): give it the raw logits.",
                    "nonfinite")
    if vanished(grads, ref_grads):
        kept = student.get("probe/model_out")
        why = ("your model still ends in nn.Sigmoid(), and " if kept is not None
               and loss_input_kind(kept, student.get("probe/linear_out"), None,
                                   student.get("probe/target"), **tol) != "logits" else "")
        checks.fail(f"On a confidently wrong batch ({batch}) your weight gradient is "
                    f"{fmt(grads[0])} instead of {fmt(ref_grads[0])}: {why}the loss sees the "
                    f"sigmoid's output, which is flat out there (sigmoid(40) is exactly 1.0 in "
                    f"float32), so the model barely learns from its worst mistakes (your loss: "
                    f"{fmt(loss)}, expected {fmt(ref_loss)}). This is why the switch matters: feed "
                    f"the raw logits to nn.BCEWithLogitsLoss().", "saturated_gradient")
    checks.assert_close(student, reference, "probe/loss", what="Your loss on the confidently wrong batch", **tol)
    checks.assert_close(student, reference, keys, what="Your gradient on the confidently wrong batch", **tol)


@pytest.mark.points(2)
def test_predict_returns_probabilities(student, tol):
    """predict() returns probabilities: sigmoid of the logits"""
    if "predict_type" in student.info:
        checks.fail(f"predict() returned a {student.info['predict_type']}; return a tensor of "
                    f"probabilities with the model output's shape [N, 1].", "not_a_tensor")
    probe = student.get("probe/probability")
    if probe is not None and prediction_kind(probe, student.get("probe/pred_logit"), **tol) == "softmax":
        checks.fail(softmax_message(probe, "on a batch with logits of both signs"), "softmax_one_logit")
    steps = student.steps("pred_logit")
    for k in steps:
        p, z = student.get("probability", k), student.get("pred_logit", k)
        when = "before training" if k == -1 else f"after step {k + 1}"
        kind = "shape" if p is None else prediction_kind(p, z, **tol)
        if kind == "probabilities":
            continue
        expected = torch.sigmoid(z)
        if p is None:
            checks.fail(f"predict() returned nothing {when}; return the probabilities.", "no_prediction")
        if kind == "shape":
            checks.fail(f"predict() returned shape {list(p.shape)} {when}; expected {list(z.shape)}, "
                        f"the shape of the model output.", "prediction_shape")
        if kind == "logits":
            checks.fail(f"predict() returned raw logits {when} ({fmt(p)}), not probabilities "
                        f"({fmt(expected)}): your model now outputs logits, which can be any "
                        f"number. Apply torch.sigmoid to the model output in predict().",
                        "probabilities_are_logits")
        if kind == "double_sigmoid":
            checks.fail(f"predict() applies the sigmoid twice {when}: it returned {fmt(p)} "
                        f"instead of {fmt(expected)}. Apply torch.sigmoid exactly once, to the "
                        f"raw logits.", "double_sigmoid")
        if kind == "softmax":
            checks.fail(softmax_message(p, when), "softmax_one_logit")
        if kind == "labels":
            checks.fail(f"predict() returned 0/1 labels {when} ({fmt(p)}); it should return the "
                        f"probabilities themselves ({fmt(expected)}).", "labels_not_probabilities")
        yours, want = checks.fmt_pair(p, expected)
        checks.fail(f"predict() returned {yours} {when}; expected the probabilities "
                    f"sigmoid(logits) = {want}.", "wrong_probabilities")
    if not steps:
        checks.fail("predict() was never called on a trained model.", "no_prediction")
