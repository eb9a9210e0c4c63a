"""End to end with a real `tracegrade worker` process: submissions made through the API are graded
by the engine and read back through the API and the pages; a worker killed mid-grade loses nothing."""
from __future__ import annotations

import shutil
import time

import pytest

from tests.conftest import EXERCISES
from tests.server.conftest import COURSE, EXERCISE, gen_token, gen_user, login, make_app
from tests.server.live import LiveWorker, wait_for

SOLUTION = (EXERCISES / EXERCISE / "solution.py").read_text()
STARTER = (EXERCISES / EXERCISE / "starter.py").read_text()


@pytest.fixture(scope="module")
def live_app(live_instance):
    app = make_app(live_instance)
    with app.extensions["tracegrade.db"].sessions() as s:
        token = gen_token(s, gen_user(s, "ada@example.org"))
    yield app, token
    app.extensions["tracegrade.db"].dispose()


def api_submit(app, token, code) -> int:
    r = app.test_client().post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                               json={"course": COURSE, "exercise": EXERCISE, "code": code})
    assert r.status_code == 202, r.json
    return r.json["id"]


def test_worker_grades_real_submissions(live_app, live_instance, live_worker):
    app, token = live_app
    good, starter, broken = (api_submit(app, token, c) for c in (SOLUTION, STARTER, "def train_step(:\n"))
    sub = wait_for(live_instance, good, worker=live_worker)
    assert (sub.status, sub.score, sub.max_score) == ("graded", 10.0, 10.0), live_worker.output()[-2000:]
    assert sub.version_id is not None and sub.attempts == 1
    assert sub.curves["reference"] and len(sub.curves["student"]) == len(sub.curves["reference"])

    got = app.test_client().get(f"/api/v1/submissions/{good}", headers={"Authorization": f"Bearer {token}"}).json
    assert got["status"] == "graded" and got["score"] == 10.0 and got["graded_at"]
    assert got["tests"] and all(t["status"] == "passed" for t in got["tests"])

    sub = wait_for(live_instance, starter, worker=live_worker)
    assert sub.status == "graded" and sub.score < 10.0
    assert any(t.diagnosis and t.message for t in sub.tests)
    client = app.test_client()
    login(client, "ada@example.org")
    panel = client.get(f"/s/{starter}/panel").get_data(as_text=True)
    assert 'data-status="graded"' in panel and "Diagnosis:" in panel and "<svg" in panel

    sub = wait_for(live_instance, broken, worker=live_worker)
    assert (sub.status, sub.verdict, sub.score) == ("graded", "syntax_error", 0.0)
    assert "line 1" in sub.message.lower() or "syntax" in sub.message.lower()


def test_worker_killed_mid_grade_loses_nothing(template_instance, tmp_path):
    instance = tmp_path / "instance"
    shutil.copytree(template_instance, instance, symlinks=True)
    app = make_app(instance)
    with app.extensions["tracegrade.db"].sessions() as s:
        token = gen_token(s, gen_user(s, "ada@example.org"))
    sid = api_submit(app, token, SOLUTION)
    worker = LiveWorker(instance, name="crashy").start()
    try:
        wait_for(instance, sid, statuses=("running",), timeout=120, worker=worker)
        worker.kill()                                   # the machine dies mid-grade
        time.sleep(0.5)
        assert wait_for(instance, sid, statuses=("running",), timeout=1).status == "running"
        worker.start()                                  # same name: it takes its claim back
        sub = wait_for(instance, sid, timeout=120, worker=worker)
    finally:
        worker.stop()
        app.extensions["tracegrade.db"].dispose()
    assert (sub.status, sub.score, sub.attempts) == ("graded", 10.0, 2)
    assert "back in the queue" in worker.output()


@pytest.fixture(scope="module")
def http_server(live_app):
    """The live app served over real HTTP from a thread (for `tracegrade submit`/`fetch`)."""
    import threading

    from werkzeug.serving import make_server
    app, token = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()


def test_cli_fetch_then_submit(http_server, live_worker, tmp_path):
    from click.testing import CliRunner

    from graders.cli.main import _load_plugins, cli
    _load_plugins()
    url, token = http_server
    runner = CliRunner()
    dest = tmp_path / "work"
    r = runner.invoke(cli, ["fetch", COURSE, EXERCISE, "--dest", str(dest), "--server", url, "--token", token])
    assert r.exit_code == 0, r.output
    assert (dest / "starter.py").is_file() and (dest / "README.md").is_file()
    assert not (dest / "solution.py").exists()
    mine = dest / "step.py"
    mine.write_text(SOLUTION)
    r = runner.invoke(cli, ["submit", COURSE, EXERCISE, str(mine), "--server", url, "--token", token])
    assert r.exit_code == 0, r.output
    assert "graded: 10 / 10" in r.output
    r = runner.invoke(cli, ["submit", COURSE, "nope", str(mine), "--server", url, "--token", token])
    assert r.exit_code == 1 and "no exercise 'nope'" in r.output
    r = runner.invoke(cli, ["submit", COURSE, EXERCISE, str(mine), "--server", url, "--token", "tg_bad"])
    assert r.exit_code == 1 and "HTTP 401" in r.output
