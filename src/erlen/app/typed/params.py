"""Typed views: the markers that say where a view parameter comes from, and the decision, made
once per route, whether a view needs binding at all.

A view opts in by its annotations::

    @app.get("/users")
    def list_users(page: int = 1, tag: Annotated[str | None, Header(alias="X-Tag")] = None):
        ...

    @app.post("/users", status_code=201)
    def create_user(user: NewUser) -> User:   # a model parameter is the JSON body
        ...

Nothing here imports pydantic: :func:`inspect_view` reads the signature with the standard
library and answers None for a view that needs nothing more than Flask's keyword arguments, which
is then registered exactly as before. Only a view that does need binding has its binder compiled
(``binding.py``), and only then is pydantic imported.

What makes a view typed (decided at registration, never per request):

- a parameter named in the rule whose annotation asks for more than its converter gives
  (``<user_id>`` with ``user_id: int``, or ``Annotated[int, Path(), Field(ge=1)]``);
  ``<int:user_id>`` with ``user_id: int`` is plain, as is a parameter without an annotation;
- an annotated parameter the rule does not name: a query parameter by default, or the JSON body
  for a model (a pydantic model, a dataclass, a TypedDict), or where its marker says
  (:class:`Query`, :class:`Header`, :class:`Cookie`, :class:`Body`, :class:`Form`,
  :class:`File`); an *unannotated* parameter with a default stays a plain Python default, since
  Flask apps use that with ``defaults=`` rules;
- a return annotation that names a model (or a list of them), or ``response_model=``,
  ``status_code=`` or ``openapi=`` among the route's options.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin
from uuid import UUID

from ...core.datastructures import FileStorage
from ...core.routing.rules import parse_rule

__all__ = [
    "Param",
    "Path",
    "Query",
    "Header",
    "Cookie",
    "Body",
    "Form",
    "File",
    "ParamSpec",
    "ViewSignature",
    "ROUTE_OPTIONS",
    "inspect_view",
    "rule_variables",
    "is_model_type",
    "is_sequence_type",
    "is_file_type",
]

#: Route options a typed view understands; ``add_url_rule`` hands them to the binder.
ROUTE_OPTIONS = ("response_model", "status_code", "openapi")

#: The Python type each built-in converter gives a view; such an annotation needs no binding.
_CONVERTER_TYPES: dict[str, type] = {
    "default": str,
    "string": str,
    "path": str,
    "any": str,
    "int": int,
    "float": float,
    "uuid": UUID,
}

_EMPTY = inspect.Parameter.empty


class Param:
    """Where a parameter's value comes from: used as ``Annotated[type, Query()]`` metadata.

    ``alias`` is the name in the request when it differs from the Python name (a header such as
    ``X-Request-Id``, a query key with a dash); ``description`` goes into the OpenAPI document.
    """

    location: ClassVar[str] = ""
    __slots__ = ("alias", "description", "deprecated")

    def __init__(
        self, alias: str | None = None, *, description: str | None = None, deprecated: bool = False
    ) -> None:
        self.alias = alias
        self.description = description
        self.deprecated = deprecated

    def __repr__(self) -> str:
        alias = f"alias={self.alias!r}" if self.alias else ""
        return f"{type(self).__name__}({alias})"


class Path(Param):
    """A value from the URL rule (``<user_id>``); only needed to add a description."""

    location = "path"
    __slots__ = ()


class Query(Param):
    """A query-string parameter (``?page=2``); a list type reads every value of the key."""

    location = "query"
    __slots__ = ()


class Header(Param):
    """A request header: ``user_agent`` reads ``User-Agent`` (``convert_underscores=False``
    keeps the name as written)."""

    location = "header"
    __slots__ = ("convert_underscores",)

    def __init__(
        self,
        alias: str | None = None,
        *,
        convert_underscores: bool = True,
        description: str | None = None,
        deprecated: bool = False,
    ) -> None:
        super().__init__(alias, description=description, deprecated=deprecated)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie sent by the client."""

    location = "cookie"
    __slots__ = ()


class Body(Param):
    """The JSON body (the default for a model parameter). With several body parameters, or
    ``embed=True``, each is read from the key of its name in a JSON object."""

    location = "body"
    __slots__ = ("embed",)

    def __init__(
        self,
        alias: str | None = None,
        *,
        embed: bool = False,
        description: str | None = None,
        deprecated: bool = False,
    ) -> None:
        super().__init__(alias, description=description, deprecated=deprecated)
        self.embed = embed


class Form(Param):
    """A field of a urlencoded or multipart form body."""

    location = "form"
    __slots__ = ()


class File(Param):
    """An uploaded file of a multipart body, as a :class:`~erlen.datastructures.FileStorage`."""

    location = "file"
    __slots__ = ()


@dataclasses.dataclass(slots=True)
class ParamSpec:
    """One view parameter the binder fills: where from, under which key, with which type.

    ``annotation`` is the type to validate against (with its constraints, without the marker);
    ``group`` is True when a model gathers several request values (``Annotated[Args, Query()]``).
    """

    name: str
    location: str
    key: str
    annotation: Any
    default: Any
    marker: Param | None = None
    group: bool = False
    multi: bool = False

    @property
    def required(self) -> bool:
        return self.default is _EMPTY


@dataclasses.dataclass(slots=True)
class ViewSignature:
    """What a typed view takes and gives: the binder's plan and the OpenAPI document's source."""

    params: list[ParamSpec]
    return_type: Any
    status_code: int | None
    openapi: dict[str, Any] | bool | None
    is_async: bool
    path_names: frozenset[str]


def _split_annotated(annotation: Any) -> tuple[Any, Param | None, tuple[Any, ...]]:
    """``(type, marker, other metadata)`` of a possibly ``Annotated`` annotation."""
    if get_origin(annotation) is not Annotated:
        return annotation, None, ()
    base, *metadata = get_args(annotation)
    markers = [item for item in metadata if isinstance(item, Param)]
    if len(markers) > 1:
        raise TypeError(f"{annotation!r} has more than one location marker; keep one.")
    others = tuple(item for item in metadata if not isinstance(item, Param))
    return base, (markers[0] if markers else None), others


def _strip_optional(annotation: Any) -> Any:
    """``X`` for ``X | None``; anything else unchanged."""
    if get_origin(annotation) is Union or isinstance(annotation, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _is_basemodel(annotation: Any) -> bool:
    # PERF/import: a class can only be a pydantic model once pydantic is imported.
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(annotation, type):
        return False
    return issubclass(annotation, pydantic.BaseModel)


def _is_typeddict(annotation: Any) -> bool:
    """A TypedDict class, from ``typing`` or ``typing_extensions`` (whose classes ``typing``'s
    own ``is_typeddict`` does not know before Python 3.12)."""
    return (
        isinstance(annotation, type)
        and issubclass(annotation, dict)
        and hasattr(annotation, "__required_keys__")
    )


def is_model_type(annotation: Any) -> bool:
    """True for a pydantic model, a dataclass or a TypedDict, optionally ``| None``,
    ``Annotated``, or inside ``list[...]`` / ``dict[str, ...]``."""
    annotation = _strip_optional(_split_annotated(annotation)[0])
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset, Sequence, Iterable):
        return any(is_model_type(arg) for arg in get_args(annotation) if arg is not Ellipsis)
    if origin in (dict, Mapping):
        args = get_args(annotation)
        return len(args) == 2 and is_model_type(args[1])
    if _is_basemodel(annotation) or _is_typeddict(annotation):
        return True
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def is_sequence_type(annotation: Any) -> bool:
    """True for ``list[...]``, ``tuple[...]``, ``set[...]`` (optionally ``| None``): a query key,
    header or form field that reads every value sent."""
    annotation = _strip_optional(_split_annotated(annotation)[0])
    return get_origin(annotation) in (list, tuple, set, frozenset, Sequence) or annotation in (
        list,
        tuple,
        set,
        frozenset,
    )


def is_file_type(annotation: Any) -> bool:
    annotation = _strip_optional(annotation)
    if get_origin(annotation) in (list, tuple, Sequence):
        args = get_args(annotation)
        annotation = args[0] if args else None
    return isinstance(annotation, type) and issubclass(annotation, FileStorage)


def _fits_converter(annotation: Any, converter: str) -> bool:
    """Whether a path parameter's annotation is just what its converter already gives."""
    if annotation is _EMPTY or annotation is Any:
        return True
    natural = _CONVERTER_TYPES.get(converter)
    if natural is None:  # a custom converter decides the type itself
        return get_origin(annotation) is not Annotated
    return annotation is natural


def _type_hints(view: Callable[..., Any]) -> dict[str, Any]:
    """The view's resolved annotations; one that cannot be resolved is kept as its text and
    treated as plain, so that Flask code annotated for a type checker keeps working."""
    try:
        return typing.get_type_hints(view, include_extras=True)
    except Exception:
        pass
    raw = dict(getattr(view, "__annotations__", {}) or {})
    target: Any = inspect.unwrap(view)
    namespace = getattr(target, "__globals__", {})
    hints: dict[str, Any] = {}
    for name, annotation in raw.items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # the view's own annotation text
            except Exception as exc:
                if _names_a_marker(annotation, namespace):
                    # A typo in a marker (Query(min_length=3)) fails here, at registration,
                    # rather than leaving the view plain and every request a 500.
                    raise TypeError(
                        f"The annotation of {name!r} of {getattr(view, '__qualname__', view)} "
                        f"cannot be evaluated: {type(exc).__name__}: {exc}"
                    ) from exc
        hints[name] = annotation
    return hints


def _names_a_marker(text: str, namespace: Mapping[str, Any]) -> bool:
    """Whether annotation ``text`` uses one of Erlen's parameter markers (``Query``, ``Body``...),
    which only a typed view's annotation would."""
    for identifier in re.findall(r"[A-Za-z_]\w*", text):
        value = namespace.get(identifier)
        if isinstance(value, type) and issubclass(value, Param):
            return True
    return False


def rule_variables(rule: str) -> dict[str, str]:
    """The variables of a rule string and their converters' names (``{"user_id": "int"}``)."""
    return {token.name: token.converter for token in parse_rule(rule) if not isinstance(token, str)}


def inspect_view(
    view: Callable[..., Any],
    rule_variables: Mapping[str, str],
    path_names: Iterable[str],
    options: Mapping[str, Any],
) -> ViewSignature | None:
    """The binding plan of ``view`` for a rule, or None when the view is plain (untyped).

    ``rule_variables`` maps the rule's variables to their converter names; ``path_names`` is
    every name the endpoint's rules fill (variables and ``defaults``). ``options`` are the
    route's typed-view options (:data:`ROUTE_OPTIONS`).
    """
    typed_options = {key: options[key] for key in ROUTE_OPTIONS if key in options}
    if not (inspect.isfunction(view) or inspect.ismethod(view)):
        if typed_options:
            raise TypeError(
                f"{', '.join(typed_options)} need a view function; {view!r} is not one."
            )
        return None
    if not getattr(view, "__annotations__", None) and not typed_options:
        return None  # PERF: the common Flask view, decided without reading its signature
    hints = _type_hints(view)
    names = frozenset(path_names)
    params: list[ParamSpec] = []
    for parameter in inspect.signature(view).parameters.values():
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            continue
        spec = _param_spec(parameter, hints.get(parameter.name, _EMPTY), rule_variables, names)
        if spec is not None:
            params.append(spec)
    return_type = typed_options.get("response_model", _EMPTY)
    if return_type is _EMPTY:
        hinted = hints.get("return", _EMPTY)
        if hinted is not _EMPTY and not isinstance(hinted, str) and is_model_type(hinted):
            return_type = hinted
    if not params and return_type is _EMPTY and not typed_options:
        return None
    _check_bodies(view, params)
    from ...core.concurrency import is_async_callable

    openapi = typed_options.get("openapi")
    if openapi is not None and not isinstance(openapi, (dict, bool)):
        raise TypeError("openapi= takes a dict of OpenAPI operation fields, or False to hide.")
    return ViewSignature(
        params=params,
        return_type=None if return_type is _EMPTY else return_type,
        status_code=typed_options.get("status_code"),
        openapi=openapi,
        is_async=is_async_callable(view),
        path_names=names,
    )


def _param_spec(
    parameter: inspect.Parameter,
    annotation: Any,
    rule_variables: Mapping[str, str],
    path_names: frozenset[str],
) -> ParamSpec | None:
    """The plan for one parameter, or None when it is passed through as Flask passes it."""
    name = parameter.name
    if isinstance(annotation, str):  # unresolvable: left as Flask would treat it
        return None
    base, marker, metadata = _split_annotated(annotation)
    validated = Annotated[(base, *metadata)] if metadata else base
    default = parameter.default
    if name in path_names:
        if marker is None and _fits_converter(annotation, rule_variables.get(name, "default")):
            return None
        if marker is not None and not isinstance(marker, Path):
            raise TypeError(
                f"Parameter {name!r} is a URL variable of the rule, but is marked "
                f"{marker!r}; rename it, or mark it Path()."
            )
        return ParamSpec(name, "path", name, validated, default, marker)
    if marker is None and annotation is _EMPTY:
        return None
    if isinstance(marker, Path):
        raise TypeError(f"Parameter {name!r} is marked Path() but the rule has no <{name}>.")
    if marker is None:
        if is_file_type(base):
            location = "file"
        elif is_model_type(base):
            location = "body"
        else:
            location = "query"
    else:
        location = marker.location
    key = marker.alias if marker is not None and marker.alias else name
    if location == "header" and not (marker and marker.alias):
        convert = getattr(marker, "convert_underscores", True)
        key = name.replace("_", "-") if convert else name
    group = location in ("query", "header", "cookie", "form") and is_model_type(base)
    multi = not group and is_sequence_type(base)
    return ParamSpec(name, location, key, validated, default, marker, group, multi)


def _check_bodies(view: Callable[..., Any], params: list[ParamSpec]) -> None:
    locations = {spec.location for spec in params}
    if "body" in locations and locations & {"form", "file"}:
        raise TypeError(
            f"{getattr(view, '__name__', view)!r} reads both a JSON body and form fields; a "
            "request has one body: use Body() or Form()/File() parameters, not both."
        )
