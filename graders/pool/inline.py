"""A pool of one, in this interpreter: the Backend `tracegrade grade` uses for one file. This
process imports torch, pytest and the engine once (as a zygote would) and forks each phase's
job processes from itself into the sandboxes the warm pool makes (graders.pool.jobs).

Phase 1 goes to a keeper forked from here ("tg-keeper": namespaces, the root, PID 1, the
student process in it, results copied out by graders.sandbox.copyout); phase 2, once the student
process is gone, to a phase-2 keeper ("tg-keeper-2") and its grader process in a sandbox of its
own (graders.sandbox.grader_view): the pool's one-shot path, minus the two zygotes' interpreters.
Both keepers are forked ahead (when the backend is made), so that their sandboxes are built while
this process imports pytest and runs phase 1. Forking needs a single-threaded process: torch
(and numpy's OpenBLAS, which starts its threads when it is loaded) must be imported after
`settle_threads`; `InlineUnavailable` says when that did not happen (use the pool then).
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import sys
import weakref
from pathlib import Path

from graders.pool.backends import Backend, ChildRun, child_env, watch_child
from graders.pool.heap import threads
from graders.pool.warm import SETUP_FAILED, PoolError
from graders.sandbox import availability, scratch

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "TORCH_NUM_THREADS")
KINDS = ("untrusted", "trusted")        # phase 1's job processes, phase 2's


class InlineUnavailable(PoolError):
    """This interpreter cannot fork job processes safely (it runs more than one thread)."""


def settle_threads() -> None:
    """One thread per numeric library, as in a zygote's environment (graders.pool.backends.
    child_env); in effect only when called before torch and numpy are imported."""
    env = child_env()
    for name in THREAD_VARS:
        os.environ[name] = env[name]


def sandbox_mode(requested: str = "auto") -> tuple[str, availability.Availability | None, str]:
    """(mode, availability, description) as the warm pool decides them (graders.pool.warm)."""
    avail = availability.probe() if requested != "off" else None
    if requested in ("require", "userns") and not avail.available:
        raise PoolError(f"the sandbox is not available here: {avail.reason}")
    if avail is not None and avail.available:
        mode = "userns" if avail.userns or requested == "userns" else "sandbox"
        filt = "with seccomp" if avail.seccomp else "without seccomp (not x86_64)"
        return mode, avail, f"one interpreter, both phases in namespace sandboxes {filt}"
    why = f" ({avail.reason})" if avail is not None else ""
    return "plain", avail, f"one interpreter, rlimits and timeouts only (not isolated){why}"


@contextlib.contextmanager
def _scrubbed_environ():
    """This process's environment replaced by a zygote's (no secrets, one thread per library)
    while a job process is forked; restored afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(child_env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class InlineBackend(Backend):
    """Both phases in job processes forked from this interpreter, one grading at a time."""

    streams = False

    def __init__(self, mode: str = "auto", likely: dict | None = None):
        """mode: as WarmPool's sandbox_mode. likely: {"exercise_dir", "public_files"} of the
        exercise about to be graded (its public files are put in the first sandbox ahead)."""
        from graders.pool import zygote

        self.mode, self.availability, self.description = sandbox_mode(mode)
        self.sandboxed = self.mode != "plain"
        self._likely = likely
        self._spares: dict = {}
        self._children: set[int] = set()
        zygote.import_only("untrusted")     # torch single-threaded, the shortcut, phase 1's modules
        if threads() != 1:
            raise InlineUnavailable(f"this process runs {threads()} threads (torch was imported "
                                    f"before settle_threads); it cannot fork job processes")
        scratch.sweep()
        self._scratch = Path(scratch.make("tracegrade-inline-"))
        weakref.finalize(self, shutil.rmtree, self._scratch, True)
        self._spares["untrusted"] = self._fork("untrusted")
        zygote.import_only("trusted")       # pytest, the plugin, phase 2's modules
        self._spares["trusted"] = self._fork("trusted")

    def _fork(self, kind: str):
        """A job process of kind (its keeper), forked now and preparing its sandbox."""
        from graders.pool import jobs

        if threads() != 1:
            raise InlineUnavailable(f"this process runs {threads()} threads; it cannot fork")
        sys.stdout.flush()          # (a copy of what is buffered would reach the job's output)
        sys.stderr.flush()
        with _scrubbed_environ():
            spare = jobs.spare_job(kind, self.mode, os.getpid(), self._scratch,
                                   self._likely if kind == "untrusted" else None)
        self._children.add(spare.pid)
        return spare

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        kind = KINDS[0] if job["phase"] == 1 else KINDS[1]
        spare = self._spares.pop(kind, None) or self._fork(kind)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ready_r, ready_w = os.pipe()
        try:
            try:
                message = json.dumps(job).encode()
                handed = spare.hand_over(message, [out_w, err_w, ready_w])
                if not handed:          # it died waiting (killed from outside): a fresh one
                    spare.discard()
                    spare = self._fork(kind)
                    handed = spare.hand_over(message, [out_w, err_w, ready_w])
                if not handed:
                    raise PoolError(f"the {kind} job process ended before its job came")
            finally:
                for fd in (out_w, err_w, ready_w):
                    os.close(fd)
            run = watch_child(spare.pid, out_r, err_r, ready_r, wall_seconds, output_bytes,
                              lambda timeout: _wait(spare, timeout))
        finally:
            for fd in (out_r, err_r, ready_r):
                os.close(fd)
        if not run.started and run.returncode in SETUP_FAILED:
            raise PoolError(f"the {'sandbox' if kind == 'untrusted' else 'grader process'} could "
                            f"not start:\n{run.stderr[-3000:]}")
        return run                      # (a next grading forks its job processes when it comes)

    def close(self) -> None:
        """Let unused job processes go (they exit when their socket closes) and reap what has
        ended; those still tearing down their sandbox die with this process."""
        for spare in self._spares.values():
            spare.discard()
        self._spares.clear()
        for pid in list(self._children):
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    self._children.discard(pid)
            except ChildProcessError:
                self._children.discard(pid)
        shutil.rmtree(self._scratch, ignore_errors=True)


def _wait(spare, timeout: float | None) -> int | None:
    """How a job process's job ended (a waitpid-style status), as its keeper reports it before
    its slow exit, or from waitpid when it ended without a report; None if not within timeout."""
    if not select.select([spare.report_r], [], [], timeout)[0]:
        return None
    inner, status = spare.wait_report()
    return status if inner is None else inner
