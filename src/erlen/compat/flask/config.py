"""``flask.config``."""

from erlen.app.config import Config, ConfigAttribute

__all__ = ["Config", "ConfigAttribute"]
