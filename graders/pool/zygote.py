"""A zygote of the warm pool: a fresh interpreter that imports torch, pytest and the trace
library once, warms them up, freezes its heap and then forks one child per job it is sent.

`python -m graders.pool.zygote FD KIND MODE SCRATCH [cold]`: FD is a SOCK_SEQPACKET socket to the pool;
KIND is "untrusted" (phase 1) or "trusted" (phase 2); MODE is "sandbox", "userns" or "plain";
SCRATCH a folder for sandbox mount points; "cold" skips the warm-up (a pool that grades once). It never
reads a solution, a hidden grader or trace, or a secret; as root, the untrusted zygote moves a
job's own files in and out of its sandbox (graders.pool.zygote_sandbox), by the kernel's copies only.
"""
from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import socket
import sys
import tempfile
import traceback
from pathlib import Path

from graders.pool import lazydynamo, seeding
from graders.pool.heap import collapse_heap, threads
from graders.sandbox.syscalls import set_process_name

MAX_MESSAGE = 1 << 20


def warm_untrusted() -> None:
    """Run what a phase-1 job runs (forward, backward, step, the instruments, a trace save), so
    that forked children do not each pay the first-call costs (~1 s for the first backward)."""
    import torch
    from torch import nn

    from graders import trace as tr

    rec = tr.Recorder(max_bytes=4 << 20)
    x, y = torch.randn(8, 2), (torch.rand(8, 1) > 0.5).float()
    with tr.use(rec):
        for opt_cls in (torch.optim.SGD, torch.optim.Adam):
            model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
            tr.hook_module(model[0], "hidden")
            opt = tr.TracingOptimizer(opt_cls(model.parameters(), lr=0.1), model=model)
            loss_fn = tr.TracingLoss(nn.BCELoss())
            for _ in range(2):
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
        for loss in (nn.MSELoss(), nn.BCEWithLogitsLoss(), nn.L1Loss()):
            w = torch.randn(2, 1, requires_grad=True)
            loss(x @ w, y).backward()
        logits = torch.randn(8, 3, requires_grad=True)
        nn.CrossEntropyLoss()(logits, torch.randint(0, 3, (8,))).backward()
        tr.record("prediction", torch.sigmoid(x @ torch.ones(2, 1)), step=0)
    with tempfile.TemporaryDirectory(prefix="tracegrade-warm-") as d:
        tr.save_trace(rec.trace, Path(d) / "seed-0")
        tr.load_trace(Path(d) / "seed-0")
    compile("def f(x):\n    return x\n", "warm.py", "exec", dont_inherit=True)


def warm_trusted() -> None:
    """Run one pytest session with the graders' flags and plugin (imports, hooks, rewriting)."""
    import pytest
    import torch

    from graders.grading import phase2
    from graders.trace import load_trace, save_trace, Recorder, use, record

    with tempfile.TemporaryDirectory(prefix="tracegrade-warm-") as d:
        rec = Recorder()
        with use(rec):
            record("loss", torch.tensor(1.0), step=0)
        save_trace(rec.trace, Path(d) / "seed-0")
        load_trace(Path(d) / "seed-0")
        test = Path(d) / "test_warm.py"
        test.write_text("import pytest\n\n@pytest.mark.points(1)\ndef test_ok():\n    assert 1 + 1 == 2\n")
        job = {"graders": [str(test)], "tmp_dir": d, "job_file": str(Path(d) / "job.json")}
        args = [a for a in phase2.pytest_args(job) if a not in ("--tg-job", job["job_file"])]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args)
    sys.modules.pop("test_warm", None)


def import_only(kind: str) -> None:
    """What a zygote imports for its children (before any warm-up), torch single-threaded,
    without torch.compile's machinery and without seed queues for absent devices."""
    import torch

    torch.set_num_threads(1)
    lazydynamo.skip_until_imported()
    seeding.skip_absent_devices()       # (torch.manual_seed: ~1.5 ms a call less)
    if kind == "untrusted":
        # (checks: scenarios use it, 10 ms to import)
        from graders import checks, trace  # noqa: F401
        from graders.format import scenario
        from graders.grading import phase1  # noqa: F401
        from graders.pool import jobs, zygote_sandbox  # noqa: F401
        from graders.sandbox import root, seccomp  # noqa: F401
        from graders.trace import handgrad, layers  # noqa: F401
        root.bind_plan()            # looked up here once, not in every job process
    else:
        import pytest  # noqa: F401

        from graders import checks  # noqa: F401
        from graders.grading import phase2, plugin  # noqa: F401
        from graders.pool import jobs, session_keeper, session_server  # noqa: F401
        from graders.sandbox import grader_view, root, seccomp  # noqa: F401
        root.bind_plan()            # (phase 2 is sandboxed too: graders.sandbox.grader_view)


def serve(sock: socket.socket, kind: str, mode: str, scratch: Path) -> None:
    """Keep the next job's process (or, as root, its whole sandbox: graders.pool.zygote_sandbox)
    ready ahead; hand it each job that comes, report its pid, prepare the next one while the
    job runs, then report how the job ended."""
    from graders.pool import jobs, spares, zygote_sandbox
    from graders.sandbox.inotify import ClosedAfterWriting
    from graders.sandbox.namespaces import Home

    me, running, spare, likely = os.getpid(), set(), None, None
    direct = kind == "untrusted" and mode == "sandbox"
    if direct:
        home, events = Home(), ClosedAfterWriting()
        leftovers = zygote_sandbox.Leftovers()

    def make_spare():
        if direct:
            try:
                return zygote_sandbox.prepare(scratch, likely, home)
            except Exception:               # a keeper process tries again, and says why if it fails
                traceback.print_exc()
        return jobs.spare_job(kind, mode, me, scratch, likely)

    while True:
        if threads() != 1:
            sock.send(json.dumps({"error": f"zygote has {threads()} threads; it must be "
                                           f"single-threaded to fork"}).encode())
            return
        if spare is None:
            spare = make_spare()
        try:
            while direct and not leftovers.wait_for(sock, spare):
                zygote_sandbox.discard(spare, leftovers)    # killed while it waited
                spare = make_spare()
            msg, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 3)
        except (ConnectionError, OSError):
            return
        if not msg:
            return
        request = json.loads(msg)
        if kind == "untrusted":     # the next job is likely for the same exercise
            likely = {k: request.get(k) for k in ("exercise_dir", "public_files")}
        if "session" in request:
            start_session(sock, request["session"], fds, mode, scratch)
            continue
        if len(fds) != 3:
            sock.send(json.dumps({"error": "a job needs three pipes"}).encode())
            return
        if isinstance(spare, zygote_sandbox.Sandbox):
            spare = zygote_sandbox.run_in_sandbox(sock, spare, msg, fds, make_spare, leftovers, home, events)
        else:
            spare = spares.run_on_spare(sock, spare, msg, fds, make_spare, running)
        _remove_empty(scratch)


def _remove_empty(scratch: Path) -> None:
    """Remove the mount points of keeper processes that are gone (they leave them when killed)."""
    try:
        names = os.listdir(scratch)
    except OSError:
        return
    for name in names:
        pid = name.rpartition("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                os.rmdir(scratch / name)
            except OSError:
                pass


def start_session(sock: socket.socket, template: dict, fds: list[int], mode: str = "plain",
                  scratch: Path | None = None) -> None:
    """Fork a collected grader session (trusted zygotes only) that talks to the pool on fds[0]:
    sandboxed, the keeper of its sandbox (graders.pool.session_keeper), which starts the session
    in it; in mode "plain", the session itself."""
    from graders.pool import jobs, session_keeper, session_server, spares

    while True:                                 # reap the sessions that have ended
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    me = os.getpid()
    if threads() != 1 or len(fds) != 1:
        sock.send(json.dumps({"error": "cannot start a session"}).encode())
        return
    pid = os.fork()
    if pid == 0:
        spares.close_all_but({0, 1, 2, fds[0]})       # the pool's socket, the spare job's pipes
        pool = socket.socket(fileno=fds[0])
        if mode != "plain" and scratch is not None:
            session_keeper.keep(template, pool, mode, scratch, me)
        jobs.detach(me)
        set_process_name("tg-session")
        session_server.serve(template, pool)
    os.close(fds[0])
    sock.send(json.dumps({"pid": pid}).encode())


def main() -> None:
    fd, kind, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    scratch = Path(sys.argv[4]) if len(sys.argv) > 4 else Path(tempfile.mkdtemp(prefix="tracegrade-zygote-"))
    sock = socket.socket(fileno=fd)         # when the pool goes away, recv() sees EOF: we exit
    sock.set_inheritable(False)             # (a sandbox's PID 1 is spawned from here)
    set_process_name(f"tg-zygote-{kind[0]}")
    os.chdir("/")
    import_only(kind)
    if len(sys.argv) <= 5 or sys.argv[5] != "cold":    # (cold: one grading only, for which
        (warm_untrusted if kind == "untrusted" else warm_trusted)()     # a warm-up is not worth it)
        gc.collect()
        gc.freeze()
        collapse_heap()
    sock.send(json.dumps({"ready": True, "pid": os.getpid(), "threads": threads()}).encode())
    serve(sock, kind, mode, scratch)


if __name__ == "__main__":
    main()
