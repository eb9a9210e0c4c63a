"""tracegrade's web server: Flask app factory, blueprints, SQL models, the embedded queue and worker.

Imports the grading engine (`graders`); the engine never imports this package.
"""
from server.app import create_app

__all__ = ["create_app"]
