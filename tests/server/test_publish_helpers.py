"""Helpers of the publishing tests (no tests here): a small copy of the bundled zero-grad
exercise, packed as .zip or .tar.gz, and hand-made archives for the refusals."""
from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path

from tests.conftest import EXERCISES

SOURCE = EXERCISES / "zero-grad"


def exercise_copy(dest: Path, slug: str = "zero-grad-copy", public=(1,), hidden=(101,)) -> Path:
    """zero-grad with a new slug and two seeds (one public, one hidden): quick to check."""
    shutil.copytree(SOURCE, dest, ignore=shutil.ignore_patterns("__pycache__", "traces"))
    toml = (dest / "exercise.toml").read_text(encoding="utf-8")
    toml = toml.replace('slug = "zero-grad"', f'slug = "{slug}"')
    toml = toml.replace("public = [1, 7]", f"public = {list(public)}")
    toml = toml.replace("hidden = [101, 202, 303]", f"hidden = {list(hidden)}")
    (dest / "exercise.toml").write_text(toml, encoding="utf-8")
    return dest


def zip_folder(folder: Path, top: str | None = "") -> bytes:
    """folder as a zip; top: the top-level folder name ('' for the folder's name, None for none)."""
    top = folder.name if top == "" else top
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                rel = p.relative_to(folder).as_posix()
                z.write(p, f"{top}/{rel}" if top else rel)
    return buf.getvalue()


def tar_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        t.add(folder, arcname=folder.name)
    return buf.getvalue()


def zip_of(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
    return buf.getvalue()


def tar_of(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as t:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            t.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()
