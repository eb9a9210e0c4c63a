"""The keeper of a collected grader session's sandbox (phase 2 confined). Phase 2 runs graders an
instructor wrote, so a sandboxed session runs in a sandbox of its own, made the way a student
process's is: a fork of the trusted zygote (the keeper, "tg-keeper-2") enters new namespaces,
builds the root (graders.sandbox.grader_view) with a copy of the exercise version in it, spawns
PID 1, and forks the session ("tg-session") into it: pivot_root, its own uid, no capabilities,
seccomp, before pytest imports a single grader. The keeper stays outside, privileged, for as long
as the session lives, and stands between the pool and the session:

  pool --job, 3 pipes--> keeper: binds the job's traces and submission into /job, hands the job
                         on with the paths the session sees (grader_view.grader_job)
  session --pid, pidfd--> keeper: reads the job process's host pid (the pool kills its group at
                         the wall clock) --pid--> pool
  session --status--> keeper: copies /out/results.json out to the job's results file --> pool,
                         then binds the job out again

The session stays warm (it collects once and forks a process per job, as unsandboxed); a job
costs the keeper two bind mounts and a few messages. Everything the session says is untrusted:
it has loaded an instructor's graders. The keeper ends when the pool or the session goes, and
its sandbox with it (PID 1 reads a pipe only the keeper holds: graders.sandbox.contain).
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import traceback
from pathlib import Path

from graders.format.limits import Limits
from graders.pool import jobs, session_server, spares
from graders.sandbox import grader_view
from graders.sandbox.contain import prepare_student, start_init
from graders.sandbox.namespaces import enter_namespaces
from graders.sandbox.root import Root
from graders.sandbox.syscalls import set_process_name

SESSION_TMP, JOB_TMP = "/tmp/session", "/tmp"     # the session's folders, inside its sandbox
MAX_MESSAGE = 1 << 20


class _Gone(Exception):
    """The pool or the session went away (or the session broke the protocol): the keeper ends."""


def keep(template: dict, pool: socket.socket, mode: str, scratch: Path, zygote: int) -> None:
    """In a fresh fork of a trusted zygote: make the sandbox of a session that collects
    `template`'s graders, start the session in it, and keep it. Ends the process."""
    try:
        try:
            session, session_pid, root = _start(template, mode, scratch, zygote)
        except BaseException as e:
            traceback.print_exc()
            _send(pool, {"error": f"the session's sandbox could not be made: {type(e).__name__}: {e}"})
            return
        first, _ = _from_session(session, pool)
        if not first.get("ready"):
            _send(pool, {"error": str(first.get("error", "the session did not start"))[:4000]})
            return
        _send(pool, {"ready": True, "pid": os.getpid()})
        while True:
            _one_job(pool, session, session_pid, root)
    except _Gone:
        pass
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)


def _start(template: dict, mode: str, scratch: Path, zygote: int) -> tuple[socket.socket, int, Root]:
    """The keeper's set-up: namespaces, the root with the exercise in it, PID 1, the session."""
    os.umask(0o022)
    jobs.detach(zygote)
    set_process_name("tg-keeper-2")
    life_r, life_w = os.pipe()      # life_w stays open, unwritten, for as long as the keeper lives
    enter_namespaces(userns=(mode == "userns"))
    root = grader_view.build(scratch / f"grader-{os.getpid()}", mode == "userns", Limits())
    grader_view.put_exercise(root, template["exercise_dir"])
    inner = grader_view.grader_job(template, SESSION_TMP)
    start_init(life_r)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        ours.close()
        _session(root, inner, theirs, life_r, me)
    theirs.close()
    os.close(life_r)
    return ours, pid, root


def _session(root: Root, template: dict, sock: socket.socket, lifeline: int, keeper: int) -> None:
    """The session process: into the sandbox (with no channel but sock, its output to
    /dev/null), then collect and serve (graders.pool.session_server). Ends the process."""
    try:
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        spares.close_all_but({0, 1, 2, sock.fileno(), lifeline})
        prepare_student(root, keeper, lifeline)
        set_process_name("tg-session")
    except BaseException as e:
        try:
            sock.send(json.dumps({"error": f"the session could not enter its sandbox: {e}"}).encode())
        finally:
            os._exit(3)
    session_server.serve(template, sock)
    os._exit(3)


def _one_job(pool: socket.socket, session: socket.socket, session_pid: int, root: Root) -> None:
    """Wait for the pool's next job and see it through the session (see the module doc)."""
    while True:
        ready = select.select([pool, session], [], [])[0]
        if session in ready:        # the session ended (or spoke out of turn) between jobs
            raise _Gone
        if pool in ready:
            break
    try:
        msg, fds, _, _ = socket.recv_fds(pool, MAX_MESSAGE, 3)
    except OSError:
        raise _Gone from None
    if not msg:
        raise _Gone
    try:
        job = json.loads(msg)
        if len(fds) != 3:
            raise ValueError(f"a job needs three pipes, not {len(fds)}")
        grader_view.bind_job(root, job["student_dir"], job["source_file"])
        socket.send_fds(session, [json.dumps(grader_view.grader_job(job, JOB_TMP)).encode()], fds)
    except BaseException:
        traceback.print_exc()       # (to the zygote's log) the pool runs the job the plain way
        raise _Gone from None
    finally:
        for fd in fds:
            os.close(fd)
    reply, pidfds = _from_session(session, pool, fds=1)
    host = _host_pid(pidfds[0]) if pidfds else None
    for fd in pidfds:
        os.close(fd)
    if not isinstance(reply.get("pid"), int):
        raise _Gone
    _send(pool, {"pid": host or session_pid})      # (the session's own pid: its group, at worst)
    try:
        end, _ = _from_session(session, pool)
    except _Gone:
        _send(pool, {"status": signal.SIGKILL, "inner": None})
        raise
    status, inner = end.get("status"), end.get("inner")
    grader_view.take_results(root, job["results_file"])
    _send(pool, {"status": status if isinstance(status, int) else signal.SIGKILL,
                 "inner": inner if isinstance(inner, int) else None})
    grader_view.unbind_job(root)


def _from_session(session: socket.socket, pool: socket.socket, fds: int = 0) -> tuple[dict, list[int]]:
    """The session's next message (a JSON object) and the fds it came with (at most fds);
    _Gone if the session ends or talks nonsense, or the pool goes away meanwhile."""
    while True:
        ready = select.select([session, pool], [], [])[0]
        if pool in ready:           # the pool says nothing during a job: it closed
            raise _Gone
        try:
            msg, got, _, _ = socket.recv_fds(session, MAX_MESSAGE, max(fds, 1))
        except OSError:
            raise _Gone from None
        if len(got) > fds:
            for fd in got[fds:]:
                os.close(fd)
            got = got[:fds]
        try:
            doc = json.loads(msg) if msg else None
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            for fd in got:
                os.close(fd)
            raise _Gone
        return doc, got


def _host_pid(pidfd: int) -> int | None:
    """The pid, as the keeper (in the host's PID namespace) sees it, of the process a pidfd from
    inside the sandbox refers to; None if unknown (not a pidfd, an old kernel, gone)."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 1 else None
    except (OSError, ValueError, IndexError):
        pass
    return None


def _send(pool: socket.socket, message: dict) -> None:
    try:
        pool.send(json.dumps(message).encode())
    except OSError:
        raise _Gone from None
