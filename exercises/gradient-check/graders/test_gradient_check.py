"""Graders of gradient-check: numerical_grad is an accurate central difference that leaves x
alone, and gradient_check tells a correct backward pass from a wrong one."""
import pytest

from graders import checks
from graders.checks import gradcheck

PROBLEMS = ("mse", "bce")
# A central difference in float64 with any eps from 1e-2 down to about 1e-8 lands within this
# of autograd's gradient on these problems (error at most ~2e-6); eps = 0.1 does not.
AUTOGRAD_TOL = {"rtol": 1e-4, "atol": 1e-5}
# x may drift by rounding when a student adds eps and subtracts it again; that is not a mutation.
INPUT_TOL = {"rtol": 1e-12, "atol": 1e-12}


def returned(student, key: str, what: str):
    """The student's recorded result under key, or a failure naming what was returned instead."""
    kind = student.info.get(f"returned_type/{key}")
    if kind is not None:
        checks.fail(f"{what} returned a {kind}; return a tensor shaped like x.", "not_a_tensor")
    return student.get(key)


def check_input_kept(student, reference, tag: str, name: str) -> None:
    x, after = reference.get(f"input/{name}"), student.get(f"{tag}_input_after/{name}")
    bad = gradcheck.first_bad_element(after, x, **INPUT_TOL) if after is not None else None
    if bad:
        index, yours, _, moved = bad
        checks.fail(gradcheck.message("input_not_restored", index=index, yours=yours, moved=moved),
                    "input_not_restored")


def numerical_grad_ok(student, reference) -> bool:
    """True when numerical_grad(f, x) agrees with autograd on every problem."""
    results = [(student.get(f"num/{n}"), reference.get(f"autograd/{n}")) for n in PROBLEMS]
    return all(y is not None and checks.close(y, e, **AUTOGRAD_TOL) for y, e in results)


def probe_diagnosis(student, reference, name: str, tol: dict) -> tuple[str, str] | None:
    """(diagnosis, message key) of what numerical_grad(f, x, eps) looks like when it is not
    the central difference."""
    yours = student.get(f"probe/{name}")
    if yours is None:
        return None
    return gradcheck.diagnose_difference(yours, reference.get(f"probe/{name}"),
                                         reference.get(f"forward/{name}"),
                                         reference.get(f"backward/{name}"), **tol)


@pytest.mark.points(3)
def test_matches_autograd(student, reference, tol):
    """numerical_grad(f, x) agrees with autograd's gradient"""
    for name in PROBLEMS:
        yours, exact = returned(student, f"num/{name}", "numerical_grad(f, x)"), reference.get(f"autograd/{name}")
        if yours.shape != exact.shape:
            checks.fail(f"numerical_grad(f, x) returned shape {list(yours.shape)}; x has shape "
                        f"{list(exact.shape)}. Return one partial derivative per element of x.", "wrong_shape")
        if checks.close(yours, exact, **AUTOGRAD_TOL):
            continue
        check_input_kept(student, reference, "num", name)
        found = probe_diagnosis(student, reference, name, tol)
        if found is None and checks.ratio_to(yours, exact, (2.0,)) == 2.0:
            found = ("wrong_eps_scaling", "wrong_eps_scaling")
        if found:
            checks.fail(gradcheck.message(found[1], detail=""), found[0])
        index, y, e, _ = gradcheck.first_bad_element(yours, exact, **AUTOGRAD_TOL)
        checks.fail(gradcheck.message("numerical_grad_inaccurate", index=index, yours=y, expected=e,
                                      what="With its default eps, numerical_grad is far from "
                                           "autograd's gradient (pick eps between 1e-5 and 1e-2)"),
                    "numerical_grad_inaccurate")


@pytest.mark.points(3)
def test_central_difference(student, reference, tol):
    """numerical_grad(f, x, eps) is the central difference at the eps given"""
    eps = reference.info.get("probe_eps", 1e-2)
    for name in PROBLEMS:
        yours = returned(student, f"probe/{name}", f"numerical_grad(f, x, {eps:g})")
        central = reference.get(f"probe/{name}")
        if checks.close(yours, central, **tol):
            continue
        check_input_kept(student, reference, "probe", name)
        found = probe_diagnosis(student, reference, name, tol)
        if found:
            detail = f" (here it is off by {gradcheck.max_error(yours, central)} at eps = {eps:g})"
            checks.fail(gradcheck.message(found[1], detail=detail), found[0])
        default = student.get(f"num/{name}")
        if default is not None and checks.close(yours, default, **tol):
            checks.fail(gradcheck.message("eps_ignored", eps=eps), "eps_ignored")
        bad = gradcheck.first_bad_element(yours, central, **tol) if yours.shape == central.shape else None
        if bad is None:
            checks.fail(f"numerical_grad(f, x, {eps:g}) returned shape {list(yours.shape)}; "
                        f"x has shape {list(central.shape)}.", "wrong_shape")
        index, y, e, _ = bad
        checks.fail(gradcheck.message("numerical_grad_inaccurate", index=index, yours=y, expected=e,
                                      what=f"numerical_grad(f, x, {eps:g}) is not the central "
                                           f"difference"), "numerical_grad_inaccurate")


@pytest.mark.points(2)
def test_input_unchanged(student, reference):
    """numerical_grad leaves x as it found it"""
    for name in PROBLEMS:
        for tag in ("num", "probe"):
            check_input_kept(student, reference, tag, name)


@pytest.mark.points(2)
def test_gradient_check_verdicts(student, reference):
    """gradient_check accepts a correct backward pass and rejects a wrong one"""
    correct, broken = student.info.get("check/correct"), student.info.get("check/broken")
    for verdict in (correct, broken):
        if not isinstance(verdict, bool):
            checks.fail(f"gradient_check returned {verdict}; return True or False "
                        f"(torch.allclose gives a bool).", "check_not_bool")
    if not correct and not numerical_grad_ok(student, reference):
        checks.fail("gradient_check said a correct backward pass is wrong, most likely because "
                    "numerical_grad is off (see the checks above): fix numerical_grad first.",
                    "check_rejects_correct_gradient")
    if not correct:
        checks.fail("gradient_check said a correct backward pass is wrong. Compare the two "
                    "gradients with a tolerance, e.g. torch.allclose(autograd_grad, numeric_grad, "
                    "rtol=1e-4, atol=1e-6), not with ==.", "check_rejects_correct_gradient")
    if broken:
        checks.fail("gradient_check said a wrong backward pass is fine (it multiplies by the "
                    "sigmoid derivative twice, so its gradient is far from the numerical one). "
                    "Compute autograd's gradient with backward() and compare it with "
                    "numerical_grad's.", "check_misses_wrong_gradient")
