"""Migrations are the only way the schema changes: the migrated schema equals the models, and
`tracegrade db upgrade` prepares an instance folder (database and a private secret key)."""
from __future__ import annotations

import stat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from graders.cli.main import _load_plugins, cli
from server.migrate import current, upgrade
from server.models import Base


def test_migrations_and_models_agree(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    engine.dispose()
    assert diff == []


def test_db_upgrade_prepares_the_instance(tmp_path):
    _load_plugins()
    instance = tmp_path / "inst"
    runner = CliRunner()
    for _ in range(2):   # a second run changes nothing and does not fail
        result = runner.invoke(cli, ["db", "upgrade", "--instance", str(instance)])
        assert result.exit_code == 0, result.output
    key = instance / "secret_key"
    assert len(key.read_text().strip()) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    url = f"sqlite:///{instance / 'tracegrade.sqlite'}"
    assert current(url) == "0005"
    engine = create_engine(url)
    assert {"users", "submissions", "test_results", "api_tokens"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_0003_keeps_submissions_and_their_results(tmp_path):
    """Adding the course-operation columns rebuilds `submissions` on SQLite: nothing is lost."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in ("INSERT INTO users (id, email, password_hash, session_version, created_at) "
                    "VALUES (1, 'a@x.org', 'h', 0, '2026-01-01')",
                    "INSERT INTO courses VALUES (1, 'c', 'C', '', 'j', '2026-01-01')",
                    "INSERT INTO exercises (id, course_id, slug, title, points) VALUES (1, 1, 'e', 'E', 10)",
                    "INSERT INTO exercise_versions VALUES (1, 1, 'h', 'p', '2026-01-01')",
                    "INSERT INTO submissions (id, user_id, exercise_id, version_id, code, status, "
                    "message, stdout, stderr, attempts, created_at, score) VALUES "
                    "(1, 1, 1, 1, 'x', 'graded', '', '', '', 1, '2026-01-01', 7.5)",
                    "INSERT INTO test_results VALUES (1, 1, 0, 't', 7.5, 10, 'failed', '', NULL, 'visible')"):
            conn.exec_driver_sql(sql)
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT score, priority FROM submissions").all() == [(7.5, 0)]
        assert conn.exec_driver_sql("SELECT count(*) FROM test_results").scalar() == 1
        assert conn.exec_driver_sql("SELECT timezone, policy FROM courses").all() == [("UTC", "best")]
    engine.dispose()
