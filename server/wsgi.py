"""The WSGI entry point gunicorn loads (`server.wsgi:app`): one app from the instance folder
named by TRACEGRADE_INSTANCE. Importing this module builds the app; nothing else does.
"""
from server.app import create_app


def _hide_server_banner() -> None:
    """gunicorn writes `Server: gunicorn` itself (no setting turns it off); name no software."""
    try:
        import gunicorn.http.wsgi
    except ImportError:          # served by something else
        return
    gunicorn.http.wsgi.SERVER = "tracegrade"


_hide_server_banner()
app = create_app()
