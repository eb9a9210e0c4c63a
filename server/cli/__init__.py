"""The server's `tracegrade` commands, plugged into the engine's click group through the
`tracegrade.commands` entry point: serve, worker, db, users, tokens, exercises, submit, fetch,
grades, extensions, push, pull.
"""
from server.cli.admin import db_group, exercises_group, tokens_group, users_group
from server.cli.client import fetch_cmd, submit_cmd
from server.cli.grades import extensions_group, grades_group
from server.cli.publish import pull_cmd, push_cmd
from server.cli.serve import serve_cmd, worker_cmd

COMMANDS = [serve_cmd, worker_cmd, db_group, users_group, tokens_group, exercises_group,
            submit_cmd, fetch_cmd, grades_group, extensions_group, push_cmd, pull_cmd]
