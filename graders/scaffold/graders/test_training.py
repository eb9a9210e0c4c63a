"""Graders of {{slug}}: the loss and the parameters follow the reference, step by step."""
import pytest

from graders import checks


@pytest.mark.points(2)
def test_training_happens(student):
    """Gradients are computed, cleared and applied"""
    mistake = checks.diagnose_training(student)
    if mistake:
        checks.fail(checks.explain(mistake), mistake)


@pytest.mark.points(2)
def test_matches_reference(student, reference, tol):
    """Loss and parameters match the reference at every step"""
    checks.assert_close(student, reference, "loss", what="Your loss", **tol)
    checks.assert_close(student, reference, reference.prefixed("param/"), what="The parameters", **tol)
