"""One job's processes, forked from a zygote ahead of their job (see graders.pool.spares).

Phase 1 in the sandbox: the keeper process (trusted: builds the sandbox, copies the results
out) makes a sleeping PID 1 for the new PID namespace and the student process (in the new root,
own uid, seccomp: graders.sandbox.contain) before the job comes; then the keeper puts the job's
files in and hands the job to the student process. Unsandboxed (mode "plain"): keeper ->
student process, with rlimits, seccomp and timeouts only. As root, the zygote is the keeper
itself (graders.pool.zygote_sandbox) and uses the student process's side from here.

Phase 2 outside a collected session is made the same way: a keeper ("tg-keeper-2") with PID 1
and the grader process ("tg-grader") waiting in a sandbox of its own (graders.sandbox.grader_view);
when the job comes the keeper copies the exercise in, binds the job's traces and submission in,
hands the job over, waits, and copies the results out. Unsandboxed, the grader process runs the
graders itself. The run_* functions end their process.
"""
from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from graders.grading import child
from graders.format.limits import Limits
from graders.pool import spares
from graders.pool.spares import STATUS
from graders.sandbox import grader_view
from graders.sandbox import root as sandbox_root
from graders.sandbox.contain import die_with_parent, prepare_student, start_init
from graders.sandbox.inotify import ClosedAfterWriting
from graders.sandbox.namespaces import enter_namespaces
from graders.sandbox.syscalls import set_process_name
from graders.sandbox.watch import watch_job

READY_FD, REPORT_FD = 3, 4      # fixed fd numbers of the ready pipe and the report to the parent
GRADER_TMP = "/tmp/job"         # a grader process's own folder, inside its sandbox


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def flush_and_exit(code: int) -> None:
    _flush()
    os._exit(code)


def close_output() -> None:
    """Flush and close stdout and stderr: the pool sees the end of the output now."""
    _flush()
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def finish(code: int, report_fd: int | None = REPORT_FD) -> None:
    """End a job process: flush and close its output (the pool sees the end of it now), report
    `code` as its exit status, then exit (the slow part, which nobody waits for)."""
    close_output()
    if report_fd is not None:
        try:
            os.write(report_fd, STATUS.pack((code & 0xFF) << 8))
        except OSError:
            pass
    os._exit(code)


def detach(parent: int) -> None:
    """In a freshly forked job process: a session of its own, death with its parent."""
    os.setsid()
    die_with_parent(parent)


def take_stdio(fds: list[int], report_w: int | None = None, keep: tuple[int, ...] = ()) -> None:
    """stdout and stderr to the pool's pipes, the ready pipe on READY_FD, the report pipe on
    REPORT_FD, nothing else open but keep."""
    out_w, err_w, ready_w = fds
    devnull = os.open("/dev/null", os.O_RDONLY)
    pairs = [(devnull, 0), (out_w, 1), (err_w, 2), (ready_w, READY_FD)]
    if report_w is not None:
        pairs.append((report_w, REPORT_FD))
    for src, dst in pairs:
        os.dup2(src, dst)
    spares.close_all_but({0, 1, 2, READY_FD, *keep} | ({REPORT_FD} if report_w is not None else set()))
    os.umask(0o022)


def signal_ready() -> None:
    child.signal_ready(READY_FD)


def spare_job(kind: str, mode: str, zygote: int, scratch: Path, likely: dict | None = None) -> spares.Spare:
    """Fork the next job process of a zygote (a keeper, or an unsandboxed grader process),
    prepared as far as it can be without its job; likely: the previous job, whose exercise's
    public files the sandbox holds ahead."""
    if kind == "trusted" and mode == "plain":
        return spares.fork(lambda: (set_process_name("tg-grader"), detach(zygote)), _run_trusted)
    if kind == "trusted":
        return spares.fork(lambda: _prepare_keeper(mode, zygote, scratch, None, phase=2), _run_grader_keeper)
    return spares.fork(lambda: _prepare_keeper(mode, zygote, scratch, likely, phase=1), _run_untrusted)


def _run_trusted(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """An unsandboxed grader process once its job came (mode "plain")."""
    try:
        take_stdio(fds, report_w)
        if isinstance(prepared, spares.PrepareFailed):
            print(prepared.text, file=sys.stderr)
            flush_and_exit(70)
        os.chdir(job["tmp_dir"])
        finish(child.run_phase({**job, "ready_fd": READY_FD}))
    except BaseException:
        traceback.print_exc()
        flush_and_exit(70)


# ---- the keepers -------------------------------------------------------------------------
@dataclass
class _Prepared:
    """The keeper's state while it waits for its job."""

    root: sandbox_root.Root | None
    init: int | None
    student: spares.Spare       # the process that runs the job: student (phase 1) or grader process
    lifeline: int


def _prepare_keeper(mode: str, zygote: int, scratch: Path, likely: dict | None, phase: int) -> _Prepared:
    """The keeper before its job: namespaces, the root (phase 1: with the public files of the
    likely job's exercise; phase 2: with the /job view), PID 1 and the waiting student process
    (phase 1) or grader process (phase 2)."""
    set_process_name("tg-keeper" if phase == 1 else "tg-keeper-2")
    detach(zygote)
    life_r, life_w = os.pipe()
    root = init = None
    if mode != "plain":
        enter_namespaces(userns=(mode == "userns"))
        if phase == 1:
            root = sandbox_root.build_root(Limits(), scratch / f"sandbox-{os.getpid()}", mode == "userns")
            sandbox_root.put_likely(root, likely)
        else:
            root = grader_view.build(scratch / f"grader-{os.getpid()}", mode == "userns", Limits())
        init = start_init(life_r)
    me = os.getpid()
    prepare, run = (prepare_student, run_student) if phase == 1 else (prepare_grader, run_grader)
    student = spares.fork(lambda: prepare(root, me, life_r), run, keep=(life_r,))
    student.move_fds_above(10)              # clear of the job's fds 0 to 4
    os.close(life_r)
    lifeline = fcntl.fcntl(life_w, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(life_w)
    return _Prepared(root, init, student, lifeline)


# ---- phase 1 -----------------------------------------------------------------------------
def _take_job_stdio(fds: list[int], report_w: int, prepared) -> None:
    """A keeper's first step once its job came: the job's stdio (keeping the prepared sandbox's
    descriptors open); a sandbox that could not be prepared ends the keeper with its reason."""
    failed = isinstance(prepared, spares.PrepareFailed)
    take_stdio(fds, report_w, () if failed else (prepared.student.sock.fileno(),
                                                 prepared.student.report_r, prepared.lifeline))
    if failed:
        print(prepared.text, file=sys.stderr)
        flush_and_exit(71)


def _run_untrusted(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """The keeper once its job came: the job's files into the root, the job to the student
    process, wait, copy the results out, report the student process's status."""
    try:
        _take_job_stdio(fds, report_w, prepared)
        limits = Limits(**job["limits"])
        inner = {**job, "ready_fd": READY_FD}
        root = prepared.root
        if root is not None:
            sandbox_root.fill_root(root, job, limits)
            inner = sandbox_root.inner_job(inner)
        try:
            finished = ClosedAfterWriting(root.out if root is not None else job["out_dir"])
        except (OSError, AttributeError):   # no inotify (instances used up): wait for its exit
            finished = None
        if not prepared.student.hand_over(json.dumps(inner).encode(), [1, 2, READY_FD]):
            raise RuntimeError("the student process was gone before its job came")
    except BaseException:
        traceback.print_exc()
        flush_and_exit(71)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2, READY_FD):
        os.dup2(devnull, fd)
    student = prepared.student
    status, reaped = watch_job(job, limits, root, student, finished, prepared.init)
    os.write(REPORT_FD, STATUS.pack(status))
    os.close(REPORT_FD)
    if root is None:
        os.killpg(0, signal.SIGKILL)        # unsandboxed: the student process and its leftovers are in our group
    for pid in (None if reaped else student.pid, prepared.init):
        try:
            if pid is not None:
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    if root is not None:
        sandbox_root.remove_root(root)
    os._exit(0)


def run_student(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """The student process once its job came (inside the sandbox): the pool's pipes, the
    process limit, phase 1. It keeps no report pipe (the keeper watches for result.json
    instead): nothing to write into."""
    try:
        out_w, err_w, ready_w = fds
        stdin = os.open("/dev/null", os.O_RDONLY)
        for src, dst in ((stdin, 0), (out_w, 1), (err_w, 2), (ready_w, READY_FD)):
            os.dup2(src, dst)
        spares.close_all_but({0, 1, 2, READY_FD})
        if isinstance(prepared, spares.PrepareFailed):
            print(prepared.text, file=sys.stderr)
            flush_and_exit(72)
        if prepared or os.getuid() != 0:      # (root ignores it: only sandboxed or unprivileged)
            nproc = Limits(**job["limits"]).processes + 1
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.chdir(job["work_dir"])
        job = {**job, "ready_fd": READY_FD}
    except BaseException:
        traceback.print_exc()
        flush_and_exit(72)
    try:
        from graders.grading import phase1
        phase1.run(job, on_ready=signal_ready, on_done=close_output)
        code = 0
    except BaseException:
        code = 1
    finish(code, None)


# ---- phase 2 -----------------------------------------------------------------------------
def _run_grader_keeper(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """The phase-2 keeper once its job came: the exercise copied in, the job's traces and
    submission bound in, the job to the grader process; wait, copy its results out, report."""
    try:
        _take_job_stdio(fds, report_w, prepared)
        root, grader = prepared.root, prepared.student
        grader_view.put_exercise(root, job["exercise_dir"])
        grader_view.bind_job(root, job["student_dir"], job["source_file"])
        inner = grader_view.grader_job(job, GRADER_TMP)
        if not grader.hand_over(json.dumps(inner).encode(), [1, 2, READY_FD]):
            raise RuntimeError("the grader process was gone before its job came")
    except BaseException:
        traceback.print_exc()
        flush_and_exit(71)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2, READY_FD):
        os.dup2(devnull, fd)
    reported, waited = grader.wait_report()
    grader_view.take_results(root, job["results_file"])
    os.write(REPORT_FD, STATUS.pack(reported if reported is not None else waited))
    os.close(REPORT_FD)
    os.kill(prepared.init, signal.SIGKILL)  # (PID 1: everything in the sandbox goes with it)
    for pid in (grader.pid if waited is None else None, prepared.init):
        try:
            if pid is not None:
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    sandbox_root.remove_root(root)
    os._exit(0)


def prepare_grader(root: sandbox_root.Root, parent: int, lifeline: int) -> bool:
    """A sandboxed grader process before its job: contained like a student process (its own
    root, uid, seccomp) before any grader code is loaded."""
    prepare_student(root, parent, lifeline)
    set_process_name("tg-grader")
    return True


def confine_job_process() -> None:
    """A sandboxed grader process, before its graders run: no new processes or threads (a
    grader left running could see the next jobs of its session)."""
    resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))


def run_grader(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """A sandboxed grader process once its job came (paths as it sees them: grader_view.grader_job):
    the pool's pipes, its own folder with the job file, phase 2, the report to its keeper."""
    try:
        take_stdio(fds, report_w)
        if isinstance(prepared, spares.PrepareFailed):
            print(prepared.text, file=sys.stderr)
            flush_and_exit(72)
        confine_job_process()
        os.makedirs(job["tmp_dir"], exist_ok=True)
        Path(job["job_file"]).write_text(json.dumps(job), encoding="utf-8")
        os.chdir(job["tmp_dir"])
    except BaseException:
        traceback.print_exc()
        flush_and_exit(72)
    try:
        code = child.run_phase({**job, "ready_fd": READY_FD})
    except BaseException:
        traceback.print_exc()
        code = 70
    finish(code)
