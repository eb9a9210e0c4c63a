"""Getting results out of a sandbox: the layout of /out (seed folders, result.json) and copies
by the kernel (sendfile) of regular files only, never through a symlink, each under its cap.

What is copied out is readable by all (folders 0755, files 0644, whatever the umask), so that
phase 2's sandbox, whose uid is its own, can read the traces (its host folder is private).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Protocol


class HasOut(Protocol):
    """A sandbox root (graders.sandbox.root.Root) as far as copying out needs it."""
    out: str | Path

RESULT_FILE = "result.json"     # the student process (graders.grading.phase1) writes it last
RESULT_BYTES = 64 << 10


def seed_folder(seed: int) -> str:
    return f"seed-{int(seed)}"


def part_folder(seed: int) -> str:
    """Where a seed's folder is filled before it is renamed to seed_folder(seed)."""
    return f".seed-{int(seed)}.part"


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


def copy_out(folder, name: str, dst: Path, cap: int) -> None:
    """Copy folder/name to the new file dst if it is a regular file of at most cap bytes, never
    through a symlink (folder itself included), by the kernel."""
    top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        _copy_capped(top, name, Path(dst), cap)
    finally:
        os.close(top)


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
        if not dst.parent.is_dir():
            dst.parent.mkdir(parents=True)
            os.chmod(dst.parent, 0o755)
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            os.fchmod(out, 0o644)
            copied = _send(out, fd, cap + 1)
        finally:
            os.close(out)
        if copied > cap:
            os.unlink(dst)
    finally:
        os.close(fd)


def collect_outputs(root: HasOut, job: dict, trace_bytes: int, collected: set[int]) -> None:
    """Copy result.json and the seeds' traces not collected yet from the sandbox's /out to the
    host out_dir (see collect_seed)."""
    copy_out(root.out, RESULT_FILE, Path(job["out_dir"]) / RESULT_FILE, RESULT_BYTES)
    for seed in job["seeds"]:
        collect_seed(root, job, int(seed), trace_bytes, collected)


def collect_seed(root: HasOut, job: dict, seed: int, trace_bytes: int, collected: set[int]) -> None:
    """Copy seed-N/trace.{json,safetensors} from the sandbox's /out to the host out_dir, once
    (added to collected): regular files only, never through a symlink, each under its size cap;
    the host folder appears whole (graders.pool.stream)."""
    if seed in collected:
        return
    collected.add(seed)
    host = Path(job["out_dir"])
    try:
        d = os.open(f"{root.out}/{seed_folder(seed)}", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        for name in ("trace.json", "trace.safetensors"):
            _copy_capped(d, name, host / part_folder(seed) / name, trace_bytes)
    finally:
        os.close(d)
    if (host / part_folder(seed)).is_dir():
        os.rename(host / part_folder(seed), host / seed_folder(seed))
