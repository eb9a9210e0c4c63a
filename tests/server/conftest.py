"""Fixtures of the server tests: a fresh app and SQLite database per test (copied from one
migrated, synced template instance), row factories, a logged-in client, and a live worker.
Modules marked `both_databases` run each test on SQLite and on PostgreSQL (tests/server/pg.py).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from server import create_app
from server.catalog import sync_course
from server.db import Database
from server.migrate import upgrade
from server.models import ApiToken, Course, Enrollment, Submission, User
from server.security import hash_password, new_api_token
from tests.conftest import EXERCISES
from tests.server.live import LiveWorker
from tests.server.pg import PostgresTemplate, postgres_admin_url

COURSE = "backprop"
EXERCISE = "one-training-step"
PASSWORD = "correct horse battery"


def write_course(folder: Path, slugs=(EXERCISE,), slug: str = COURSE) -> Path:
    """A course folder with the named bundled exercises (symlinked; sync copies them)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(f'"{s}"' for s in slugs)
    (folder / "course.toml").write_text(f'slug = "{slug}"\ntitle = "Test course {slug}"\n'
                                        f'exercises = [{listed}]\n', encoding="utf-8")
    for s in slugs:
        if not (folder / s).exists():
            (folder / s).symlink_to(EXERCISES / s)
    return folder


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory) -> Path:
    """One instance migrated with the real Alembic migrations and holding the test course."""
    root = tmp_path_factory.mktemp("template")
    instance = root / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'tracegrade.sqlite'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        sync_course(s, write_course(root / "course"), instance)
    db.dispose()
    return instance


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_databases") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    """The database the test runs on: "sqlite" unless the module is marked both_databases."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_template(template_instance, tmp_path_factory):
    """A PostgreSQL database migrated and synced like template_instance (skips without one)."""
    template = PostgresTemplate(postgres_admin_url(), tmp_path_factory.mktemp("pg-template"))
    template.build(lambda url, instance: _prepare(url, instance))
    yield template
    template.drop()


def _prepare(url: str, instance: Path) -> None:
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        sync_course(s, write_course(instance.parent / "course"), instance)
    db.dispose()


def make_app(instance: Path, **overrides):
    config = {"INSTANCE": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'tracegrade.sqlite'}",
              "SECRET_KEY": "test-secret", "TESTING": True, "SESSION_COOKIE_SECURE": False}
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def database_url(backend, request, tmp_path):
    """The test's own database URL (SQLite: the instance's file; PostgreSQL: a fresh copy of
    the template database, dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'tracegrade.sqlite'}"
        return
    template = request.getfixturevalue("pg_template")
    url = template.copy()
    yield url
    template.drop_copy(url)


@pytest.fixture
def instance(template_instance, tmp_path, backend, request) -> Path:
    dest = tmp_path / "instance"
    source = template_instance if backend == "sqlite" else request.getfixturevalue("pg_template").instance
    shutil.copytree(source, dest, symlinks=True)
    return dest


@pytest.fixture
def app(instance, database_url):
    app = make_app(instance, DATABASE_URL=database_url)
    yield app
    app.extensions["tracegrade.db"].dispose()


@pytest.fixture
def dbs(app):
    """A session on the test's database (commit what you add)."""
    with app.extensions["tracegrade.db"].sessions() as s:
        yield s


def gen_user(s, email: str, role: str | None = "student", course: str = COURSE,
             password: str = PASSWORD) -> User:
    user = User(email=email, password_hash=hash_password(password))
    s.add(user)
    s.flush()
    if role:
        c = s.scalar(select(Course).where(Course.slug == course))
        s.add(Enrollment(user_id=user.id, course_id=c.id, role=role))
    s.commit()
    return user


def gen_token(s, user: User) -> str:
    token, digest = new_api_token()
    s.add(ApiToken(user_id=user.id, token_hash=digest))
    s.commit()
    return token


def count_submissions(s) -> int:
    s.expire_all()
    return len(s.scalars(select(Submission)).all())


def login(client, email: str, password: str = PASSWORD):
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf_token"]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def csrf(client) -> str:
    with client.session_transaction() as sess:
        return sess["csrf_token"]


@pytest.fixture(scope="module")
def live_instance(template_instance, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("live") / "instance"
    shutil.copytree(template_instance, dest, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def live_worker(live_instance):
    """One real `tracegrade worker` process for the module, grading from live_instance."""
    with LiveWorker(live_instance, name="test-worker") as w:
        yield w
