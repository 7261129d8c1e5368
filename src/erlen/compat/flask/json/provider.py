"""``flask.json.provider``."""

from erlen.app.json import DefaultJSONProvider, JSONProvider

__all__ = ["DefaultJSONProvider", "JSONProvider"]
