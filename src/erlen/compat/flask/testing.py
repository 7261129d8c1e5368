"""``flask.testing``."""

from erlen.testing import EnvironBuilder, ErlenCliRunner, TestClient, TestResponse

FlaskClient = TestClient
FlaskCliRunner = ErlenCliRunner

__all__ = ["EnvironBuilder", "FlaskCliRunner", "FlaskClient", "TestResponse"]
