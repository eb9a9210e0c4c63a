"""`tracegrade serve` as a user runs it: it migrates, loads the course, serves pages with the demo
logins, and Ctrl-C (SIGINT) stops the web server and the worker, leaving no process behind."""
from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.parse
import urllib.request

from tests.server.conftest import write_course
from tests.server.live import LiveServer


def test_serve_runs_and_stops_cleanly(tmp_path):
    live = LiveServer(tmp_path / "site" / "instance", write_course(tmp_path / "course"))
    with live:
        out = live.output()
        assert f"running at http://127.0.0.1:{live.port}/" in out
        assert "student@example.com / student-demo" in out and "join code:" in out
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(live.url + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"email": "student@example.com", "password": "student-demo",
                                       "csrf_token": token}).encode()
        page = opener.open(live.url + "/login", data=data).read().decode()
        assert "One training step, in the right order" in page      # redirected to the course
        pgid = live.proc.pid
    assert live.proc.returncode == 0, live.output()[-2000:]
    try:
        os.killpg(pgid, 0)
        left = True
    except ProcessLookupError:
        left = False
    assert not left, "processes of `tracegrade serve` are still running after Ctrl-C"
    assert (tmp_path / "site" / "instance" / "secret_key").is_file()


def test_a_bad_setting_is_one_clear_line_and_nothing_starts(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, TRACEGRADE_TRUSTED_PROXIES="two")
    r = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--instance", str(tmp_path / "i"),
                        "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "TRACEGRADE_TRUSTED_PROXIES='two': expected the number of proxies" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout and "running at" not in r.stdout
    assert not (tmp_path / "i" / "tracegrade.sqlite").exists()  # nothing was migrated either
