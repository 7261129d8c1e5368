"""Class-based views: :class:`View`, and :class:`MethodView` which dispatches on the HTTP method.

::

    class UserAPI(MethodView):
        def get(self, user_id): ...
        def put(self, user_id): ...

    app.add_url_rule("/users/<int:user_id>", view_func=UserAPI.as_view("user"))

A MethodView answers only the methods it defines; any other gets 405 with an ``Allow`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ..core.errors import MethodNotAllowed
from .context import request

__all__ = ["View", "MethodView", "HTTP_METHOD_FUNCS"]

HTTP_METHOD_FUNCS = frozenset(("get", "post", "head", "options", "delete", "put", "trace", "patch"))


class View:
    """A view as a class: subclass it, implement :meth:`dispatch_request`, then ``as_view``."""

    #: The methods the view's rule accepts; None leaves the default (GET) or MethodView's list.
    methods: ClassVar[set[str] | None] = None
    #: Whether OPTIONS is answered automatically.
    provide_automatic_options: ClassVar[bool | None] = None
    #: Decorators applied, in order, to the function ``as_view`` returns.
    decorators: ClassVar[list[Callable[..., Any]]] = []
    #: Create one instance for the app's lifetime instead of one per request.
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **kwargs: Any) -> Any:
        """Answer a request; URL values arrive as keyword arguments."""
        raise NotImplementedError(f"{type(self).__name__} must implement dispatch_request().")

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> Callable[..., Any]:
        """A view function for ``add_url_rule``; ``class_args`` go to the constructor."""
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                instance = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return instance.dispatch_request(**kwargs)

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return shared.dispatch_request(**kwargs)

        for decorator in cls.decorators:
            view = decorator(view)
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """Dispatches each request to the method named after its HTTP method (``get``, ``post``...).

    HEAD uses ``get`` when no ``head`` is defined. ``methods`` is filled in from the methods the
    class defines, so the router answers 405 + ``Allow`` for the others.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            found: set[str] = set()
            for base in cls.__bases__:
                found.update(getattr(base, "methods", None) or ())
            found.update(name.upper() for name in HTTP_METHOD_FUNCS if hasattr(cls, name))
            if found:
                cls.methods = found

    def dispatch_request(self, **kwargs: Any) -> Any:
        method = request.method.lower()
        handler = getattr(self, method, None)
        if handler is None and method == "head":
            handler = getattr(self, "get", None)
        if handler is None:
            raise MethodNotAllowed(self.methods or ())
        return handler(**kwargs)
