"""``flask.testing``."""

from erlen.adapters.testing import EnvironBuilder, ErlenCliRunner, TestClient, TestResponse

FlaskClient = TestClient
FlaskCliRunner = ErlenCliRunner

__all__ = ["EnvironBuilder", "FlaskCliRunner", "FlaskClient", "TestResponse"]
