"""exercise.toml validation: a bad file gets an error naming the file, the key and the fix."""
from __future__ import annotations

import shutil

import pytest

from graders import Exercise, ExerciseError
from graders.format.course import Course
from tests.conftest import EXERCISES

GOOD = """slug = "demo"
title = "Demo"
points = 4
submission = "answer.py"

[seeds]
public = [1]
hidden = [2, 3]
"""


def write(tmp_path, text, name="demo"):
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    (d / "exercise.toml").write_text(text, encoding="utf-8")
    return d


def test_valid_file_loads_with_defaults(tmp_path):
    ex = Exercise.load(write(tmp_path, GOOD))
    assert (ex.slug, ex.points, ex.submission) == ("demo", 4.0, "answer.py")
    assert ex.public_seeds == (1,) and ex.hidden_seeds == (2, 3)
    assert ex.limits.memory_mb == 1024


def test_limit_override_is_applied(tmp_path):
    ex = Exercise.load(write(tmp_path, GOOD + "\n[limits]\nwall_seconds = 3\nmemory_mb = 512\n"))
    assert ex.limits.wall_seconds == 3.0 and ex.limits.memory_mb == 512
    assert "512 MB" in ex.limits.message("memory_mb")


@pytest.mark.parametrize("text, key, words", [
    (GOOD.replace('title = "Demo"\n', ""), "title", "is missing"),
    (GOOD.replace("points = 4", 'points = "four"'), "points", "wrong type"),
    (GOOD.replace("points = 4", "points = -1"), "points", "positive"),
    ('colour = "red"\n' + GOOD, "colour", "unknown key"),
    (GOOD.replace('slug = "demo"', 'slug = "Demo Exercise"'), "slug", "not a valid slug"),
    (GOOD.replace('"answer.py"', '"../x.sh"'), "submission", "Python file name"),
    (GOOD.replace("public = [1]", "public = []"), "seeds.public", "non-empty list"),
    (GOOD.replace("hidden = [2, 3]", "hidden = [1, 3]"), "seeds", "both public and hidden"),
    (GOOD + "\n[limits]\nmemory_gb = 2\n", "limits.memory_gb", "unknown limit"),
    (GOOD + "\n[tolerance]\nrtol = -1\n", "tolerance.rtol", "non-negative"),
])
def test_invalid_file_names_file_and_key(tmp_path, text, key, words):
    with pytest.raises(ExerciseError) as e:
        Exercise.load(write(tmp_path, text))
    msg = str(e.value)
    assert "exercise.toml" in msg and f"key '{key}'" in msg and words in msg


def test_broken_toml_and_non_utf8_are_reported_not_raised(tmp_path):
    with pytest.raises(ExerciseError, match="not valid TOML"):
        Exercise.load(write(tmp_path, "slug = \n"))
    d = write(tmp_path, GOOD, "latin")
    (d / "exercise.toml").write_bytes("title = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(ExerciseError, match="not UTF-8"):
        Exercise.load(d)


def test_missing_folder_and_missing_toml(tmp_path):
    with pytest.raises(ExerciseError, match="no such directory"):
        Exercise.load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExerciseError, match="no exercise.toml"):
        Exercise.load(tmp_path / "empty")


def test_student_bundle_never_holds_solution_hidden_graders_or_hidden_traces(tmp_path):
    ex = Exercise.load(EXERCISES / "one-training-step")
    names = {str(p.relative_to(ex.path)) for p in ex.public_files()}
    assert "README.md" in names and "starter.py" in names and "scenario.py" in names
    assert "solution.py" not in names
    assert not any(n.startswith("graders/hidden") for n in names)
    hidden = {f"traces/seed-{s}" for s in ex.hidden_seeds}
    assert not any(n.rsplit("/", 1)[0] in hidden for n in names)
    assert any(n.startswith(f"traces/seed-{ex.public_seeds[0]}/") for n in names)


def test_content_hash_changes_with_content(tmp_path):
    src = EXERCISES / "one-training-step"
    copy = tmp_path / "one-training-step"
    shutil.copytree(src, copy)
    before = Exercise.load(copy).content_hash()
    assert before == Exercise.load(src).content_hash()
    (copy / "README.md").write_text("changed", encoding="utf-8")
    assert Exercise.load(copy).content_hash() != before


def test_bundled_course_loads_in_order():
    course = Course.load(EXERCISES)
    assert course.slug == "backprop"
    slugs = [e.slug for e in course.exercises]
    assert slugs[:2] == ["forward-pass", "one-training-step"]
    assert len(set(slugs)) == len(slugs) == 10
