"""The ASGI scenarios on Erlen with the WSGI suite's plain ``def`` views (``erlen_app.py``).

A Flask app moved to an ASGI server as it is: each request for a sync view runs in the app's
thread pool (``ASGI_THREADS``), hooks included, so a view that blocks never blocks the loop.
"""

from __future__ import annotations

from .erlen_app import app

#: The ASGI 3 callable that ``asgi_inprocess.py`` serves.
application = app.asgi
