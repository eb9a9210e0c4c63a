"""Publishing with `push --mutants` (the API's `mutants` field): the server grades the
solution's mutants and the report shows the figure; without it the figure says how to get it.
Opt-in because it is tens of gradings (10 to 50 s more per upload)."""
from __future__ import annotations

import re

import pytest

from server.publish.report import PublishReport
from tests.server.conftest import gen_token, gen_user
from tests.server.test_publish_api import push
from tests.server.test_publish_helpers import exercise_copy, zip_folder

pytestmark = pytest.mark.filterwarnings("ignore")
FIGURE = re.compile(r"^caught (\d+) of (\d+) mutants \((\d+)%, (\d+) equivalent\)$")


@pytest.fixture
def teacher(dbs):
    return gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))


def test_push_with_mutants_reports_the_figure(app, dbs, teacher, tmp_path):
    client = app.test_client()
    data = zip_folder(exercise_copy(tmp_path / "zg"))

    r = push(client, teacher, data, dry_run="true")
    assert r.status_code == 200, r.json
    assert r.json["report"]["mutants"].startswith("not run (push --mutants")

    r = push(client, teacher, data, dry_run="true", mutants="true")
    assert r.status_code == 200, r.json
    rep = r.json["report"]
    m = FIGURE.match(rep["mutants"])
    assert m, rep["mutants"]
    caught, counted, pct, equivalent = map(int, m.groups())
    assert counted > 10 and caught >= 0.95 * counted and equivalent == 3   # zero-grad marks three
    assert len(rep["mutant_survivors"]) == counted - caught
    assert any(line.startswith("  mutants: caught ") for line in PublishReport.from_json(rep).lines())

    r = push(client, teacher, data, dry_run="true", mutants="maybe")
    assert r.status_code == 400 and "mutants must be true or false" in r.get_data(as_text=True)
