"""Notice, without polling, that a file was written in a folder: closed after writing, or renamed
into it (Linux inotify).

The sandbox's watcher uses it to learn that the student process has finished its work (it
writes result.json last) without holding any channel the student code could write to.
"""
from __future__ import annotations

import ctypes
import os
import struct

IN_CLOSE_WRITE, IN_MOVED_TO = 0x8, 0x80     # (events lost to an overflow: the exit still counts)
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
_EVENT = struct.Struct("iIII")          # wd, mask, cookie, len (then len bytes of name)
_libc = ctypes.CDLL(None, use_errno=True)


class ClosedAfterWriting:
    """Events for files of one folder at a time closed after writing or renamed into it;
    `fileno()` for select. One instance serves folder after folder (`watch`, `unwatch`): closing
    an inotify instance waits for an RCU grace period (6 to 15 ms here), removing a watch not."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.fd = _libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        self.wd = None
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if folder is not None:
            try:
                self.watch(folder)
            except OSError:
                os.close(self.fd)
                raise

    def watch(self, folder: str | os.PathLike) -> None:
        """Watch folder (instead of the folder watched so far)."""
        self.unwatch()
        wd = _libc.inotify_add_watch(self.fd, os.fsencode(folder), IN_CLOSE_WRITE | IN_MOVED_TO)
        if wd < 0:
            e = ctypes.get_errno()
            raise OSError(e, f"inotify_add_watch {folder}")
        self.wd = wd

    def unwatch(self) -> None:
        """Stop watching; events still queued for the old folder are never reported."""
        if self.wd is not None:
            _libc.inotify_rm_watch(self.fd, self.wd)
            self.wd = None

    def fileno(self) -> int:
        return self.fd

    def names(self) -> list[str]:
        """The names written (closed or renamed in) in the watched folder since the last call
        (empty when none)."""
        try:
            data = os.read(self.fd, 64 << 10)
        except BlockingIOError:
            return []
        out, pos = [], 0
        while pos + _EVENT.size <= len(data):
            wd, _, _, n = _EVENT.unpack_from(data, pos)
            raw = data[pos + _EVENT.size:pos + _EVENT.size + n]
            pos += _EVENT.size + n
            if wd == self.wd and raw:
                out.append(raw.split(b"\0", 1)[0].decode("utf-8", "replace"))
        return out

    def close(self) -> None:
        os.close(self.fd)
