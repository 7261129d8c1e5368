"""A pytest plugin for running Flask's tests on Erlen: the patch first, pytest 9's rename, and
the environment Flask's conftest keeps clean.

Flask 3.1.3's tests import ``_pytest.monkeypatch.notset``, which pytest 9 renamed ``NOTSET``
(in ``_pytest.compat``); the old name is put back so the suite runs on the pytest Erlen uses.
"""

import _pytest.monkeypatch
import pytest
from _pytest.compat import NOTSET

import erlen.flask_patch  # noqa: F401 - before any test module imports flask

if not hasattr(_pytest.monkeypatch, "notset"):
    _pytest.monkeypatch.notset = NOTSET  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _clear_run_from_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask's conftest clears ``FLASK_RUN_FROM_CLI`` around each test, so a CLI test cannot
    turn a later test's ``app.run()`` into a no-op; Erlen's CLI sets ``ERLEN_RUN_FROM_CLI``."""
    monkeypatch.delenv("ERLEN_RUN_FROM_CLI", raising=False)
