"""``flask.app``."""

from erlen.app.app import Erlen as Flask

__all__ = ["Flask"]
