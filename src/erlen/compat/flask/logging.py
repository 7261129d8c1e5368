"""``flask.logging``."""

from erlen.app.logging import create_logger, default_handler, has_level_handler, wsgi_errors_stream

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]
