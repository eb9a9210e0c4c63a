"""`tracegrade push` and `pull` against a real server (the app on a local port): exit 0 when
published (or already published), 1 when refused with the report printed, 2 on a usage error;
`pull` gets the instructor's folder back as it was pushed, solution and hidden graders included."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from server.cli.publish import pull_cmd, push_cmd
from tests.server.conftest import COURSE, gen_token, gen_user
from tests.server.test_publish_helpers import exercise_copy

pytestmark = pytest.mark.filterwarnings("ignore")
CORPUS = Path(__file__).resolve().parents[1] / "exercises" / "corpus" / "zero-grad"


@pytest.fixture
def served(app, dbs):
    token = gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"TRACEGRADE_SERVER": f"http://127.0.0.1:{server.server_port}",
               "TRACEGRADE_TOKEN": token}
    finally:
        server.shutdown()
        thread.join(10)


def run(cmd, args, env):
    return CliRunner().invoke(cmd, args, env=env)


def test_usage_errors_exit_2(served, tmp_path):
    (tmp_path / "empty").mkdir()
    r = run(push_cmd, [str(tmp_path / "empty"), "--course", COURSE], served)
    assert r.exit_code == 2 and "no exercise.toml" in r.output
    folder = exercise_copy(tmp_path / "zg")
    assert run(push_cmd, [str(folder)], served).exit_code == 2               # no --course
    assert run(push_cmd, [str(folder), "--course", COURSE], {}).exit_code == 2   # no server
    r = run(pull_cmd, [COURSE, "zero-grad-copy", str(folder)], served)      # not empty
    assert r.exit_code == 2 and "not empty" in r.output


def test_a_refused_exercise_exits_1_and_prints_the_report(served, tmp_path):
    folder = exercise_copy(tmp_path / "zg")
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = -3"))
    r = run(push_cmd, [str(folder), "--course", COURSE], served)
    assert r.exit_code == 1, r.output
    assert "refused" in r.output and "key 'points': must be positive" in r.output
    r = run(push_cmd, [str(folder), "--course", "no-such-course"], served)
    assert r.exit_code == 1 and "no course" in r.output


def test_push_publishes_exits_0_and_pull_gets_the_folder_back(served, tmp_path):
    folder = exercise_copy(tmp_path / "zg")
    (folder / "graders" / "hidden").mkdir()
    hidden = folder / "graders" / "hidden" / "test_hidden.py"
    hidden.write_text((folder / "graders" / "test_zero_grad.py").read_text()
                      .replace("def test_", "def test_hidden_"))
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = 20"))
    (folder / "corpus").mkdir()
    for name in ("bad_no_zero_grad.py", "good_grad_none.py"):
        shutil.copy(CORPUS / name, folder / "corpus" / name)
    r = run(push_cmd, [str(folder), "--course", COURSE], served)
    assert r.exit_code == 0, r.output
    assert "zero-grad-copy: published" in r.output and "solution 20/20" in r.output
    assert "corpus: 2 of 2 as expected" in r.output
    r = run(push_cmd, [str(folder), "--course", COURSE], served)
    assert r.exit_code == 0 and "unchanged" in r.output
    back = tmp_path / "back"
    r = run(pull_cmd, [COURSE, "zero-grad-copy", str(back)], served)
    assert r.exit_code == 0, r.output
    ours = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert sorted(p.relative_to(back) for p in back.rglob("*") if p.is_file()) == ours
    for rel in ours:
        assert (back / rel).read_bytes() == (folder / rel).read_bytes(), rel
