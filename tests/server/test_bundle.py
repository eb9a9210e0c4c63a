"""The student bundle (download button and API) holds only what a student may see: no solution,
no hidden graders or traces, and an exercise.toml without the hidden seeds; it still loads for
local grading on the public seeds."""
from __future__ import annotations

import io
import tomllib
import zipfile

from graders import Exercise
from graders.grading.grader import Grader
from tests.conftest import EXERCISES
from tests.server.conftest import COURSE, EXERCISE, gen_token, gen_user, login

HIDDEN = Exercise.load(EXERCISES / EXERCISE).hidden_seeds


def check_bundle(data: bytes, tmp_path) -> None:
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert f"{EXERCISE}/README.md" in names and f"{EXERCISE}/starter.py" in names
    assert not any(n.endswith("solution.py") or "/graders/hidden" in n for n in names), names
    assert not any(f"/traces/seed-{s}/" in n for s in HIDDEN for n in names), names
    text = z.read(f"{EXERCISE}/exercise.toml").decode()
    seeds = tomllib.loads(text)["seeds"]
    assert seeds["hidden"] == [] and seeds["public"]
    assert not any(str(s) in text for s in HIDDEN), text
    z.extractall(tmp_path)
    local = Exercise.load(tmp_path / EXERCISE)
    assert local.hidden_seeds == () and local.public_seeds == tuple(seeds["public"])
    assert Grader._seeds(None, local, None) == list(local.public_seeds)


def test_the_page_bundle_has_no_hidden_data(app, dbs, tmp_path):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.get(f"/c/{COURSE}/{EXERCISE}/bundle.zip")
    assert r.status_code == 200
    check_bundle(r.data, tmp_path)


def test_the_api_bundle_has_no_hidden_data(app, dbs, tmp_path):
    token = gen_token(dbs, gen_user(dbs, "ada@example.org"))
    r = app.test_client().get(f"/api/v1/courses/{COURSE}/exercises/{EXERCISE}/bundle",
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    check_bundle(r.data, tmp_path)
