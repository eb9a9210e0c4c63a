"""What a phase-2 grader process sees. Phase 2 runs graders an instructor wrote, so it is confined
like phase 1 (own namespaces, own uid, no network, seccomp) in a root built the same way
(graders.sandbox.root): the read-only system, Python and engine files, a private /tmp and /out,
a fresh /proc; then

  /exercise     a copy of the whole exercise version (graders, hidden ones included, reference
                traces, solution), read-only, made when the sandbox gets its exercise;
  /job/out      one job's student traces (the host folder phase 1's keeper copies them to),
  /job/source   that job's submission, both bound in read-only while the job runs;
  /out          where the grader process writes results.json, which its keeper copies out.

Nothing else of the host: not the instance folder, the database, other exercises, other jobs.

A keeper (graders.pool: a collected session's, or one job's) builds the root (`build`), puts the
exercise in (`put_exercise`), and binds each job in and out (`bind_job`, `unbind_job`); the
grader process enters the root like a student process (graders.sandbox.contain.prepare_student)
before any grader code runs. /job is a shared mount: the binds its keeper makes after the grader
process has entered the root reach the grader process's mount namespace (mount propagation);
the grader process itself cannot mount anything (no capabilities, seccomp).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from graders.sandbox.copyout import copy_out
from graders.sandbox.root import EXERCISE, JOB, OUT, Root, build_root, put_public
from graders.sandbox.syscalls import (
    MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REMOUNT, MS_SHARED,
    SandboxError, b, libc, mount,
)

JOB_OUT, JOB_SOURCE = f"{JOB}/out", f"{JOB}/source"
STAGE = "/.job-stage"        # where the keeper makes a job's read-only binds (a private mount)
RESULTS_FILE = "results.json"        # what graders.grading.plugin writes, in /out
RESULTS_BYTES = 16 << 20
VIEW_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC


def _job_view(path: Path) -> None:
    """/job: a tiny read-only tmpfs holding the two mount points, shared (see the module doc);
    and the keeper's staging mount points beside it (empty folders in the grader's view)."""
    for name in ("out", "src"):
        (path.parent / STAGE.lstrip("/") / name).mkdir(parents=True)
    path.mkdir()
    mount("tmpfs", path, "tmpfs", VIEW_FLAGS, "size=64k,nr_inodes=16,mode=0755")
    (path / "out").mkdir(mode=0o755)
    (path / "source").touch(mode=0o644)
    mount(None, path, None, MS_REMOUNT | MS_RDONLY | VIEW_FLAGS)
    mount(None, path, None, MS_SHARED)


def build(base: Path, userns: bool, limits) -> Root:
    """A phase-2 root at base (an empty folder), in this process's new mount namespace: the
    phase-1 root (graders.sandbox.root.build_root: limits sizes /tmp and /out) plus /job."""
    return build_root(limits, base, userns, job_view=_job_view)


def exercise_files(exercise_dir: str | os.PathLike) -> list[str]:
    """Every file of an exercise folder but __pycache__ (put_public keeps the regular ones)."""
    out = []
    for folder, subfolders, files in os.walk(exercise_dir):     # (symlinked folders not followed)
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        out += [os.path.join(folder, f) for f in sorted(files)]
    return out


def put_exercise(root: Root, exercise_dir: str | os.PathLike) -> None:
    """Copy the whole exercise version to /exercise, read-only (nothing when it is there already)."""
    put_public(root, str(exercise_dir), exercise_files(exercise_dir))


def bind_job(root: Root, student_dir: str, source_file: str) -> None:
    """Show one job's student traces at /job/out and its submission at /job/source, read-only
    (whatever was bound there before is unbound first). Both are made readable by all first:
    the grader process has a uid of its own, and the host folder above them stays private.

    A bind mount propagates with the flags of its source, not with the read-only flag a later
    remount sets (that one stays in the keeper's namespace): so each host path is first bound
    read-only at a staging point under the root, whose mount is private, and bound from there."""
    unbind_job(root)
    stage, view = root.path / STAGE.lstrip("/"), root.path / JOB.lstrip("/")
    os.chmod(student_dir, 0o755)
    os.chmod(source_file, 0o644)
    folder, name = os.path.split(os.path.abspath(source_file))
    try:
        for src, dst in ((student_dir, stage / "out"), (folder, stage / "src")):
            mount(src, dst, None, MS_BIND)
            mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | VIEW_FLAGS)
        mount(stage / "out", view / "out", None, MS_BIND)
        mount(stage / "src" / name, view / "source", None, MS_BIND)
    finally:
        for d in ("out", "src"):
            while libc.umount2(b(stage / d), MNT_DETACH) == 0:
                pass


def unbind_job(root: Root) -> None:
    """Take the job's folders out of /job again (in every namespace that sees them)."""
    view = root.path / JOB.lstrip("/")
    for name in ("out", "source"):
        while libc.umount2(b(view / name), MNT_DETACH) == 0:
            pass


def take_results(root: Root, dst: str | os.PathLike) -> None:
    """Copy /out/results.json (regular file, no symlink, capped) to dst on the host, then
    empty /out for the next job."""
    try:
        copy_out(root.out, RESULTS_FILE, Path(dst), RESULTS_BYTES)
    except OSError:
        pass                            # (no results: the Grader says so)
    for entry in os.scandir(root.out):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def grader_job(job: dict, tmp_dir: str) -> dict:
    """A phase-2 job as the grader process sees it: the exercise's paths under /exercise, the
    job's under /job, its results into /out, its own files in tmp_dir (inside its /tmp)."""
    exercise = os.path.abspath(job["exercise_dir"])

    def inside(path: str) -> str:
        rel = os.path.relpath(os.path.abspath(path), exercise)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise SandboxError(0, f"{path} is not inside the exercise folder {exercise}")
        return os.path.normpath(os.path.join(EXERCISE, rel))
    return {**job, "exercise_dir": EXERCISE, "graders": [inside(g) for g in job["graders"]],
            "reference_dir": inside(job["reference_dir"]), "student_dir": JOB_OUT,
            "source_file": JOB_SOURCE, "tmp_dir": tmp_dir, "job_file": f"{tmp_dir}/job.json",
            "results_file": f"{OUT}/{RESULTS_FILE}", "confined": True}
