"""Checks for 'derive the gradient yourself' exercises: spot autograd in the student's source or
trace, and name the scaling mistakes of a hand-derived gradient (factor 2, sum vs mean, sign).

Graders call `assert_no_autograd(source, student)` (the source and the run), `assert_by_hand(
student)` before any test of gradients or training (the run: what the autograd watch saw), and
`scale_mistake(yours, expected, n)`; `explain(code)` words every diagnosis used here.
"""
from __future__ import annotations

import ast
import functools

import torch

from graders.checks.diagnoses import explain as core_explain
from graders.checks.feedback import Mistake, fmt
from graders.checks.source import hidden_names

WHY = ("This exercise asks you to derive the gradient yourself; {what} computes it for you "
       "(that is autograd). Write each derivative as a formula with tensor operations instead.")

RAN = ("This exercise asks you to derive the gradient yourself, so gradients that autograd "
       "computes earn no points here. Write each derivative as a formula with tensor operations.")
HIDDEN = ("Names built from strings, modules imported by name, code run through exec and "
          "reaching into the interpreter are how autograd gets hidden, so they are not allowed "
          "here. Write each derivative as a formula with tensor operations.")

MESSAGES = {
    "uses_autograd": WHY.format(what="loss.backward()"),
    "sum_not_mean": "Your gradient is N times too large (N = the number of samples in the batch): "
                    "the loss is a mean, so its gradient is a mean too. Divide the sum by N "
                    "(or use .mean()).",
    "sum_and_missing_factor_2": "Your gradient is N/2 times the expected one: it sums over the "
                                "batch instead of averaging, and it also drops the factor 2 that "
                                "the derivative of a square brings down.",
    "autograd_watch_off": "That switches off part of the grader's autograd watch, so these "
                          "gradients cannot count as derived by hand. Compute the derivatives "
                          "with tensor formulas and leave the interpreter's internals alone.",
    "finite_differences": "Finite differences, (L(w + h) - L(w - h)) / 2h, approximate the "
                          "gradient but are not a derivation, so they earn no points here. Apply "
                          "the chain rule and write the derivative as a formula.",
    "sequential_update": "You update one parameter and then compute the other's gradient with "
                         "the new value. Gradient descent moves both from the same point: compute "
                         "both gradients first, then update both.",
}


def explain(code: str) -> str:
    """The student-facing sentence for a diagnosis code."""
    return MESSAGES.get(code) or core_explain(code)


# ---- autograd in the source --------------------------------------------------------------------
def _tree(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


@functools.lru_cache(maxsize=8)
def autograd_uses(source: str) -> tuple[tuple[int, str], ...]:
    """(line, what) for each place the source asks autograd for a gradient: `.backward()`,
    `torch.autograd`, `torch.func`/functorch, `requires_grad_()` or `requires_grad=True`, and
    names reached without writing them (see graders.checks.source.hidden_names).
    Calls of a `backward` the student defines (the tutorial's FNN.backward) do not count."""
    tree = _tree(source)
    if tree is None:
        return []
    found = set(hidden_names(source))
    own_backward = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "backward"
                       for n in ast.walk(tree))
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            if n.func.attr == "backward" and not (own_backward and _calls_own(n)):
                found.add((n.lineno, f"{_dotted(n.func) or 'loss.backward'}()"))
            elif n.func.attr == "requires_grad_" and not _false_arg(n):
                found.add((n.lineno, "requires_grad_()"))
        if isinstance(n, ast.Call):
            for kw in n.keywords:
                if kw.arg == "requires_grad" and _truthy(kw.value):
                    found.add((n.lineno, "requires_grad=True"))
        if isinstance(n, ast.Assign) and _truthy(n.value):
            if any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in n.targets):
                found.add((n.lineno, "requires_grad = True"))
        if isinstance(n, ast.Attribute) and _dotted(n) in ("torch.autograd", "torch.func"):
            found.add((n.lineno, _dotted(n)))
        if (isinstance(n, ast.Name) and n.id == "autograd") or (
                isinstance(n, ast.Attribute) and n.attr == "autograd"):
            found.add((n.lineno, "torch.autograd"))
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in n.names] + ([n.module] if isinstance(n, ast.ImportFrom) and n.module else [])
            for m in mods:
                if m and (m.startswith(("torch.autograd", "torch.func", "functorch")) or m == "autograd"):
                    found.add((n.lineno, m))
            if isinstance(n, ast.ImportFrom) and n.module == "torch":
                for a in n.names:
                    if a.name in ("autograd", "func"):
                        found.add((n.lineno, f"torch.{a.name}"))
    return tuple(sorted(found))


def _calls_own(call: ast.Call) -> bool:
    """A `.backward(...)` call that looks like the student's own method (the tutorial's FNN has
    backward(X, l, y4)) rather than autograd's (no positional argument but a gradient)."""
    autograd_kw = {"gradient", "retain_graph", "create_graph", "inputs"}
    return len(call.args) > 1 or any(k.arg and k.arg not in autograd_kw for k in call.keywords)


def _truthy(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false_arg(call: ast.Call) -> bool:
    args = list(call.args) + [k.value for k in call.keywords]
    return bool(args) and isinstance(args[0], ast.Constant) and args[0].value is False


CALLS = {"gradients": "gradients()", "sgd_step": "sgd_step()", "gd_step": "gd_step()",
         "train": "the training loop's calls of your step function",
         "outside": "the import of your file (or the use of what your functions returned)"}


def watch_events(student) -> list[dict]:
    """What the autograd watch saw while the submission ran (well-formed events only)."""
    events = student.info.get("autograd_detected") or []
    return [e for e in events if isinstance(e, dict) and isinstance(e.get("how"), str)
            and isinstance(e.get("probe"), str)][:20]


def describe_event(event: dict) -> str:
    """'During gradients() (line 7 of your file), autograd recorded a computation graph.'"""
    call = CALLS.get(event["probe"].split("#")[0], "a call into your code")
    line = event.get("line")
    where = f" (line {line} of your file)" if isinstance(line, int) and line > 0 else ""
    who = "your code " if event.get("kind") == "tampered" else ""
    return f"During {call}{where}, {who}{event['how'][:200]}."


def assert_by_hand(student) -> None:
    """Fail every test of gradients or training when autograd ran, by any route, while the
    submission ran (diagnosis uses_autograd), or when the watch itself was switched off
    (autograd_watch_off). The feedback says what was seen and where."""
    events = watch_events(student)
    for kind, code in (("forward_ad", "uses_autograd"), ("graph", "uses_autograd"),
                       ("returned_graph", "uses_autograd"), ("input_grad", "uses_autograd"),
                       ("tampered", "autograd_watch_off")):
        hit = next((e for e in events if e.get("kind") == kind), None)
        if hit is not None:
            tail = RAN if code == "uses_autograd" else explain(code)
            raise Mistake(f"{describe_event(hit)} {tail}", code)
    if student.info.get("autograd_probes"):
        assert_no_autograd("", student)


WORK_RATIO = 10   # derived backward passes stay within ~3x the reference's work; differences ~60x


def work_ratio(student, reference, prefix: str = "gradients#") -> float | None:
    """The median, over the calls labelled prefix*, of the torch work (elements produced) of
    the student's call divided by the reference's on the same call; None when not recorded."""
    mine, ref = student.info.get("work"), reference.info.get("work")
    if not isinstance(mine, dict) or not isinstance(ref, dict):
        return None
    ratios = sorted(float(mine[k]) / ref[k] for k in ref
                    if k.startswith(prefix) and isinstance(ref[k], int) and ref[k] > 0
                    and isinstance(mine.get(k), (int, float)))
    return ratios[len(ratios) // 2] if ratios else None


def assert_not_numerical(student, reference, fn: str = "gradients()") -> None:
    """Fail (diagnosis finite_differences) when the gradient calls did many times the
    reference's work: the model evaluated once or twice per weight, not a backward pass."""
    ratio = work_ratio(student, reference)
    if ratio is not None and ratio >= WORK_RATIO:
        raise Mistake(f"Your {fn} does about {ratio:.0f} times the tensor work of a backward pass "
                      "derived by hand, as if it evaluated the model again for every weight. "
                      + explain("finite_differences"), "finite_differences")


def assert_no_autograd(source: str, student) -> None:
    """Fail (diagnosis uses_autograd) when the source or the recorded run used autograd."""
    uses = autograd_uses(source)
    if uses:
        line, what = uses[0]
        more = f" (and {len(uses) - 1} more place{'s' if len(uses) > 2 else ''})" if len(uses) > 1 else ""
        if (line, what) in hidden_names(source):
            raise Mistake(f"Line {line} uses {what}{more}. " + HIDDEN, "uses_autograd")
        raise Mistake(f"Line {line} uses {what}{more}. " + WHY.format(what=_what(what)), "uses_autograd")
    if watch_events(student):
        assert_by_hand(student)
    blocked = student.info.get("autograd_blocked")
    if blocked or student.info.get("autograd_probes"):
        name = f"{blocked[0]}()" if blocked and isinstance(blocked[0], str) else "autograd"
        raise Mistake(f"Your code called {name} while it ran. " + WHY.format(what=name),
                      "uses_autograd")


def _what(what: str) -> str:
    if what.startswith("requires_grad"):
        return "tracking gradients with requires_grad"
    return what


# ---- scaling mistakes ----------------------------------------------------------------------------
def ratio_of(yours, expected, candidates, rtol: float = 1e-3) -> float | None:
    """The first candidate c with yours ≈ c * expected (relative to expected's size), or None."""
    y = torch.as_tensor(yours).to(torch.float64)
    e = torch.as_tensor(expected).to(torch.float64)
    if y.shape != e.shape or not torch.isfinite(y).all() or e.abs().max() < 1e-9:
        return None
    for c in candidates:
        if torch.allclose(y, c * e, rtol=rtol, atol=1e-9 + rtol * float(e.abs().max()) * abs(c)):
            return c
    return None


def scale_mistake(yours: torch.Tensor, expected: torch.Tensor, n: int, rtol: float = 1e-3) -> str | None:
    """The diagnosis when yours is a scaled copy of expected: missing_factor_2 (x0.5 or x2),
    sum_not_mean (xN), sum_and_missing_factor_2 (xN/2), sign_error (x-1), else None.
    A sign flip on top of a scale error is named after the scale error."""
    table = {-1.0: "sign_error"}
    if n > 1:
        table.update({float(n): "sum_not_mean", -float(n): "sum_not_mean"})
    if n > 2:
        table.update({n / 2: "sum_and_missing_factor_2", -n / 2: "sum_and_missing_factor_2"})
    table.update({0.5: "missing_factor_2", 2.0: "missing_factor_2",
                  -0.5: "missing_factor_2", -2.0: "missing_factor_2"})
    c = ratio_of(yours, expected, list(table), rtol)
    return None if c is None else table[c]


def describe_difference(name: str, yours, expected, rtol: float = 1e-5, atol: float = 1e-6) -> str:
    """'name[i, j] is y, expected e (k of n entries differ)': the first differing entry of two
    same-shaped tensors, instead of a dump of both."""
    y = torch.as_tensor(yours).to(torch.float64)
    e = torch.as_tensor(expected).to(torch.float64)
    bad = ~torch.isclose(y, e, rtol=rtol, atol=atol)
    if y.shape != e.shape or not bad.any():
        return f"{name} is {fmt(y)}, expected {fmt(e)}"
    idx = [int(v) for v in bad.nonzero()[0]]
    where = f"[{', '.join(map(str, idx))}]" if idx else ""
    count = f" ({int(bad.sum())} of its {bad.numel()} entries differ)" if bad.numel() > 1 else ""
    return f"{name}{where} is {fmt(y[tuple(idx)])}, expected {fmt(e[tuple(idx)])}{count}"
