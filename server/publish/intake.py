"""Safe intake of an uploaded exercise archive (.zip or .tar.gz): every entry is checked before
anything is written, then the regular files are unpacked, with size limits, into a fresh folder.

Refused with ArchiveError (what was wrong, where, what to do): archives over the size limit,
zip bombs (unpacked size and file count), '..' or absolute paths, links, device files, names that
are not UTF-8, and archives with no exercise.toml at the top or in their one top-level folder.
"""
from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SKIPPED = ("__MACOSX", "__pycache__", ".DS_Store")   # what desktop archivers add; never kept
CHUNK = 1 << 16


class ArchiveError(Exception):
    """The archive is refused; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class ArchiveLimits:
    archive_bytes: int = 16 << 20      # the upload itself
    unpacked_bytes: int = 64 << 20     # all files together once unpacked
    files: int = 1000                  # regular files in it
    depth: int = 12                    # folders deep

    def describe(self) -> str:
        return (f"{human_size(self.archive_bytes)} archive, {human_size(self.unpacked_bytes)} unpacked, "
                f"{self.files} files")


def human_size(n: int) -> str:
    """A byte count for people: '16 MB', '4 KB', '900 bytes'."""
    for unit, shift in (("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.3g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Entry:
    name: PurePosixPath      # the path inside the exercise folder (top-level folder stripped)
    size: int
    member: object           # the ZipInfo or TarInfo it comes from


def unpack(data: bytes, dest: Path, limits: ArchiveLimits = ArchiveLimits()) -> Path:
    """Unpack the archive bytes into dest (created; must not exist) and return the exercise
    folder inside it. Raises ArchiveError, leaving dest absent, when the archive is refused."""
    if len(data) > limits.archive_bytes:
        raise ArchiveError(f"the archive is {human_size(len(data))}; the limit is "
                           f"{human_size(limits.archive_bytes)}. Leave out large data files and "
                           f"__pycache__ folders.")
    if data[:2] == b"\x1f\x8b":
        opener = _TarReader
    elif data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        opener = _ZipReader
    else:
        raise ArchiveError("the upload is not a .zip or .tar.gz archive. Pack the exercise folder "
                           "with `zip -r ex.zip FOLDER` or `tar czf ex.tar.gz FOLDER`.")
    with opener(data) as reader:
        entries = _plan(reader.entries(limits), limits)
        dest.mkdir(parents=True)
        try:
            for e in entries:
                _write(reader, e, dest, limits)
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as err:
            _remove(dest)
            raise ArchiveError(f"a name in the archive is both a file and a folder "
                               f"({Path(err.filename or '').name}); rename one.") from None
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as err:
            _remove(dest)
            raise ArchiveError(f"the archive is damaged ({err}); make it again.") from None
        except BaseException:
            _remove(dest)
            raise
    return dest


def _plan(raw: list[tuple[str, int, object]], limits: ArchiveLimits) -> list[Entry]:
    """Check names and totals; strip one top-level folder when exercise.toml is inside it."""
    names: list[tuple[PurePosixPath, int, object]] = []
    seen = set()
    for name, size, member in raw:
        path = _safe_name(name)
        if any(p in SKIPPED for p in path.parts):
            continue
        if len(path.parts) > limits.depth:
            raise ArchiveError(f"'{name}' is more than {limits.depth} folders deep.")
        if path in seen:
            raise ArchiveError(f"'{name}' is in the archive twice.")
        seen.add(path)
        names.append((path, size, member))
    if len(names) > limits.files:
        raise ArchiveError(f"the archive holds more than {limits.files} files. An exercise folder "
                           f"needs far fewer: leave out data sets and caches.")
    if sum(n for _, n, _ in names) > limits.unpacked_bytes:
        raise ArchiveError(f"the archive unpacks to more than {human_size(limits.unpacked_bytes)}.")
    tops = {p.parts[0] for p, _, _ in names}
    if PurePosixPath("exercise.toml") in seen:
        strip = 0
    elif len(tops) == 1 and PurePosixPath(next(iter(tops)), "exercise.toml") in seen:
        strip = 1
    else:
        raise ArchiveError("the archive has no exercise.toml at its top or in its one top-level "
                           "folder. Archive the exercise folder itself (the one holding "
                           "exercise.toml).")
    return [Entry(PurePosixPath(*p.parts[strip:]), size, m) for p, size, m in names
            if len(p.parts) > strip]


def _safe_name(name: str) -> PurePosixPath:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ArchiveError(f"the name {name!r} is not UTF-8. Rename the file with plain "
                           f"letters, digits, '-', '_' and '.'.") from None
    if "\x00" in name or "\\" in name:
        raise ArchiveError(f"the name {name!r} holds a backslash or a NUL byte; use '/' between "
                           f"folders.")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/"):
        raise ArchiveError(f"'{name}' is an absolute path; archive the folder with relative paths.")
    if ".." in path.parts:
        raise ArchiveError(f"'{name}' contains '..'; every file must stay inside the exercise folder.")
    if not path.parts or path.parts == (".",):
        raise ArchiveError(f"the archive holds an entry with an empty name ({name!r}).")
    return path


def _write(reader, e: Entry, dest: Path, limits: ArchiveLimits) -> None:
    target = dest.joinpath(*e.name.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with reader.open(e.member) as src, open(target, "xb") as out:
        while chunk := src.read(CHUNK):
            written += len(chunk)
            reader.unpacked += len(chunk)
            if written > e.size or reader.unpacked > limits.unpacked_bytes:
                raise ArchiveError(f"'{e.name}' unpacks to more than the archive says it holds "
                                   f"(a zip bomb?); refused.")
            out.write(chunk)
    target.chmod(0o644)


def _remove(path: Path) -> None:
    import shutil
    shutil.rmtree(path, ignore_errors=True)


class _ZipReader:
    def __init__(self, data: bytes):
        try:
            self.z = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, UnicodeDecodeError, ValueError) as e:
            raise ArchiveError(f"the .zip archive cannot be read ({e}); make it again.") from None
        self.unpacked = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.z.close()

    def entries(self, limits: ArchiveLimits) -> list[tuple[str, int, object]]:
        out = []
        infos = self.z.infolist()
        if len(infos) > limits.files * 2:
            raise ArchiveError(f"the archive holds more than {limits.files} files.")
        for info in infos:
            name = info.filename
            if not info.flag_bits & 0x800:        # not marked UTF-8: zipfile read it as cp437
                try:
                    name = name.encode("cp437").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    raise ArchiveError(f"the name {info.filename!r} is not UTF-8. Rename the file "
                                       f"with plain letters, digits, '-', '_' and '.'.") from None
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                raise ArchiveError(f"'{name}' is a symbolic link; links are refused. Put the "
                                   f"file itself in the folder.")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise ArchiveError(f"'{name}' is not a regular file (a device, pipe or socket); "
                                   f"refused.")
            if info.is_dir() or kind == stat.S_IFDIR:
                _safe_name(name)
                continue
            out.append((name, info.file_size, info))
        return out

    def open(self, member):
        try:
            return self.z.open(member)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as e:
            raise ArchiveError(f"'{member.filename}' cannot be unpacked ({e}).") from None


class _TarReader:
    def __init__(self, data: bytes):
        try:
            self.t = tarfile.open(fileobj=io.BytesIO(data), mode="r:gz", encoding="utf-8",
                                  errors="surrogateescape")
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ArchiveError(f"the .tar.gz archive cannot be read ({e}); make it again.") from None
        self.unpacked = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.t.close()

    def entries(self, limits: ArchiveLimits) -> list[tuple[str, int, object]]:
        out, total = [], 0
        try:
            for m in self.t:          # streamed: a bomb is stopped before it is all read
                name = m.name
                if m.issym() or m.islnk():
                    raise ArchiveError(f"'{_shown(name)}' is a {'symbolic' if m.issym() else 'hard'} "
                                       f"link; links are refused. Put the file itself in the folder.")
                if m.isdir():
                    _safe_name(name)
                    continue
                if not m.isreg():
                    raise ArchiveError(f"'{_shown(name)}' is not a regular file (a device, pipe "
                                       f"or socket); refused.")
                total += m.size
                if len(out) >= limits.files or total > limits.unpacked_bytes:
                    raise ArchiveError(f"the archive holds more than {limits.files} files or "
                                       f"unpacks to more than {human_size(limits.unpacked_bytes)}.")
                out.append((name, m.size, m))
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ArchiveError(f"the .tar.gz archive cannot be read ({e}); make it again.") from None
        return out

    def open(self, member):
        f = self.t.extractfile(member)
        if f is None:
            raise ArchiveError(f"'{_shown(member.name)}' cannot be unpacked.")
        return f


def _shown(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode("utf-8")
