"""Exception classes of the engine.

Each message is written for the person who must act on it (an instructor for exercise errors).
"""


class TracegradeError(Exception):
    """Base class of every error the engine raises on purpose."""


class ExerciseError(TracegradeError):
    """An exercise folder or its exercise.toml is invalid; the message names file, key and fix."""

    def __init__(self, path, message: str, key: str | None = None):
        self.path = str(path)
        self.key = key
        where = f"{self.path}" + (f", key '{key}'" if key else "")
        super().__init__(f"{where}: {message}")


class GradingError(TracegradeError):
    """The engine itself failed (not the student's code): a bug or a broken installation."""
