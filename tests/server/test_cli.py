"""The server's admin commands: users, tokens (printed once, stored hashed) and exercises sync,
where a changed exercise becomes a new version and old submissions keep theirs."""
from __future__ import annotations

import shutil

from click.testing import CliRunner
from sqlalchemy import select

from graders.cli.main import _load_plugins, cli
from server.models import ApiToken, Enrollment, Exercise, ExerciseVersion, User
from server.security import token_hash
from tests.conftest import EXERCISES
from tests.server.conftest import COURSE, EXERCISE, write_course

_load_plugins()


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def test_users_and_tokens(instance, dbs):
    r = run("users", "create", "Prof@Example.org", "--password", "s3cret-pass", "--course", COURSE,
            "--role", "instructor", "--instance", instance)
    assert r.exit_code == 0, r.output
    user = dbs.scalar(select(User).where(User.email == "prof@example.org"))
    assert dbs.scalar(select(Enrollment.role).where(Enrollment.user_id == user.id)) == "instructor"
    r = run("tokens", "create", "prof@example.org", "--instance", instance)
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("tg_")
    stored = dbs.scalars(select(ApiToken.token_hash)).all()
    assert stored == [token_hash(token)] and token not in stored
    assert run("tokens", "create", "nobody@example.org", "--instance", instance).exit_code == 1
    r = run("users", "create", "x@example.org", "--password", "short", "--instance", instance)
    assert r.exit_code == 2 and "10 characters" in r.output


def test_sync_makes_versions_by_content(instance, dbs, tmp_path):
    course = write_course(tmp_path / "course", slugs=())
    shutil.copytree(EXERCISES / EXERCISE, course / EXERCISE)
    (course / "course.toml").write_text(f'slug = "{COURSE}"\ntitle = "T"\nexercises = ["{EXERCISE}"]\n')
    r = run("exercises", "sync", course, "--instance", instance)
    assert r.exit_code == 0 and f"{EXERCISE}: unchanged" in r.output, r.output
    readme = course / EXERCISE / "README.md"
    readme.write_text(readme.read_text() + "\nOne more hint.\n")
    r = run("exercises", "sync", course, "--instance", instance)
    assert f"{EXERCISE}: new version" in r.output
    ex = dbs.scalar(select(Exercise).where(Exercise.slug == EXERCISE))
    versions = dbs.scalars(select(ExerciseVersion).where(ExerciseVersion.exercise_id == ex.id)
                           .order_by(ExerciseVersion.id)).all()
    assert len(versions) == 2 and ex.current_version_id == versions[1].id
    assert "One more hint." in (instance / versions[1].path / "README.md").read_text()
    assert "One more hint." not in (instance / versions[0].path / "README.md").read_text()


def test_sync_names_the_broken_file(instance, tmp_path):
    course = write_course(tmp_path / "course", slugs=())
    (course / "course.toml").write_text('slug = "x"\n')
    r = run("exercises", "sync", course, "--instance", instance)
    assert r.exit_code == 1 and "course.toml" in r.output and "title" in r.output
