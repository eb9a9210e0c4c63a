"""What an operator sees: /healthz with the queue and worker heartbeat (503 when grading stalled or
the database is gone), /metrics in Prometheus text, and a lost database answered with 503."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from graders.grading import results
from server.grading import heartbeat, queue
from server.db import utcnow
from server.models import Exercise, Submission
from tests.server.conftest import gen_token, gen_user, make_app

CODE = "def train_step(model, x, y, loss_fn, optimizer):\n    return 0.0\n"
NOWHERE = "postgresql+psycopg://tracegrade@127.0.0.1:9/nothing"     # port 9: nobody listens


def queue_rows(dbs, n: int, age_s: float = 0.0) -> list[int]:
    user = gen_user(dbs, f"q{n}-{age_s}@example.org")
    ex = dbs.scalar(select(Exercise))
    ids = [queue.enqueue(dbs, user, ex, CODE, 256).id for _ in range(n)]
    dbs.execute(update(Submission).where(Submission.id.in_(ids))
                .values(created_at=utcnow() - timedelta(seconds=age_s)))
    dbs.commit()
    return ids


def grade_one(dbs, score: float) -> None:
    c = queue.claim(dbs, "w")
    res = results.GradeResult(verdict=results.Verdict.GRADED, score=score, max_score=10.0,
                              tests=[])
    assert queue.store_result(dbs, c, res, output_cap=100)


def test_healthz_reports_queue_and_heartbeat(app, dbs):
    queue_rows(dbs, 3, age_s=5)
    heartbeat.record_start(dbs, "w1")
    body = app.test_client().get("/healthz").json
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["queue"]["depth"] == 3 and body["queue"]["oldest_queued_age_s"] >= 5
    assert body["last_worker_heartbeat_age_s"] < 60
    assert [w["name"] for w in body["workers"]] == ["w1"] and body["worker_restarts"] == 0


def test_old_queue_and_silent_worker_is_503_with_a_reason(app, dbs):
    queue_rows(dbs, 2, age_s=600)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["status"] == "stalled"
    assert "no grading worker has ever started" in r.json["error"]
    heartbeat.record_start(dbs, "w1")            # a worker is alive but grades nothing
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and "nothing was graded" in r.json["error"]
    grade_one(dbs, 10.0)                         # progress: a long queue is not a stall
    assert app.test_client().get("/healthz").status_code == 200


def test_metrics_in_prometheus_text(app, dbs):
    queue_rows(dbs, 3)
    grade_one(dbs, 10.0)
    grade_one(dbs, 0.0)
    for _ in range(2):
        heartbeat.record_start(dbs, "w1")      # started twice: one restart
    r = app.test_client().get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert 'tracegrade_queue_depth{status="queued"} 1.0' in text
    assert 'tracegrade_verdicts_total{verdict="graded"} 2.0' in text
    assert "tracegrade_worker_restarts_total 1.0" in text
    assert "tracegrade_submit_to_graded_seconds_count 2.0" in text
    assert 'tracegrade_submit_to_graded_seconds_bucket{le="+Inf"} 2.0' in text


def test_metrics_token(app, monkeypatch):
    monkeypatch.setenv("TRACEGRADE_METRICS_TOKEN", "s3cret")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_lost_database_is_503_with_a_sentence(instance, dbs):
    token = gen_token(dbs, gen_user(dbs, "ada@example.org"))
    app = make_app(instance, DATABASE_URL=NOWHERE)
    client = app.test_client()
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json["database"] == "unreachable"
    r = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                    json={"course": "backprop", "exercise": "one-training-step", "code": CODE})
    assert r.status_code == 503 and "database is not answering" in r.json["error"]
    assert r.headers["Retry-After"] == "30"
    login = client.post("/login", data={"email": "ada@example.org", "password": "x"})
    assert login.status_code in (400, 503) and b"Traceback" not in login.data
    assert client.get("/metrics").status_code == 503
    app.extensions["tracegrade.db"].dispose()
