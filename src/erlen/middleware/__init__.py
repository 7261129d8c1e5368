"""WSGI middleware that ships with Erlen. Wrap ``app.wsgi_app`` (not the app) with it::

    from erlen.middleware import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

so that ``app`` itself, its test client and its CLI stay the same object.
"""

from .proxy_fix import ProxyFix

__all__ = ["ProxyFix"]
