"""Diagnoses of prediction/target shape mistakes, read off the shapes a TracingLoss saw
(info '<key>_shapes') and a loss error the scenario noted (info '<key>_error').

Codes: target_broadcast (silent broadcasting, e.g. MSELoss), target_shape_mismatch (the loss
refused the shapes, e.g. BCELoss), target_wrong_axis (a [1, N] row against [N, 1] predictions).
"""
from __future__ import annotations


from graders.trace.store import Trace


def _fix(pred: list[int], target: list[int]) -> str:
    """What to change, worded for the shapes at hand."""
    if len(pred) == 1 and len(target) == 2 and target[1] == 1:
        return (f"Your predictions were flattened to {pred} while the target is {target}: give "
                f"both the same shape (keep the predictions [N, 1] and reshape only the target).")
    if len(pred) == 2 and pred[1] == 1:
        return (f"Make the target the same shape as the predictions, {pred}: for example "
                f"y.unsqueeze(1) or y.view(-1, 1).")
    return f"Make the target the same shape as the predictions, {pred}."


def loss_raised(trace: Trace, key: str = "loss") -> bool:
    """True when the last call of the TracingLoss `key` saw its shapes but recorded no value
    (so the loss itself raised), and those shapes differ."""
    shapes = trace.info.get(f"{key}_shapes", [])
    returned = trace.info.get(f"{key}_calls", len(trace.steps(key)))    # (calls that returned)
    return (len(shapes) > returned and bool(shapes)
            and shapes[-1][0] != shapes[-1][1])


def loss_shape_problem(trace: Trace, key: str = "loss", loss_name: str = "the loss") -> tuple[str, str] | None:
    """The first call of loss `key` whose prediction and target shapes differ, as (code, message)."""
    shapes = trace.info.get(f"{key}_shapes", [])
    for pred, target in shapes:
        if pred == target:
            continue
        raised = f"{key}_error" in trace.info
        code, msg = _explain(pred, target, raised, loss_name)
        if len({tuple(t) for _, t in shapes}) > 1:
            msg = ("Your target's shape changes from one step to the next: reshaping y inside "
                   "the loop (y = y.unsqueeze(1), or y.unsqueeze_(1)) adds a dimension every "
                   "step. Reshape it once, before the loop. " + msg)
        return code, msg
    return None


def _explain(pred: list[int], target: list[int], raised: bool, loss_name: str) -> tuple[str, str]:
    fix = _fix(pred, target)
    if len(pred) == 2 and pred[1] == 1 and target == [1, pred[0]]:
        return "target_wrong_axis", (
            f"Your target has shape {target}, a row, but the predictions are a column, {pred}: "
            f"the new axis went in front. {loss_name} then "
            + ("refuses them" if raised else "compares every prediction with every target")
            + ". Use y.unsqueeze(1) (or y.view(-1, 1)), not unsqueeze(0).")
    if raised:
        return "target_shape_mismatch", (
            f"{loss_name} stopped with a shape error: the predictions have shape {pred} but the "
            f"target has shape {target}, and {loss_name} needs both shapes to be the same. {fix}")
    grid = broadcast(pred, target)
    n_pred, n_grid = _numel(pred), _numel(grid) if grid is not None else 0
    if grid is not None and n_grid > n_pred:
        return "target_broadcast", (
            f"Your predictions have shape {pred} but the target has shape {target}. {loss_name} "
            f"does not complain: it broadcasts them to {grid}, comparing every prediction with "
            f"every target ({n_grid} pairs instead of {n_pred}), so the loss and the gradients "
            f"are wrong. {fix}")
    return "target_shape_mismatch", (
        f"Your predictions have shape {pred} but the target has shape {target}. {fix}")


def broadcast(a: list[int], b: list[int]) -> list[int] | None:
    """The shape torch broadcasts a and b to, or None when they do not broadcast (the same
    rule as torch.broadcast_shapes, whose first call imports sympy: half a second here)."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = int(a[-i]) if i <= len(a) else 1
        y = int(b[-i]) if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(y if x == 1 else x)
    return out[::-1]


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
