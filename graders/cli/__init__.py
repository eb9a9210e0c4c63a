"""The `tracegrade` command line: local grading and exercise authoring (server commands plug in)."""
