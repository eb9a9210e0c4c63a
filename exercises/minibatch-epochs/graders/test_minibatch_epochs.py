"""Graders of minibatch-epochs: each epoch takes every sample once, in order, in batches of
`batch_size` (the short last batch included); training matches the reference; the epoch losses are the mean
loss per sample."""
import pytest

from graders import checks
from graders.checks import batches, bypass, curves

ORDER_MISTAKES = ("backward_missing", "optimizer_never_stepped", "zero_grad_after_backward",
                  "step_before_backward", "grads_accumulate", "step_repeated")
FIX_BATCHES_FIRST = ("Fix the batches first (see the check on batches): until every epoch "
                     "trains on each batch once, in order, this cannot be judged.")
OWN_OPTIMIZER = ("Your parameters changed, but never through the optimizer train was given. Use "
                 "that optimizer (already set to the right learning rate) instead of making a new "
                 "one.")
HOW = "add loss.item() * len(X_batch) for each batch and divide the total by len(X)"


def _batch_mistake(student, reference):
    """The diagnosis of the student's batch plan (None when right); step_repeated when every
    batch gets two steps (the batch plan itself may be right)."""
    if checks.diagnose_training(student) == "step_repeated":
        return "step_repeated"
    return batches.diagnose_batches(batches.step_batches(student), batches.step_batches(reference),
                                    reference.info["epochs"])


@pytest.mark.points(3)
def test_batches_cover_the_data_in_order(student, reference):
    """Each epoch trains on every sample once, in order, in batches of `batch_size`"""
    if bypass.moved_without_optimizer(student):
        checks.fail(OWN_OPTIMIZER, "own_optimizer")
    if _batch_mistake(student, reference) == "step_repeated":
        checks.fail(checks.explain("step_repeated"), "step_repeated")
    batches.assert_batches(student, reference, reference.info["epochs"],
                           reference.info["batch_size"])


@pytest.mark.points(3)
def test_training_matches_reference(student, reference, tol):
    """The parameters after every step match the reference"""
    if bypass.moved_without_optimizer(student):
        checks.fail(OWN_OPTIMIZER, "own_optimizer")
    d = checks.diagnose_training(student)
    if d in ORDER_MISTAKES:
        checks.fail(checks.explain(d), d)
    code = _batch_mistake(student, reference)
    if code:
        checks.fail(FIX_BATCHES_FIRST, code)
    checks.assert_close(student, reference, reference.prefixed("param/"),
                        what="The parameters after the update", **tol,
                        hint="Compute each batch's loss with loss_fn(model(X_batch), Y_batch), "
                             "then zero_grad, backward and step with the optimizer given.")


def _epoch_mistake(e, yours, candidates, reevaluated):
    """Fail with the averaging mistake that explains epoch e's value, if one does."""
    correct = candidates[0][1]
    found = [code for code, v in candidates[1:] if checks.close(yours, v, rtol=1e-4, atol=1e-7)]
    if reevaluated is not None and checks.close(yours, reevaluated, rtol=1e-4, atol=1e-7):
        found.append("epoch_loss_reevaluated")
    y, c = checks.fmt_pair(yours, correct)
    words = {
        "epoch_loss_batch_mean": f"is the plain mean of the batch losses, but the last batch is "
                                 f"smaller, so its samples count more than the others. The mean "
                                 f"loss per sample is {c}: {HOW}.",
        "epoch_loss_sum": f"is a sum, not a mean. The mean loss per sample is {c}: {HOW}.",
        "epoch_loss_divided_wrongly": f"divides by the wrong count. The mean loss per sample is "
                                      f"{c}: {HOW}.",
        "epoch_loss_last_batch": f"is only the last batch's loss. Average over every sample of "
                                 f"the epoch instead ({c}): {HOW}.",
        "epoch_loss_reevaluated": f"is the loss of the whole data after the epoch's updates. The "
                                  f"exercise asks for the losses the batches had while training, "
                                  f"averaged per sample ({c}): {HOW}.",
    }
    code = found[0] if found else "epoch_loss_wrong"
    default = f"should be {c}, the mean loss per sample of the epoch: {HOW}."
    checks.fail(f"Epoch {e + 1}: your loss {y} {words.get(code, default)}", code)


@pytest.mark.points(4)
def test_epoch_losses_are_per_sample_means(student, reference):
    """train returns one loss per epoch: the mean loss per sample"""
    epochs = reference.info["epochs"]
    if "returned_type" in student.info:
        checks.fail(f"train returned a {student.info['returned_type']}; return a list with one "
                    f"number per epoch, the mean loss per sample.", "epoch_losses_missing")
    if student.info.get("returned_with_graph"):
        checks.fail("Your epoch losses are tensors that still carry the autograd graph: adding "
                    "`loss` itself keeps every batch's graph in memory. Add `loss.item()`, a "
                    "plain number, instead.", "epoch_loss_keeps_graph")
    yours = student.floats("epoch_loss")
    if len(yours) != epochs:
        checks.fail(f"train returned {checks.plural(len(yours), 'epoch loss', 'epoch losses')}; "
                    f"return one per epoch ({epochs}).", "wrong_epoch_count")
    if bypass.moved_without_optimizer(student):
        checks.fail(OWN_OPTIMIZER, "own_optimizer")
    code = _batch_mistake(student, reference)
    if code == "step_repeated":
        checks.fail(checks.explain(code), code)
    if code not in (None, "shuffled"):
        checks.fail(FIX_BATCHES_FIRST, code)
    losses = batches.step_losses(student)
    sizes = [len(b) for b in batches.step_batches(student)]
    if None in losses:      # loss_fn not used: only the reference run can tell
        if checks.first_divergence(student, reference, reference.prefixed("param/")) is None:
            checks.assert_series_close(yours, reference.floats("epoch_loss"), "Your epoch loss",
                                       rtol=1e-4, atol=1e-7, diagnosis="epoch_loss_wrong",
                                       hint=f"Each is the mean loss per sample: {HOW}.")
            return
        checks.fail("Compute each batch's loss with the loss_fn you are given, so your epoch "
                    "losses can be checked.", "loss_fn_unused")
    per = len(losses) // epochs
    curve = curves.linear_mse_curve(student, reference.get("X"), reference.get("Y"))
    for e in range(epochs):
        chunk = slice(e * per, (e + 1) * per)
        candidates = batches.epoch_loss_candidates(losses[chunk], sizes[chunk])
        if not checks.close(yours[e], candidates[0][1], rtol=1e-4, atol=1e-7):
            after = (e + 1) * per
            _epoch_mistake(e, yours[e], candidates, curve[after] if after < len(curve) else None)
