"""Graders of forward-pass: fc1 -> ReLU -> fc2 gives a [batch, 1] output equal to the reference
(same seeded weights), is not linear in its input, and lets gradients reach both layers."""
import pytest

from graders import checks
from graders.checks.forward import diagnose_forward, is_affine, message

STRUCTURE = ("not_a_module", "layers_missing", "layers_wrong_order", "output_not_tensor")
HINT = ("Check the order fc1 -> ReLU -> fc2, and that forward uses the layers made in __init__ "
        "(not new ones).")


def _fail_on(found, codes=None):
    if found and (codes is None or found[0] in codes):
        checks.fail(found[1], found[0])


@pytest.mark.points(2)
def test_output_shape(student, reference, tol):
    """forward returns one output per example: shape [batch, 1]"""
    _fail_on(diagnose_forward(student, reference, **tol), STRUCTURE + ("wrong_output_shape",))


@pytest.mark.points(2)
def test_relu_between_layers(student, reference, tol):
    """The network is not linear: ReLU sits between fc1 and fc2"""
    _fail_on(diagnose_forward(student, reference, **tol),
             STRUCTURE + ("wrong_activation", "relu_on_input"))
    if is_affine(student):
        checks.fail(message("relu_missing"), "relu_missing")


@pytest.mark.points(4)
def test_output_matches_reference(student, reference, tol):
    """The output equals fc2(relu(fc1(x))) on every batch"""
    _fail_on(diagnose_forward(student, reference, **tol))
    for k in reference.steps("out"):
        got, want = student.get("out", k), reference.get("out", k)
        if not checks.close(got, want, **tol):
            yours, expected = checks.fmt_pair(got, want)
            checks.fail(f"For a batch of {checks.plural(want.shape[0], 'example')} your output "
                        f"is {yours}, expected {expected}. {HINT}")
    checks.assert_close(student, reference, reference.prefixed("probe/"), what="Your output",
                        hint=HINT, **tol)


@pytest.mark.points(2)
def test_gradients_reach_both_layers(student, reference, tol):
    """loss.backward() through your forward reaches fc1 and fc2"""
    _fail_on(diagnose_forward(student, reference, **tol))
    if student.info.get("no_graph"):
        checks.fail(message("graph_broken", where="fc1 or fc2"), "graph_broken")
    for key in reference.prefixed("grad/"):
        got = student.get(key)
        if got is not None and got.abs().max() == 0 and reference.get(key).abs().max() > 0:
            layer = key.removeprefix("grad/").split(".")[0]
            checks.fail(message("graph_broken", where=layer), "graph_broken")
        checks.assert_close(student, reference, key, what=f"The gradient of {key[5:]}", hint=HINT,
                            **tol)
