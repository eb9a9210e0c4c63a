"""A gradebook as files: the wide CSV (a row per student: email, one column per exercise slug,
total), the long CSV (a row per counted submission) and JSON. Text cells that a spreadsheet would
read as a formula (=, +, -, @, tab, CR) get a leading apostrophe.
"""
from __future__ import annotations

import csv
import io

from server.db import isoformat
from server.gradebook import Gradebook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LONG_HEADER = ["email", "exercise", "submission", "submitted_at", "late", "penalty", "raw_score",
               "score", "max_score"]


def escape_cell(value) -> str:
    """A CSV cell that opens as text, never as a formula; numbers are written plainly."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{round(value, 4):g}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_cell(v) for v in row])
    return out.getvalue()


def wide_csv(gb: Gradebook) -> str:
    slugs = [ex.slug for ex in gb.exercises]
    rows = [["email", *slugs, "total"]]
    for r in gb.rows:
        rows.append([r.email, *[r.cells[s].score if s in r.cells else None for s in slugs], r.total])
    return _csv(rows)


def long_csv(gb: Gradebook) -> str:
    rows = [LONG_HEADER]
    for r in gb.rows:
        for ex in gb.exercises:
            c = r.cells.get(ex.slug)
            if c is not None:
                rows.append([r.email, ex.slug, c.submission_id, isoformat(c.created_at), c.late,
                             c.penalty, c.raw, c.score, c.max_score])
    return _csv(rows)


def as_json(gb: Gradebook) -> dict:
    students = []
    for r in gb.rows:
        exercises = {}
        for ex in gb.exercises:
            c = r.cells.get(ex.slug)
            exercises[ex.slug] = {
                "score": round(c.score, 4) if c else None, "max_score": c.max_score if c else ex.points,
                "raw_score": round(c.raw, 4) if c else None, "late": c.late if c else False,
                "submission": c.submission_id if c else None}
        students.append({"email": r.email, "total": round(r.total, 4), "exercises": exercises})
    return {"course": gb.course.slug, "policy": gb.course.policy,
            "max_total": gb.max_total, "students": students}


FORMATS = {"csv": ("text/csv", wide_csv), "long": ("text/csv", long_csv)}
