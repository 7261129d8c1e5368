"""``flask.app``."""

from erlen.app import Erlen as Flask

__all__ = ["Flask"]
