"""Grades hold on other CPUs: traces recorded with torch's portable kernels
(ATEN_CPU_CAPABILITY=default) grade this machine's runs right and the other way round, and
references perturbed at random by ~2e-6 relative (float32 rounding of another CPU or another
summation order; ~17 roundings for float64 values) keep every verdict of the corpus."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from graders import Exercise
from graders.checks.drift import trace_drift
from graders.trace.recorder import CPU_CAPABILITY
from graders.trace.store import load_trace, save_trace
from tests.conftest import EXERCISES, ROOT

CORPUS = ROOT / "tests" / "exercises" / "corpus"
# the exercises most sensitive to rounding (trained parameters near zero, many steps)
KERNEL_EXERCISES = ["target-shape", "zero-grad"]
PERTURBATION = 2e-6
EXPECT_RE = re.compile(r"^# expect: (full|mistake|verdict)\s*(\S*)")


def tracegrade(*args, capability: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("ATEN_CPU_CAPABILITY", None)
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    return subprocess.run([str(Path(sys.executable).parent / "tracegrade"), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def copy_exercise(src: Path, dest: Path) -> Exercise:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return Exercise.load(dest)


def capabilities(ex: Exercise) -> set[str]:
    return {json.loads((ex.trace_dir(s) / "trace.json").read_text())["meta"].get("cpu_capability")
            for s in ex.seeds}


def good_variants(slug: str) -> list[Path]:
    return [f for f in sorted((CORPUS / slug).glob("*.py"))
            if f.read_text(encoding="utf-8").startswith("# expect: full")]


@pytest.mark.skipif(CPU_CAPABILITY == "DEFAULT", reason="this CPU has only torch's portable kernels")
@pytest.mark.parametrize("slug", KERNEL_EXERCISES)
def test_portable_kernel_traces_grade_this_machine_right(slug, tmp_path, grader):
    ex = copy_exercise(EXERCISES / slug, tmp_path / slug)
    r = tracegrade("trace", ex.path, capability="default")
    assert r.returncode == 0, r.stderr
    assert capabilities(ex) == {"DEFAULT"}, "ATEN_CPU_CAPABILITY did not reach the sandboxed child"
    here = copy_exercise(EXERCISES / slug, tmp_path / "here")
    grader.record_reference(here)
    assert capabilities(here) == {CPU_CAPABILITY}
    drifts = [trace_drift(load_trace(ex.trace_dir(s)), load_trace(here.trace_dir(s)), ex.rtol, ex.atol)
              for s in ex.seeds]
    assert all(d[0].of_tolerance <= 1 for d in drifts if d), [d[0] for d in drifts if d]
    for f in [ex.solution, *good_variants(slug)]:
        result = grader.grade(ex, f.read_bytes(), seeds="all")
        assert result.score == result.max_score, (f.name, [(t.name, t.message) for t in result.tests])


@pytest.mark.skipif(CPU_CAPABILITY == "DEFAULT", reason="this CPU has only torch's portable kernels")
@pytest.mark.parametrize("slug", KERNEL_EXERCISES[:1])
def test_this_machines_traces_pass_check_with_portable_kernels(slug, tmp_path, grader):
    ex = copy_exercise(EXERCISES / slug, tmp_path / slug)
    grader.record_reference(ex)
    assert capabilities(ex) == {CPU_CAPABILITY}
    r = tracegrade("check", ex.path, capability="default")
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"drift ([0-9.e+-]+) of the magnitude", r.stdout)
    assert m and float(m.group(1)) > 0, f"no drift seen: did the portable kernels run?\n{r.stdout}"


def relative_noise(v: torch.Tensor) -> float:
    """PERTURBATION for values of float32 precision (float32 tensors, and float64 ones that hold
    float32 numbers, such as a loss.item()); as many roundings (~17) of float64 for values
    computed in float64, which another CPU changes only in their last bits."""
    if v.dtype == torch.float64 and not torch.equal(v.to(torch.float32).to(torch.float64), v):
        return PERTURBATION * torch.finfo(torch.float64).eps / torch.finfo(torch.float32).eps
    return PERTURBATION


def perturb(src: Path, dest: Path, generator: torch.Generator) -> None:
    """Copy a trace folder with every float tensor element scaled by 1 ± relative_noise."""
    t = load_trace(src)
    for by_step in t.tensors.values():
        for k, v in by_step.items():
            if v.is_floating_point() and v.numel():
                sign = torch.randint(0, 2, v.shape, generator=generator).to(torch.float64) * 2 - 1
                by_step[k] = (v.to(torch.float64) * (1 + relative_noise(v) * sign)).to(v.dtype)
    save_trace(t, dest)


@pytest.fixture(scope="module")
def perturbed(tmp_path_factory) -> dict[str, Exercise]:
    """Every bundled exercise, its reference traces perturbed (recorded: not re-recorded)."""
    root, out = tmp_path_factory.mktemp("perturbed"), {}
    generator = torch.Generator().manual_seed(12)
    for toml in sorted(EXERCISES.glob("*/exercise.toml")):
        src = toml.parent
        dest = root / src.name
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "traces"))
        for seed_dir in sorted((src / "traces").glob("seed-*")):
            perturb(seed_dir, dest / "traces" / seed_dir.name, generator)
        out[src.name] = Exercise.load(dest)
    return out


def corpus_and_solutions():
    for toml in sorted(EXERCISES.glob("*/exercise.toml")):
        yield pytest.param(toml.parent / "solution.py", id=f"{toml.parent.name}/solution")
    for f in sorted(CORPUS.glob("*/*.py")):
        yield pytest.param(f, id=f"{f.parent.name}/{f.stem}")


@pytest.mark.parametrize("path", list(corpus_and_solutions()))
def test_verdicts_hold_against_perturbed_references(path: Path, perturbed, grader):
    slug = path.parent.name
    text = path.read_text(encoding="utf-8")
    m = EXPECT_RE.match(text.splitlines()[0]) if path.name != "solution.py" else None
    kind, what = m.groups() if m else ("full", "")
    result = grader.grade(perturbed[slug], path.read_bytes(), seeds="all")
    summary = [(t.name, t.diagnosis, t.message) for t in result.tests if not t.passed]
    if kind == "full":
        assert result.score == result.max_score, summary
    elif kind == "mistake":
        assert result.score < result.max_score and what in result.diagnoses, summary
    else:
        assert result.verdict.value == what
