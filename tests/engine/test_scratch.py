"""Where gradings keep their temporary files (graders.sandbox.scratch)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from graders.sandbox import scratch


def test_the_folder_named_in_the_environment_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv(scratch.ENV, str(tmp_path))
    with scratch.folder("tracegrade-") as d:
        assert Path(d).parent == tmp_path
        assert os.stat(d).st_mode & 0o777 == 0o700          # private to the grading user
    made = Path(scratch.make("tracegrade-pool-"))
    assert made.parent == tmp_path and made.is_dir()
    assert list(tmp_path.iterdir()) == [made]               # the `with` folder is gone


def test_memory_backed_folder_by_default_when_it_has_room(monkeypatch):
    monkeypatch.delenv(scratch.ENV, raising=False)
    try:
        st = os.statvfs(scratch.MEMORY_DIR)
        roomy = st.f_bavail * st.f_frsize >= scratch.MIN_FREE and os.access(scratch.MEMORY_DIR, os.W_OK)
    except OSError:
        roomy = False
    assert scratch.base() == (scratch.MEMORY_DIR if roomy else tempfile.gettempdir())


def test_folders_left_by_a_killed_process_are_swept_and_live_ones_kept(monkeypatch, tmp_path):
    """A server or worker killed with SIGKILL leaves its grading and pool folders behind; the
    next pool removes them, and never a folder whose process is still running."""
    import subprocess
    import sys
    monkeypatch.setenv(scratch.ENV, str(tmp_path))
    code = ("import os; from graders.sandbox import scratch; "
            "d = scratch.make('tracegrade-pool-'); os.makedirs(d + '/zygote-1/sandbox-7'); "
            "t = scratch.folder('tracegrade-'); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, scratch.ENV: str(tmp_path)})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 2 and left[0].startswith("tracegrade-") and left[1].startswith("tracegrade-pool-")
    mine = Path(scratch.make("tracegrade-pool-"))
    other = tmp_path / "unrelated-123-folder"
    other.mkdir()
    assert sorted(scratch.sweep()) == left
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])
