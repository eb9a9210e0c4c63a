"""The server's grading side: the queue in the database, the worker that claims and grades,
the wake-up socket, worker heartbeats and the reference traces recorded for each version."""
