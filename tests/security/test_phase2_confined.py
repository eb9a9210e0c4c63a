"""Threat: an instructor's graders (phase 2) reach what is not theirs. On a server shared by
several courses, an uploaded grader must not read the database, the instance's secret key, the
server's environment or another course's hidden files, and must not reach the network.

Phase 2 runs in a sandbox of its own (graders.sandbox.grader_view, docs/security.md "Phase 2").
Here an exercise of course A, stored where the server stores exercise versions in a real instance
folder (a SQLite database, the generated secret key, the workers' wake-up sockets, course B's
version with its hidden solution beside it), gets a hostile hidden grader: each of its tests
tries one thing and passes only if it got nothing, and a last test reports what every attempt
saw. It is graded on every path a phase-2 job takes: the server worker's `Grader()` (collected
sessions, phase 2 alongside phase 1), a session not streamed, a grader process of its own (the
command line's one-shot pool), and all of it rootless (user namespaces). The same grader graded
without the sandbox does read all of it: the attempts are real.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders import Exercise, Grader
from graders.pool import WarmPool
from graders.sandbox import grader_view, probe
from tests.conftest import EXERCISES, GOOD_TRAIN_STEP, require_service

CANARY = "P2CANARY" + secrets.token_hex(6)
ENV = {"TRACEGRADE_SECRET_KEY": f"{CANARY}-env-secret-key",
       "TRACEGRADE_DATABASE_URL": f"postgresql://tracegrade:{CANARY}-dbpass@db/tracegrade",
       "DATABASE_URL": f"postgresql://tracegrade:{CANARY}-dbpass@db/tracegrade"}
MARK = "P2OWN" + secrets.token_hex(6)            # in course A's own files: readable by its graders
SUBMISSION = f"# {MARK}-submission\n" + GOOD_TRAIN_STEP
HOSTILE = "test_hostile.py"
ATTEMPTS = ("database", "secret_key", "other_course", "instance_listing", "environment",
            "write_host", "tcp", "unix_stream", "unix_wake", "unix_abstract", "walk")

GRADER = r'''
import json, os, socket, time
import pytest

T = json.loads(TARGETS)
SEEN = {}


def read(path):
    try:
        with open(path, "rb") as f:
            return "READ " + f.read(160).decode("latin-1")
    except OSError as e:
        return "blocked " + type(e).__name__


def blocked(name, outcome):
    SEEN[name] = outcome
    assert outcome.startswith("blocked"), outcome


@pytest.mark.points(1)
def test_database():
    blocked("database", read(T["database"]))


@pytest.mark.points(1)
def test_secret_key():
    blocked("secret_key", read(T["secret_key"]))


@pytest.mark.points(1)
def test_other_course():
    blocked("other_course", read(T["other_solution"]))


@pytest.mark.points(1)
def test_instance_listing():
    try:
        blocked("instance_listing", "READ " + " ".join(sorted(os.listdir(T["instance"]))))
    except OSError as e:
        blocked("instance_listing", "blocked " + type(e).__name__)


@pytest.mark.points(1)
def test_environment():
    leaks = [f"env {k}={v}" for k, v in os.environ.items()
             if any(s in f"{k}={v}" for s in T["secret_names"])]
    pids = sorted({int(p) for p in os.listdir("/proc") if p.isdigit()} | set(T["pids"]))
    for pid in pids:
        for name in ("environ", "cmdline"):
            got = read(f"/proc/{pid}/{name}")
            if got.startswith("READ") and any(s in got for s in T["secret_names"]):
                leaks.append(f"/proc/{pid}/{name}: {got}")
    blocked("environment", "READ " + " | ".join(leaks) if leaks else
            f"blocked (processes seen: {len([p for p in os.listdir('/proc') if p.isdigit()])})")


@pytest.mark.points(1)
def test_write_host():
    done = []
    for path in (T["instance"] + "/planted-by-grader", "/job/out/planted-by-grader",
                 "/exercise/planted-by-grader", "/job/source"):
        try:
            with open(path, "a") as f:
                f.write("x")
            done.append(path)
        except OSError:
            pass
    blocked("write_host", "READ wrote " + " ".join(done) if done else "blocked (all four)")


def connect(family, kind, address, send=False):
    s = None
    try:
        s = socket.socket(family, kind)
        s.settimeout(2)
        if send:
            s.sendto(b"x", address)
        else:
            s.connect(address)
            s.sendall(b"x")
        return "READ connected"
    except OSError as e:
        return "blocked " + type(e).__name__
    finally:
        if s is not None:
            s.close()


@pytest.mark.points(1)
def test_tcp():
    blocked("tcp", connect(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", T["tcp_port"])))


@pytest.mark.points(1)
def test_unix_stream():
    blocked("unix_stream", connect(socket.AF_UNIX, socket.SOCK_STREAM, T["unix_stream"]))


@pytest.mark.points(1)
def test_unix_wake():
    blocked("unix_wake", connect(socket.AF_UNIX, socket.SOCK_DGRAM, T["unix_wake"], send=True))


@pytest.mark.points(1)
def test_unix_abstract():
    blocked("unix_abstract", connect(socket.AF_UNIX, socket.SOCK_STREAM, "\0" + T["abstract"]))


@pytest.mark.points(1)
def test_walk():
    # every solution, secret key or database file in sight, and what it holds
    found, start = {}, time.monotonic()
    skip = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"}
    for folder, subs, files in os.walk("/"):
        if time.monotonic() - start > 5:
            break
        subs[:] = [d for d in subs if os.path.join(folder, d) not in skip and d not in
                   ("site-packages", "dist-packages", "__pycache__", ".git", ".venv", "node_modules")]
        for f in files:
            if f in ("solution.py", "secret_key") or f.endswith(".sqlite"):
                found[os.path.join(folder, f)] = read(os.path.join(folder, f))
    SEEN["walk"] = found
    assert found.get("/exercise/solution.py", "").startswith("READ"), sorted(found)


@pytest.mark.points(1)
def test_own_exercise_job_and_submission_are_readable(student, reference, source):
    """The control: its own exercise version, the student's trace and the submission"""
    with open("/exercise/solution.py") as f:
        assert T["mark"] in f.read(), "not its own solution"
    assert T["mark"] in source, "not this job's submission"
    assert student.steps("loss") and reference.steps("loss")


@pytest.mark.points(0)
def test_zz_report():
    raise AssertionError("REPORT " + json.dumps(SEEN))
'''


@dataclass
class Server:
    """An instance folder as the server keeps it, with course A's hostile exercise in it."""

    instance: Path
    exercise: Exercise
    secrets: list[str]            # strings that must never come out of a grading
    tcp: socket.socket
    unix_stream: socket.socket
    unix_wake: socket.socket
    abstract: socket.socket

    def no_connection_reached_the_host(self) -> list[str]:
        """Which listeners got a connection or a datagram (none, when confined)."""
        reached = []
        for name, s in (("tcp", self.tcp), ("unix_stream", self.unix_stream), ("abstract", self.abstract)):
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.accept()[0].close()
                reached.append(name)
        self.unix_wake.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while self.unix_wake.recv(16):
                reached.append("unix_wake")
        return sorted(set(reached))


def _version(instance: Path, course: str, source: Path) -> Path:
    """Where the server snapshots an exercise version (server.catalog: exercises/COURSE/SLUG/HASH)."""
    folder = instance / "exercises" / course / source.name / secrets.token_hex(8)
    shutil.copytree(source, folder)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from server.config import DB_FILE, SECRET_KEY_FILE, prepare_instance

    avail = probe()
    require_service("the sandbox", avail.available, avail.reason)
    instance = tmp_path_factory.mktemp("phase2") / "instance"
    prepare_instance(instance)                         # the generated secret key
    key = (instance / SECRET_KEY_FILE).read_text().strip()
    db = sqlite3.connect(instance / DB_FILE)
    db.execute("create table users (email text, password_hash text)")
    db.execute("insert into users values (?, ?)", ("admin@example.org", f"{CANARY}-password-hash"))
    db.commit()
    db.close()
    other = _version(instance, "course-b", EXERCISES / "one-training-step")
    (other / "solution.py").write_text((other / "solution.py").read_text() + f"\n# {CANARY}-course-b\n")
    own = _version(instance, "course-a", EXERCISES / "one-training-step")
    (own / "solution.py").write_text((own / "solution.py").read_text() + f"\n# {MARK}\n")
    (instance / "wake").mkdir()
    listeners = {}
    listeners["tcp"] = socket.create_server(("127.0.0.1", 0))
    listeners["unix_stream"] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listeners["unix_stream"].bind(str(instance / "wake" / "stream.sock"))
    listeners["unix_stream"].listen()
    listeners["unix_wake"] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)   # as server.grading.wakeup
    listeners["unix_wake"].bind(str(instance / "wake" / "worker-1.sock"))
    abstract = f"tracegrade-test-{secrets.token_hex(6)}"
    listeners["abstract"] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listeners["abstract"].bind("\0" + abstract)
    listeners["abstract"].listen()
    # a process of the server with the secrets in its environment (as the worker has them)
    worker = subprocess.Popen(["sleep", "600"], env={**ENV, "PATH": "/usr/bin:/bin"})
    targets = {"database": str(instance / DB_FILE), "secret_key": str(instance / SECRET_KEY_FILE),
               "other_solution": str(other / "solution.py"), "instance": str(instance),
               "secret_names": [*ENV, *ENV.values()], "pids": [os.getpid(), worker.pid],
               "tcp_port": listeners["tcp"].getsockname()[1],
               "unix_stream": str(instance / "wake" / "stream.sock"),
               "unix_wake": str(instance / "wake" / "worker-1.sock"), "abstract": abstract,
               "mark": MARK}
    (own / "graders" / "hidden").mkdir(exist_ok=True)
    (own / "graders" / "hidden" / HOSTILE).write_text(f"TARGETS = {json.dumps(json.dumps(targets))}\n" + GRADER)
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)                      # the worker's environment, as its pool starts
    try:
        yield Server(instance, Exercise.load(own), [CANARY, key], **listeners)
    finally:
        worker.kill()
        worker.wait()
        for s in listeners.values():
            s.close()
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _report(result) -> dict:
    message = next(t.message for t in result.tests if t.name == "zz report")
    assert message.startswith("REPORT "), message
    return json.loads(message[len("REPORT "):])


def _statuses(result) -> dict:
    return {t.name: t.status for t in result.tests}


def _text(result) -> str:
    return "\n".join([result.message, result.stdout, result.stderr,
                      *(f"{t.name} {t.message}" for t in result.tests)])


def assert_confined(server: Server, result) -> None:
    """Every attempt ran and got nothing; the grader's own files worked; nothing left the sandbox."""
    assert result.verdict.value == "graded", (result.verdict, result.message, result.stderr[-3000:])
    seen = _report(result)
    assert set(seen) == set(ATTEMPTS), seen                     # each attempt ran
    for name in ATTEMPTS:
        if name != "walk":
            assert seen[name].startswith("blocked"), (name, seen[name])
    assert seen["walk"].get("/exercise/solution.py", "").startswith("READ"), seen["walk"]
    for path, got in seen["walk"].items():       # (the engine's own template is public)
        assert path == "/exercise/solution.py" or "/graders/scaffold/" in path, (path, got)
    statuses = _statuses(result)
    for name in ATTEMPTS:
        assert statuses[name.replace("_", " ")] == "passed", (name, seen.get(name))
    control = next(t for t in result.tests if t.name.startswith("The control"))
    assert control.status == "passed", (control.message, result.stderr[-3000:])
    text = _text(result)
    for s in server.secrets:
        assert s not in text
    assert server.no_connection_reached_the_host() == []
    assert not (server.instance / "planted-by-grader").exists()
    assert result.score == result.max_score         # (the report fails on purpose: worth 0)


def _grade(grader: Grader, server: Server):
    return grader.grade(server.exercise, SUBMISSION, seeds=[42])


def test_the_server_worker_s_grader_confines_phase_2(server):
    """What server/grading/worker.py grades with: `Grader()`, the default warm pool, its
    collected sessions (phase 2 alongside phase 1 when the pool is idle)."""
    with Grader() as g:
        assert g.sandboxed and "both phases" in g.backend.description
        for _ in range(2):                      # the session's first job, and a warm one
            assert_confined(server, _grade(g, server))
        assert g.backend.session_pids()


def test_a_session_not_streamed_is_confined(server):
    pool = WarmPool(size=1, sandbox_mode="require", warm=False)
    pool.stream_when_idle = False
    with Grader(pool) as g:
        assert_confined(server, _grade(g, server))
        assert pool.session_pids()


def test_a_grader_process_of_its_own_is_confined(server):
    """The command line's one-shot pool (no sessions): the process that runs one job's graders."""
    with Grader(one_shot=True) as g:
        assert not g.backend.use_sessions
        assert_confined(server, _grade(g, server))


@pytest.mark.parametrize("use_sessions", [True, False], ids=["session", "one job"])
def test_rootless_phase_2_is_confined(server, use_sessions):
    """In a user namespace (the server run without root), both ways."""
    with Grader(WarmPool(size=1, sandbox_mode="userns", use_sessions=use_sessions, warm=False)) as g:
        assert_confined(server, _grade(g, server))


def test_without_the_sandbox_the_same_grader_reads_everything(server):
    """The attempts are real: unsandboxed (mode "off", not for servers) the hostile grader
    reads the database, the secret key, another course's solution and the worker's environment,
    and reaches every listener; so the tests above would see a leak."""
    with Grader(WarmPool(size=1, sandbox_mode="off", warm=False)) as g:
        result = _grade(g, server)
    seen = _report(result)
    for name in ("database", "secret_key", "other_course", "instance_listing", "environment",
                 "write_host", "tcp", "unix_stream", "unix_wake", "unix_abstract"):
        assert seen[name].startswith("READ"), (name, seen[name])
    text = _text(result)
    assert all(s in text for s in server.secrets)
    assert sorted(server.no_connection_reached_the_host()) == ["abstract", "tcp", "unix_stream", "unix_wake"]
    (server.instance / "planted-by-grader").unlink()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _status(pid: int) -> dict:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _assert_sandboxed(pid: int) -> None:
    """From outside: other namespaces than ours, its own uid, no capabilities, seccomp."""
    for ns in ("mnt", "net", "pid", "ipc", "uts"):
        assert os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}"), ns
    status = _status(pid)
    uid = int(status["Uid"].split()[0])
    assert uid >= 1_000_000 if os.getuid() == 0 else uid == os.getuid(), status["Uid"]
    assert int(status["CapEff"], 16) == 0 and status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"


def test_phase_2_processes_are_sandboxed_seen_from_outside(server):
    """The session and the waiting grader process, looked at from the host: new mount, network,
    PID, IPC and UTS namespaces, a uid of their own, no capabilities, no_new_privs, seccomp."""
    pool = WarmPool(size=1, sandbox_mode="require", warm=False)
    with Grader(pool) as g:
        _grade(g, server)
        sessions = [c for k in pool.session_pids() for c in _children(k) if _comm(c) == "tg-session"]
        assert sessions, [(_comm(c), c) for k in pool.session_pids() for c in _children(k)]
        waiting = [c for z in pool.zygote_pids("trusted") for k in _children(z) if _comm(k) == "tg-keeper-2"
                   for c in _children(k) if _comm(c) == "tg-grader"]
        assert waiting, [_comm(c) for z in pool.zygote_pids("trusted") for c in _children(z)]
        for pid in sessions + waiting:
            _assert_sandboxed(pid)
        env = b"".join(Path(f"/proc/{pid}/environ").read_bytes() for pid in pool.session_pids())
        assert CANARY.encode() not in env and b"DATABASE_URL" not in env


def test_the_grader_process_sees_sandbox_paths():
    """The job as the grader process gets it: the exercise under /exercise, the job under /job,
    results into /out; a path outside the exercise folder is refused."""
    job = {"exercise_dir": "/srv/instance/exercises/a/ex/1234", "graders": [
        "/srv/instance/exercises/a/ex/1234/graders/test_a.py",
        "/srv/instance/exercises/a/ex/1234/graders/hidden/test_b.py"],
        "reference_dir": "/srv/instance/exercises/a/ex/1234/traces", "student_dir": "/dev/shm/t/out",
        "source_file": "/dev/shm/t/phase2/step.py", "tmp_dir": "/dev/shm/t/phase2",
        "job_file": "/dev/shm/t/phase2/job.json", "results_file": "/dev/shm/t/phase2/results.json",
        "seeds": [42]}
    inner = grader_view.grader_job(job, "/tmp/job")
    assert inner["graders"] == ["/exercise/graders/test_a.py", "/exercise/graders/hidden/test_b.py"]
    assert (inner["exercise_dir"], inner["reference_dir"]) == ("/exercise", "/exercise/traces")
    assert (inner["student_dir"], inner["source_file"]) == ("/job/out", "/job/source")
    assert (inner["tmp_dir"], inner["job_file"], inner["results_file"]) == (
        "/tmp/job", "/tmp/job/job.json", "/out/results.json")
    assert inner["confined"] and inner["seeds"] == [42]
    assert "/srv" not in json.dumps({k: v for k, v in inner.items() if k != "seeds"})
    with pytest.raises(OSError, match="not inside the exercise folder"):
        grader_view.grader_job({**job, "reference_dir": "/srv/instance/exercises/b/ex/9/traces"}, "/tmp/job")
