"""The gradebook and its exports: best vs last, totals, the gradebook page, the wide and long CSV
(formula injection escaped), JSON through the API and the CLI, and 404 for anyone else."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from graders.cli.main import _load_plugins, cli
from server import gradebook
from server.catalog import sync_course
from server.exports import escape_cell
from server.models import Course
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_user, login, write_course
from tests.server.courseops import DUE, api_client, set_schedule, submit_at

HOUR = timedelta(hours=1)


def book(dbs):
    dbs.expire_all()
    return gradebook.build(dbs, dbs.scalar(select(Course).where(Course.slug == COURSE)))


@pytest.mark.both_databases
def test_best_and_last_policies(dbs, backend):
    ada = gen_user(dbs, "ada@example.org")
    submit_at(dbs, ada, DUE - 3 * HOUR, 4.0)
    best = submit_at(dbs, ada, DUE - 2 * HOUR, 9.0)
    last = submit_at(dbs, ada, DUE - HOUR, 6.0)
    submit_at(dbs, ada, DUE, 10.0, status="queued")          # not graded yet: does not count
    assert book(dbs).rows[0].cells[EXERCISE].submission_id == best
    dbs.scalar(select(Course)).policy = "last"
    dbs.commit()
    c = book(dbs).rows[0].cells[EXERCISE]
    assert (c.submission_id, c.score) == (last, 6.0)


@pytest.mark.both_databases
def test_best_compares_scores_after_the_penalty(dbs, backend):
    set_schedule(dbs, penalty=0.5)
    ada = gen_user(dbs, "ada@example.org")
    on_time = submit_at(dbs, ada, DUE, 6.0)
    submit_at(dbs, ada, DUE + HOUR, 10.0)                    # late: counts 5
    c = book(dbs).rows[0].cells[EXERCISE]
    assert (c.submission_id, c.score, c.late) == (on_time, 6.0, False)


def test_gradebook_page_has_totals_late_marks_and_links(app, dbs):
    set_schedule(dbs)
    ada, bob = gen_user(dbs, "ada@example.org"), gen_user(dbs, "bob@example.org")
    gen_user(dbs, "prof@example.org", role="instructor")
    sid = submit_at(dbs, ada, DUE + HOUR, 10.0)
    submit_at(dbs, bob, DUE, 7.5)
    client = app.test_client()
    login(client, "prof@example.org")
    html = client.get(f"/teach/c/{COURSE}/gradebook").get_data(as_text=True)
    assert f'href="/s/{sid}"' in html and 'class="late"' in html and "raw score 10" in html
    assert 'data-v="8.0">8</td>' in html.replace('class="num total" ', "")   # ada's total
    assert 'data-email="prof@example.org"' not in html and 'data-email="bob@example.org"' in html
    assert 'id="gb-filter"' in html and "gradebook.js" in html and "aria-sort" not in html
    page = client.get(f"/teach/c/{COURSE}/students/{ada.id}").get_data(as_text=True)
    assert f"#{sid}" in page and "late" in page and "<b>8</b>" in page


def test_csv_cells_never_start_a_formula():
    for bad in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert escape_cell(bad).startswith("'")
    assert escape_cell("ada@example.org") == "ada@example.org"
    assert escape_cell(7.5) == "7.5" and escape_cell(None) == ""


def test_wide_and_long_csv(app, dbs):
    set_schedule(dbs)
    ada = gen_user(dbs, "=cmd|'/c calc'!A0@example.org")
    gen_user(dbs, "bob@example.org")
    prof = gen_user(dbs, "prof@example.org", role="instructor")
    sid = submit_at(dbs, ada, DUE + HOUR, 10.0)
    api = api_client(app, dbs, prof)
    r = api("GET", f"/api/v1/courses/{COURSE}/grades?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["email", EXERCISE, "total"]
    assert rows[1] == ["'=cmd|'/c calc'!A0@example.org", "8", "8"]       # sorted: "=" < "b"
    assert rows[2] == ["bob@example.org", "", "0"]
    r = api("GET", f"/api/v1/courses/{COURSE}/grades?format=long")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["submission"] == str(sid)
    assert (rows[0]["late"], rows[0]["raw_score"], rows[0]["score"], rows[0]["penalty"]) == ("true", "10", "8", "0.2")
    assert api("GET", f"/api/v1/courses/{COURSE}/grades?format=xls").status_code == 400


@pytest.mark.both_databases
def test_grades_json_through_the_api(app, dbs, backend):
    set_schedule(dbs)
    ada = gen_user(dbs, "ada@example.org")
    prof = gen_user(dbs, "prof@example.org", role="instructor")
    sid = submit_at(dbs, ada, DUE + HOUR, 10.0)
    r = api_client(app, dbs, prof)("GET", f"/api/v1/courses/{COURSE}/grades")
    assert r.status_code == 200
    assert r.json["students"] == [{"email": "ada@example.org", "total": 8.0, "exercises": {
        EXERCISE: {"score": 8.0, "max_score": 10.0, "raw_score": 10.0, "late": True, "submission": sid}}}]


def test_grades_export_cli(dbs, instance):
    ada = gen_user(dbs, "ada@example.org")
    submit_at(dbs, ada, DUE, 7.5)
    _load_plugins()
    runner = CliRunner()
    out = runner.invoke(cli, ["grades", "export", COURSE, "--instance", str(instance)])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [f"email,{EXERCISE},total", "ada@example.org,7.5,7.5"]
    out = runner.invoke(cli, ["grades", "export", COURSE, "--format", "json", "--instance", str(instance)])
    assert json.loads(out.output)["students"][0]["total"] == 7.5
    out = runner.invoke(cli, ["grades", "export", "nope", "--instance", str(instance)])
    assert out.exit_code == 1 and "no course 'nope'" in out.output


def test_gradebook_download_from_the_page(app, dbs):
    ada = gen_user(dbs, "ada@example.org")
    gen_user(dbs, "prof@example.org", role="instructor")
    submit_at(dbs, ada, DUE, 7.5)
    client = app.test_client()
    login(client, "prof@example.org")
    r = client.get(f"/teach/c/{COURSE}/grades.csv")
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.get_data(as_text=True).splitlines()[1] == "ada@example.org,7.5,7.5"


def test_instructor_of_course_a_gets_404_on_course_b(app, dbs, instance, tmp_path):
    sync_course(dbs, write_course(tmp_path / "b", slug="other"), instance)
    dbs.commit()
    prof = gen_user(dbs, "prof@example.org", role="instructor")           # teaches backprop
    gen_user(dbs, "stu@example.org", role="student", course="other")
    student = gen_user(dbs, "ada@example.org")                              # student of backprop
    api = api_client(app, dbs, prof)
    for method, path, body in [("GET", "/api/v1/courses/other/grades", None),
                               ("GET", f"/api/v1/courses/other/exercises/{EXERCISE}/stats", None),
                               ("POST", "/api/v1/courses/other/regrade", {"exercise": EXERCISE}),
                               ("POST", "/api/v1/courses/other/extensions",
                                {"email": "stu@example.org", "exercise": EXERCISE, "due": "2026-12-12T00:00Z"})]:
        r = api(method, path, json=body)
        assert r.status_code == 404, path
    as_student = api_client(app, dbs, student)
    assert as_student("GET", f"/api/v1/courses/{COURSE}/grades").status_code == 404
    assert as_student("POST", f"/api/v1/courses/{COURSE}/regrade", json={"exercise": EXERCISE}).status_code == 404
    client = app.test_client()
    login(client, "prof@example.org")
    for page in ("gradebook", "grades.csv", "analytics", f"analytics/{EXERCISE}", "regrade", "extensions",
                 "roster"):
        assert client.get(f"/teach/c/other/{page}").status_code == 404, page
    assert client.post("/teach/c/other/join-code", data={"csrf_token": csrf(client)}).status_code == 404
