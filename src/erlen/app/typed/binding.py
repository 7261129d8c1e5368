"""The compiled binder of a typed view: request values in, validated keyword arguments out.

``add_url_rule`` builds one :class:`TypedView` per typed route, once, from the plan
:func:`erlen.params.inspect_view` made. Per request it gathers the raw values the view declared
(path, query, headers, cookies, JSON body, form fields, files), validates them all in **one**
pydantic call, and calls the view with the result, so that a 422 lists every failing field at
once. A return model (or ``response_model=``) validates and filters the answer before it is
serialised.

Pydantic v2 is the engine (``TypeAdapter`` over a TypedDict of the view's parameters): its errors
report every field with its location, message and input, which a 422 must; msgspec is faster per
call but stops at the first error. This module is imported only when a typed view is registered.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import math
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NotRequired, Required

import pydantic
from pydantic import ConfigDict, SecretBytes, SecretStr, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from ...core.errors import RequestValidationError
from ..context import _cv_context
from .params import ParamSpec, ViewSignature, is_sequence_type

if TYPE_CHECKING:
    from ...core.request import Request
    from ..app import App

__all__ = [
    "TypedView",
    "AsyncTypedView",
    "ResponseValidationError",
    "GroupField",
    "compile_view",
    "group_fields",
]

_MISSING: Any = object()
_SECRET_TYPES: tuple[type, ...] = (SecretStr, SecretBytes)
if hasattr(pydantic, "Secret"):  # pydantic 2.7+: Secret[T] for any type
    _SECRET_TYPES += (pydantic.Secret,)
Getter = Callable[["Request", dict[str, Any]], Any]


class ResponseValidationError(TypeError):
    """A typed view returned data its return model refuses: a bug in the view (answered 500)."""


@dataclasses.dataclass(slots=True, frozen=True)
class GroupField:
    """One request value a model parameter gathers (``Annotated[Args, Query()]``)."""

    key: str
    annotation: Any
    required: bool
    description: str | None
    multi: bool


def group_fields(model: Any, location: str, convert_underscores: bool = True) -> list[GroupField]:
    """The request keys a model reads from one location, with their types, in field order."""
    fields: list[GroupField] = []
    model = _strip(model)
    model_fields = getattr(model, "model_fields", None)
    if model_fields is not None:  # a pydantic model
        for name, info in model_fields.items():
            key = info.alias or _key(name, location, convert_underscores)
            annotation = info.annotation
            if info.metadata:
                annotation = typing.Annotated[(annotation, *info.metadata)]
            required = info.is_required()
            multi = is_sequence_type(info.annotation)
            fields.append(GroupField(key, annotation, required, info.description, multi))
        return fields
    hints = typing.get_type_hints(model, include_extras=True)
    if dataclasses.is_dataclass(model):
        for field in dataclasses.fields(model):
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            annotation = hints[field.name]
            key = _key(field.name, location, convert_underscores)
            fields.append(GroupField(key, annotation, required, None, is_sequence_type(annotation)))
        return fields
    required_keys: frozenset[str] = getattr(model, "__required_keys__", frozenset())
    for name, annotation in hints.items():  # a TypedDict
        key = _key(name, location, convert_underscores)
        multi = is_sequence_type(annotation)
        fields.append(GroupField(key, annotation, name in required_keys, None, multi))
    return fields


def _strip(annotation: Any) -> Any:
    """The model class of ``Model | None`` or ``Annotated[Model, ...]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if origin is not None and len(args) == 1 and type(None) in typing.get_args(annotation):
            annotation = args[0]
            continue
        return annotation


def _key(name: str, location: str, convert_underscores: bool) -> str:
    return name.replace("_", "-") if location == "header" and convert_underscores else name


# -- getters: one per parameter, chosen at compile time --------------------------------------


def _source(request: Request, location: str) -> Any:
    if location == "query":
        return request.args
    if location == "header":
        return request.headers
    if location == "cookie":
        return request.cookies
    if location == "form":
        return request.form
    return request.files


def _scalar_getter(location: str, key: str, multi: bool) -> Getter:
    if location == "path":
        return lambda request, view_args: view_args.get(key, _MISSING)
    if multi:

        def get_all(request: Request, view_args: dict[str, Any]) -> Any:
            source = _source(request, location)
            values = source.getlist(key)
            return values if values else _MISSING

        return get_all

    if location == "query":  # PERF: the common case without the dispatch on location
        return lambda request, view_args: request.args.get(key, _MISSING)

    def get_one(request: Request, view_args: dict[str, Any]) -> Any:
        return _source(request, location).get(key, _MISSING)

    return get_one


def _group_getter(location: str, fields: list[GroupField]) -> Getter:
    plan = tuple((field.key, field.multi) for field in fields)

    def get_group(request: Request, view_args: dict[str, Any]) -> Any:
        source = _source(request, location)
        values: dict[str, Any] = {}
        for key, multi in plan:
            if multi:
                found = source.getlist(key)
                if found:
                    values[key] = found
            else:
                value = source.get(key, _MISSING)
                if value is not _MISSING:
                    values[key] = value
        return values

    return get_group


def _json_body(request: Request) -> Any:
    """The parsed JSON body, or ``_MISSING`` when the request has none.

    A body that is not JSON answers 415 and malformed JSON 400, as ``request.get_json()`` does:
    those are not field errors.
    """
    if not request.get_data():
        return _MISSING
    return request.get_json()


def _body_getter(key: str, embedded: bool) -> Getter:
    if not embedded:
        return lambda request, view_args: _json_body(request)

    def get_embedded(request: Request, view_args: dict[str, Any]) -> Any:
        body = _json_body(request)
        if body is _MISSING:
            return _MISSING
        if not isinstance(body, dict):
            raise RequestValidationError(
                errors=[
                    {
                        "loc": ["body"],
                        "msg": "Input should be a JSON object",
                        "type": "dict_type",
                        "input": _masked(body),
                    }
                ]
            )
        return body.get(key, _MISSING)

    return get_embedded


# -- the binder ------------------------------------------------------------------------------


class TypedView:
    """A typed view as registered: binds and validates the request, calls the view, serialises.

    It compares and hashes as the view it wraps, so registering the same function for a
    second rule of its endpoint is not taken for a clash; ``__wrapped__`` is the view.
    """

    def __init__(self, app: App, view: Callable[..., Any], signature: ViewSignature) -> None:
        self.app = app
        self.view = view
        self.signature = signature
        functools.update_wrapper(self, view)
        self._getters: tuple[tuple[str, Getter], ...] = ()
        self._locations: dict[str, tuple[str, ...]] = {}
        self._annotations = {spec.name: spec.annotation for spec in signature.params}
        self._path_bound: tuple[str, ...] = ()
        self._adapter: TypeAdapter[Any] | None = None
        self._compile_inputs(signature.params)
        self._response_adapter: TypeAdapter[Any] | None = (
            TypeAdapter(signature.return_type) if signature.return_type is not None else None
        )
        self._status = signature.status_code

    def _compile_inputs(self, params: list[ParamSpec]) -> None:
        bodies = [spec for spec in params if spec.location == "body"]
        embed = len(bodies) > 1 or any(getattr(spec.marker, "embed", False) for spec in bodies)
        getters: list[tuple[str, Getter]] = []
        fields: dict[str, Any] = {}
        for spec in params:
            if spec.location == "body":
                getter = _body_getter(spec.key, embed)
                prefix: tuple[str, ...] = ("body", spec.key) if embed else ("body",)
            elif spec.group:
                convert = getattr(spec.marker, "convert_underscores", True)
                getter = _group_getter(
                    spec.location, group_fields(spec.annotation, spec.location, convert)
                )
                prefix = (spec.location,)
            else:
                getter = _scalar_getter(spec.location, spec.key, spec.multi)
                prefix = (spec.location, spec.key)
            getters.append((spec.name, getter))
            self._locations[spec.name] = prefix
            wrap = Required if spec.required else NotRequired
            fields[spec.name] = wrap[spec.annotation]
        self._getters = tuple(getters)
        self._path_bound = tuple(spec.name for spec in params if spec.location == "path")
        if fields:
            name = f"{getattr(self.view, '__qualname__', 'view')}.arguments"
            inputs = TypedDict(name, fields)  # type: ignore[misc]
            # APPSEC: "nan" and "inf" in a query or header are no numbers a client means; they
            # would come back as null (or invalid JSON) in the answer.
            config = ConfigDict(arbitrary_types_allowed=True, allow_inf_nan=False)
            self._adapter = TypeAdapter(with_config(config)(inputs))

    def bind(self, view_args: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments for the view: the URL's values with the typed ones validated.

        Raises :class:`~erlen.errors.RequestValidationError` (422) listing every bad field.
        """
        adapter = self._adapter
        if adapter is None:
            return view_args
        request: Request = _cv_context.get().request  # type: ignore[union-attr,assignment]
        raw: dict[str, Any] = {}
        for name, getter in self._getters:
            value = getter(request, view_args)
            if value is not _MISSING:
                raw[name] = value
        try:
            values: dict[str, Any] = adapter.validate_python(raw)
        except ValidationError as exc:
            raise _validation_error(self._errors(exc), exc.error_count()) from None
        for name in self._path_bound:
            view_args.pop(name, None)
        view_args.update(values)  # absent optional values keep the function's own defaults
        return view_args

    def _errors(self, exc: ValidationError) -> list[dict[str, Any]]:
        """Pydantic's errors with each location rewritten to where the value came from.

        At most :data:`MAX_ERRORS` of them: a body of a million bad list items must not cost
        seconds and answer thirty times its size (the client fixes the first and sends again).
        """
        errors = []
        for error in exc.errors(include_url=False, include_context=False)[:MAX_ERRORS]:
            loc = error["loc"]
            prefix = self._locations.get(str(loc[0]), (str(loc[0]),)) if loc else ()
            if error["type"] == "missing":
                shown = None
            elif any(_secret_name(part) for part in (*prefix, *loc) if isinstance(part, str)):
                shown = HIDDEN
            else:
                annotation = self._annotations.get(str(loc[0])) if loc else None
                shown = _masked(error["input"], _type_at(annotation, loc[1:]))
            # The client's own keys are in the location, and a validator's message may quote
            # the input: both are cut as the input is.
            where = [
                _cut(part, [ECHO_BUDGET]) if isinstance(part, str) else part
                for part in (*prefix, *loc[1:])
            ]
            errors.append(
                {"loc": where, "msg": _cut(error["msg"], [ECHO_BUDGET]), "type": error["type"],
                 "input": shown}
            )  # fmt: skip
        return errors

    def respond(self, rv: Any) -> Any:
        """The view's return value, validated against its return model and serialised."""
        adapter = self._response_adapter
        status = self._status
        if adapter is None and status is None:
            return rv
        response_class = self.app.response_class
        headers: Any = None
        if type(rv) is tuple:
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                rv, second = rv
                if isinstance(second, (dict, list, tuple)) or hasattr(second, "items"):
                    headers = second
                else:
                    status = second
        if isinstance(rv, response_class) or adapter is None:
            if status is None and headers is None:
                return rv
            return (rv, status, headers) if headers is not None else (rv, status)
        try:
            body = adapter.dump_json(adapter.validate_python(rv, from_attributes=True))
        except ValidationError as exc:
            raise ResponseValidationError(
                f"The view {getattr(self.view, '__qualname__', self.view)!r} returned data "
                f"that its return type {self.signature.return_type!r} refuses: {exc}"
            ) from exc
        response = response_class(body, status, content_type="application/json")
        if headers:
            response.headers.update(headers)
        return response

    def __call__(self, **view_args: Any) -> Any:
        return self.respond(self.view(**self.bind(view_args)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TypedView):
            return bool(self.view == other.view)
        return bool(self.view == other)

    def __hash__(self) -> int:
        return hash(self.view)

    def __repr__(self) -> str:
        return f"<TypedView {self.view!r}>"


class AsyncTypedView(TypedView):
    """:class:`TypedView` for an ``async def`` view: awaited on the server's loop under ASGI."""

    async def __call__(self, **view_args: Any) -> Any:
        return self.respond(await self.view(**self.bind(view_args)))


def compile_view(app: App, view: Callable[..., Any], signature: ViewSignature) -> TypedView:
    """The binder for ``view``; errors in its annotations are raised here, at registration."""
    cls = AsyncTypedView if signature.is_async else TypedView
    try:
        return cls(app, view, signature)
    except Exception as exc:
        if type(exc).__module__.startswith("pydantic"):
            raise TypeError(
                f"The annotations of view {getattr(view, '__qualname__', view)!r} cannot be "
                f"validated: {exc}"
            ) from exc
        raise


#: How many failing values a 422 lists, and how much of each rejected value it echoes (characters
#: of text plus one per item of a list or object; the rest is cut at an ellipsis): the answer
#: stays small whatever the size of the request.
MAX_ERRORS = 100
ECHO_BUDGET = 1000
ELLIPSIS = "\u2026"


def _validation_error(errors: list[dict[str, Any]], count: int) -> RequestValidationError:
    exc = RequestValidationError(errors=errors)
    if count > len(errors):
        exc.description = (
            f"The request's values are invalid: 'errors' lists the first {len(errors)} of {count}."
        )
    return exc


#: What a 422 shows instead of a rejected secret (pydantic's own mask for ``SecretStr``).
HIDDEN = "**********"
#: Parts of a field name that mark its value as a secret, as error trackers scrub them: the
#: value a client sent for ``password`` is not echoed in the 422, nor kept by whatever logs it.
_SECRET_NAME_PARTS = (
    "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "auth",
    "credential", "private_key", "privatekey", "session", "cookie", "csrf", "xsrf",
)  # fmt: skip


def _secret_name(name: object) -> bool:
    lowered = str(name).lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def _is_secret_type(annotation: Any) -> bool:
    stripped = _strip(annotation)
    return isinstance(stripped, type) and issubclass(stripped, _SECRET_TYPES)


def _child_type(annotation: Any, key: Any) -> Any:
    """The type of item ``key`` (a field name, an index, a dict key) of a value typed
    ``annotation``: a model's field, a list's or dict's items; None when unknown."""
    if annotation is None:
        return None
    model = _strip(annotation)
    fields = getattr(model, "model_fields", None)
    if isinstance(fields, dict):
        for name, field in fields.items():
            if key == name or key == field.alias:
                return field.annotation
        return None
    origin, args = typing.get_origin(model), typing.get_args(model)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[key] if isinstance(key, int) and 0 <= key < len(args) else None
    if origin in (list, set, frozenset, collections.abc.Sequence, collections.abc.Set) and args:
        return args[0]
    if origin in (dict, collections.abc.Mapping) and len(args) == 2:
        return args[1]
    return None


#: What :func:`_type_at` gives for a value inside a secret: everything in it is masked.
_INSIDE_SECRET = SecretStr


def _type_at(annotation: Any, path: tuple[Any, ...]) -> Any:
    """The type of the value at ``path`` inside a value typed ``annotation`` (None when
    unknown); a secret type when the path goes through one."""
    current = annotation
    for key in path:
        if _is_secret_type(current):
            return _INSIDE_SECRET
        current = _child_type(current, key)
        if current is None:
            return None
    return current


def _masked(value: Any, annotation: Any = None, budget: list[int] | None = None) -> Any:
    """A rejected input as JSON can carry it (files and other objects by their text), with its
    secrets masked: a value typed as a secret, and the values of secret-named keys, at any
    depth (``annotation``, when known, is the value's type). It is cut short once it has spent
    ``ECHO_BUDGET``: text at an ellipsis, a list or object by an ellipsis item or key."""
    if budget is None:
        budget = [ECHO_BUDGET]
    if annotation is not None and _is_secret_type(annotation):
        return HIDDEN
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or Infinity: the error object must stay valid JSON
    if value is None or isinstance(value, (int, float, bool)):
        budget[0] -= 1
        return value
    if isinstance(value, str):
        return _cut(value, budget)
    if isinstance(value, dict):
        shown: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if budget[0] < len(name) + 1:
                # Whole keys or none: two cut short could become one.
                shown[ELLIPSIS] = ELLIPSIS
                break
            budget[0] -= len(name) + 1
            shown[name] = (
                HIDDEN if _secret_name(key) else _masked(item, _child_type(annotation, key), budget)
            )
        return shown
    if isinstance(value, (list, tuple, set, frozenset)):
        items: list[Any] = []
        for index, item in enumerate(value):
            if budget[0] <= 0:
                items.append(ELLIPSIS)
                break
            budget[0] -= 1
            items.append(_masked(item, _child_type(annotation, index), budget))
        return items
    if isinstance(value, (bytes, bytearray)):
        return _cut(bytes(value[: max(budget[0], 0) + 1]).decode("utf-8", "replace"), budget)
    filename = getattr(value, "filename", None)
    return _cut(filename if isinstance(filename, str) else str(value), budget)


def _cut(text: str, budget: list[int]) -> str:
    """``text``, or as much of it as ``budget`` still allows and an ellipsis."""
    left = budget[0]
    budget[0] = left - len(text)
    return text if len(text) <= left else text[: max(left, 0)] + ELLIPSIS
