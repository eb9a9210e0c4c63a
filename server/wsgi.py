"""The WSGI entry point gunicorn loads (`server.wsgi:app`): one app from the instance folder
named by TRACEGRADE_INSTANCE. Importing this module builds the app; nothing else does.
"""
from server.app import create_app

app = create_app()
