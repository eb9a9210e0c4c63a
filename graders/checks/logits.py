"""What a binary classifier's numbers are: raw logits, probabilities (one sigmoid), a sigmoid
applied twice, a softmax over one column, or 0/1 labels; whether a loss sums instead of
averaging; and whether a gradient has vanished in a saturated sigmoid.

Used by graders of exercises on Sigmoid/BCELoss versus raw logits with BCEWithLogitsLoss.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from graders.checks.compare import close


def _f64(t) -> torch.Tensor:
    return torch.as_tensor(t).detach().to(torch.float64)


def bce_with_logits(logits, target) -> float:
    """Mean binary cross-entropy of raw logits against 0/1 targets, computed stably in float64."""
    return float(F.binary_cross_entropy_with_logits(_f64(logits), _f64(target)))


def loss_input_kind(model_out, logits, loss, target, rtol: float = 1e-4, atol: float = 1e-6) -> str:
    """What the loss was fed, given the true logits of the same batch and the loss it returned:
    'logits'; 'sigmoid_kept' (probabilities, with a loss that treats them as probabilities, i.e.
    Sigmoid + BCELoss); 'double_sigmoid' (probabilities passed on to a loss that applies its own
    sigmoid, i.e. Sigmoid + BCEWithLogitsLoss); or 'other'."""
    out, z = _f64(model_out), _f64(logits)
    if out.shape != z.shape:
        return "other"
    if close(out, z, rtol, atol):
        return "logits"
    if close(out, torch.sigmoid(z), rtol, atol):
        if loss is not None and close(loss, bce_with_logits(out, target), rtol, atol) \
                and not close(loss, bce_with_logits(z, target), rtol, atol):
            return "double_sigmoid"
        return "sigmoid_kept"
    return "other"


def prediction_kind(pred, logits, rtol: float = 1e-4, atol: float = 1e-6) -> str:
    """What predict() returned, given the true logits: 'probabilities' (sigmoid of the logits),
    'shape' (wrong shape), 'logits' (the raw scores, or anything outside 0..1), 'double_sigmoid',
    'softmax' (a softmax over the single logit column, which is 1 everywhere, or over the
    examples), 'labels' (0/1 class labels), or 'other'."""
    p, z = _f64(pred), _f64(logits)
    if p.numel() != z.numel():
        return "shape"
    if p.shape != z.shape:
        return "shape"
    probs = torch.sigmoid(z)
    if close(p, probs, rtol, atol):
        return "probabilities"
    if close(p, z, rtol, atol) or not torch.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        return "logits"
    if close(p, torch.sigmoid(probs), rtol, atol):
        return "double_sigmoid"
    if p.dim() == 2 and p.shape[1] == 1:
        ones = bool((p == 1).all())
        over_batch = p.shape[0] > 1 and close(p, torch.softmax(z, 0), rtol, atol)
        if (ones and bool((z < 0).any())) or over_batch:
            return "softmax"
    if bool(((p == 0) | (p == 1)).all()):
        return "labels"
    return "other"


def summed_loss(loss, logits, target, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """True when a loss over a batch of more than one example equals the sum of the examples'
    binary cross-entropies rather than their mean (reduction="sum")."""
    z = _f64(logits)
    n = z.numel()
    if loss is None or n < 2 or _f64(loss).numel() != 1:
        return False
    return close(loss, n * bce_with_logits(z, target), rtol, atol) and \
        not close(loss, bce_with_logits(z, target), rtol, atol)


def vanished(yours, expected, factor: float = 0.05) -> bool:
    """True when every one of your gradients is finite and, taken together, under `factor` times
    the size of the expected ones (a sigmoid saturated, so almost nothing flows back)."""
    ys = [_f64(t) for t in yours]
    es = [_f64(t) for t in expected]
    if not ys or any(not torch.isfinite(t).all() for t in ys):
        return False
    norm_y = sum(float(t.pow(2).sum()) for t in ys) ** 0.5
    norm_e = sum(float(t.pow(2).sum()) for t in es) ** 0.5
    return norm_e > 0 and norm_y < factor * norm_e
