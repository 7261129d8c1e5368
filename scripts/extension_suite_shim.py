"""A pytest plugin for running a Flask extension's own tests on Erlen: the patch, before anything.

Given as ``-p extension_suite_shim`` (with ``scripts/`` on ``PYTHONPATH``), pytest imports it while
it reads its options, before any conftest or test module can import ``flask`` or the extension;
so both see Erlen's objects. The report header says which ``flask`` the run got.
"""

import erlen.flask_patch  # noqa: F401 - before any conftest or test module imports flask


def pytest_report_header() -> str:
    import flask

    return f"flask: {flask.Flask.__module__}.{flask.Flask.__qualname__} (erlen.flask_patch)"
