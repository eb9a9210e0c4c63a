"""A small client of the JSON API (standard library only), used by `tracegrade submit` and
`tracegrade fetch`, and a safe extractor for the exercise bundles it downloads.
"""
from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

MAX_BUNDLE_BYTES = 64 << 20


class ApiError(Exception):
    """The server said no (or could not be reached); the message is the server's."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ApiClient:
    def __init__(self, server: str, token: str, timeout: float = 30.0):
        self.base = server.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[bytes, str]:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read(MAX_BUNDLE_BYTES + 1), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("error") or e.reason
            except ValueError:
                message = e.reason
            raise ApiError(f"{message} (HTTP {e.code})", e.code) from None
        except (urllib.error.URLError, OSError) as e:
            raise ApiError(f"cannot reach {self.base}: {getattr(e, 'reason', e)}") from None

    def _json(self, method: str, path: str, body: dict | None = None) -> dict:
        raw, _ = self._request(method, path, body)
        return json.loads(raw)

    def submit(self, course: str, exercise: str, code: str) -> dict:
        return self._json("POST", "/api/v1/submissions",
                          {"course": course, "exercise": exercise, "code": code})

    def submission(self, sid: int) -> dict:
        return self._json("GET", f"/api/v1/submissions/{int(sid)}")

    def wait(self, sid: int, timeout: float = 300.0, interval: float = 0.1) -> dict:
        """Poll until the submission is graded or failed (or timeout: the last state)."""
        deadline = time.monotonic() + timeout
        while True:
            sub = self.submission(sid)
            if sub["status"] in ("graded", "error") or time.monotonic() > deadline:
                return sub
            time.sleep(interval)
            interval = min(interval * 1.5, 1.0)

    def exercises(self, course: str) -> dict:
        return self._json("GET", f"/api/v1/courses/{course}/exercises")

    def bundle(self, course: str, exercise: str) -> bytes:
        raw, _ = self._request("GET", f"/api/v1/courses/{course}/exercises/{exercise}/bundle")
        if len(raw) > MAX_BUNDLE_BYTES:
            raise ApiError("the exercise bundle is larger than 64 MB")
        return raw


def safe_extract(data: bytes, dest: Path, overwrite: bool = False, strip: int = 0) -> list[Path]:
    """Extract a zip into dest, dropping `strip` leading folders of each name: no absolute paths,
    no '..', no links, bounded size; existing files are kept unless overwrite. Returns the files
    written."""
    dest = dest.resolve()
    written = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_BUNDLE_BYTES:
            raise ApiError("the exercise bundle unpacks to more than 64 MB")
        for info in infos:
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ApiError(f"refusing an unsafe path in the bundle: {info.filename!r}")
            parts = name.parts[strip:]
            if not parts:
                continue
            target = (dest / Path(*parts)).resolve()
            if not target.is_relative_to(dest):
                raise ApiError(f"refusing an unsafe path in the bundle: {info.filename!r}")
            if target.exists() and not overwrite:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            written.append(target)
    return written
