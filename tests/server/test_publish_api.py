"""Instructors publish exercises through the API: a new exercise joins the end of the course, a
fixed version becomes current while submissions keep theirs, a broken one (the solution fails
its own check) is refused with nothing published, the same content twice makes no version, and
they roll back, hide, unhide, reorder and pull. Anyone who does not teach the course gets 404.
The check runs for real: references recorded in the sandbox, solution and starter graded."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from server.models import Course, Exercise, ExerciseVersion, Submission
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_token, gen_user, login
from tests.server.test_publish_helpers import exercise_copy, tar_folder, zip_folder

pytestmark = pytest.mark.filterwarnings("ignore")
SLUG = "zero-grad-copy"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def push(client, token, data, name="ex.zip", course=COURSE, **form):
    return client.post(f"/api/v1/courses/{course}/exercises", headers=auth(token),
                       data={"archive": (io.BytesIO(data), name), **form})


def version_count(dbs) -> int:
    dbs.expire_all()
    return dbs.scalar(select(func.count()).select_from(ExerciseVersion))


def listed(dbs) -> list[str]:
    dbs.expire_all()
    return [e.slug for e in dbs.scalars(select(Exercise).where(Exercise.position.is_not(None))
                                        .order_by(Exercise.position))]


@pytest.fixture
def teacher(dbs):
    return gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))


def test_publish_fix_refuse_roll_back_hide_reorder_pull(app, dbs, teacher, tmp_path):
    client = app.test_client()
    folder = exercise_copy(tmp_path / "zg")

    # a dry run checks and publishes nothing
    before = version_count(dbs)
    r = push(client, teacher, zip_folder(folder), dry_run="true")
    assert r.status_code == 200, r.json
    assert r.json["report"]["status"] == "checked" and version_count(dbs) == before

    # a new exercise: published, at the end of the teaching order, report with its figures
    r = push(client, teacher, zip_folder(folder))
    assert r.status_code == 201, r.json
    rep = r.json["report"]
    assert r.json["slug"] == SLUG and rep["ok"] and rep["status"] == "published"
    assert rep["solution_score"] == rep["max_score"] == 10 and rep["starter_score"] < 10
    assert rep["seed_scores"] == {"1": 10.0, "101": 10.0}
    assert "drift" in rep["drift"]
    first = r.json["version"]
    assert listed(dbs) == [EXERCISE, SLUG]

    # a student submits to the first version
    ex = dbs.scalar(select(Exercise).where(Exercise.slug == SLUG))
    student = gen_user(dbs, "student@example.org")
    dbs.add(Submission(user_id=student.id, exercise_id=ex.id, version_id=ex.current_version_id,
                       code="x", status="graded"))
    dbs.commit()

    # the same content again (as .tar.gz this time): no new version
    n = version_count(dbs)
    r = push(client, teacher, tar_folder(folder), name="ex.tar.gz")
    assert r.status_code == 200 and r.json["report"]["status"] == "unchanged"
    assert r.json["version"] == first and version_count(dbs) == n

    # a fixed version: a new version, current; the submission keeps its version
    readme = folder / "README.md"
    readme.write_text(readme.read_text() + "\nA typo fixed.\n")
    r = push(client, teacher, zip_folder(folder))
    assert r.status_code == 201, r.json
    second = r.json["version"]
    assert second != first and version_count(dbs) == n + 1
    sub = dbs.scalars(select(Submission).where(Submission.user_id == student.id)).one()
    assert sub.version.content_hash.startswith(first)

    # the versions list: created, hash, files changed, the check's figures
    r = client.get(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/versions", headers=auth(teacher))
    assert r.status_code == 200
    vs = r.json["versions"]
    assert [v["version"] for v in vs] == [first, second] and vs[1]["current"]
    assert vs[1]["files"] == {"added": [], "removed": [], "changed": ["README.md"]}
    assert vs[0]["submissions"] == 1 and vs[1]["check"]["solution_score"] == 10
    assert vs[0]["created_at"].endswith("Z")

    # a broken one: the solution fails its own check; refused, nothing published, says why
    (folder / "solution.py").write_text((folder / "starter.py").read_text())
    r = push(client, teacher, zip_folder(folder))
    assert r.status_code == 422, r.json
    assert "solution does not get full marks" in r.json["error"]
    assert r.json["report"]["status"] == "refused" and version_count(dbs) == n + 1
    dbs.expire_all()
    assert dbs.get(Exercise, ex.id).current_version.content_hash.startswith(second)

    # roll back to the first version
    r = client.post(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/rollback", headers=auth(teacher),
                    json={"version": first})
    assert r.status_code == 200 and r.json["version"] == first
    dbs.expire_all()
    assert dbs.get(Exercise, ex.id).current_version.content_hash.startswith(first)
    r = client.post(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/rollback", headers=auth(teacher),
                    json={"version": "0" * 16})
    assert r.status_code == 404 and "no version" in r.json["error"]

    # the same from the versions page: roll forward to the second version
    web = app.test_client()
    login(web, "teacher@example.org")
    page = web.get(f"/teach/c/{COURSE}/exercises/{SLUG}/versions").get_data(as_text=True)
    assert f'aria-label="Roll back to version {second}"' in page and "~README.md" in page
    assert 'role="region" aria-label="Versions of zero-grad-copy"' in page
    r = web.post(f"/teach/c/{COURSE}/exercises/{SLUG}/versions", follow_redirects=True,
                 data={"action": "rollback", "version": second, "csrf_token": csrf(web)})
    assert f"back to version {second}" in r.get_data(as_text=True)
    dbs.expire_all()
    assert dbs.get(Exercise, ex.id).current_version.content_hash.startswith(second)

    # reorder, hide, unhide (it comes back at the end)
    r = client.post(f"/api/v1/courses/{COURSE}/order", headers=auth(teacher),
                    json={"exercises": [SLUG, EXERCISE]})
    assert r.status_code == 200 and listed(dbs) == [SLUG, EXERCISE]
    r = client.post(f"/api/v1/courses/{COURSE}/order", headers=auth(teacher),
                    json={"exercises": [SLUG]})
    assert r.status_code == 400 and f"missing: {EXERCISE}" in r.json["error"]
    assert client.post(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/hide",
                       headers=auth(teacher)).status_code == 200
    assert listed(dbs) == [EXERCISE]
    assert SLUG not in [e["slug"] for e in client.get(
        f"/api/v1/courses/{COURSE}/exercises", headers=auth(teacher)).json["exercises"]]
    assert client.post(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/unhide",
                       headers=auth(teacher)).status_code == 200
    assert listed(dbs) == [EXERCISE, SLUG]

    # pull: the instructor's full folder (solution, hidden seeds' traces none: none uploaded)
    r = client.get(f"/api/v1/courses/{COURSE}/exercises/{SLUG}/source", headers=auth(teacher))
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert f"{SLUG}/solution.py" in names and f"{SLUG}/graders/test_zero_grad.py" in names
    assert not any("/traces/" in n for n in names)


def test_anyone_who_does_not_teach_the_course_gets_404(app, dbs, tmp_path):
    other = Course(slug="other", title="Other", join_code="other-code")
    dbs.add(other)
    dbs.commit()
    outsider = gen_token(dbs, gen_user(dbs, "other@example.org", "instructor", course="other"))
    student = gen_token(dbs, gen_user(dbs, "student@example.org"))
    client = app.test_client()
    data = zip_folder(exercise_copy(tmp_path / "zg"))
    n = version_count(dbs)
    for token in (outsider, student):
        assert push(client, token, data).status_code == 404
        for path in (f"exercises/{EXERCISE}/versions", f"exercises/{EXERCISE}/source"):
            assert client.get(f"/api/v1/courses/{COURSE}/{path}", headers=auth(token)).status_code == 404
        for path in (f"exercises/{EXERCISE}/hide", f"exercises/{EXERCISE}/rollback", "order"):
            assert client.post(f"/api/v1/courses/{COURSE}/{path}", headers=auth(token),
                               json={}).status_code == 404
    assert client.post(f"/api/v1/courses/{COURSE}/exercises", data={}).status_code == 401
    assert version_count(dbs) == n and listed(dbs) == [EXERCISE]


def test_a_corpus_that_fails_its_own_expectations_is_refused(app, dbs, teacher, tmp_path):
    """The upload's corpus is judged by the engine's rules (as `tracegrade corpus` does)."""
    from tests.server.test_publish_cli import CORPUS
    folder = exercise_copy(tmp_path / "zg")
    (folder / "corpus").mkdir()
    lines = (CORPUS / "bad_no_zero_grad.py").read_text().splitlines()
    (folder / "corpus" / "wrong_code.py").write_text(
        "\n".join(["# expect: mistake no_such_diagnosis", *lines[1:]]) + "\n")
    (folder / "corpus" / "unsaid.py").write_text("x = 1\n")
    before = version_count(dbs)
    r = push(app.test_client(), teacher, zip_folder(folder), dry_run="true")
    assert r.status_code == 422, r.json
    problems = "\n".join(r.json["report"]["problems"])
    assert "corpus/wrong_code.py: expected the diagnosis no_such_diagnosis" in problems
    assert "corpus/unsaid.py: the first line must be '# expect: full'" in problems
    assert version_count(dbs) == before
