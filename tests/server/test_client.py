"""The bundle extractor behind `tracegrade fetch` refuses archives that would write outside the
destination, and keeps the student's files unless told otherwise."""
from __future__ import annotations

import io
import zipfile

import pytest

from server.api_client import ApiError, safe_extract


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["ex/../../evil.py", "/etc/evil.py", "ex/../../../tmp/x"])
def test_paths_outside_the_destination_are_refused(tmp_path, name):
    with pytest.raises(ApiError, match="unsafe path"):
        safe_extract(make_zip({name: b"x"}), tmp_path / "dest", strip=1)
    assert not (tmp_path / "evil.py").exists()


def test_existing_files_are_kept_unless_overwrite(tmp_path):
    data = make_zip({"ex/step.py": b"new", "ex/README.md": b"readme"})
    dest = tmp_path / "ex"
    dest.mkdir()
    (dest / "step.py").write_text("my work")
    written = safe_extract(data, dest, strip=1)
    assert [p.name for p in written] == ["README.md"] and (dest / "step.py").read_text() == "my work"
    safe_extract(data, dest, overwrite=True, strip=1)
    assert (dest / "step.py").read_text() == "new"
