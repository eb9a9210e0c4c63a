"""The server's grading side: the queue in the database, the worker that claims and grades, the
wake-up socket, heartbeats, references recorded per version, and scale-out on a Celery broker
(broker, dispatch, grading_task, broker_worker, sweep; versions: files for other machines)."""
