"""Account credentials: what an email address and a password must be (a password: 10+ characters,
not common, not the email, not blank), and password changes, which end the user's sessions.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from server.models import User
from server.security import hash_password

MIN_LENGTH = 10
MAX_LENGTH = 1024
COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
EMAIL_RE = re.compile(r"^[^@\s<>\"'`]{1,64}@[^@\s<>\"'`]{1,190}\.[^@\s<>\"'`.]{1,60}$")


def email_problem(email: str) -> str | None:
    """What is wrong with `email` (already stripped and lower-cased), or None."""
    if not EMAIL_RE.match(email) or len(email) > 254 or any(ord(c) < 32 for c in email):
        return "Enter a valid email address, such as ada@example.org (no spaces, quotes, < or >)."
    return None


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def password_problem(password: str, email: str) -> str | None:
    """What is wrong with `password` for the account `email`, as a sentence for the person
    choosing it; None when it is acceptable."""
    if not password.strip():
        return "Choose a password that is not only spaces."
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    folded = password.strip().lower()
    email = email.strip().lower()
    if folded in (email, email.partition("@")[0]):
        return "Choose a password that is not your email address."
    if folded in common_passwords() or len(set(folded)) == 1:
        return "That password is one of the most common ones. Choose a less guessable one."
    return None


def end_sessions(user: User) -> None:
    """Every session of `user` opened so far stops working at its next request (the caller
    commits). To keep the current browser logged in, log it in again afterwards."""
    user.session_version = (user.session_version or 0) + 1


def set_password(user: User, password: str) -> None:
    """Store a new password (already checked with `password_problem`) and end every session of
    the user (the caller commits)."""
    user.password_hash = hash_password(password)
    end_sessions(user)
