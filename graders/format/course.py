"""A course: `course.toml` naming its exercises in teaching order, each loaded as an Exercise,
plus its display time zone, counting policy and per-exercise schedule (`[schedule.<slug>]`).

Errors name the file and key, like exercise errors.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graders.errors import ExerciseError
from graders.format.exercise import SLUG_RE, Exercise

POLICIES = ("best", "last")
SCHEDULE_KEYS = ("due", "late_until", "late_penalty")


@dataclass(frozen=True)
class Schedule:
    """When an exercise is due (aware datetimes, UTC), until when late work is taken, and the
    fraction of the score a late submission loses. Every field is optional."""
    due: datetime | None = None
    late_until: datetime | None = None
    late_penalty: float = 0.0


@dataclass(frozen=True)
class Course:
    path: Path
    slug: str
    title: str
    description: str
    exercises: tuple[Exercise, ...]
    timezone: str = "UTC"
    policy: str = "best"
    schedule: dict[str, Schedule] = field(default_factory=dict)

    @classmethod
    def load(cls, folder) -> "Course":
        folder = Path(folder).resolve()
        toml_path = folder / "course.toml"
        if not toml_path.is_file():
            raise ExerciseError(folder, "has no course.toml.")
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ExerciseError(toml_path, f"is not valid UTF-8 TOML ({e}).") from None
        for key in ("slug", "title"):
            if not isinstance(data.get(key), str):
                raise ExerciseError(toml_path, "is missing; expected a string.", key)
        if not SLUG_RE.match(data["slug"]):
            raise ExerciseError(toml_path, "is not a valid slug.", "slug")
        order = data.get("exercises")
        if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
            raise ExerciseError(toml_path, "expected a list of exercise folder names in teaching order.", "exercises")
        timezone = _timezone(toml_path, data.get("timezone", "UTC"))
        policy = data.get("policy", "best")
        if policy not in POLICIES:
            raise ExerciseError(toml_path, f"expected \"best\" or \"last\" (which submission counts), "
                                           f"got {policy!r}.", "policy")
        schedule = parse_schedule(toml_path, data.get("schedule", {}), order)
        exercises = []
        for slug in order:
            ex = Exercise.load(folder / slug)
            if ex.slug != slug:
                raise ExerciseError(folder / slug / "exercise.toml", f"slug '{ex.slug}' differs from its folder name '{slug}'.", "slug")
            exercises.append(ex)
        return cls(folder, data["slug"], data["title"], data.get("description", ""), tuple(exercises),
                   timezone, policy, schedule)

    def exercise(self, slug: str) -> Exercise:
        for ex in self.exercises:
            if ex.slug == slug:
                return ex
        raise KeyError(slug)


def _timezone(path: Path, value) -> str:
    if not isinstance(value, str):
        raise ExerciseError(path, "expected an IANA time zone name such as \"Europe/Paris\".", "timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExerciseError(path, f"unknown time zone {value!r}; use an IANA name such as "
                                  f"\"Europe/Paris\" or \"UTC\".", "timezone") from None
    return value


def parse_schedule(path: Path, table, order: list[str]) -> dict[str, Schedule]:
    """The `[schedule.<slug>]` tables, validated: known slugs and keys, times with an offset,
    late_until after due, a penalty between 0 and 1."""
    if not isinstance(table, dict):
        raise ExerciseError(path, "expected tables such as [schedule.zero-grad].", "schedule")
    out = {}
    for slug, entry in table.items():
        where = f"schedule.{slug}"
        if slug not in order:
            raise ExerciseError(path, f"'{slug}' is not in the exercises list; schedule only listed "
                                      f"exercises.", where)
        if not isinstance(entry, dict):
            raise ExerciseError(path, "expected a table with due, late_until and late_penalty.", where)
        unknown = sorted(set(entry) - set(SCHEDULE_KEYS))
        if unknown:
            raise ExerciseError(path, f"unknown key(s) {', '.join(unknown)}; expected "
                                      f"{', '.join(SCHEDULE_KEYS)}.", where)
        due = parse_time(path, entry.get("due"), f"{where}.due")
        late_until = parse_time(path, entry.get("late_until"), f"{where}.late_until")
        if late_until is not None and due is None:
            raise ExerciseError(path, "late_until needs a due date; add due.", f"{where}.late_until")
        if late_until is not None and late_until < due:
            raise ExerciseError(path, "is before due; late work must end after the due date.",
                                f"{where}.late_until")
        penalty = entry.get("late_penalty", 0.0)
        if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0 <= penalty <= 1:
            raise ExerciseError(path, "expected a fraction of the score between 0 and 1, such as 0.2.",
                                f"{where}.late_penalty")
        out[slug] = Schedule(due, late_until, float(penalty))
    return out


def parse_time(path: Path, value, key: str) -> datetime | None:
    """An ISO 8601 time with its offset (a TOML datetime or a string), as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ExerciseError(path, "expected an ISO 8601 time with its offset, such as "
                                  "\"2026-12-08T23:59:00+01:00\".", key)
    return value.astimezone(UTC)
