"""Who is in a course: add and remove members, change roles, rotate the join code, import a roster
CSV (every row checked first; nothing is imported unless all rows are good), and reset a student's
password to a temporary one shown once to the instructor.
"""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import ROLES, Course, Enrollment, User
from server.passwords import email_problem, password_problem, set_password
from server.security import hash_password, new_join_code

MAX_ROSTER_ROWS = 5000


class EnrolmentError(ValueError):
    """A change that cannot be made; the message says what to fix."""


@dataclass(frozen=True)
class Added:
    email: str
    role: str
    temporary_password: str | None    # set for a new account: shown once, never stored


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


def _enrolment(db: Session, course: Course, user_id: int) -> Enrollment:
    e = db.scalar(select(Enrollment).where(Enrollment.course_id == course.id,
                                           Enrollment.user_id == user_id))
    if e is None:
        raise EnrolmentError("That person is not a member of this course.")
    return e


def _instructors(db: Session, course: Course) -> int:
    return db.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.course_id == course.id, Enrollment.role == "instructor"))


def member_problem(db: Session, course: Course, email: str, role: str,
                   password: str | None = None) -> str | None:
    """Why this person cannot be enrolled (checked without writing anything), or None."""
    problem = email_problem(email)
    if problem:
        return problem
    if role not in ROLES:
        return f"Role '{role[:20]}' is not one of: {', '.join(ROLES)}."
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        return password_problem(password, email) if password else None
    e = db.scalar(select(Enrollment).where(Enrollment.course_id == course.id,
                                           Enrollment.user_id == user.id))
    return f"{email} is already a member ({e.role})." if e is not None else None


def add_member(db: Session, course: Course, email: str, role: str = "student",
               password: str | None = None) -> Added:
    """Enrol an account (created, with `password` or a temporary one, when it does not exist)."""
    email = (email or "").strip().lower()
    problem = member_problem(db, course, email, role, password)
    if problem:
        raise EnrolmentError(problem)
    user = db.scalar(select(User).where(User.email == email))
    temp = None
    if user is None:
        if not password:
            password = temp = temporary_password()
        user = User(email=email, password_hash=hash_password(password))
        db.add(user)
        db.flush()
    db.add(Enrollment(user_id=user.id, course_id=course.id, role=role))
    db.flush()
    return Added(email, role, temp)


def remove_member(db: Session, course: Course, user_id: int) -> None:
    e = _enrolment(db, course, user_id)
    if e.role == "instructor" and _instructors(db, course) <= 1:
        raise EnrolmentError("A course keeps at least one instructor; add another one first.")
    db.delete(e)
    db.flush()


def set_role(db: Session, course: Course, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise EnrolmentError(f"Role '{str(role)[:20]}' is not one of: {', '.join(ROLES)}.")
    e = _enrolment(db, course, user_id)
    if e.role == "instructor" and role != "instructor" and _instructors(db, course) <= 1:
        raise EnrolmentError("A course keeps at least one instructor; add another one first.")
    e.role = role
    db.flush()


def rotate_join_code(db: Session, course: Course) -> str:
    course.join_code = new_join_code()
    db.flush()
    return course.join_code


def reset_password(db: Session, course: Course, user_id: int) -> tuple[User, str]:
    """A new temporary password for a student of the course; their sessions end."""
    e = _enrolment(db, course, user_id)
    if e.role != "student":
        raise EnrolmentError("Only a student's password can be reset here; instructors reset "
                             "their own on their account page.")
    temp = temporary_password()
    set_password(e.user, temp)         # also ends every session of theirs
    db.flush()
    return e.user, temp


def import_roster(db: Session, course: Course, data: bytes | str) -> tuple[list[Added], list[str]]:
    """Enrol every row of a CSV with a header `email[,role][,password]`. Returns (added, errors);
    with any error nothing is imported (the caller commits only when errors is empty)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], ["The file is not UTF-8 text. Save the roster as CSV (UTF-8) and try again."]
    rows = list(csv.DictReader(io.StringIO(data)))
    reader_fields = csv.DictReader(io.StringIO(data)).fieldnames or []
    fields = [f.strip().lower() for f in reader_fields]
    if "email" not in fields:
        return [], ["The first line must be a header with an 'email' column (and optionally "
                    "'role' and 'password'), such as: email,role"]
    if len(rows) > MAX_ROSTER_ROWS:
        return [], [f"The roster has {len(rows)} rows; import at most {MAX_ROSTER_ROWS} at a time."]
    wanted, errors, seen = [], [], set()
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        email, role = row.get("email", "").lower(), row.get("role") or "student"
        password = row.get("password") or None
        problem = (f"{email} appears twice." if email in seen
                   else member_problem(db, course, email, role, password))
        seen.add(email)
        if problem:
            errors.append(f"line {line}: {problem}")
        wanted.append((email, role, password))
    if not rows:
        errors.append("The roster has a header but no rows.")
    if errors:
        return [], errors
    return [add_member(db, course, *w) for w in wanted], []
