"""The publishing check of an uploaded exercise, run in a candidate copy of it: the server records
the reference traces in the sandbox (server.grading.references), then runs the engine's self-check
(graders.grading.selfcheck.check_exercise), scores the solution seed by seed, measures how far the
uploaded traces are from this server's, and grades the corpus (corpus/*.py) if there is one.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from graders import Exercise, Grader
from graders.grading import corpus
from graders.grading.selfcheck import check_exercise, drift_problem
from graders.checks.drift import trace_drift
from graders.errors import ExerciseError, GradingError
from graders.mutants.report import figure
from graders.mutants.run import THRESHOLD, run_mutants
from graders.trace.store import TraceFormatError, load_trace
from server.publish.report import PublishReport
from server.grading.references import COMMITTED, ReferenceRecorder

CORPUS = "corpus"
MAX_CORPUS = 50


def check_candidate(upload: Path, candidate: Path, report: PublishReport,
                    recorder: ReferenceRecorder, grader: Grader, mutants: bool = False) -> None:
    """Copy upload to candidate, record its references and check it; problems go to report.
    mutants: also grade the mutants of its solution (graders.mutants) and report the figure."""
    shutil.copytree(upload, candidate, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    try:
        recorder.record(candidate, upload)
        ex = Exercise.load(candidate)
    except ExerciseError as e:
        report.problems.append(_relative(str(e), candidate, upload))
        return
    try:
        rep = check_exercise(ex, grader)
    except GradingError as e:
        report.problems.append(str(e))
        return
    report.problems += [_relative(p, candidate, upload) for p in rep.problems]
    report.solution_score, report.starter_score = rep.solution_score, rep.starter_score
    report.max_score = rep.max_score
    report.drift = "a second recording here: " + rep.drift_text()
    report.drift_of_tolerance = rep.drift.of_tolerance if rep.drift else None
    if rep.solution_score is None:
        return
    try:
        _seed_scores(ex, grader, report)
        _committed_drift(ex, candidate / COMMITTED, report)
        _corpus(ex, candidate / CORPUS, grader, report)
        if mutants and not report.problems:
            _mutants(ex, grader, report)
    except GradingError as e:
        report.problems.append(str(e))


def _seed_scores(ex: Exercise, grader: Grader, report: PublishReport) -> None:
    solution = ex.solution.read_bytes()
    for seed in ex.seeds:
        r = grader.grade(ex, solution, seeds=[seed])
        report.seed_scores[str(seed)] = r.score
        if r.score < r.max_score:
            report.problems.append(f"the solution gets {r.score:g}/{r.max_score:g} on seed {seed} "
                                   f"(it must get full marks on every seed): {r.message or ''}"
                                   .rstrip(": "))


def _committed_drift(ex: Exercise, committed: Path, report: PublishReport) -> None:
    worst = None
    for seed in ex.seeds:
        if not (committed / f"seed-{seed}").is_dir():
            continue
        try:
            theirs = load_trace(committed / f"seed-{seed}")
        except TraceFormatError as e:
            report.problems.append(f"traces/seed-{seed} cannot be read ({e}). Run `tracegrade "
                                   f"trace` again, or leave traces/ out: the server records its own.")
            return
        drifts = trace_drift(theirs, load_trace(ex.trace_dir(seed)), ex.rtol, ex.atol)
        if drifts and (worst is None or drifts[0].of_tolerance > worst[1].of_tolerance):
            worst = (seed, drifts[0])
    if worst is None or worst[1].relative == 0:
        if committed.is_dir():
            report.committed_drift = "identical to this server's recording"
        return
    seed, d = worst
    report.committed_drift = (f"{d.relative:.2g} of the magnitude ({d.of_tolerance:.2g} of the "
                              f"tolerance, {d.where()}, seed {seed})")
    problem = drift_problem(seed, d)
    if problem:
        report.problems.append("uploaded traces/: " + problem)


def _corpus(ex: Exercise, folder: Path, grader: Grader, report: PublishReport) -> None:
    """The corpus judged by the engine's own rules (graders.grading.corpus, as `tracegrade
    corpus` does): each file's first line says what grading must give it."""
    files = corpus.files(folder)
    if len(files) > MAX_CORPUS:
        report.problems.append(f"corpus/ holds {len(files)} files; at most {MAX_CORPUS} are "
                               f"checked on upload. Keep the telling ones.")
        return
    for judged in corpus.run(ex, folder, grader, seeds="all"):
        name = judged.file.name
        if judged.expect is None:
            report.problems.append(f"corpus/{name}: {corpus.FIRST_LINE}.")
            continue
        expect = str(judged.expect)
        report.corpus.append({"file": name, "expect": expect, "got": judged.got, "ok": judged.ok})
        if not judged.ok:
            report.problems.append(f"corpus/{name}: {judged.why}")


def _mutants(ex: Exercise, grader: Grader, report: PublishReport) -> None:
    """The mutation figure: shown, not a reason to refuse (`tracegrade check --mutants` is the gate)."""
    run = run_mutants(ex, grader, in_flight=1)
    report.mutants = figure(run) + ("" if run.ok else f"; below the {THRESHOLD:.0%} `tracegrade "
                                                      f"check --mutants` asks for")
    report.mutant_survivors = [f"{r.mutant.id}: {r.mutant.description}" for r in run.survivors]
    report.mutant_survivors += [f"{i}: marked equivalent in exercise.toml, matches no mutant"
                                for i in run.unknown_equivalents]


def _relative(message: str, candidate: Path, upload: Path) -> str:
    """Messages name files inside the archive, not the server's folders."""
    for folder in (candidate, upload):
        message = message.replace(str(folder.resolve()) + "/", "").replace(str(folder) + "/", "")
        message = message.replace(str(folder.resolve()), "the archive").replace(str(folder), "the archive")
    return message
