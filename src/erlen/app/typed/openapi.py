"""The OpenAPI 3.1 document of an app, generated from its routes and typed views.

:meth:`Erlen.openapi() <erlen.app.Erlen.openapi>` calls :func:`build_document`. Every HTTP rule
becomes an operation per method (HEAD and the automatic OPTIONS left out): path parameters from
the rule's converters (or the view's annotations), query, header and cookie parameters, the
request body and the responses from a typed view's plan (``params.py``), summaries and
descriptions from docstrings, tags from blueprints, a ``422`` for views that validate input and
the statuses the app's error handlers answer. Schemas come from pydantic, generated together so
that each model is described once under ``components/schemas``.

Settings: ``OPENAPI_TITLE`` (the app's name by default), ``OPENAPI_VERSION`` (``"0.1.0"``),
``OPENAPI_INFO`` (more ``info`` fields), ``OPENAPI_SERVERS``, ``OPENAPI_SECURITY_SCHEMES`` and
``OPENAPI_SECURITY`` (the default requirement). A route's ``openapi={...}`` is merged into its
operations; ``openapi=False`` leaves the route out.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic.errors import PydanticInvalidForJsonSchema, PydanticSchemaGenerationError
from pydantic.json_schema import JsonSchemaMode

from ...core.errors import default_exceptions
from ...core.routing.rules import parse_rule
from .binding import TypedView, group_fields
from .params import ParamSpec, ViewSignature, is_file_type, is_sequence_type

if TYPE_CHECKING:
    from ...core.routing import Rule
    from ..app import App

__all__ = ["build_document", "ERROR_SCHEMA", "VALIDATION_ERROR_SCHEMA", "HIDDEN_ENDPOINTS"]

#: Endpoints that serve the document and the docs page: not part of the API they describe.
HIDDEN_ENDPOINTS = frozenset(("erlen_openapi", "erlen_docs", "erlen_docs_asset"))

_ERROR_FIELDS: dict[str, Any] = {
    "status": {"type": "integer"},
    "title": {"type": "string"},
    "detail": {"type": "string"},
}

#: Erlen's error object (``errors.py``), as every error status answers it.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "detail"],
            "properties": _ERROR_FIELDS,
        }
    },
}

#: The 422 of a typed view: the error object with every failing value under ``errors``.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "detail", "errors"],
            "properties": {
                **_ERROR_FIELDS,
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["loc", "msg", "type"],
                        "properties": {
                            "loc": {
                                "type": "array",
                                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                            },
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                            "input": {},
                        },
                    },
                },
            },
        }
    },
}

_FILE_SCHEMA: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}

_CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "path": {"type": "string"},
}


#: A slot to fill with a schema, the annotation it describes, and the mode (input or output).
_Wanted = tuple[dict[str, Any], Any, JsonSchemaMode]


class _Schemas:
    """Schemas asked for while the document is built, generated in one pydantic call at the end.

    Each request gets an empty dict to put in the document; :meth:`fill` writes the schema into
    it, with references to ``#/components/schemas/...`` for models.
    """

    def __init__(self) -> None:
        self._wanted: list[_Wanted] = []

    def of(self, annotation: Any, mode: JsonSchemaMode = "validation") -> dict[str, Any]:
        slot: dict[str, Any] = {}
        self._wanted.append((slot, annotation, mode))
        return slot

    def fill(self) -> dict[str, Any]:
        """Write every schema into its slot; return the shared definitions.

        A type no JSON Schema describes (a plain class, which a parameter may name for an
        isinstance check) gets an empty schema and a warning, rather than failing the whole
        document: one view must not take the API's documentation down.
        """
        try:
            return _generate(self._wanted)
        except (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema):
            # Only then is each type tried alone, to find the ones to describe in words.
            return _generate([wanted for wanted in self._wanted if _describable(*wanted)])


def _generate(wanted: list[_Wanted]) -> dict[str, Any]:
    """Every schema of ``wanted`` into its slot, generated together; the shared definitions."""
    if not wanted:
        return {}
    inputs = [
        (index, mode, TypeAdapter(annotation)) for index, (_, annotation, mode) in enumerate(wanted)
    ]
    by_key, definitions = TypeAdapter.json_schemas(
        inputs, ref_template="#/components/schemas/{model}"
    )
    for index, (slot, _, mode) in enumerate(wanted):
        slot.update(by_key[(index, mode)])
    return dict(definitions.get("$defs", {}))


def _describable(slot: dict[str, Any], annotation: Any, mode: JsonSchemaMode) -> bool:
    """Whether pydantic can describe ``annotation``; if not, ``slot`` says so and it is left
    out of the document's schemas."""
    try:
        TypeAdapter(annotation).json_schema(mode=mode)
    except (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema) as exc:
        warnings.warn(
            f"The OpenAPI document cannot describe {annotation!r}: {exc.message.splitlines()[0]}",
            stacklevel=2,
        )
        slot["description"] = f"Not describable as JSON Schema: {annotation!r}"
        return False
    return True


def build_document(app: App) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app`` as a dict, ready for JSON."""
    config = app.config
    schemas = _Schemas()
    info: dict[str, Any] = {
        "title": config.get("OPENAPI_TITLE") or app.name,
        "version": config.get("OPENAPI_VERSION", "0.1.0"),
    }
    info.update(config.get("OPENAPI_INFO") or {})
    security_schemes = dict(config.get("OPENAPI_SECURITY_SCHEMES") or {})
    login_security: list[dict[str, list[str]]] = []
    if "auth" in app.extensions and not security_schemes:  # erlen.ext.auth
        security_schemes = {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": config.get("SESSION_COOKIE_NAME", "session"),
            },
        }
        login_security = [{"bearerAuth": []}, {"sessionCookie": []}]
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    used_validation = False
    for rule, view in _documented_routes(app):
        signature = view.signature if isinstance(view, TypedView) else None
        path, path_parameters = _path_item(rule, signature, schemas)
        original = inspect.unwrap(view)
        for method in _methods(rule):
            operation = _operation(app, rule, view, original, signature, schemas)
            operation["parameters"] = path_parameters + operation["parameters"]
            if not operation["parameters"]:
                del operation["parameters"]
            operation["operationId"] = _unique(
                _operation_id(rule.endpoint, method, rule), operation_ids
            )
            used_validation = used_validation or "422" in operation["responses"]
            if login_security and getattr(view, "requires_login", False):
                operation["security"] = login_security
            if signature is not None and isinstance(signature.openapi, dict):
                _merge(operation, signature.openapi)
            paths.setdefault(path, {})[method.lower()] = operation
    document: dict[str, Any] = {"openapi": "3.1.0", "info": info}
    if config.get("OPENAPI_SERVERS"):
        document["servers"] = config["OPENAPI_SERVERS"]
    document["paths"] = paths
    components: dict[str, Any] = {"schemas": schemas.fill()}
    components["schemas"]["Error"] = ERROR_SCHEMA
    if used_validation:
        components["schemas"]["ValidationError"] = VALIDATION_ERROR_SCHEMA
    if security_schemes:
        components["securitySchemes"] = security_schemes
    document["components"] = components
    if config.get("OPENAPI_SECURITY"):
        document["security"] = config["OPENAPI_SECURITY"]
    tags = sorted({tag for item in paths.values() for op in item.values() for tag in op["tags"]})
    if tags:
        document["tags"] = [{"name": tag} for tag in tags]
    for item in paths.values():
        for operation in item.values():
            if not operation["tags"]:
                del operation["tags"]
    finite: dict[str, Any] = _finite(document)
    return finite


def _finite(value: Any) -> Any:
    """``value`` without the keywords that hold a float JSON has no spelling for.

    A default of ``float("inf")`` (a common "no limit") would be written ``Infinity``, which
    strict parsers and Swagger UI refuse, losing the whole document over one keyword. The
    keyword goes, whole: an ``enum`` or ``examples`` list without its infinite item would
    describe a different set of values.
    """
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items() if _is_spellable(item)}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _is_spellable(value: Any) -> bool:
    """Whether JSON can hold ``value`` as it is: no non-finite float in it or its lists (a
    nested object is cleaned by :func:`_finite` itself)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_spellable(item) for item in value if not isinstance(item, dict))
    return True


def _merge(operation: dict[str, Any], fields: dict[str, Any]) -> None:
    """A route's ``openapi={...}`` over its generated operation: ``responses`` are added to
    (or replace, status by status) the generated ones; any other field replaces its own."""
    for key, value in fields.items():
        if key == "responses" and isinstance(value, dict):
            operation["responses"].update({str(status): item for status, item in value.items()})
        else:
            operation[key] = value


def _documented_routes(app: App) -> Iterator[tuple[Rule, Callable[..., Any]]]:
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if rule.websocket or endpoint in HIDDEN_ENDPOINTS:
            continue
        if endpoint == "static" or endpoint.endswith(".static"):
            continue
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        if isinstance(view, TypedView) and view.signature.openapi is False:
            continue
        yield rule, view


def _methods(rule: Rule) -> list[str]:
    methods = set(rule.methods) - {"HEAD"}
    if rule.provide_automatic_options:
        methods.discard("OPTIONS")
    order = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE"]
    return sorted(methods, key=lambda name: (order.index(name) if name in order else 99, name))


def _operation_id(endpoint: str, method: str, rule: Rule) -> str:
    methods = _methods(rule)
    name = endpoint.replace(".", "_")
    return name if len(methods) == 1 else f"{name}_{method.lower()}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _path_item(
    rule: Rule, signature: ViewSignature | None, schemas: _Schemas
) -> tuple[str, list[dict[str, Any]]]:
    """The OpenAPI path (``/users/{user_id}``) and its path parameters."""
    typed = {spec.name: spec for spec in signature.params} if signature is not None else {}
    parts: list[str] = []
    parameters: list[dict[str, Any]] = []
    for token in parse_rule(rule.rule):
        if isinstance(token, str):
            parts.append(token)
            continue
        parts.append(f"{{{token.name}}}")
        spec = typed.get(token.name)
        parameter: dict[str, Any] = {"name": token.name, "in": "path", "required": True}
        if spec is not None:
            parameter["schema"] = schemas.of(spec.annotation)
            _describe(parameter, spec)
        else:
            parameter["schema"] = _converter_schema(token.converter, token.args, token.kwargs)
        parameters.append(parameter)
    return "".join(parts), parameters


def _converter_schema(converter: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    schema = dict(_CONVERTER_SCHEMAS.get(converter, {"type": "string"}))
    if converter in ("int", "float"):
        if kwargs.get("min") is not None:
            schema["minimum"] = kwargs["min"]
        if kwargs.get("max") is not None:
            schema["maximum"] = kwargs["max"]
        if not kwargs.get("signed") and "minimum" not in schema:
            schema["minimum"] = 0
    elif converter == "any":
        schema["enum"] = [str(item) for item in args]
    elif converter in ("default", "string"):
        for key, name in (("minlength", "minLength"), ("maxlength", "maxLength")):
            if kwargs.get(key) is not None:
                schema[name] = kwargs[key]
        if kwargs.get("length") is not None:
            schema["minLength"] = schema["maxLength"] = kwargs["length"]
    return schema


def _describe(target: dict[str, Any], spec: ParamSpec) -> None:
    marker = spec.marker
    if marker is not None and marker.description:
        target["description"] = marker.description
    if marker is not None and marker.deprecated:
        target["deprecated"] = True


def _operation(
    app: App,
    rule: Rule,
    view: Callable[..., Any],
    original: Callable[..., Any],
    signature: ViewSignature | None,
    schemas: _Schemas,
) -> dict[str, Any]:
    blueprint = rule.endpoint.rpartition(".")[0]
    operation: dict[str, Any] = {"tags": [blueprint] if blueprint else []}
    doc = inspect.getdoc(original)
    if doc:
        summary, _, description = doc.partition("\n")
        operation["summary"] = summary.strip()
        if description.strip():
            operation["description"] = description.strip()
    operation["parameters"] = []
    params = signature.params if signature is not None else []
    for spec in params:
        if spec.location in ("query", "header", "cookie"):
            operation["parameters"].extend(_parameters(spec, schemas))
    body = _request_body(params, schemas)
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = _responses(app, rule, signature, schemas)
    return operation


def _parameters(spec: ParamSpec, schemas: _Schemas) -> list[dict[str, Any]]:
    if not spec.group:
        parameter: dict[str, Any] = {"name": spec.key, "in": spec.location}
        if spec.required:
            parameter["required"] = True
        _describe(parameter, spec)
        parameter["schema"] = schemas.of(spec.annotation)
        if not spec.required and _is_json_scalar(spec.default):
            parameter["schema"]["default"] = spec.default
        if spec.multi:
            parameter["style"], parameter["explode"] = "form", True
        return [parameter]
    convert = getattr(spec.marker, "convert_underscores", True)
    parameters = []
    for field in group_fields(spec.annotation, spec.location, convert):
        parameter = {"name": field.key, "in": spec.location}
        if field.required:
            parameter["required"] = True
        if field.description:
            parameter["description"] = field.description
        parameter["schema"] = schemas.of(field.annotation)
        parameters.append(parameter)
    return parameters


def _is_json_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _form_schema(params: list[ParamSpec], schemas: _Schemas) -> tuple[dict[str, Any], bool]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    has_files = False
    for spec in params:
        if spec.group:
            for field in group_fields(spec.annotation, spec.location):
                if is_file_type(field.annotation):
                    has_files = True
                    properties[field.key] = _file_schema(field.annotation)
                else:
                    properties[field.key] = schemas.of(field.annotation)
                if field.required:
                    required.append(field.key)
            continue
        if spec.location == "file" or is_file_type(spec.annotation):
            has_files = True
            properties[spec.key] = _file_schema(spec.annotation)
        else:
            properties[spec.key] = schemas.of(spec.annotation)
        if spec.required:
            required.append(spec.key)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema, has_files


def _file_schema(annotation: Any) -> dict[str, Any]:
    if is_sequence_type(annotation):
        return {"type": "array", "items": dict(_FILE_SCHEMA)}
    return dict(_FILE_SCHEMA)


def _request_body(params: list[ParamSpec], schemas: _Schemas) -> dict[str, Any] | None:
    bodies = [spec for spec in params if spec.location == "body"]
    forms = [spec for spec in params if spec.location in ("form", "file")]
    if forms:
        form, has_files = _form_schema(forms, schemas)
        media = "multipart/form-data" if has_files else "application/x-www-form-urlencoded"
        return {"required": bool(form.get("required")), "content": {media: {"schema": form}}}
    if not bodies:
        return None
    schema: dict[str, Any]
    embed = len(bodies) > 1 or any(getattr(spec.marker, "embed", False) for spec in bodies)
    if embed:
        properties = {spec.key: schemas.of(spec.annotation) for spec in bodies}
        required_keys = [spec.key for spec in bodies if spec.required]
        schema = {"type": "object", "properties": properties}
        if required_keys:
            schema["required"] = required_keys
        required = bool(required_keys)
    else:
        schema = schemas.of(bodies[0].annotation)
        required = bodies[0].required
    content = {"application/json": {"schema": schema}}
    body: dict[str, Any] = {"required": required, "content": content}
    if not embed and bodies[0].marker is not None and bodies[0].marker.description:
        body["description"] = bodies[0].marker.description
    return body


def _responses(
    app: App, rule: Rule, signature: ViewSignature | None, schemas: _Schemas
) -> dict[str, Any]:
    status = str(signature.status_code or 200) if signature is not None else "200"
    success: dict[str, Any] = {"description": "Successful response"}
    if signature is not None and signature.return_type is not None:
        success["content"] = {
            "application/json": {"schema": schemas.of(signature.return_type, "serialization")}
        }
    responses: dict[str, Any] = {status: success}
    if signature is not None and signature.params:
        responses["422"] = {
            "description": "The request's values are invalid: every failing value is listed",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}
            },
        }
    for code in _handled_statuses(app, rule.endpoint):
        responses.setdefault(str(code), _error_response(code))
    return responses


def _handled_statuses(app: App, endpoint: str) -> list[int]:
    """Status codes the app's error handlers answer for ``endpoint`` (its blueprints' too)."""
    scopes: list[str | None] = [None]
    parts = endpoint.split(".")[:-1]
    scopes.extend(".".join(parts[: index + 1]) for index in range(len(parts)))
    codes: set[int] = set()
    for scope in scopes:
        handlers = app.error_handler_spec.get(scope)
        if handlers:
            codes.update(code for code, found in handlers.items() if code is not None and found)
    return sorted(codes)


def _error_response(code: int) -> dict[str, Any]:
    error_class = default_exceptions.get(code)
    description = error_class.name if error_class is not None else f"Error {code}"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
