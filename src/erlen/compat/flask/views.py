"""``flask.views``."""

from erlen.views import MethodView, View

__all__ = ["MethodView", "View"]
