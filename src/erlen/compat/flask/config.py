"""``flask.config``."""

from erlen.config import Config, ConfigAttribute

__all__ = ["Config", "ConfigAttribute"]
