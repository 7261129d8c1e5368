"""``flask.views``."""

from erlen.app.views import MethodView, View

__all__ = ["MethodView", "View"]
