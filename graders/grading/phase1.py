"""Phase 1, run inside the untrusted child: import the student's code, run the scenario for
each seed, write one trace per seed and a small result.json (a verdict when something failed).

Nothing written here is trusted by the parent: it is parsed as size-capped data.
"""
from __future__ import annotations

import errno
import json
import os
import resource
import traceback
from pathlib import Path

import torch

from graders.pool import stream
from graders import trace as tr
from graders.format.limits import Limits
from graders.format.scenario import MissingName, ScenarioContext, compile_submission, load_scenario

RESULT_FILE = "result.json"
ALLOWED_VERDICTS = {"ok", "syntax_error", "exception", "missing", "memory_limit", "output_limit"}


def set_memory_limit(memory_mb: int) -> None:
    """Cap the address space at what the process already maps plus memory_mb."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        base = pages * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        base = 0
    cap = base + memory_mb * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def apply_limits(limits: Limits) -> None:
    """The rlimits a phase-1 child sets on itself just before student code runs."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    fsize = limits.file_size_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    set_memory_limit(limits.memory_mb)


def run(job: dict, on_ready=lambda: None, on_done=lambda: None) -> None:
    """Run a phase-1 job (see runner.Grader._phase1) and write its outputs to job['out_dir'];
    on_ready() just before student code, on_done() just before result.json, written last."""
    out = Path(job["out_dir"])
    limits = Limits(**job["limits"])
    sub_path = Path(job["work_dir"]) / job["submission"]
    result = {"verdict": "ok", "message": "", "seeds": []}
    try:
        scenario = load_scenario(Path(job["scenario"]))
    except Exception as e:  # the instructor's scenario is broken: not the student's fault
        on_done()
        text = ("".join(traceback.format_exception_only(type(e), e)) if isinstance(e, SyntaxError)
                else author_traceback(e))
        _write(out, {"verdict": "internal", "message": f"scenario failed to load:\n{text}"[-3500:]})
        return
    torch.set_num_threads(1)
    on_ready()
    apply_limits(limits)
    try:
        compile_submission(sub_path)
        for seed in job["seeds"]:
            rec = tr.Recorder(max_bytes=limits.trace_bytes())
            ctx = ScenarioContext(seed, sub_path, Path(job["data_dir"]), job.get("requires", ()))
            with tr.use(rec):
                torch.manual_seed(seed)
                scenario.run(ctx)
            rec.trace.meta.update({"seed": seed, "torch": torch.__version__,
                                   "dtype": str(torch.get_default_dtype())})
            rec.trace.meta.update(job.get("meta", {}))
            tr.save_trace(rec.trace, out / stream.part_folder(seed))
            os.rename(out / stream.part_folder(seed), out / stream.seed_folder(seed))  # whole
            result["seeds"].append(seed)
    except SyntaxError as e:
        result = {"verdict": "syntax_error", "line": e.lineno,
                  "message": _syntax_message(e, job["submission"])}
    except MissingName as e:
        what = "a function" if e.kind == "function" else ("a class" if e.kind == "class" else "")
        result = {"verdict": "missing",
                  "message": f"{e.filename} must define {what} `{e.name}`, and it does not. "
                             f"Check the spelling and that it is at the top level of the file."}
    except tr.TraceLimitError:
        result = {"verdict": "output_limit", "message": limits.message("trace_mb")}
    except MemoryError:
        result = {"verdict": "memory_limit", "message": limits.message("memory_mb")}
    except BaseException as e:  # anything else the student's code (or our use of it) raised
        if _is_allocation_failure(e):
            result = {"verdict": "memory_limit", "message": limits.message("memory_mb")}
        else:
            message = student_traceback(e, job["submission"])
            hit = limit_hit(e)
            if hit:
                message = f"{limits.message(hit)[0].upper()}{limits.message(hit)[1:]}\n\n{message}"
            result = {"verdict": "exception", "message": message,
                      "detail": author_traceback(e)}
    on_done()
    _write(out, result)


def limit_hit(e: BaseException) -> str | None:
    """The Limits field an exception comes from, when it is one (no new process or thread, no
    space left in the private /tmp, too many open files, a file too large)."""
    if isinstance(e, RuntimeError) and "can't start new thread" in str(e):
        return "processes"
    errno_to_limit = {errno.EAGAIN: "processes", errno.ENOSPC: "tmpfs_mb", errno.EDQUOT: "tmpfs_mb",
                      errno.EMFILE: "open_files", errno.EFBIG: "file_size_mb"}
    if isinstance(e, OSError) and e.errno in errno_to_limit:
        name = errno_to_limit[e.errno]
        if name != "processes" or _in_process_start(e):
            return name
    return None


def _in_process_start(e: BaseException) -> bool:
    frames = traceback.extract_tb(e.__traceback__)
    names = {f.name for f in frames}
    return bool(names & {"_execute_child", "_launch", "start"}) or any("fork" in (f.line or "") for f in frames)


def _write(out: Path, result: dict) -> None:
    """Write result.json whole or not at all (renamed into place: the sandbox copies it out as
    soon as it appears, even if a process the submission forked also writes one)."""
    tmp = out / f".{RESULT_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.rename(tmp, out / RESULT_FILE)


def _is_allocation_failure(e: BaseException) -> bool:
    text = str(e)
    return isinstance(e, RuntimeError) and ("can't allocate memory" in text or "DefaultCPUAllocator" in text
                                            or "not enough memory" in text)


def _syntax_message(e: SyntaxError, filename: str) -> str:
    line = (e.text or "").rstrip("\n")
    where = f"{filename}, line {e.lineno}"
    caret = ""
    if line and e.offset:
        caret = "\n    " + line.strip() + "\n    " + " " * max(0, e.offset - 1 - (len(line) - len(line.lstrip()))) + "^"
    return f"{where}: {e.msg}{caret}"


def author_traceback(e: BaseException) -> str:
    """The whole traceback (scenario and engine frames too), for the exercise's author: shown
    when the solution itself fails under `tracegrade trace`, never to a student."""
    return "".join(traceback.format_exception(type(e), e, e.__traceback__))[-6000:]


def student_traceback(e: BaseException, filename: str) -> str:
    """The exception as the student should see it: only frames in their own file."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == filename]
    head = f"{type(e).__name__}: {e}".strip()
    if len(head) > 2000:
        head = head[:2000] + " ..."
    if not frames:
        return (f"{head}\nThis happened while the exercise used your code, not inside it: check "
                f"that your functions return what the exercise asks for (type and shape).")
    lines = ["Traceback (your code only):"]
    for f in frames[-8:]:
        lines.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line}")
    lines.append(head)
    return "\n".join(lines)
