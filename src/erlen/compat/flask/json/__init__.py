"""``flask.json``."""

from erlen.app.json import dump, dumps, jsonify, load, loads

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]
