"""A course: `course.toml` naming its exercises in teaching order, each loaded as an Exercise.

Errors name the file and key, like exercise errors.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from graders.errors import ExerciseError
from graders.exercise import SLUG_RE, Exercise


@dataclass(frozen=True)
class Course:
    path: Path
    slug: str
    title: str
    description: str
    exercises: tuple[Exercise, ...]

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
        exercises = []
        for slug in order:
            ex = Exercise.load(folder / slug)
            if ex.slug != slug:
                raise ExerciseError(folder / slug / "exercise.toml", f"slug '{ex.slug}' differs from its folder name '{slug}'.", "slug")
            exercises.append(ex)
        return cls(folder, data["slug"], data["title"], data.get("description", ""), tuple(exercises))

    def exercise(self, slug: str) -> Exercise:
        for ex in self.exercises:
            if ex.slug == slug:
                return ex
        raise KeyError(slug)
