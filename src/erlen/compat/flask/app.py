"""``flask.app``."""

from erlen.adapters.erlen import Erlen as Flask

__all__ = ["Flask"]
