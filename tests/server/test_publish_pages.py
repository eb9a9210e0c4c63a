"""The instructor's publishing pages: upload an archive and see the report and a preview of the
student page; the versions list with rollback and hide/unhide; the teaching order. Students and
instructors of other courses get 404."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from server.models import Exercise
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_user, login
from tests.server.test_publish_helpers import exercise_copy, zip_folder

pytestmark = pytest.mark.filterwarnings("ignore")
SLUG = "zero-grad-copy"


@pytest.fixture
def teacher(app, dbs):
    gen_user(dbs, "teacher@example.org", "instructor")
    client = app.test_client()
    login(client, "teacher@example.org")
    return client


def upload(client, data, **form):
    return client.post(f"/teach/c/{COURSE}/exercises", content_type="multipart/form-data",
                       data={"archive": (io.BytesIO(data), "ex.zip"), "csrf_token": csrf(client),
                             **form})


def test_upload_shows_the_report_and_a_preview_then_versions_hide_and_order(teacher, dbs, tmp_path):
    page = teacher.get(f"/teach/c/{COURSE}/exercises")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label>Archive <input type="file" name="archive"' in html
    assert 'role="region" aria-label="Exercises of the course"' in html
    gradebook = teacher.get(f"/teach/c/{COURSE}/gradebook").get_data(as_text=True)
    assert f'href="/teach/c/{COURSE}/exercises"' in gradebook

    folder = exercise_copy(tmp_path / "zg")
    toml = folder / "exercise.toml"
    good = toml.read_text()
    toml.write_text(good.replace("points = 10", "points = -3"))
    r = upload(teacher, zip_folder(folder))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "refused, nothing published" in html and "must be positive" in html

    toml.write_text(good)
    r = upload(teacher, zip_folder(folder))
    assert r.status_code == 201
    html = r.get_data(as_text=True)
    assert "published" in html and "Solution 10/10" in html
    assert 'aria-label="The solution\'s score per seed"' in html
    preview = html.split("Preview of the student page")[1]
    assert "We fit a line" in preview                                          # the prompt
    assert "def train(model, X, Y, loss_fn, optimizer, epochs, batch_size)" in html   # starter

    r = teacher.get(f"/teach/c/{COURSE}/exercises/{SLUG}/versions")
    assert r.status_code == 200 and "Hide zero-grad-copy" in r.get_data(as_text=True)
    r = teacher.post(f"/teach/c/{COURSE}/exercises/{SLUG}/versions",
                     data={"action": "hide", "csrf_token": csrf(teacher)}, follow_redirects=True)
    assert r.status_code == 200 and "Unhide zero-grad-copy" in r.get_data(as_text=True)
    dbs.expire_all()
    assert dbs.scalar(select(Exercise).where(Exercise.slug == SLUG)).position is None
    teacher.post(f"/teach/c/{COURSE}/exercises/{SLUG}/versions",
                 data={"action": "unhide", "csrf_token": csrf(teacher)})
    r = teacher.post(f"/teach/c/{COURSE}/exercises/order", follow_redirects=True,
                     data={f"position-{SLUG}": "1", f"position-{EXERCISE}": "2",
                           "csrf_token": csrf(teacher)})
    assert "The teaching order is saved." in r.get_data(as_text=True)
    dbs.expire_all()
    order = dbs.scalars(select(Exercise.slug).where(Exercise.position.is_not(None))
                        .order_by(Exercise.position)).all()
    assert order == [SLUG, EXERCISE]


def test_students_and_other_instructors_get_404(app, dbs, tmp_path):
    gen_user(dbs, "student@example.org")
    client = app.test_client()
    login(client, "student@example.org")
    assert client.get(f"/teach/c/{COURSE}/exercises").status_code == 404
    assert client.get(f"/teach/c/{COURSE}/exercises/{EXERCISE}/versions").status_code == 404
    r = upload(client, zip_folder(exercise_copy(tmp_path / "zg")))
    assert r.status_code == 404
    r = client.post(f"/teach/c/{COURSE}/exercises/{EXERCISE}/versions",
                    data={"action": "hide", "csrf_token": csrf(client)})
    assert r.status_code == 404
