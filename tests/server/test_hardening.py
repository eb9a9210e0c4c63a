"""What an attacker pokes at besides logins: ids and page numbers out of range answer 404/400 (never
500), API 401s say `WWW-Authenticate: Bearer`, pages are not cached, HSTS when cookies are Secure,
and the real server names no software in `Server:`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.server.conftest import COURSE, gen_token, gen_user, login, make_app
from tests.server.live import ROOT, free_port

HUGE = ["9223372036854775808", "99999999999999999999999", "2147483648"]


@pytest.fixture
def student(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    return client


@pytest.mark.parametrize("n", HUGE)
def test_huge_submission_ids_are_not_found(student, n):
    for path in (f"/s/{n}", f"/s/{n}/panel"):
        r = student.get(path)
        assert r.status_code == 404, path


@pytest.mark.parametrize("n", HUGE)
def test_huge_ids_in_the_api_are_not_found(app, dbs, n):
    token = gen_token(dbs, gen_user(dbs, "ada@example.org"))
    r = app.test_client().get(f"/api/v1/submissions/{n}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404 and r.get_json()["status"] == 404


@pytest.mark.parametrize("page", ["9223372036854775807", "0", "-1", "abc", "1e3", "²", ""])
def test_page_numbers_out_of_range_are_a_clear_400(app, dbs, page):
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    r = client.get(f"/teach/c/{COURSE}/submissions", query_string={"page": page})
    assert r.status_code == 400 and "whole number" in r.get_data(as_text=True)
    assert client.get(f"/teach/c/{COURSE}/submissions?page=3").status_code == 200


def test_api_401_names_the_bearer_scheme(app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer tg_not-a-token"}, {"Authorization": "Basic eA=="}):
        r = client.get("/api/v1/courses", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer", headers


def test_pages_are_not_cached_and_static_files_are(student):
    for path in (f"/c/{COURSE}", f"/c/{COURSE}/one-training-step", "/login"):
        assert student.get(path).headers["Cache-Control"] == "no-store", path
    r = student.get("/static/app.css")
    assert "no-store" not in r.headers.get("Cache-Control", "")
    r.close()


def test_hsts_only_when_cookies_are_secure(instance):
    secure = make_app(instance, SESSION_COOKIE_SECURE=True)
    assert "max-age=" in secure.test_client().get("/login").headers["Strict-Transport-Security"]
    plain = make_app(instance, SESSION_COOKIE_SECURE=False)
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
    for app in (secure, plain):
        app.extensions["tracegrade.db"].dispose()


def test_gunicorn_does_not_name_itself(instance):
    port = free_port()
    env = dict(os.environ, TRACEGRADE_INSTANCE=str(instance), TRACEGRADE_SECRET_KEY="test-secret")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--log-level", "warning", "server.wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        headers = None
        for _ in range(300):                       # up to ~30 s for the worker to boot
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as r:
                    headers = r.headers
                    break
            except OSError:                         # not listening yet, or still booting
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                time.sleep(0.1)
        assert headers is not None, "gunicorn did not answer"
        assert "gunicorn" not in (headers.get("Server") or "").lower(), headers.get("Server")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_number_too_large_for_the_database_is_not_found_wherever_it_comes_from(instance):
    """Routes that read an id from the query string get 404 from the error handler, not a 500."""
    from server.models import User
    from server.web import db

    app = make_app(instance)
    app.add_url_rule("/probe", "probe", lambda: str(db().get(User, 2**70)))
    r = app.test_client().get("/probe")
    assert r.status_code == 404 and "Not found" in r.get_data(as_text=True)
    app.extensions["tracegrade.db"].dispose()


def test_trusted_proxies_come_from_the_environment(monkeypatch, tmp_path):
    from server.config import settings

    monkeypatch.setenv("TRACEGRADE_TRUSTED_PROXIES", "2")
    assert settings(tmp_path)["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("TRACEGRADE_TRUSTED_PROXIES", "yes")
    with pytest.raises(ValueError, match="number of proxies"):
        settings(tmp_path)
