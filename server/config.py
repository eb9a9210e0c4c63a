"""Where the server keeps its state (the instance folder) and how its settings are assembled.

Settings come from defaults, then TRACEGRADE_* environment variables, then a test's dict.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
DB_FILE = "tracegrade.sqlite"

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 512 * 1024,        # larger request bodies get 413
    "MAX_CODE_KB": 256,                      # a submission's code (the engine's source_kb)
    "OUTPUT_CAP": 64 * 1024,                 # stdout/stderr characters kept per submission
    "RATE_LIMIT_LOGIN": (100, 300),          # failed logins per address (any email) per seconds
    "LOGIN_LOCKOUT": (5, 30, 900),           # failures of one email from one address before a
                                             # delay, the first delay, the longest (seconds)
    "RATE_LIMIT_SIGNUP": (20, 300),          # failed sign-ups per address per seconds
    "RATE_LIMIT_SUBMIT": (30, 300),          # submissions per user per seconds
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "tracegrade_session",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "EXERCISES_DIR": "exercises",
    "TRUSTED_PROXIES": 0,                    # proxies in front whose X-Forwarded-* are believed
}


def instance_dir(value: str | os.PathLike | None = None) -> Path:
    """The instance folder: the argument, else TRACEGRADE_INSTANCE, else ./instance."""
    return Path(value or os.environ.get("TRACEGRADE_INSTANCE") or "instance").resolve()


def database_url(instance: Path) -> str:
    return os.environ.get("TRACEGRADE_DATABASE_URL") or f"sqlite:///{instance / DB_FILE}"


def broker_url() -> str | None:
    """TRACEGRADE_BROKER_URL (redis://HOST:6379/0): grading goes through Celery on that broker;
    None: the embedded worker polls the database. ValueError for a URL that is not Redis."""
    url = os.environ.get("TRACEGRADE_BROKER_URL", "").strip() or None
    if url and not url.startswith(("redis://", "rediss://", "redis+socket://")):
        raise ValueError(f"TRACEGRADE_BROKER_URL names a {url.split(':')[0]!r} broker: expected a Redis URL such as "
                         f"redis://HOST:6379/0 (Redis is the broker tracegrade uses), or unset it "
                         f"to grade from the database alone.")
    return url


def read_secret_key(instance: Path) -> str | None:
    if os.environ.get("TRACEGRADE_SECRET_KEY"):
        return os.environ["TRACEGRADE_SECRET_KEY"]
    path = instance / SECRET_KEY_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def prepare_instance(instance: Path) -> None:
    """Create the instance folder and its generated secret key (only once; never overwritten)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")


def settings(instance: Path, overrides: dict | None = None) -> dict:
    """The app's configuration mapping (no files are created)."""
    cfg = dict(DEFAULTS)
    cfg["INSTANCE"] = str(instance)
    cfg["DATABASE_URL"] = database_url(instance)
    cfg["SECRET_KEY"] = read_secret_key(instance)
    cfg["BROKER_URL"] = broker_url()
    secure = os.environ.get("TRACEGRADE_SECURE_COOKIES")
    if secure is not None:
        cfg["SESSION_COOKIE_SECURE"] = secure.lower() not in ("0", "false", "no")
    proxies = os.environ.get("TRACEGRADE_TRUSTED_PROXIES", "").strip()
    if proxies:
        if not proxies.isdigit():
            raise ValueError(f"TRACEGRADE_TRUSTED_PROXIES={proxies!r}: expected the number of "
                             f"proxies in front of the server, such as 1.")
        cfg["TRUSTED_PROXIES"] = int(proxies)
    if os.environ.get("TRACEGRADE_EXERCISES"):
        cfg["EXERCISES_DIR"] = os.environ["TRACEGRADE_EXERCISES"]
    cfg.update(overrides or {})
    return cfg
