"""Middleware that ships with Erlen. Wrap ``app.wsgi_app`` or ``app.asgi`` (not the app)::

    from erlen.middleware import ASGIProxyFix, ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.asgi = ASGIProxyFix(app.asgi, x_for=1, x_proto=1)

so that ``app`` itself, its test client and its CLI stay the same object.
"""

from .proxy_fix import ASGIProxyFix, ProxyFix

__all__ = ["ASGIProxyFix", "ProxyFix"]
