"""JSON API v1: bearer tokens, submissions queued before the request returns, authorization on
every object, and bad input answered with a clear 4xx and nothing stored."""
from __future__ import annotations


import pytest

from server.models import Course, Submission
from tests.server.conftest import COURSE, EXERCISE, count_submissions, gen_token, gen_user, make_app

GOOD = "def train_step(model, x, y, loss_fn, optimizer):\n    return 0.0\n"


@pytest.fixture
def api(app, dbs):
    user = gen_user(dbs, "ada@example.org")
    token = gen_token(dbs, user)
    client = app.test_client()

    def call(method, path, token=token, **kw):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)
    return call


def submit(api, code=GOOD, **kw):
    return api("POST", "/submissions", json={"course": COURSE, "exercise": EXERCISE, "code": code}, **kw)


def test_tokens_are_required(api, dbs):
    for token in (None, "tg_not-a-token"):
        r = submit(api, token=token)
        assert r.status_code == 401 and "token" in r.json["error"]
    assert count_submissions(dbs) == 0


def test_submission_is_queued_then_readable(api, dbs):
    r = submit(api)
    assert r.status_code == 202
    body = r.json
    assert body["status"] == "queued" and body["url"].endswith(f"/api/v1/submissions/{body['id']}")
    row = dbs.get(Submission, body["id"])
    assert row.status == "queued" and row.code == GOOD and row.version_id is not None
    got = api("GET", f"/submissions/{body['id']}").json
    assert set(got) >= {"id", "status", "score", "max_score", "tests", "created_at", "graded_at"}
    assert got["status"] == "queued" and got["score"] is None and got["max_score"] == 10
    assert got["created_at"].endswith("Z") and got["graded_at"] is None


def test_exercise_list(api):
    r = api("GET", f"/courses/{COURSE}/exercises")
    assert r.status_code == 200
    [ex] = r.json["exercises"]
    assert ex["slug"] == EXERCISE and ex["points"] == 10 and ex["submission_file"] == "step.py"
    assert ex["attempts"] == 0 and ex["best_score"] is None


@pytest.mark.parametrize("payload, status, words", [
    ({"code": ""}, 400, "empty"),
    ({"code": "   \n"}, 400, "empty"),
    ({"code": "x = 1\n" * 50000}, 413, "limit"),   # 300 KB: over the 256 KB code limit
    ({"code": "x = '\udcff'\n"}, 400, "UTF-8"),
    ({"code": 42}, 400, "string"),
    ({"code": None}, 400, "No code"),
    ({"exercise": "no-such-exercise"}, 404, "no exercise"),
    ({"course": "other-course"}, 404, "no course"),
    ({"course": None}, 400, "course"),
])
def test_bad_submissions_are_refused_and_not_stored(api, dbs, payload, status, words):
    body = dict({"course": COURSE, "exercise": EXERCISE, "code": GOOD}, **payload)
    r = api("POST", "/submissions", json=body)
    assert r.status_code == status, r.json
    assert words.lower() in r.json["error"].lower()
    assert count_submissions(dbs) == 0


def test_a_megabyte_body_is_413(api, dbs):
    r = submit(api, code="x" * (1 << 20))
    assert r.status_code == 413 and r.json["error"]
    assert count_submissions(dbs) == 0


def test_non_utf8_and_non_json_bodies(api, dbs):
    raw = b'{"course": "backprop", "exercise": "one-training-step", "code": "x = \xff\xfe"}'
    for data in (raw, b"not json", b"[1, 2]"):
        r = api("POST", "/submissions", data=data, content_type="application/json")
        assert r.status_code == 400 and "JSON" in r.json["error"]
    assert count_submissions(dbs) == 0


def test_students_cannot_read_each_others_submissions(app, api, dbs):
    sid = submit(api).json["id"]
    other = gen_token(dbs, gen_user(dbs, "eve@example.org"))
    r = api("GET", f"/submissions/{sid}", token=other)
    assert r.status_code == 404 and "error" in r.json
    assert api("GET", "/submissions/999999").status_code == 404
    teacher = gen_token(dbs, gen_user(dbs, "prof@example.org", role="instructor"))
    assert api("GET", f"/submissions/{sid}", token=teacher).json["id"] == sid


def test_another_course_is_404(api, dbs):
    dbs.add(Course(slug="secret-course", title="Other", join_code="zzz"))
    dbs.commit()
    outsider = gen_token(dbs, gen_user(dbs, "out@example.org", role=None))
    assert api("GET", f"/courses/{COURSE}/exercises", token=outsider).status_code == 404
    assert api("GET", "/courses/secret-course/exercises").status_code == 404
    sid = submit(api).json["id"]
    assert api("GET", f"/submissions/{sid}", token=outsider).status_code == 404


def test_bundle_has_no_solution(api):
    import io
    import zipfile
    r = api("GET", f"/courses/{COURSE}/exercises/{EXERCISE}/bundle")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert f"{EXERCISE}/starter.py" in names and f"{EXERCISE}/README.md" in names
    assert not any("solution" in n or "hidden" in n or "seed-101" in n for n in names), names


def test_submissions_are_rate_limited(instance):
    app = make_app(instance, RATE_LIMIT_SUBMIT=(2, 300))
    with app.extensions["tracegrade.db"].sessions() as s:
        token = gen_token(s, gen_user(s, "ada@example.org"))
    client = app.test_client()
    codes = [client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                         json={"course": COURSE, "exercise": EXERCISE, "code": GOOD}).status_code
             for _ in range(3)]
    assert codes == [202, 202, 429]
    app.extensions["tracegrade.db"].dispose()
