"""app.config: defaults and the loaders."""

from __future__ import annotations

import json
import tomllib

import pytest

from erlen import Config, Erlen

pytestmark = pytest.mark.wsgi_only


def test_defaults_are_documented_values(app: Erlen) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.debug is False and app.testing is False


def test_from_mapping_takes_upper_case_only() -> None:
    config = Config()
    config.from_mapping({"SECRET_KEY": "k", "lower": 1}, DEBUG=True)
    assert config == {"SECRET_KEY": "k", "DEBUG": True}


def test_from_object_class_and_import_path() -> None:
    class Settings:
        DATABASE = "sqlite://"
        helper = "ignored"

    config = Config()
    config.from_object(Settings)
    assert config == {"DATABASE": "sqlite://"}
    config.from_object("json")
    assert "JSONDecodeError" not in config  # classes are not upper-case names


def test_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_SECRET_KEY", "from-env")
    monkeypatch.setenv("ERLEN_DEBUG", "true")
    monkeypatch.setenv("ERLEN_PORT", "8000")
    monkeypatch.setenv("ERLEN_DB__HOST", "db.local")
    config = Config()
    config.from_prefixed_env()
    assert config["SECRET_KEY"] == "from-env"
    assert config["DEBUG"] is True
    assert config["PORT"] == 8000
    assert config["DB"] == {"HOST": "db.local"}


def test_from_prefixed_env_reads_flask_variables_and_erlen_ones_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_MAIL_SERVER", "smtp.local")
    monkeypatch.setenv("FLASK_PORT", "1")
    monkeypatch.setenv("ERLEN_PORT", "2")
    monkeypatch.setenv("FLASK_DB__OPTIONS__TIMEOUT", "5")
    config = Config()
    config["DB"] = {"HOST": "db.local", "OPTIONS": "none"}
    config.from_prefixed_env()
    assert (config["MAIL_SERVER"], config["PORT"]) == ("smtp.local", 2)
    assert config["DB"] == {"HOST": "db.local", "OPTIONS": {"TIMEOUT": 5}}
    only = Config()
    only.from_prefixed_env("FLASK")
    assert only["PORT"] == 1


def test_from_file_json_and_toml(tmp_path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"A": 1, "b": 2}))
    (tmp_path / "c.toml").write_text('B = "two"\n')
    config = Config(tmp_path)
    assert config.from_file("c.json", load=json.load)
    assert config.from_file("c.toml", load=tomllib.load, text=False)
    assert config == {"A": 1, "B": "two"}
    assert config.from_file("missing.json", load=json.load, silent=True) is False
    with pytest.raises(OSError):
        config.from_file("missing.json", load=json.load)


def test_from_pyfile_and_envvar(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "settings.py"
    settings.write_text("SECRET_KEY = 'py'\nhelper = 1\n")
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py")
    assert config == {"SECRET_KEY": "py"}
    monkeypatch.setenv("APP_SETTINGS", str(settings))
    other = Config()
    assert other.from_envvar("APP_SETTINGS")
    with pytest.raises(RuntimeError, match="NOT_SET"):
        other.from_envvar("NOT_SET")


def test_get_namespace() -> None:
    config = Config(defaults={"IMAGE_STORE_PATH": "/x", "IMAGE_STORE_TYPE": "fs", "OTHER": 1})
    assert config.get_namespace("IMAGE_STORE_") == {"path": "/x", "type": "fs"}
