"""A pytest plugin for running Flask's tests on Erlen: the patch first, and pytest 9's rename.

Flask 3.1.3's tests import ``_pytest.monkeypatch.notset``, which pytest 9 renamed ``NOTSET``
(in ``_pytest.compat``); the old name is put back so the suite runs on the pytest Erlen uses.
"""

import os

import _pytest.monkeypatch
import pytest
from _pytest.compat import NOTSET

import erlen.flask_patch  # noqa: F401 - before any test module imports flask

if not hasattr(_pytest.monkeypatch, "notset"):
    _pytest.monkeypatch.notset = NOTSET  # type: ignore[attr-defined]


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Record what was left out, for the runner to count (it cannot see pytest's collection)."""
    record = os.environ.get("ERLEN_FLASK_SUITE_DESELECTED")
    if record:
        with open(record, "a") as out:
            out.writelines(f"{item.nodeid}\n" for item in items)
