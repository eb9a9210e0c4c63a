"""`exercises sync` checks before it loads: every exercise whose content the server does not
have yet goes through `tracegrade check` (graders.grading.selfcheck), and the sync is refused,
with the report, when one fails. `--force` skips it and says what was not verified.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from graders.format.course import Course as EngineCourse
from graders.format.exercise import Exercise as EngineExercise
from server.cli.common import database
from server.models import Course, Exercise, ExerciseVersion

SKIPPED = ("stale traces, trace folders of removed seeds, contradicting limits, graders that "
           "crash, the solution's full marks, the starter's lower score, drift from a fresh recording")


def new_content(instance: Path, course: EngineCourse) -> list[EngineExercise]:
    """The course's exercises whose content (hash) has no version on the server yet."""
    out = []
    with database(instance) as db, db.session() as s:
        for ex in course.exercises:
            known = s.scalar(
                select(ExerciseVersion.id).join(Exercise, ExerciseVersion.exercise_id == Exercise.id)
                .join(Course, Exercise.course_id == Course.id)
                .where(Course.slug == course.slug, Exercise.slug == ex.slug,
                       ExerciseVersion.content_hash == ex.content_hash()))
            if known is None:
                out.append(ex)
    return out


def refusals(exercises: list[EngineExercise]) -> list[str]:
    """The check's report lines of the exercises that fail it (empty when all pass)."""
    from graders.cli.check_text import report_lines
    from graders.grading.grader import Grader
    from graders.grading.selfcheck import check_exercise

    lines = []
    if not exercises:
        return lines
    with Grader(one_shot=True) as grader:
        for ex in exercises:
            rep = check_exercise(ex, grader)
            if not rep.ok:
                lines += report_lines(rep)
    return lines


def force_note(exercises: list[EngineExercise]) -> str:
    names = ", ".join(ex.slug for ex in exercises) or "none (no new content)"
    return (f"--force: `tracegrade check` was skipped, so these were not verified: {SKIPPED}. "
            f"Exercises loaded unchecked: {names}. Run `tracegrade check` on them soon.")
