"""Health and metrics for operators: /healthz (database, queue, worker heartbeat; 503 when the
database is gone or grading stalled), /metrics for Prometheus, and 503 for a lost database.
"""
from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import case, func, select
from sqlalchemy.exc import DBAPIError

from server.grading import heartbeat
from server.db import UNAVAILABLE, is_unavailable
from server.models import Submission

bp = Blueprint("health", __name__)
BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)     # submit-to-graded seconds


def _database():
    return current_app.extensions["tracegrade.db"]


def _stall_seconds() -> float:
    value = current_app.config.get("HEALTH_STALL_SECONDS") or os.environ.get(
        "TRACEGRADE_HEALTH_STALL_SECONDS") or heartbeat.STALL_SECONDS
    return float(value)


@bp.get("/healthz")
def healthz():
    try:
        with _database().sessions() as s:
            st = heartbeat.read_status(s)
    except DBAPIError as e:
        if not is_unavailable(e):
            raise
        return jsonify(status="unavailable", database="unreachable", error=UNAVAILABLE), 503
    problem = st.problem(_stall_seconds())
    body = {"status": "stalled" if problem else "ok", "database": "ok",
            "queue": {"depth": st.queued, "running": st.running,
                      "oldest_queued_age_s": _round(st.oldest_queued_age)},
            "last_graded_age_s": _round(st.last_graded_age),
            "last_worker_heartbeat_age_s": _round(st.last_beat_age),
            "worker_restarts": st.restarts, "workers": st.workers}
    if problem:
        body["error"] = problem
    return jsonify(body), 503 if problem else 200


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@bp.get("/metrics")
def metrics():
    token = os.environ.get("TRACEGRADE_METRICS_TOKEN", "")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return Response("metrics need Authorization: Bearer <TRACEGRADE_METRICS_TOKEN>\n", 401,
                        {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector(_database()))
    try:
        data = generate_latest(registry)
    except DBAPIError as e:
        if not is_unavailable(e):
            raise
        return Response(UNAVAILABLE + "\n", 503, mimetype="text/plain")
    return Response(data, mimetype="text/plain; version=0.0.4; charset=utf-8")


class _DatabaseCollector:
    """Reads every figure from the database at scrape time, so all web processes (and every
    machine) report the same numbers and nothing is lost when a process restarts."""

    def __init__(self, database):
        self.database = database

    def collect(self):
        with self.database.sessions() as s:
            st = heartbeat.read_status(s)
            verdicts = s.execute(select(Submission.verdict, func.count())
                                 .where(Submission.status.in_(("graded", "error")))
                                 .group_by(Submission.verdict)).all()
            waited = _seconds(s.get_bind().dialect.name)
            row = s.execute(select(func.count(), func.coalesce(func.sum(waited), 0.0),
                                   *[func.sum(case((waited <= b, 1), else_=0)) for b in BUCKETS])
                            .where(Submission.graded_at.is_not(None))).one()
        depth = GaugeMetricFamily("tracegrade_queue_depth", "Submissions waiting to be graded",
                                  labels=["status"])
        depth.add_metric(["queued"], st.queued)
        depth.add_metric(["running"], st.running)
        yield depth
        yield GaugeMetricFamily("tracegrade_queue_oldest_age_seconds",
                                "Age of the oldest queued submission", value=st.oldest_queued_age or 0)
        yield GaugeMetricFamily("tracegrade_worker_heartbeat_age_seconds",
                                "Seconds since a grading worker was last heard from",
                                value=st.last_beat_age if st.last_beat_age is not None else float("nan"))
        yield CounterMetricFamily("tracegrade_worker_restarts",
                                  "Grading worker (warm pool) restarts, all workers together",
                                  value=st.restarts)
        counts = CounterMetricFamily("tracegrade_verdicts", "Finished submissions by verdict",
                                     labels=["verdict"])
        for verdict, n in verdicts:
            counts.add_metric([verdict or "none"], n)
        yield counts
        n, total, *under = row
        buckets = [(str(float(b)), int(c or 0)) for b, c in zip(BUCKETS, under)] + [("+Inf", int(n))]
        yield HistogramMetricFamily("tracegrade_submit_to_graded_seconds",
                                    "Seconds from submission to stored result",
                                    buckets=buckets, sum_value=float(total or 0))


def _seconds(dialect: str):
    """graded_at - created_at in seconds, in this database's SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", Submission.graded_at - Submission.created_at)
    return (func.julianday(Submission.graded_at) - func.julianday(Submission.created_at)) * 86400.0


@bp.app_errorhandler(DBAPIError)
def database_unavailable(e: DBAPIError):
    """A database that cannot be reached is 503 with a sentence, never a traceback."""
    if not is_unavailable(e):
        raise e
    current_app.logger.error("database unavailable: %s", str(e.orig).strip().splitlines()[0][:300])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        resp = jsonify(error=UNAVAILABLE, status=503)
    else:
        resp = Response(f"<!doctype html><title>Unavailable</title><p>{UNAVAILABLE}</p>", 503,
                        mimetype="text/html")
    resp.status_code = 503
    resp.headers["Retry-After"] = "30"
    return resp
