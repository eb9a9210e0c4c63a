"""The sandbox's root: a minimal filesystem (read-only system and Python files, a few devices,
the exercise's public files) with private size-capped tmpfs for /tmp and /out, and pivot_root.

The keeper process builds a root before its job is known (`build_root`), puts the job's files in
(`fill_root`); the student process enters it (`enter_root`). Phase 2's root is the same with a
/job view on top (graders.sandbox.grader_view). See docs/security.md.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from graders.sandbox.copyout import copy_file
from graders.sandbox.syscalls import (
    CLONE_NEWNS, KEEP_FLAGS, MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_NOSYMFOLLOW,
    MS_RDONLY, MS_REMOUNT, SYS_PIVOT_ROOT, SandboxError, b, check, libc, mount, unshare,
)

ENGINE_DIR = Path(__file__).resolve().parent.parent     # graders/, shown read-only inside
UID_BASE = 1_000_000           # sandbox uid = UID_BASE + a pid that lives as long as the sandbox
DEVICES = ("null", "zero", "full", "random", "urandom")
OUT, TMP, WORK, EXERCISE = "/out", "/tmp", "/tmp/work", "/exercise"
JOB = "/job"                   # phase 2: where one job's host folders are bound in (grader_view)
TMP_FLAGS, OUT_FLAGS = MS_NOSUID | MS_NODEV, MS_NOSUID | MS_NODEV | MS_NOEXEC
EXERCISE_MB = 256              # cap on an exercise's public files, copied into the sandbox
USUAL_SEEDS = 3                # /out is sized for this many seeds until a job says otherwise


# ---- what the sandbox shows -------------------------------------------------------------------
def readonly_paths() -> list[str]:
    """Host paths shown read-only inside: the OS libraries, the Python standard library, the
    installed packages and the engine's own package; never the project folder itself."""
    paths = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache"]
    cfg = sysconfig.get_paths()
    paths += [cfg["stdlib"], cfg["platstdlib"], cfg["purelib"], cfg["platlib"]]
    paths += [p for p in sys.path if p.endswith(("site-packages", "dist-packages", "lib-dynload"))]
    paths.append(str(ENGINE_DIR))
    out = []
    for p in sorted(set(map(os.path.abspath, paths)), key=len):
        if os.path.lexists(p) and not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


@dataclass(frozen=True)
class Bind:
    """One host path shown inside, as looked up once: a symlink (copied as a link), a folder or
    a file (bound read-only, keeping the source mount's locked flags)."""

    src: str
    link: str | None
    is_dir: bool
    keep: int
    extra: int


_plan: tuple[tuple[Bind, ...], tuple[str, ...]] | None = None


def bind_plan() -> tuple[tuple[Bind, ...], tuple[str, ...]]:
    """What every root shows, looked up once per process (a zygote calls it before it forks its
    job processes, which then only mount): the binds, and the host paths they show."""
    global _plan
    if _plan is None:
        shown = tuple(readonly_paths())
        wanted = [(p, MS_NODEV) for p in shown]
        wanted += [(f"/dev/{d}", MS_NOEXEC) for d in DEVICES if os.path.exists(f"/dev/{d}")]
        binds = []
        for src, extra in wanted:
            link = os.readlink(src) if os.path.islink(src) else None
            keep = 0 if link is not None else os.statvfs(src).f_flag & KEEP_FLAGS
            binds.append(Bind(src, link, os.path.isdir(src), keep, extra))
        _plan = (tuple(binds), shown)
    return _plan


@dataclass
class Root:
    """A built sandbox root, as its keeper sees it."""

    path: Path          # the root tmpfs (read-only once built)
    uid: int            # the uid student code runs as (0 inside a user namespace)
    userns: bool
    sizes: tuple = ()   # the size options /tmp and /out have now
    out_flags: int = 0  # the mount flags of /out
    shown: tuple = ()   # the host paths bound read-only inside
    public: tuple = ()  # what /exercise holds: (exercise folder, public files with their stat)

    @property
    def owner(self) -> str:
        return f"mode=0700,uid={self.uid},gid={self.uid}"

    @staticmethod
    def sizes_for(limits, seeds: int) -> tuple[str, str]:
        """The size options of /tmp and /out for these limits and this many seeds."""
        seeds = max(1, seeds)
        return (f"size={limits.tmpfs_mb}m,nr_inodes=4096",
                f"size={limits.trace_mb * seeds + 1}m,nr_inodes={64 * seeds + 64}")

    @property
    def out(self) -> Path:
        return self.path / OUT.lstrip("/")


def _bind(b: Bind, dst: Path) -> None:
    """Show b at dst: the same symlink, or a read-only bind mount."""
    if b.link is not None:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(b.link, dst)
        return
    if b.is_dir:
        dst.mkdir(parents=True, exist_ok=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.touch()
    mount(b.src, dst, None, MS_BIND)
    mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | b.keep | b.extra)


def build_root(limits, base: Path, userns: bool, uid: int | None = None, job_view=None) -> Root:
    """Mount the sandbox's root at base (an empty directory), before any job is known: read-only
    system and Python files, a few devices, an empty /exercise, a private /tmp (cwd /tmp/work)
    and /out for the traces, each a size-capped tmpfs. `fill_root` adds the job's files. uid:
    the student's (default: UID_BASE + this process's pid; 0 in a user namespace). job_view:
    called with the path of /job before the root is made read-only (phase 2's sandbox)."""
    if uid is None:
        uid = 0 if userns else UID_BASE + os.getpid()
    base.mkdir(mode=0o700, exist_ok=True)
    mount("tmpfs", base, "tmpfs", MS_NOSUID, "size=4m,nr_inodes=8192,mode=0755")
    binds, shown = bind_plan()
    root = Root(base, uid, userns, Root.sizes_for(limits, USUAL_SEEDS), shown=shown)
    tmp_size, out_size = root.sizes
    # the private /tmp first, so a Python installation or engine that lives under /tmp (a
    # checkout in /tmp, say) is bound on top of it instead of being hidden by it
    (base / TMP.lstrip("/")).mkdir()
    mount("tmpfs", base / "tmp", "tmpfs", TMP_FLAGS, f"{tmp_size},{root.owner}")
    (base / "dev").mkdir()
    for b in binds:
        _bind(b, base / b.src.lstrip("/"))
    for d in ("proc", ".oldroot", TMP.lstrip("/"), OUT.lstrip("/"), EXERCISE.lstrip("/")):
        (base / d).mkdir(exist_ok=True)
    if job_view is not None:
        job_view(base / JOB.lstrip("/"))
    mount("tmpfs", base / EXERCISE.lstrip("/"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
          f"size={EXERCISE_MB}m,nr_inodes=4096,mode=0755")
    try:        # nosymfollow (Linux >= 5.10): nothing on /out is followed, by anyone
        mount("tmpfs", base / "out", "tmpfs", OUT_FLAGS | MS_NOSYMFOLLOW, f"{out_size},{root.owner}")
        root.out_flags = OUT_FLAGS | MS_NOSYMFOLLOW
    except SandboxError:
        root.out_flags = OUT_FLAGS
        mount("tmpfs", base / "out", "tmpfs", OUT_FLAGS, f"{out_size},{root.owner}")
    work = base / WORK.lstrip("/")
    work.mkdir()
    os.chown(work, uid, uid)
    mount(None, base, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID)
    return root


def fill_root(root: Root, job: dict, limits) -> None:
    """Put the job into a built root: copies of the exercise's public files at /exercise (read-
    only; already there when put_public guessed them), the submission in /tmp/work, /tmp and
    /out resized to the job's limits. Mounts and files made here are seen by a student process
    that entered the root already."""
    put_public(root, job["exercise_dir"], job.get("public_files", []))
    sizes = Root.sizes_for(limits, len(job.get("seeds", [])))
    for name, flags, old, new in zip(("tmp", "out"), (TMP_FLAGS, root.out_flags), root.sizes, sizes):
        if new != old:        # a tmpfs resized here is resized in every namespace that mounts it
            mount(None, root.path / name, None, MS_REMOUNT | flags, new)
    root.sizes = sizes
    sub = root.path / WORK.lstrip("/") / job["submission"]
    copy_file(Path(job["work_dir"]) / job["submission"], sub)
    os.chown(sub, root.uid, root.uid)


def put_public(root: Root, exercise_dir: str, files: list[str]) -> None:
    """Copy an exercise's public files (regular files inside exercise_dir only) to the root's
    /exercise, read-only; nothing to do when it holds these very files already (same paths,
    sizes and times: a keeper copies its zygote's previous exercise ahead)."""
    exercise_dir = os.path.abspath(exercise_dir)
    for p in root.shown:
        if exercise_dir == p or exercise_dir.startswith(p + "/"):
            raise SandboxError(0, f"the exercise folder {exercise_dir} lies inside {p}, which the "
                                  f"sandbox shows to student code; move the course elsewhere")
    found = []
    for p in files:
        rel = os.path.relpath(os.path.abspath(p), exercise_dir)
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and not rel.startswith(".."):
            found.append((rel, st.st_size, st.st_mtime_ns, p))
    public = (exercise_dir, tuple(found))
    if public == root.public:
        return
    umask = os.umask(0o022)             # folders the sandbox's own uid can enter, whatever the umask
    try:
        _copy_public(root, found)
    finally:
        os.umask(umask)
    root.public = public


def _copy_public(root: Root, found: list) -> None:
    """Replace what /exercise holds with found's files: (relative path, size, mtime, host path)."""
    ex = root.path / EXERCISE.lstrip("/")
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    if root.public:                             # another exercise's files: out with them
        mount(None, ex, None, MS_REMOUNT | flags)
        for entry in os.scandir(ex):
            shutil.rmtree(entry.path) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
    for rel, _size, _mtime, p in found:
        (ex / rel).parent.mkdir(parents=True, exist_ok=True)
        copy_file(p, ex / rel)
        os.chmod(ex / rel, 0o644)
    mount(None, ex, None, MS_REMOUNT | MS_RDONLY | flags)


def put_likely(root: Root, likely: dict | None) -> None:
    """Copy ahead the public files of the exercise a prepared sandbox's job will likely be for
    (its zygote's previous job's); a guess only: fill_root puts the job's own files in."""
    if likely and likely.get("exercise_dir"):
        try:
            put_public(root, likely["exercise_dir"], likely.get("public_files") or [])
        except (OSError, SandboxError):
            pass


def remove_root(root: Root) -> None:
    """Unmount a root and remove its mount point (after every process inside has gone)."""
    libc.umount2(b(root.path), MNT_DETACH)
    try:
        root.path.rmdir()
    except OSError:
        pass


def inner_job(job: dict) -> dict:
    """The job as the student process sees it: sandbox paths instead of host paths."""
    def inside(path: str) -> str:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(job["exercise_dir"]))
        return os.path.normpath(os.path.join(EXERCISE, rel))
    return {**job, "work_dir": WORK, "out_dir": OUT, "tmp_dir": TMP, "exercise_dir": EXERCISE,
            "scenario": inside(job["scenario"]), "data_dir": inside(job["data_dir"]),
            "public_files": [inside(p) for p in job.get("public_files", [])]}


def enter_root(root: Root) -> None:
    """Called by the student process (PID 1 of the new PID namespace) while still privileged:
    its own mount namespace, a /proc that shows only the sandbox, pivot_root into the new root,
    the host tree detached."""
    unshare(CLONE_NEWNS)
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY
    try:       # only the sandbox's own processes, no host-wide files (Linux >= 5.8)
        mount("proc", root.path / "proc", "proc", flags, "subset=pid")
    except SandboxError:
        mount("proc", root.path / "proc", "proc", flags)
    old = root.path / ".oldroot"
    check(libc.syscall(SYS_PIVOT_ROOT, b(root.path), b(old)), "pivot_root")
    os.chdir("/")
    check(libc.umount2(b"/.oldroot", MNT_DETACH), "umount old root")
