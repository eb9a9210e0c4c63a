"""The reference traces the server grades against, recorded on the machine that grades: when a
new exercise version is created, its solution runs in the sandbox (the engine path of
`tracegrade trace`) and those traces replace the committed ones in the version's snapshot.

The committed traces (what local grading and `tracegrade check` use) stay beside them, in
`traces.committed/`. Float results differ between CPUs in the last bits (docs/authoring.md).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from graders import Exercise, Grader
from graders.errors import ExerciseError, GradingError
from graders.pool import PoolError, require_sandbox

COMMITTED = "traces.committed"


class ReferenceRecorder:
    """Records the references of new versions with one Grader, started on first need (close()
    it, or use it as a context manager)."""

    def __init__(self) -> None:
        self._grader: Grader | None = None

    def __enter__(self) -> "ReferenceRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._grader is not None:
            self._grader.close()
            self._grader = None

    def record(self, folder: Path, source: Path) -> list[int]:
        """Record every seed's reference trace from the solution in folder (a snapshot being
        made of the exercise at source); the committed traces move to traces.committed/.
        Raises ExerciseError naming source when the solution cannot be recorded here."""
        folder = Path(folder)
        exercise = Exercise.load(folder)
        if exercise.traces_dir.is_dir():
            shutil.rmtree(folder / COMMITTED, ignore_errors=True)
            exercise.traces_dir.rename(folder / COMMITTED)
        try:
            return self._grader_here().record_reference(exercise)
        except (GradingError, PoolError) as e:
            raise ExerciseError(source, f"the solution could not be recorded on this server: {e}") from None

    def _grader_here(self) -> Grader:
        if self._grader is None:
            require_sandbox()           # the server never runs a solution unconfined
            self._grader = Grader(one_shot=True)
        return self._grader
