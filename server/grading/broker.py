"""The Celery app of scale-out grading, built from TRACEGRADE_BROKER_URL (Redis): late acks,
prefetch 1, a message of a lost worker goes back; live submissions go before regrades.
"""
from __future__ import annotations

from functools import lru_cache

from celery import Celery
from kombu.exceptions import ChannelError

TASK = "tracegrade.grade"
QUEUE = "tracegrade"
LIVE_PRIORITY, REGRADE_PRIORITY = 0, 9      # Redis lists: a lower number is consumed first
VISIBILITY_SECONDS = 600     # a message a dead worker had taken goes back after this (the sweep
                             # usually sends a new one before)


def make_app(url: str) -> Celery:
    app = Celery("tracegrade", broker=url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,                 # acknowledged after grading, not on receipt
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_serializer="json", accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,      # a worker started before Redis waits
        broker_connection_max_retries=None,
        # the web must not hang on a Redis that is down: one quick retry, then the sweep's job
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0.1,
                                   "interval_step": 0.2, "interval_max": 0.3},
        broker_transport_options={"priority_steps": [LIVE_PRIORITY, REGRADE_PRIORITY],
                                  "visibility_timeout": VISIBILITY_SECONDS,
                                  "socket_connect_timeout": 2, "socket_timeout": 5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


@lru_cache(maxsize=4)
def app_for(url: str) -> Celery:
    """One Celery app per broker URL in this process (its connection pool is shared)."""
    return make_app(url)


def priority(submission_priority: int) -> int:
    return LIVE_PRIORITY if submission_priority <= 0 else REGRADE_PRIORITY


def send(app: Celery, submission_id: int, submission_priority: int = 0) -> None:
    """Send the task that grades one submission (raises kombu/redis errors when the broker is
    not reachable)."""
    app.send_task(TASK, args=[submission_id], queue=QUEUE, priority=priority(submission_priority))


def waiting(app: Celery) -> int:
    """Messages waiting in the broker's grading queue (not those a worker has taken)."""
    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare(QUEUE, passive=True).message_count
        except ChannelError as e:        # Redis drops an empty list: no queue is an empty one
            if "NOT_FOUND" in str(e):
                return 0
            raise
