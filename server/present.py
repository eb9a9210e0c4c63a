"""What a viewer may see of a submission, shared by pages and the API: hidden tests lose their
name and message for students (tests visible "after the due date" once the deadline has passed),
and scores are rounded for display.
"""
from __future__ import annotations

from sqlalchemy.orm import object_session

from graders.grading.results import split_stderr
from server import schedule
from server.db import isoformat, utcnow
from server.models import Submission, TestResult

HIDDEN = ("hidden", "after_due_date", "after_published")


def _released(sub: Submission, role: str) -> bool:
    """Whether this viewer sees the submission's "after the due date" tests."""
    if role == "instructor" or not any(t.visibility == "after_due_date" for t in sub.tests):
        return True
    return schedule.results_released(object_session(sub), sub.user_id, sub.exercise, utcnow())


def _hidden(t: TestResult, role: str, released: bool) -> bool:
    if role == "instructor":
        return False
    if t.visibility == "after_due_date":
        return not released
    return t.visibility in HIDDEN


def visible_tests(sub: Submission, role: str) -> list[dict]:
    out = []
    released = _released(sub, role)
    for t in sub.tests:
        hidden = _hidden(t, role, released)
        out.append({
            "name": "Hidden test" if hidden else t.name,
            "score": round(t.score, 4), "max_score": t.max_score, "status": t.status,
            "message": "" if hidden else t.message,
            "diagnosis": None if hidden else t.diagnosis,
            "hidden": hidden,
        })
    return out


def diagnosis(sub: Submission, role: str) -> TestResult | None:
    """The first failed test that names a mistake (what the page puts on top)."""
    released = _released(sub, role)
    for t in sub.tests:
        if t.status != "passed" and t.diagnosis and not _hidden(t, role, released):
            return t
    return None


def lateness(sub, d: schedule.Deadline | None = None) -> dict:
    """Whether the submission came after its student's due date, the penalty that applies, and
    the score that counts (the raw score minus the penalty; None until graded). sub: a
    Submission, or the queue.Queued of one just queued (with d). d: the student's deadline,
    when the caller has read it already."""
    if d is None:
        d = schedule.deadline_for(object_session(sub), sub.user_id, sub.exercise)
    late = d.is_late(sub.created_at)
    counted = None
    if sub.status in ("graded", "error") and sub.score is not None:
        counted = round(sub.score * d.factor(sub.created_at), 4)
    return {"late": late, "late_penalty": d.penalty if late else 0.0, "counted_score": counted,
            "due_at": isoformat(d.due)}


def submission_json(sub: Submission, role: str, url: str) -> dict:
    graded = sub.status in ("graded", "error")
    return {**lateness(sub),
        "id": sub.id, "status": sub.status, "url": url,
        "course": sub.exercise.course.slug, "exercise": sub.exercise.slug,
        "score": round(sub.score, 4) if graded and sub.score is not None else None,
        "max_score": sub.max_score,
        "verdict": sub.verdict, "message": sub.message or "",
        "tests": visible_tests(sub, role) if graded else [],
        "created_at": isoformat(sub.created_at), "graded_at": isoformat(sub.graded_at),
    }


def stderr_parts(sub: Submission, role: str) -> dict:
    """The stored stderr split for this viewer: `student`, what the submission's own run printed
    (everyone sees it), and `grader`, the grader failures with their tracebacks, given to course
    staff only (a student reads just the friendly line in the test's feedback)."""
    student, grader = split_stderr(sub.stderr or "")
    return {"student": student, "grader": grader if role == "instructor" else ""}


def fmt_score(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")
