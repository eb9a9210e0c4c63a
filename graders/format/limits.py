"""Resource limits of one grading job, each with a default and a student-readable message.

`Limits` is the one place where limits are named; exercise.toml may override them under [limits].
`contradictions()` finds limits that defeat each other (`tracegrade check` reports them).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """Limits applied to the untrusted phase (student code) of one grading job."""

    wall_seconds: float = 10.0      # wall-clock time of phase 1 (all seeds), killed by the parent
    cpu_seconds: int = 10           # CPU time (RLIMIT_CPU)
    memory_mb: int = 1024           # memory the student code may add (RLIMIT_AS above the start)
    output_kb: int = 64             # stdout + stderr kept and allowed
    file_size_mb: int = 40          # largest file the student code may write (RLIMIT_FSIZE);
                                    # the trace file too: at least trace_mb + TRACE_HEADER_MB
    open_files: int = 64            # RLIMIT_NOFILE
    processes: int = 0              # extra processes or threads the student code may start
    source_kb: int = 256            # largest submission accepted
    trace_mb: int = 32              # largest trace the scenario may record
    tmpfs_mb: int = 64              # private writable working directory (sandbox)

    MESSAGES = {
        "wall_seconds": "your code ran longer than {wall_seconds:g} seconds and was stopped. "
                        "Look for a loop that never ends or far more steps than the exercise asks.",
        "cpu_seconds": "your code used more than {cpu_seconds} seconds of CPU time and was stopped. "
                       "Look for a loop that never ends or far more work than the exercise asks.",
        "memory_mb": "your code used more than {memory_mb} MB of memory and was stopped. "
                     "Look for tensors much larger than the data, or results kept in a growing list.",
        "output_kb": "your code printed more than {output_kb} KB and was stopped. "
                     "Remove the prints inside loops.",
        "file_size_mb": "your code tried to write a file larger than {file_size_mb} MB.",
        "open_files": "your code had more than {open_files} files open at once. "
                      "Close files when you are done with them (use `with open(...)`).",
        "processes": "your code tried to start more processes or threads than this exercise "
                     "allows ({processes} besides the main one). Do the work in the main process.",
        "tmpfs_mb": "your code wrote more than {tmpfs_mb} MB of files. "
                    "Keep results in memory, or write much less.",
        "source_kb": "your submission is larger than {source_kb} KB. Submit only the exercise file.",
        "trace_mb": "your code produced more than {trace_mb} MB of results. "
                    "Train only for the steps the exercise asks.",
    }

    def trace_bytes(self) -> int:
        """What the recorder may hold: trace_mb, and never so much that the trace file (tensors
        plus its header) would pass the file-size limit it is written under."""
        return max(min(self.trace_mb, self.file_size_mb - TRACE_HEADER_MB), 0) << 20

    def contradictions(self) -> list[tuple[str, str]]:
        """(key, the problem and its fix) for limits that make others meaningless or wrong."""
        out = []
        for name in POSITIVE:
            if getattr(self, name) <= 0:
                out.append((name, f"{name} = {getattr(self, name):g} leaves no room to run: it "
                                  f"must be positive (the default is {getattr(Limits, name):g})."))
        if self.file_size_mb < self.trace_mb + TRACE_HEADER_MB:
            out.append(("file_size_mb", f"file_size_mb = {self.file_size_mb} is too small for "
                        f"trace_mb = {self.trace_mb}: the trace is written as one file under the "
                        f"file-size limit, so a large trace would stop with the students' message "
                        f"\"file larger than {self.file_size_mb} MB\". Set file_size_mb to at "
                        f"least {self.trace_mb + TRACE_HEADER_MB} or lower trace_mb."))
        if self.cpu_seconds > self.wall_seconds and self.processes == 0:
            out.append(("cpu_seconds", f"cpu_seconds = {self.cpu_seconds} is more than "
                        f"wall_seconds = {self.wall_seconds:g}: student code runs one thread, so "
                        f"the wall clock always stops it first and the CPU limit never applies. "
                        f"Make cpu_seconds at most wall_seconds (or allow processes)."))
        return out

    def message(self, name: str) -> str:
        """The student-facing sentence for a limit that was hit."""
        return self.MESSAGES[name].format(**asdict(self))

    def with_overrides(self, overrides: dict) -> "Limits":
        """A copy with the given fields replaced (values already validated)."""
        return replace(self, **overrides)

    @classmethod
    def field_types(cls) -> dict[str, type]:
        return {f.name: (float if f.type in ("float", float) else int) for f in fields(cls)}

    def to_dict(self) -> dict:
        return asdict(self)


# room for the trace file's header (names, shapes and offsets of up to 20,000 entries)
TRACE_HEADER_MB = 2
# limits that must be above zero for any code to run (processes may be 0: no extra ones)
POSITIVE = ("wall_seconds", "cpu_seconds", "memory_mb", "output_kb", "file_size_mb", "open_files",
            "source_kb", "trace_mb", "tmpfs_mb")
