"""Phase 2 alongside phase 1: each seed's trace is graded as soon as it is out of the sandbox,
while the student's code runs the next seed. The grading process ends the stream with a marker
file: phase 1 succeeded ("ok": grade what is there) or it did not ("abort": grade nothing).

Seed folders appear whole: the writer fills `.seed-N.part` and renames it to `seed-N`.
"""
from __future__ import annotations

import os
import select
import time
from pathlib import Path

from graders.sandbox.copyout import part_folder, seed_folder
from graders.sandbox.inotify import ClosedAfterWriting

END_FILE = "phase1.end"
OK, ABORT = "ok", "abort"
__all__ = ["ABORT", "END_FILE", "OK", "Feed", "end", "part_folder", "seed_folder"]


def end(folder: Path, outcome: str) -> None:
    """Mark the stream in folder as ended with outcome (OK or ABORT); renamed into place."""
    tmp = Path(folder) / f".{END_FILE}.{os.getpid()}"
    tmp.write_text(outcome, encoding="utf-8")
    os.rename(tmp, Path(folder) / END_FILE)


class Feed:
    """The seeds' traces in a folder, waited for as they arrive (inotify; a short poll where
    inotify is unavailable)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        try:
            self._watch = ClosedAfterWriting(self.folder)
        except (OSError, AttributeError):
            self._watch = None
        # (never closed by hand: closing an inotify instance waits for an RCU grace period;
        # the process's exit closes it)

    def outcome(self) -> str | None:
        """How phase 1 ended (OK or ABORT), or None while it runs."""
        try:
            text = (self.folder / END_FILE).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if text in (OK, ABORT) else ABORT

    def wait(self, seed: int | None = None, timeout: float | None = None) -> bool:
        """Block until seed's trace is here (True) or phase 1 ended: True when it succeeded
        (grade what is there), False when it did not or timeout seconds passed. seed None:
        wait for the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            ended = self.outcome()
            if ended == ABORT:
                return False
            if ended == OK or (seed is not None and (self.folder / seed_folder(seed)).is_dir()):
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._sleep(1.0 if left is None else min(1.0, left))

    def _sleep(self, most: float) -> None:
        if self._watch is None:
            time.sleep(min(most, 0.002))
            return
        if select.select([self._watch], [], [], most)[0]:
            self._watch.names()
