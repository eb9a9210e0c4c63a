"""Mini-batch structure of a training run: which samples each optimizer step used, per-step
batch losses, and the named mistakes of an epoch loop (last batch dropped, data twice, ...).

Reads the events a TracingOptimizer / TracingLoss log plus 'forward' events and `batch_x@k`
(each forward call's input) that a scenario records with a forward pre-hook on the model.
"""
from __future__ import annotations

from collections import Counter

import torch

from graders.checks.feedback import fail, plural
from graders.trace.store import Trace

Batch = tuple[float, ...]


def _as_batch(t: torch.Tensor | None) -> Batch | None:
    if t is None:
        return None
    return tuple(round(float(v), 6) for v in t.reshape(t.shape[0] if t.dim() else 1, -1)[:, 0])


def step_batches(trace: Trace, key: str = "batch_x") -> list[Batch | None]:
    """For each optimizer step, the samples (first feature, rounded) of the last forward call
    before it; None where no forward call was recorded."""
    out, fwd, last = [], -1, None
    for e in trace.info.get("events", []):
        if e == "forward":
            fwd += 1
            last = _as_batch(trace.get(key, fwd))
        elif e == "step":
            out.append(last)
    return out


def step_losses(trace: Trace, key: str = "loss") -> list[float | None]:
    """For each optimizer step, the loss it used (a TracingLoss numbers its values by optimizer
    step: the one that went through backward(), else the first call; None if none)."""
    out = []
    for k in range(trace.info.get("step_calls", 0)):
        t = trace.get(key, k)
        out.append(None if t is None or not t.numel() else float(t.reshape(-1)[0]))
    return out


def canonical(yours: list[Batch | None], expected: list[Batch | None],
              tol: float = 1e-5) -> tuple[list[Batch | None], list[Batch | None]]:
    """Both lists with sample values that lie within tol of each other (relative, at least
    absolute) replaced by one of them: data generated on another CPU (torch.randn's kernels
    differ in the last bits) or rounded on either side of a 6th decimal is the same sample."""
    values = sorted({v for bs in (yours, expected) for b in bs if b is not None for v in b})
    same: dict[float, float] = {}
    rep = prev = None
    for v in values:                    # (in order: a run of close values is one sample)
        if prev is None or abs(v - prev) > tol * max(1.0, abs(v)):
            rep = v
        same[v], prev = rep, v
    return ([None if b is None else tuple(same[v] for v in b) for b in yours],
            [None if b is None else tuple(same[v] for v in b) for b in expected])


def _sizes(batches) -> list[int]:
    return [len(b) if b is not None else 0 for b in batches]


def diagnose_batches(yours: list[Batch | None], expected: list[Batch], epochs: int) -> str | None:
    """The named mistake that turns the expected step-by-step batches into yours, or None when
    they are the same. Codes: last_batch_dropped, data_twice_per_epoch, wrong_epoch_count,
    batches_overlap, shuffled, wrong_batch_size, batches_wrong."""
    yours, expected = canonical(yours, expected)
    if yours == expected:
        return None
    per_epoch = len(expected) // epochs
    epoch = expected[:per_epoch]
    if epoch and len(epoch[-1]) < len(epoch[0]) and yours == epoch[:-1] * epochs:
        return "last_batch_dropped"
    if yours == epoch * (2 * epochs):
        return "data_twice_per_epoch"
    if yours and len(yours) % per_epoch == 0 and yours == epoch * (len(yours) // per_epoch):
        return "wrong_epoch_count"
    if first_overlap(yours, per_epoch) is not None:
        return "batches_overlap"
    samples = Counter(v for b in epoch for v in b)
    chunks = [yours[i:i + per_epoch] for i in range(0, len(yours), per_epoch)]
    if len(yours) == len(expected) and None not in yours and all(
            Counter(v for b in c for v in b) == samples for c in chunks):
        return "shuffled" if _sizes(yours) == _sizes(expected) else "wrong_batch_size"
    if None not in yours and set(_sizes(yours)) - {0} and max(_sizes(yours)) != max(_sizes(epoch)):
        return "wrong_batch_size"
    return "batches_wrong"


def first_overlap(batches: list[Batch | None], per_epoch: int) -> int | None:
    """Index k of the first step whose batch shares samples with the next step's batch in the
    same epoch (of per_epoch steps) without being the same batch (a window that slides by less
    than the batch size), or None."""
    for k in range(len(batches) - 1):
        if per_epoch and k // per_epoch != (k + 1) // per_epoch:
            continue
        a, b = batches[k], batches[k + 1]
        if a is not None and b is not None and a != b and set(a) & set(b):
            return k
    return None


def assert_batches(student: Trace, reference: Trace, epochs: int, batch_size: int) -> None:
    """Fail with a named, worded mistake when the student's steps did not use the reference's
    batches (same samples, same order, one step per batch, `epochs` passes)."""
    yours, expected = canonical(step_batches(student), step_batches(reference))
    code = diagnose_batches(yours, expected, epochs)
    if code is None:
        return
    n = sum(len(b) for b in expected[:len(expected) // epochs])
    per_epoch = len(expected) // epochs
    sizes = sorted(set(_sizes(yours)) - {0})
    messages = {
        "last_batch_dropped": (
            f"Each epoch skips the last sample: with {n} samples and batches of {batch_size}, "
            f"the last batch holds only {n % batch_size}, and your loop never gets to it "
            f"(len(X) // batch_size rounds down). Loop over range(0, len(X), batch_size) so the "
            f"short last batch is trained on too."),
        "data_twice_per_epoch": (
            f"Each epoch goes through the data twice ({2 * per_epoch} steps per epoch instead of "
            f"{per_epoch}). Look for a second loop over the batches inside the epoch loop."),
        "wrong_epoch_count": (
            f"Your loop makes {plural(len(yours) // max(per_epoch, 1), 'pass', 'passes')} over "
            f"the data; train must make exactly `epochs` ({epochs}) passes."),
        "shuffled": (
            f"Your batches come in a different order than the data. Take them in order, "
            f"X[0:{batch_size}], X[{batch_size}:{2 * batch_size}], ..., without shuffling "
            f"(DataLoader(..., shuffle=False))."),
        "batches_overlap": _overlap_message(yours, per_epoch, batch_size),
        "wrong_batch_size": (
            f"Your steps use batches of {' or '.join(map(str, sizes))} "
            f"sample{'' if sizes == [1] else 's'}; each step must use a batch of `batch_size` "
            f"({batch_size}) samples, and only the last batch of an epoch may be shorter."),
    }
    if code in messages:
        fail(messages[code], code)
    k = next((i for i, (a, b) in enumerate(zip(yours, expected)) if a != b),
             min(len(yours), len(expected)))
    if k >= len(yours):
        fail(f"Your loop stops after {len(yours)} optimizer steps; {len(expected)} expected "
             f"({per_epoch} batches per epoch, {epochs} epochs).", code)
    if yours[k] is None:
        fail(f"Step {k + 1} has no forward pass of the model before it: each step needs "
             f"pred = model(X_batch) first.", code)
    fail(f"Step {k + 1} used the samples x = {list(yours[k])}; expected x = "
         f"{list(expected[k]) if k < len(expected) else 'no further step'}. Each epoch takes "
         f"X[0:{batch_size}], X[{batch_size}:{2 * batch_size}], ... in order, one step per batch.",
         code)


def _overlap_message(yours: list[Batch | None], per_epoch: int, batch_size: int) -> str:
    k = first_overlap(yours, per_epoch)
    if k is None:
        return ""
    return (f"Your batches overlap: step {k + 1} used x = {list(yours[k])} and step {k + 2} used "
            f"x = {list(yours[k + 1])}, so some samples are trained on twice per epoch. Split the "
            f"data into separate batches, X[0:{batch_size}], X[{batch_size}:{2 * batch_size}], "
            f"...: the slice start moves by batch_size, not by 1.")


def epoch_loss_candidates(losses: list[float], sizes: list[int]) -> list[tuple[str, float]]:
    """What one epoch's loss comes out as under each way of averaging its batch losses, as
    (diagnosis, value) pairs; the first, 'correct', is the mean loss per sample."""
    n, nb = sum(sizes), len(sizes)
    weighted = sum(loss * size for loss, size in zip(losses, sizes))
    return [
        ("correct", weighted / n),
        ("epoch_loss_batch_mean", sum(losses) / nb),
        ("epoch_loss_sum", sum(losses)),
        ("epoch_loss_sum", weighted),
        ("epoch_loss_divided_wrongly", sum(losses) / n),
        ("epoch_loss_divided_wrongly", weighted / nb),
        ("epoch_loss_last_batch", losses[-1]),
    ]
