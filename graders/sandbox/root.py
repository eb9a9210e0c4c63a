"""Phase-1 isolation on Linux: new mount/PID/IPC/UTS/network namespaces (plus a user namespace
when not root), a minimal read-only filesystem with private size-capped tmpfs, a fresh uid.

The job process (W, trusted) calls `enter_namespaces` and `build_root` before its job arrives,
then `fill_root`; the student process (T) calls `enter_root` and `drop_privileges`. W copies the results
out with `collect_outputs` once every process in the sandbox is gone.
See docs/security.md for the threat model.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from graders import stream

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOSYMFOLLOW = 256
KEEP_FLAGS = 1 | 2 | 4 | 8 | 1024 | 2048 | 4096   # RDONLY NOSUID NODEV NOEXEC NOATIME NODIRATIME RELATIME
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 1, 24, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SYS_PIVOT_ROOT, SYS_CAPSET = 155, 126
UID_BASE = 1_000_000           # sandbox uid = UID_BASE + a pid that lives as long as the sandbox
DEVICES = ("null", "zero", "full", "random", "urandom")
RESULT_BYTES = 64 << 10
OUT, TMP, WORK, EXERCISE = "/out", "/tmp", "/tmp/work", "/exercise"
TMP_FLAGS, OUT_FLAGS = MS_NOSUID | MS_NODEV, MS_NOSUID | MS_NODEV | MS_NOEXEC
EXERCISE_MB = 256              # cap on an exercise's public files, copied into the sandbox
USUAL_SEEDS = 3                # /out is sized for this many seeds until a job says otherwise

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SandboxError(OSError):
    """The sandbox could not be set up (the job is not run without it)."""


def _check(ret: int, what: str) -> None:
    if ret != 0:
        e = ctypes.get_errno()
        raise SandboxError(e, f"{what}: {os.strerror(e)}")


def _b(s) -> bytes | None:
    return None if s is None else os.fsencode(s)


def mount(src, target, fstype, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


# ---- what the sandbox shows -------------------------------------------------------------------
def readonly_paths() -> list[str]:
    """Host paths shown read-only inside: the OS libraries, the Python standard library, the
    installed packages and the engine's own package; never the project folder itself."""
    import graders
    paths = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache"]
    cfg = sysconfig.get_paths()
    paths += [cfg["stdlib"], cfg["platstdlib"], cfg["purelib"], cfg["platlib"]]
    paths += [p for p in sys.path if p.endswith(("site-packages", "dist-packages", "lib-dynload"))]
    paths.append(str(Path(graders.__file__).resolve().parent))
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
    """A built sandbox root, as the job process sees it."""

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


def enter_namespaces(userns: bool) -> None:
    """New mount, PID, IPC, UTS and network namespaces for this process's future children
    (a user namespace first when not root); mounts made from now on stay private."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET
    unshare(flags | (CLONE_NEWUSER if userns else 0))
    if userns:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    _libc.sethostname(b"sandbox", 7)


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


def build_root(limits, base: Path, userns: bool, uid: int | None = None) -> Root:
    """Mount the sandbox's root at base (an empty directory), before any job is known: read-only
    system and Python files, a few devices, an empty /exercise, a private /tmp (cwd /tmp/work)
    and /out for the traces, each a size-capped tmpfs. `fill_root` adds the job's files. uid:
    the student's (default: UID_BASE + this process's pid; 0 in a user namespace)."""
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
    sizes and times: a job process copies its zygote's previous exercise ahead)."""
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
    root.public = public


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
    _libc.umount2(_b(root.path), MNT_DETACH)
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


# ---- inside --------------------------------------------------------------------------------
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
    _check(_libc.syscall(SYS_PIVOT_ROOT, _b(root.path), _b(old)), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.oldroot", MNT_DETACH), "umount old root")


def drop_privileges(root: Root) -> None:
    """Called by the student process: a uid of its own with no capabilities (or, inside a user
    namespace, uid 0 of that namespace with every capability dropped)."""
    os.chdir(WORK)
    if not root.userns:
        os.setgroups([])
        os.setresgid(root.uid, root.uid, root.uid)
        os.setresuid(root.uid, root.uid, root.uid)
        return
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)       # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.syscall(SYS_CAPSET, header, data), "capset")


# ---- getting results out --------------------------------------------------------------------
def _send(out: int, src: int, limit: int) -> int:
    """Copy up to limit bytes from src to out by the kernel (sendfile): the bytes never enter
    this process's memory, which may be a zygote's that later student processes are forked
    from. Returns the bytes copied."""
    copied = 0
    while copied < limit:
        n = os.sendfile(out, src, None, limit - copied)
        if n == 0:
            break
        copied += n
    return copied


def copy_file(src, dst) -> None:
    """Copy the regular file src (not through a symlink) to a new file dst, by the kernel."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            _send(out, fd, os.fstat(fd).st_size)
        finally:
            os.close(out)
    finally:
        os.close(fd)


def _copy_capped(src_dir: int, name: str, dst: Path, cap: int) -> None:
    """Copy src_dir/name to dst if it is a regular file of at most cap bytes (no symlinks), by
    the kernel; a file still growing past cap is refused."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_dir)
    except OSError:
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
            return
        dst.parent.mkdir(parents=True, exist_ok=True)
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            copied = _send(out, fd, cap + 1)
        finally:
            os.close(out)
        if copied > cap:
            os.unlink(dst)
    finally:
        os.close(fd)


def collect_outputs(root: Root, job: dict, trace_bytes: int, collected: set[int]) -> None:
    """Copy result.json and the seeds' traces not collected yet from the sandbox's /out to the
    host out_dir (see collect_seed)."""
    top = os.open(root.out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        _copy_capped(top, "result.json", Path(job["out_dir"]) / "result.json", RESULT_BYTES)
    finally:
        os.close(top)
    for seed in job["seeds"]:
        collect_seed(root, job, int(seed), trace_bytes, collected)


def collect_seed(root: Root, job: dict, seed: int, trace_bytes: int, collected: set[int]) -> None:
    """Copy seed-N/trace.{json,safetensors} from the sandbox's /out to the host out_dir, once
    (added to collected): regular files only, never through a symlink, each under its size cap;
    the host folder appears whole (graders.stream)."""
    if seed in collected:
        return
    collected.add(seed)
    host = Path(job["out_dir"])
    try:
        d = os.open(f"{root.out}/{stream.seed_folder(seed)}", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        for name in ("trace.json", "trace.safetensors"):
            _copy_capped(d, name, host / stream.part_folder(seed) / name, trace_bytes)
    finally:
        os.close(d)
    if (host / stream.part_folder(seed)).is_dir():
        os.rename(host / stream.part_folder(seed), host / stream.seed_folder(seed))


# ---- can we? ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Availability:
    """Whether phase 1 can be isolated on this machine, and how."""

    available: bool
    userns: bool
    seccomp: bool
    reason: str


_PROBE = r"""
import json, os, sys, tempfile, types
pkg = types.ModuleType("graders"); pkg.__path__ = [sys.argv[1]]; sys.modules["graders"] = pkg
from graders import sandbox, seccomp
userns = os.getuid() != 0
try:
    sandbox.enter_namespaces(userns)
    sandbox.mount("tmpfs", tempfile.gettempdir(), "tmpfs", sandbox.MS_NOSUID, "size=1m")
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install()
            os._exit(0)
        except BaseException:
            os._exit(3)
    secc = os.waitpid(pid, 0)[1] == 0
    print(json.dumps({"available": True, "userns": userns, "seccomp": secc, "reason": ""}))
except Exception as e:
    print(json.dumps({"available": False, "userns": userns, "seccomp": False, "reason": str(e)}))
"""
_probed: Availability | None = None


def probe() -> Availability:
    """Try the namespaces, a tmpfs mount and seccomp in a throwaway process (cached)."""
    global _probed
    if _probed is None:
        if not sys.platform.startswith("linux"):
            _probed = Availability(False, False, False, f"namespaces need Linux (this is {sys.platform})")
            return _probed
        pkg_dir = str(Path(__file__).resolve().parent)
        try:
            out = subprocess.run([sys.executable, "-I", "-c", _PROBE, pkg_dir], capture_output=True,
                                 text=True, timeout=30, env={"PATH": "/usr/bin:/bin"}).stdout
            _probed = Availability(**json.loads(out.strip().splitlines()[-1]))
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
            _probed = Availability(False, False, False, f"the sandbox probe failed: {e}")
    return _probed
