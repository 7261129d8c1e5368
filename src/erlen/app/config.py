"""``app.config``: a dict of settings with loaders for objects, files and the environment.

Only upper-case keys are taken from objects, files and mappings, as in Flask, so helper names in
a settings module do not leak into the configuration.
"""

from __future__ import annotations

import errno
import json
import os
import types
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import IO, Any, Generic, TypeVar, overload

T = TypeVar("T")

__all__ = ["Config", "ConfigAttribute", "DEFAULT_CONFIG"]

DEFAULT_CONFIG: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "PREFERRED_URL_SCHEME": "http",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1000,
    "MAX_JSON_DEPTH": 64,
    # The request's header block: at most this many header fields and bytes (431 past them).
    "MAX_HEADER_COUNT": 100,
    "MAX_HEADER_BYTES": 32 * 1024,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "USE_X_SENDFILE": False,
    "TRAP_HTTP_EXCEPTIONS": False,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "MAX_COOKIE_SIZE": 4093,
    "TEMPLATES_AUTO_RELOAD": None,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "TRUSTED_HOSTS": None,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    # Worker threads for sync views under ASGI (the app's thread pool).
    "ASGI_THREADS": 40,
    # Seconds a client may take none of a streamed answer under ASGI before the stream is
    # closed (None: no deadline); the ASGI counterpart of app.run(send_timeout=...).
    "ASGI_SEND_TIMEOUT": 60,
}


class ConfigAttribute(Generic[T]):
    """An attribute of the app that reads and writes one config key (``app.debug`` style).

    ``get_converter`` turns the stored value into the attribute's type on read.
    """

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: None) -> ConfigAttribute[T]: ...

    @overload
    def __get__(self, obj: Any, owner: Any) -> T: ...

    def __get__(self, obj: Any, owner: Any = None) -> T | ConfigAttribute[T]:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, Any]):
    """The app's settings. ``root_path`` anchors the relative file names given to the loaders."""

    def __init__(
        self, root_path: str | os.PathLike[str] = ".", defaults: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = os.fspath(root_path)

    #: Bumped on every change, so the app can rebuild what it derives from settings (limits).
    version = 0

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.version += 1

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.version += 1

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.version += 1
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)

    def clear(self) -> None:
        super().clear()
        self.version += 1

    def popitem(self) -> tuple[str, Any]:
        self.version += 1
        return super().popitem()

    def __ior__(self, other: Any) -> Config:  # type: ignore[override,misc]
        self.update(other)
        return self

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Take the upper-case keys of ``mapping`` and of the keyword arguments."""
        items: dict[str, Any] = dict(mapping or {})
        items.update(kwargs)
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def from_object(self, obj: object | str) -> None:
        """Take the upper-case attributes of an object, a class, a module or an import path."""
        if isinstance(obj, str):
            obj = _import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_prefixed_env(
        self, prefix: str | None = None, *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Take prefixed environment variables, values parsed as JSON when they parse.

        ``ERLEN_SECRET_KEY=abc`` sets ``SECRET_KEY``; ``ERLEN_DEBUG=true`` sets ``True``; a double
        underscore reaches into a nested dict: ``ERLEN_DB__HOST`` sets ``config["DB"]["HOST"]``.
        Without a ``prefix``, ``FLASK_*`` variables are read too, as the CLI reads them, and an
        ``ERLEN_*`` one wins over its ``FLASK_*`` twin.
        """
        for one in ("FLASK", "ERLEN") if prefix is None else (prefix,):
            self._load_prefixed(one if one.endswith("_") else f"{one}_", loads)
        return True

    def _load_prefixed(self, prefix: str, loads: Callable[[str], Any]) -> None:
        for name in sorted(os.environ):
            if not name.startswith(prefix):
                continue
            raw = os.environ[name]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            key = name[len(prefix) :]
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, Any] = self
            *parents, tail = key.split("__")
            for parent in parents:
                if not isinstance(current.get(parent), dict):
                    current[parent] = {}
                current = current[parent]
            current[tail] = value

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load`` with ``text=False``, ...)."""
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as file:
                data = load(file)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        return self.from_mapping(data)

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Run a Python file and take its upper-case names."""
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as file:
                exec(compile(file.read(), path, "exec"), module.__dict__)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        self.from_object(module)
        return True

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable (see :meth:`from_pyfile`)."""
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set; set it to the path of "
                "a configuration file."
            )
        return self.from_pyfile(path, silent=silent)

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """The settings whose keys start with ``namespace`` (e.g. ``"IMAGE_STORE_"``)."""
        found: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


def _import_string(path: str) -> object:
    import importlib

    module_name, _, attribute = path.replace(":", ".").rpartition(".")
    try:
        module = importlib.import_module(path)
        return module
    except ImportError:
        if not module_name:
            raise
    return getattr(importlib.import_module(module_name), attribute)
