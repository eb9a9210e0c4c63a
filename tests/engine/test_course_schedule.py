"""course.toml's schedule, time zone and counting policy: valid tables load as UTC times, and
every mistake is an error naming the file, the key and the fix."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graders.format.course import Course
from graders.errors import ExerciseError
from tests.conftest import EXERCISES

HEAD = 'slug = "c"\ntitle = "C"\nexercises = ["zero-grad"]\n'


def course(tmp_path, extra: str) -> Course:
    (tmp_path / "zero-grad").symlink_to(EXERCISES / "zero-grad")
    (tmp_path / "course.toml").write_text(HEAD + extra, encoding="utf-8")
    return Course.load(tmp_path)


def test_schedule_loads_as_utc(tmp_path):
    c = course(tmp_path, 'timezone = "Europe/Paris"\npolicy = "last"\n[schedule.zero-grad]\n'
                         'due = "2026-12-08T23:59:00+01:00"\nlate_until = 2026-12-10T23:59:00+01:00\n'
                         'late_penalty = 0.2\n')
    s = c.schedule["zero-grad"]
    assert s.due == datetime(2026, 12, 8, 22, 59, tzinfo=UTC)
    assert s.late_until == datetime(2026, 12, 10, 22, 59, tzinfo=UTC)
    assert s.late_penalty == 0.2 and c.timezone == "Europe/Paris" and c.policy == "last"


def test_defaults_without_schedule(tmp_path):
    c = course(tmp_path, "")
    assert c.schedule == {} and c.timezone == "UTC" and c.policy == "best"


@pytest.mark.parametrize("extra, key, words", [
    ('timezone = "Mars/Olympus"\n', "timezone", "IANA"),
    ('policy = "mean"\n', "policy", '"best" or "last"'),
    ('[schedule.zero-grad]\ndue = "2026-12-08T23:59:00"\n', "schedule.zero-grad.due", "offset"),
    ('[schedule.zero-grad]\ndue = "next friday"\n', "schedule.zero-grad.due", "ISO 8601"),
    ('[schedule.zero-grad]\nlate_until = "2026-12-08T23:59:00Z"\n', "schedule.zero-grad.late_until", "add due"),
    ('[schedule.zero-grad]\ndue = "2026-12-08T23:59:00Z"\nlate_until = "2026-12-01T00:00:00Z"\n',
     "schedule.zero-grad.late_until", "after the due date"),
    ('[schedule.zero-grad]\nlate_penalty = 1.5\n', "schedule.zero-grad.late_penalty", "between 0 and 1"),
    ('[schedule.zero-grad]\ndeadline = "2026-12-08T23:59:00Z"\n', "schedule.zero-grad", "deadline"),
    ('[schedule.nope]\ndue = "2026-12-08T23:59:00Z"\n', "schedule.nope", "not in the exercises list"),
])
def test_bad_schedule_names_file_key_and_fix(tmp_path, extra, key, words):
    with pytest.raises(ExerciseError) as e:
        course(tmp_path, extra)
    assert e.value.key == key and "course.toml" in str(e.value) and words in str(e.value)


def test_bundled_course_loads():
    c = Course.load(EXERCISES)
    assert c.policy in ("best", "last")
