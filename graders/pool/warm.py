"""The warm pool: a `Backend` that forks each job from a process that has already imported and
warmed up torch and pytest, so a grading takes a fraction of a second instead of seconds.

Phase-1 jobs go to "untrusted" zygotes (their children build the sandbox); phase-2 jobs to a
collected grader session of their exercise (forked by a separate "trusted" zygote), or to the
trusted zygote itself when no session fits. Both phases are sandboxed when the machine allows
it: phase 2 runs graders an instructor wrote (graders.sandbox.grader_view). At most one zygote
of each kind per core. A worker that dies is replaced and its job run once more, then failed
with a PoolError.
"""
from __future__ import annotations

import os
import shutil
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

from graders.errors import GradingError
from graders.pool import sessions
from graders.pool.backends import Backend, ChildRun
from graders.pool.handles import SessionProcess, WarmProcess, WarmProcessDied, ZygoteProcess
from graders.sandbox import availability
from graders.sandbox import scratch

SETUP_FAILED = {70, 71, 72}  # exit codes of graders.pool.jobs when the sandbox could not be set up
ALLOW_ENV = "TRACEGRADE_ALLOW_UNSANDBOXED"
MAX_SESSIONS = 32            # collected sessions kept (least recently used ones are closed)


class PoolError(GradingError):
    """The pool could not run a job (not the student's fault)."""


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class WarmPool(Backend):
    """Warm zygotes for both phases; phase 1 sandboxed when the machine allows it."""

    def __init__(self, size: int | None = None, sandbox_mode: str = "auto", start: int = 1,
                 use_sessions: bool = True, warm: bool = True):
        """size: zygotes of each kind at most (default: one per core). sandbox_mode: "auto"
        (sandbox when available), "require" (PoolError when not), "userns" (a user namespace
        even as root), or "off" (rlimits, seccomp and timeouts only). start: zygotes of each
        kind started now (the rest on demand). use_sessions: collected phase-2 sessions.
        warm=False: zygotes skip their warm-up (for one grading, as the command line does)."""
        avail = availability.probe() if sandbox_mode != "off" else None
        if sandbox_mode in ("require", "userns") and not avail.available:
            raise PoolError(f"the sandbox is not available here: {avail.reason}")
        if avail is not None and avail.available:
            self.mode = "userns" if avail.userns or sandbox_mode == "userns" else "sandbox"
        else:
            self.mode = "plain"
        self.sandboxed = self.mode != "plain"
        self.availability = avail
        why = f" ({avail.reason})" if avail is not None and not avail.available else ""
        filt = "with seccomp" if avail is not None and avail.seccomp else "without seccomp (not x86_64)"
        self.description = (f"warm pool, both phases in namespace sandboxes {filt}" if self.sandboxed
                            else f"warm pool, rlimits and timeouts only (not isolated){why}")
        self.size = size or cores()
        self.use_sessions = use_sessions
        self.stream_when_idle = use_sessions    # see streams
        self.warm = warm
        self._cond = threading.Condition()
        self._idle: dict[str, list[WarmProcess]] = {}
        self._count: dict[str, int] = {}
        self._all: dict[WarmProcess, str] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()   # session keys, least recent first
        self._unusable: set[str] = set()                     # session keys that did not collect
        scratch.sweep()                         # what killed pools and gradings left
        self._scratch = Path(scratch.make("tracegrade-pool-"))
        weakref.finalize(self, shutil.rmtree, self._scratch, True)     # also if close() is never called
        self._serial = 0
        self._closed = False
        for _ in range(min(start, self.size)):
            for kind in ("untrusted", "trusted"):
                self._release(self._start(kind, lambda k=kind: self._new_zygote(k)))

    @property
    def streams(self) -> bool:
        """Whether a grading starting now runs phase 2 alongside its phase 1 (graders.pool.stream):
        only when no other job is running, on two cores or more (with every core busy it saves
        no time, and running both phases at once costs some CPU)."""
        if not self.stream_when_idle or cores() < 2:
            return False
        with self._cond:
            return all(n == len(self._idle.get(slot, ())) for slot, n in self._count.items())

    # ---- workers -----------------------------------------------------------------------------
    def _new_zygote(self, kind: str) -> ZygoteProcess:
        """A zygote of kind, with a scratch folder of its own for its sandboxes' mount points."""
        with self._cond:
            self._serial += 1
            folder = self._scratch / f"zygote-{self._serial}"
        folder.mkdir(mode=0o700)
        return ZygoteProcess(kind, self.mode, str(folder), self.warm)

    def _start(self, slot: str, make) -> WarmProcess:
        with self._cond:
            self._count[slot] = self._count.get(slot, 0) + 1
        try:
            w = make()
        except BaseException:
            with self._cond:
                self._count[slot] -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._all[w] = slot
        return w

    def _acquire(self, slot: str, make, wait: bool = True) -> WarmProcess | None:
        with self._cond:
            while True:
                if self._closed:
                    raise PoolError("the pool is closed")
                idle = self._idle.setdefault(slot, [])
                while idle:
                    w = idle.pop()
                    if w.alive():
                        return w
                    self._discard_locked(w)
                if self._count.get(slot, 0) < self.size:
                    break
                if not wait:
                    return None
                self._cond.wait()
        return self._start(slot, make)

    def _release(self, w: WarmProcess) -> None:
        with self._cond:
            if w.alive() and not self._closed and w in self._all:
                self._idle.setdefault(self._all[w], []).append(w)
            else:
                self._discard_locked(w)
            self._cond.notify_all()

    def _discard(self, w: WarmProcess) -> None:
        with self._cond:
            self._discard_locked(w)
            self._cond.notify_all()

    def _discard_locked(self, w: WarmProcess) -> None:
        slot = self._all.pop(w, None)
        if slot is not None:
            self._count[slot] -= 1
            if w in self._idle.get(slot, []):
                self._idle[slot].remove(w)
        w.close()

    def wait_ready(self) -> None:
        """Block until every zygote started so far has warmed up (PoolError if one failed)."""
        with self._cond:
            workers = list(self._all)
        for w in workers:
            try:
                w.wait_ready()
            except WarmProcessDied as e:
                raise PoolError(f"a grading worker failed to start: {e}") from None

    # ---- jobs --------------------------------------------------------------------------------
    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        if job["phase"] == 2 and self.use_sessions:
            run = self._run_in_session(job, wall_seconds, output_bytes)
            if run is not None:
                return run
        kind = "untrusted" if job["phase"] == 1 else "trusted"
        failures, started = [], 0
        while started < 2 and len(failures) < 2 * self.size + 2:
            z = self._acquire(kind, lambda: self._new_zygote(kind))
            try:
                run = z.run(job, wall_seconds, output_bytes)
            except WarmProcessDied as e:
                failures.append(str(e))
                started += e.accepted
                self._discard(z)
                _clear_outputs(job)
                continue
            self._release(z)
            if not run.started and run.returncode in SETUP_FAILED:
                raise PoolError(f"the {'sandbox' if kind == 'untrusted' else 'grader process'} could "
                                f"not start:\n{run.stderr[-3000:]}")
            return run
        what = "died twice while running this job" if started >= 2 else "kept failing to start"
        raise PoolError(f"the grading worker {what}; it was not graded. Details: " + " | ".join(failures))

    def _run_in_session(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun | None:
        """Run a phase-2 job in its exercise's collected session; None to go the plain way."""
        key = sessions.key(job)
        if key is None or key in self._unusable:
            return None
        slot, s = "session:" + key, None
        try:
            s = self._acquire(slot, lambda: self._new_session(job, key), wait=False)
            if s is None:
                return None                  # all of this exercise's sessions are busy
            s.wait_ready()
            run = s.run(job, wall_seconds, output_bytes)
        except WarmProcessDied as e:
            if s is not None:
                self._discard(s)
            if not e.accepted and (s is None or not s.ready):
                self._unusable.add(key)      # it did not collect: plain pytest reports why
            _clear_outputs(job)
            return None
        self._release(s)
        with self._cond:
            self._recent.pop(key, None)
            self._recent[key] = None
        return run

    def _new_session(self, job: dict, key: str) -> SessionProcess:
        self._evict_sessions()
        with self._cond:
            self._serial += 1
            folder = self._scratch / f"session-{self._serial}"
        z = self._acquire("trusted", lambda: self._new_zygote("trusted"))
        try:
            s = z.start_session(sessions.template(job, folder), key)
        except WarmProcessDied:
            self._discard(z)
            raise
        self._release(z)
        return s

    def _evict_sessions(self) -> None:
        """Close idle sessions of the least recently used exercises while over the cap."""
        cap = max(MAX_SESSIONS, 2 * self.size)
        with self._cond:
            while sum(1 for slot in self._all.values() if slot.startswith("session:")) >= cap:
                victim = next((self._idle["session:" + k][0] for k in self._recent
                               if self._idle.get("session:" + k)), None)
                if victim is None:
                    return
                self._discard_locked(victim)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for slot, idle in self._idle.items():
                for w in list(idle):
                    self._discard_locked(w)
            self._cond.notify_all()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def zygote_pids(self, kind: str | None = None) -> list[int]:
        """The process ids of the live zygotes ("untrusted", "trusted" or both), for monitoring."""
        with self._cond:
            return sorted(w.pid for w, slot in self._all.items()
                          if isinstance(w, ZygoteProcess) and kind in (None, slot) and w.alive())

    def session_pids(self) -> list[int]:
        """The process ids of the live collected grader sessions."""
        with self._cond:
            return sorted(w.pid for w in self._all if isinstance(w, SessionProcess) and w.alive())


def _clear_outputs(job: dict) -> None:
    """Remove what a lost run may have written, before the job runs again."""
    if job["phase"] == 1:
        out = Path(job["out_dir"])
        for p in out.iterdir() if out.is_dir() else ():
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    else:
        Path(job["results_file"]).unlink(missing_ok=True)


def allow_unsandboxed() -> bool:
    return os.environ.get(ALLOW_ENV) == "1"


def require_sandbox() -> availability.Availability:
    """For the server: raise PoolError unless phase 1 can be sandboxed here, or unsandboxed
    grading was allowed explicitly with TRACEGRADE_ALLOW_UNSANDBOXED=1."""
    avail = availability.probe()
    if not avail.available and not allow_unsandboxed():
        raise PoolError(f"Student code cannot be isolated on this machine ({avail.reason}). "
                        f"Run the server where Linux namespaces are available (as root, or with "
                        f"unprivileged user namespaces enabled), or set {ALLOW_ENV}=1 to grade "
                        f"without isolation.")
    return avail


def make_default_backend(one_shot: bool = False) -> Backend:
    """What `Grader()` uses: the warm pool, sandboxed wherever the machine allows it. one_shot:
    for a command that grades once (one zygote of each kind, no warm-up, no sessions)."""
    if one_shot:
        return WarmPool(size=1, use_sessions=False, warm=False)
    return WarmPool()
