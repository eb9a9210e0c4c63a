"""The grading slots of an embedded worker: the claims in flight, whether one more may be claimed
(and whether only a live one), and a pipe that wakes the claiming loop when a grading ends.

A worker has `size` slots (one per core). Claims follow the queue's order (live first, then
regrades, oldest first) at each free slot. One slot more is open to a live submission while a
regrade holds a slot, so a live submission never waits behind a regrade batch.
"""
from __future__ import annotations

import os
import threading

from server.grading.queue import Claim
from server.models import LIVE

ANY, LIVE_ONLY = "any", "live only"


class Slots:
    def __init__(self, size: int):
        self.size = max(1, size)
        self._lock = threading.Lock()
        self._flight: dict[int, Claim] = {}
        self.finished = 0               # gradings that ended (stored, failed or given up)
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)

    def admits(self) -> str | None:
        """ANY when a slot is free, LIVE_ONLY when only the live overflow slot is, else None."""
        with self._lock:
            n = len(self._flight)
            if n < self.size:
                return ANY
            regrades = sum(1 for c in self._flight.values() if c.priority != LIVE)
            return LIVE_ONLY if regrades and n < self.size + 1 else None

    def take(self, c: Claim) -> None:
        with self._lock:
            self._flight[c.submission_id] = c

    def done(self, c: Claim, counted: bool = True) -> None:
        """A grading ended (from its thread): free its slot and wake the claiming loop."""
        with self._lock:
            self._flight.pop(c.submission_id, None)
            self.finished += counted
        try:
            os.write(self._w, b".")
        except BlockingIOError:         # the loop has plenty of wake-ups already
            pass

    def claims(self) -> list[Claim]:
        with self._lock:
            return list(self._flight.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._flight)

    def fileno(self) -> int:
        """Readable when a grading has ended since the last drain()."""
        return self._r

    def drain(self) -> None:
        try:
            while os.read(self._r, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        os.close(self._r)
        os.close(self._w)
