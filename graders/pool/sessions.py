"""Collected grader sessions for phase 2: a fork of the trusted zygote runs pytest up to the end
of collection for one exercise's graders (all its seeds), then forks one child per job that
runs only that job's tests. Saves pytest's start-up, plugin registration, fixture parsing and
collection on every grading (about 70 ms of ~160 here).

A session never runs student code, but it runs graders an instructor wrote: sandboxed, it runs
in a sandbox of its own that its keeper made (graders.pool.session_keeper). A job whose seeds
were not collected, or graders that do not collect cleanly, go the plain way (phase2.run).
This module is what the pool needs (light: no torch, no pytest); graders.pool.session_server
is the session itself.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

INFO_FILE, TENSORS_FILE = "trace.json", "trace.safetensors"   # as in graders.trace.store


def key(job: dict) -> str | None:
    """What a session depends on: every file of the exercise folder (a sandboxed session holds a
    copy of it: graders and their helper modules, exercise.toml, the reference traces it
    preloads, data), the grader files wherever they are, and the seeds it collects. None when
    the job cannot use a session. (Checked on every job: plain os calls, no pathlib.)"""
    if "all_seeds" not in job or not set(job["seeds"]) <= set(job["all_seeds"]):
        return None
    parts = [json.dumps([sorted(job["graders"]), sorted(job["all_seeds"])])]
    exercise = job["exercise_dir"]
    files = _files_under(exercise)
    for folder in sorted({os.path.dirname(g) for g in job["graders"]}):
        if not _inside(folder, exercise):
            files += _files_under(folder)
    if not _inside(job["reference_dir"], exercise):
        for seed in sorted(job["all_seeds"]):
            files += [os.path.join(job["reference_dir"], f"seed-{seed}", name) for name in (INFO_FILE, TENSORS_FILE)]
    for p in files:
        try:
            st = os.stat(p)
            if stat.S_ISREG(st.st_mode):
                parts.append(f"{p}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(f"{p}:missing")
    return "\n".join(parts)


def _inside(path: str, folder: str) -> bool:
    return (path + "/").startswith(folder.rstrip("/") + "/")


def _files_under(folder: str) -> list[str]:
    out = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return out
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            if e.name != "__pycache__":
                out += _files_under(e.path)
        else:
            out.append(e.path)
    return out


def template(job: dict, folder: Path) -> dict:
    """The job a session collects with: every seed, its own scratch folder."""
    folder.mkdir(parents=True, exist_ok=True)
    t = {**job, "seeds": list(job["all_seeds"]), "tmp_dir": str(folder),
         "job_file": str(folder / "job.json"), "results_file": str(folder / "unused.json")}
    Path(t["job_file"]).write_text(json.dumps(t), encoding="utf-8")
    return t
