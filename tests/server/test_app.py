"""The app factory and what every response carries: no side effects on creation, a clear error
for an unprepared instance, the health check, security headers, and only local assets."""
from __future__ import annotations

import re

import pytest

from server import create_app
from server.app import ConfigurationError
from tests.server.conftest import login, gen_user, EXERCISE, COURSE, make_app


def test_create_app_has_no_side_effects(tmp_path):
    instance = tmp_path / "nothing-here"
    app = create_app({"INSTANCE": str(instance), "SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"].endswith("nothing-here/tracegrade.sqlite")
    assert not instance.exists()   # no folder, no database file, no key


def test_unprepared_instance_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACEGRADE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="tracegrade db upgrade"):
        create_app({"INSTANCE": str(tmp_path / "fresh")})


def test_healthz_and_headers(app):
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["database"] == "ok"
    page = app.test_client().get("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_pages_load_every_asset_from_the_app(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("codemirror.js" in r for r in refs) and any("katex.min.js" in r for r in refs)
    for ref in refs:
        assert not ref.startswith(("http:", "https:", "//")), ref
        if ref.startswith("/static/"):
            assert client.get(ref).status_code == 200, ref


def test_session_cookie_flags(instance):
    app = make_app(instance, SESSION_COOKIE_SECURE=True)
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    client = app.test_client()
    r = login(client, "ada@example.org")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    app.extensions["tracegrade.db"].dispose()


def test_unknown_page_is_a_friendly_404(app):
    r = app.test_client().get("/no/such/page")
    assert r.status_code == 404 and "Not found" in r.get_data(as_text=True)
