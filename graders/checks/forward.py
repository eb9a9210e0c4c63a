"""Diagnoses for exercises where students write a two-layer forward pass (fc1 -> ReLU -> fc2):
missing layers, layers in the wrong order, wrong output shape, missing or misplaced ReLU, another
activation in its place.

Reads what graders.trace.layers and the scenario recorded: calls, out@k, probe/*, param/*.
"""
from __future__ import annotations

import torch

from graders.checks.compare import close
from graders.trace.store import Trace

MESSAGES = {
    "not_a_module": "Net() did not build a PyTorch module. Write `class Net(nn.Module):` and call "
                    "`super().__init__()` first thing in `__init__`.",
    "layers_missing": "Net needs a Linear(10, 20) layer (fc1) and a Linear(20, 1) layer (fc2), "
                      "created in __init__; yours has {found}.",
    "layers_wrong_order": "fc2 ran before fc1: fc2 expects the 20 hidden features but was given "
                          "the 10 input features, so PyTorch could not multiply the shapes. Pass x "
                          "through fc1 first, then ReLU, then fc2.",
    "output_not_tensor": "forward returned a {type}; return the tensor that fc2 produces.",
    "relu_missing": "Your network's output is a linear function of its input: f(a) + f(b) - f(0) "
                    "equals f(a + b). Linear layers with no activation between them add up to "
                    "one linear layer. Apply ReLU to fc1's output, then fc2.",
    "relu_after_output": "You apply ReLU after fc2, so the network can never output a negative "
                         "number, and fc1 and fc2 are chained with nothing in between. ReLU "
                         "belongs between the layers: fc1 -> ReLU -> fc2, and fc2's output is "
                         "returned as it is.",
    "wrong_activation": "Between fc1 and fc2 you apply {name}, not ReLU: your outputs equal "
                        "fc2({name}(fc1(x))). This network uses ReLU, max(z, 0): self.relu, "
                        "F.relu or torch.relu.",
    "relu_on_input": "You apply ReLU to the input x before fc1, so nothing sits between fc1 and "
                     "fc2: your outputs equal fc2(fc1(relu(x))). ReLU belongs between the layers: "
                     "fc2(relu(fc1(x))).",
    "graph_broken": "Your output is cut off from the layers' weights, so loss.backward() cannot "
                    "reach {where}. Inside forward, avoid torch.no_grad(), .detach(), .data, "
                    ".item() and NumPy.",
}


def message(code: str, **fields) -> str:
    return MESSAGES[code].format(**fields)


def shape_message(student: Trace, shape: list[int], batch: int) -> str:
    """Why an output of `shape` for a batch of `batch` examples is not [batch, 1]."""
    layers = [c.get("layer") for c in student.info.get("calls", [])]
    head = f"For an input of shape [{batch}, 10], forward returns shape {shape}; expected [{batch}, 1]."
    if "fc2" not in layers or (shape and shape[-1] == 20):
        return head + " fc2 is never applied: the output is still the 20 hidden features."
    if len(shape) < 2:
        return head + (" You removed the last dimension (squeeze, flatten or view(-1)): keep the "
                       "output as a column, one row per example.")
    return head + " Return fc2's output as it is: one row per example, one column."


def is_affine(trace: Trace) -> bool | None:
    """Whether the probe outputs satisfy f(a) + f(b) - f(0) = f(a + b) (None if not recorded)."""
    vals = [trace.get(f"probe/{n}") for n in ("a", "b", "sum", "zero")]
    if any(v is None for v in vals) or len({tuple(v.shape) for v in vals}) != 1:
        return None
    fa, fb, fs, fz = (v.to(torch.float64) for v in vals)
    scale = max(float(v.abs().max()) for v in (fa, fb, fs, fz)) if fa.numel() else 0.0
    return float((fa + fb - fz - fs).abs().max()) <= 1e-4 * scale + 1e-6


def _affine_output(reference: Trace, x: torch.Tensor) -> torch.Tensor:
    """fc2(fc1(x)) with the reference's weights: the network without its ReLU."""
    w1, b1 = reference.get("param/fc1.weight"), reference.get("param/fc1.bias")
    w2, b2 = reference.get("param/fc2.weight"), reference.get("param/fc2.bias")
    return (x @ w1.T + b1) @ w2.T + b2


def relu_after_output(student: Trace, reference: Trace, rtol: float, atol: float) -> bool:
    """True when every student output equals relu(fc2(fc1(x))), and that differs from the reference."""
    steps = reference.steps("out")
    if not steps:
        return False
    differs = False
    for k in steps:
        got, want, x = student.get("out", k), reference.get("out", k), reference.get("input", k)
        if got is None or x is None:
            return False
        if not close(got, torch.relu(_affine_output(reference, x)), rtol, atol + 1e-5):
            return False
        differs = differs or not close(got, want, rtol, atol)
    return differs


ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "leaky_relu": torch.nn.functional.leaky_relu, "gelu": torch.nn.functional.gelu}


def misplaced_activation(student: Trace, reference: Trace, rtol: float,
                         atol: float) -> tuple[str, str] | None:
    """(code, message) when every student output equals the network with another activation
    between the layers, or with ReLU on the input instead; None otherwise."""
    w1, b1 = reference.get("param/fc1.weight"), reference.get("param/fc1.bias")
    w2, b2 = reference.get("param/fc2.weight"), reference.get("param/fc2.bias")
    if any(t is None for t in (w1, b1, w2, b2)):
        return None
    nets = {name: (lambda x, act=act: act(x @ w1.T + b1) @ w2.T + b2)
            for name, act in ACTIVATIONS.items()}
    nets["relu_on_input"] = lambda x: (torch.relu(x) @ w1.T + b1) @ w2.T + b2
    steps = reference.steps("out")
    for name, net in nets.items():
        if steps and all(student.get("out", k) is not None and close(
                student.get("out", k), net(reference.get("input", k)), rtol, atol + 1e-5)
                for k in steps):
            if name == "relu_on_input":
                return "relu_on_input", message("relu_on_input")
            return "wrong_activation", message("wrong_activation", name=name)
    return None


def diagnose_forward(student: Trace, reference: Trace, rtol: float = 1e-5,
                     atol: float = 1e-6) -> tuple[str, str] | None:
    """The first recognisable forward-pass mistake as (code, message), or None (worked out once
    per pair of traces and tolerances: every grader of the exercise asks)."""
    return student.remember_against(reference, ("diagnose_forward", rtol, atol),
                                    lambda: _diagnose_forward(student, reference, rtol, atol))


def _diagnose_forward(student: Trace, reference: Trace, rtol: float,
                      atol: float) -> tuple[str, str] | None:
    info = student.info
    if "not_module" in info:
        return "not_a_module", message("not_a_module")
    if "layers" in info:
        found = ", ".join(map(str, info["layers"])) or "no Linear layers"
        return "layers_missing", message("layers_missing", found=found)
    if "forward_error" in info:
        return "layers_wrong_order", message("layers_wrong_order")
    if "out_type" in info:
        return "output_not_tensor", message("output_not_tensor", type=info["out_type"])
    for k in reference.steps("out"):
        got, want = student.get("out", k), reference.get("out", k)
        if got is not None and tuple(got.shape) != tuple(want.shape):
            return "wrong_output_shape", shape_message(student, list(got.shape), want.shape[0])
    if is_affine(student) and is_affine(reference) is False:
        return "relu_missing", message("relu_missing")
    if relu_after_output(student, reference, rtol, atol):
        return "relu_after_output", message("relu_after_output")
    if any(not close(student.get("out", k), reference.get("out", k), rtol, atol)
           for k in reference.steps("out") if student.get("out", k) is not None):
        return misplaced_activation(student, reference, rtol, atol)
    return None
