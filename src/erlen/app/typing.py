"""Type aliases for annotating views, hooks and handlers, under Flask's names.

``from erlen.typing import ResponseReturnValue`` (or ``flask.typing`` with the patch) types a
view's return value as :meth:`Erlen.make_response` accepts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

if TYPE_CHECKING:
    from ..core.errors import HTTPException
    from ..core.response import Response

__all__ = [
    "AfterRequestCallable",
    "AppOrBlueprintKey",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "StatusCode",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]

ResponseValue: TypeAlias = (
    "Response | str | bytes | list[Any] | Mapping[str, Any] | Iterable[str] | Iterable[bytes]"
    " | AsyncIterable[str] | AsyncIterable[bytes] | HTTPException"
)
HeaderValue: TypeAlias = "str | list[str] | tuple[str, ...]"
HeadersValue: TypeAlias = "Mapping[str, HeaderValue] | Sequence[tuple[str, HeaderValue]] | Any"
StatusCode: TypeAlias = "int | str"
ResponseReturnValue: TypeAlias = (
    "ResponseValue | tuple[ResponseValue, HeadersValue]"
    " | tuple[ResponseValue, StatusCode] | tuple[ResponseValue, StatusCode, HeadersValue]"
)
ResponseClass = TypeVar("ResponseClass", bound="Response")
AppOrBlueprintKey: TypeAlias = "str | None"

AfterRequestCallable: TypeAlias = (
    "Callable[[ResponseClass], ResponseClass] | Callable[[ResponseClass], Awaitable[ResponseClass]]"
)
BeforeRequestCallable: TypeAlias = (
    "Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]"
)
ShellContextProcessorCallable: TypeAlias = "Callable[[], dict[str, Any]]"
TeardownCallable: TypeAlias = (
    "Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]"
)
TemplateContextProcessorCallable: TypeAlias = (
    "Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]"
)
TemplateFilterCallable: TypeAlias = "Callable[..., Any]"
TemplateGlobalCallable: TypeAlias = "Callable[..., Any]"
TemplateTestCallable: TypeAlias = "Callable[..., bool]"
URLDefaultCallable: TypeAlias = "Callable[[str, dict[str, Any]], None]"
URLValuePreprocessorCallable: TypeAlias = "Callable[[str | None, dict[str, Any] | None], None]"
ErrorHandlerCallable: TypeAlias = (
    "Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]"
)
RouteCallable: TypeAlias = (
    "Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]"
)
