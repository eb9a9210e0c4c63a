"""Instructor pages of mistake analytics: the course's exercises ranked by stuck students, and one
exercise's attempts, test pass rates and named diagnoses (bar charts that link to the submissions).
"""
from __future__ import annotations

from flask import render_template, request, url_for

from server import analytics
from server.barchart import bar_chart
from server.teach import bp, teaching
from server.web import course_exercise, db, login_required


@bp.get("/c/<slug>/analytics")
@login_required
def analytics_page(slug: str):
    course = teaching(slug)
    after = min(max(request.args.get("after", 3, type=int), 1), 1000)
    ranking = analytics.stuck_ranking(db(), course, after)
    return render_template("analytics.html", course=course, ranking=ranking, after=after)


@bp.get("/c/<slug>/analytics/<ex_slug>")
@login_required
def exercise_analytics(slug: str, ex_slug: str):
    course = teaching(slug)
    ex = course_exercise(course, ex_slug)
    st = analytics.exercise_stats(db(), ex)
    diagnoses = bar_chart(
        [(name, n, url_for("instructor.submissions", slug=slug, exercise=ex.slug, diagnosis=name))
         for name, n in st.diagnoses.items()], "Submissions per named mistake")
    attempts = [(f"{k} attempt{'s' if k > 1 else ''}", n, None)
                for k, n in sorted(st.attempts_to_full.items())]
    if st.never_full:
        attempts.append(("not yet", st.never_full, None))
    return render_template("analytics_exercise.html", course=course, ex=ex, st=st,
                           diagnoses=diagnoses,
                           attempts=bar_chart(attempts, "Students by attempts until full marks"),
                           duration=analytics.fmt_duration(st.median_to_full))
