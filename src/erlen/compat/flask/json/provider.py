"""``flask.json.provider``."""

from erlen.json import DefaultJSONProvider, JSONProvider

__all__ = ["DefaultJSONProvider", "JSONProvider"]
