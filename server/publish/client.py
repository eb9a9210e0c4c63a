"""The API calls of `tracegrade push` and `pull` (standard library only): upload an exercise
folder as a .tar.gz (multipart), and download the instructor's folder of a published exercise.
"""
from __future__ import annotations

import io
import json
import secrets
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from server.api_client import MAX_BUNDLE_BYTES, ApiClient, ApiError

SKIP = ("__pycache__", ".git", ".pytest_cache", ".ipynb_checkpoints")


def pack(folder: Path) -> bytes:
    """folder as a .tar.gz under its own name, without caches and version-control folders."""
    def keep(info: tarfile.TarInfo):
        parts = Path(info.name).parts
        if any(p in SKIP for p in parts) or info.name.endswith(".pyc"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        t.add(folder, arcname=folder.resolve().name, filter=keep)
    return buf.getvalue()


class Refused(ApiError):
    """The server checked the exercise and refused it; report is its report."""

    def __init__(self, message: str, report: dict):
        super().__init__(message, 422)
        self.report = report


class PublishClient(ApiClient):
    def push(self, course: str, archive: bytes, dry_run: bool = False, mutants: bool = False) -> dict:
        """Upload the archive; returns {"slug", "version", "report"}; raises Refused on 422.
        mutants: the server also grades the solution's mutants and reports the figure."""
        boundary = "tracegrade-" + secrets.token_hex(12)
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n"
            f"{'true' if dry_run else 'false'}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"mutants\"\r\n\r\n"
            f"{'true' if mutants else 'false'}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; "
            f"filename=\"exercise.tar.gz\"\r\nContent-Type: application/gzip\r\n\r\n".encode(),
            archive, f"\r\n--{boundary}--\r\n".encode()])
        req = urllib.request.Request(
            f"{self.base}/api/v1/courses/{course}/exercises", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                     "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = {}
            if e.code == 422 and isinstance(doc.get("report"), dict):
                raise Refused(doc.get("error", "refused"), doc["report"]) from None
            raise ApiError(f"{doc.get('error') or e.reason} (HTTP {e.code})", e.code) from None
        except (urllib.error.URLError, OSError) as e:
            raise ApiError(f"cannot reach {self.base}: {getattr(e, 'reason', e)}") from None

    def source(self, course: str, exercise: str) -> bytes:
        raw, _ = self._request("GET", f"/api/v1/courses/{course}/exercises/{exercise}/source")
        if len(raw) > MAX_BUNDLE_BYTES:
            raise ApiError("the exercise folder is larger than 64 MB")
        return raw
