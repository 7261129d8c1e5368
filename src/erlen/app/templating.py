"""Jinja2 templates: the app's environment, ``render_template`` and ``stream_template``.

Templates are looked up in the app's ``template_folder`` first, then in each registered
blueprint's, in registration order, as in Flask. Templates named ``*.html``, ``*.htm``,
``*.xml``, ``*.xhtml`` and ``*.svg`` (and every string template) are autoescaped, so user input
rendered with ``{{ value }}`` cannot inject markup.

Every template sees ``url_for``, ``get_flashed_messages``, ``config``, ``request``, ``session``
and ``g``, the app's template filters, globals and tests, and whatever the applicable context
processors return. Values passed to the render call win over context processors.

This is the only module that imports Jinja2; the app imports it on first use, so ``import erlen``
does not pay for Jinja2.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, cast

import jinja2

from .context import _cv_context, g, request, session, stream_with_context
from .signalgate import gate

if TYPE_CHECKING:
    from .app import App
    from .scaffold import Scaffold

__all__ = [
    "Environment",
    "DispatchingLoader",
    "create_jinja_environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

#: Every attribute a plain ``dict`` has: exactly the names ``getattr(a_dict, name)`` finds.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(jinja2.Environment):
    """A Jinja2 environment that knows its app (``env.app``), for extensions that need it.

    PERF: each template's globals are one flat dict rather than Jinja's ``ChainMap`` of the
    template's own globals over the environment's. Jinja copies a template's globals into every
    render's context, and copying a ``ChainMap`` goes key by key through Python code: with the
    dozen globals an app has (``url_for``, ``request``, ``session``, ``g``, ``config``...) that
    was 15 us of a 110 us page. The semantics stay the ChainMap's: a template's own globals win,
    and a change to ``env.globals`` after templates were loaded still reaches them.

    PERF: ``{{ item.name }}`` on a dict looks up the key without first failing ``getattr()``
    (see :meth:`getattr`): 49 -> 34 us for a list of twenty dicts; other objects are looked up
    as fast as by Jinja's own environment.
    """

    def __init__(self, app: App, **options: Any) -> None:
        super().__init__(**options)
        self.globals: dict[str, Any] = _EnvironmentGlobals(self.globals)
        self.app = app
        #: The auto-reload setting last derived from the app's config (see ``_sync_auto_reload``).
        self.derived_auto_reload: bool | None = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` in a template: the attribute, else the item, else undefined.

        The lookup order is Jinja's. For a plain dict the answer is known without trying: its
        attributes are its class's, a fixed set, so any other name is a key. That spares the
        AttributeError Jinja raises and catches for every ``{{ row.field }}`` on a dict.
        """
        if self.sandboxed:  # a sandbox's own checks come first
            return super().getattr(obj, attribute)
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        # Jinja's own steps, spelled out: a call to super() would cost every other object's
        # lookup (a model's field, loop.index) a frame more than Jinja's.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        env_globals = self.globals
        if not isinstance(env_globals, _EnvironmentGlobals):  # replaced by a plain mapping
            return super().make_globals(d)
        flat = _TemplateGlobals(env_globals, d or {})
        env_globals.templates[id(flat)] = flat
        return flat


class _EnvironmentGlobals(dict[str, Any]):
    """``env.globals``: a dict that brings every loaded template's flat globals up to date
    whenever it changes (rare, and usually before any template is loaded)."""

    def __init__(self, initial: Mapping[str, Any]) -> None:
        super().__init__(initial)
        #: The loaded templates' globals, by identity (a dict cannot be in a WeakSet).
        self.templates: weakref.WeakValueDictionary[int, _TemplateGlobals] = (
            weakref.WeakValueDictionary()
        )

    def _changed(self) -> None:
        for flat in list(self.templates.values()):
            flat.resync(self)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __ior__(self, other: Any) -> _EnvironmentGlobals:  # type: ignore[override,misc]
        self.update(other)
        return self


class _TemplateGlobals(dict[str, Any]):
    """One template's globals as a flat dict: the environment's, overlaid by its own.

    Writes go to the template's own layer, as with the ``ChainMap`` Jinja would use.
    """

    __slots__ = ("env", "own", "__weakref__")

    def __init__(self, env_globals: Mapping[str, Any], own: Mapping[str, Any]) -> None:
        super().__init__(env_globals)
        self.env = env_globals
        self.own = dict(own)
        super().update(self.own)

    def resync(self, env_globals: Mapping[str, Any]) -> None:
        """Take the environment's current globals under the template's own, with no moment at
        which a render in another thread could miss a name that stays."""
        wanted = {**env_globals, **self.own}
        for key in [key for key in self if key not in wanted]:
            super().__delitem__(key)
        super().update(wanted)

    def __setitem__(self, key: str, value: Any) -> None:
        self.own[key] = value
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        values = dict(*args, **kwargs)
        self.own.update(values)
        super().update(values)

    def __delitem__(self, key: str) -> None:
        del self.own[key]  # KeyError for a name the template does not own, as with ChainMap
        self.resync(self.env)


class DispatchingLoader(jinja2.BaseLoader):
    """Finds a template in the app's template folder, then in each blueprint's.

    The blueprints are read from ``app.blueprints`` at lookup time, so a blueprint registered
    after the environment was created is still searched. A blueprint registered twice (under two
    names) is searched once.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        # PERF: one FileSystemLoader per folder, made on first use rather than per lookup.
        self._loaders: dict[str, jinja2.FileSystemLoader] = {}

    def _loader_for(self, scaffold: Scaffold) -> jinja2.BaseLoader | None:
        own = getattr(scaffold, "jinja_loader", None)
        if isinstance(own, jinja2.BaseLoader):
            return own
        if scaffold.template_folder is None:
            return None
        folder = os.path.join(scaffold.root_path, scaffold.template_folder)
        loader = self._loaders.get(folder)
        if loader is None:
            loader = self._loaders[folder] = jinja2.FileSystemLoader(folder)
        return loader

    def iter_loaders(self) -> Iterator[jinja2.BaseLoader]:
        """The loaders to try, app first, then blueprints in registration order."""
        seen: set[int] = set()
        scaffolds: Iterable[Scaffold] = (self.app, *self.app.blueprints.values())
        for scaffold in scaffolds:
            if id(scaffold) in seen:
                continue
            seen.add(id(scaffold))
            loader = self._loader_for(scaffold)
            if loader is not None:
                yield loader

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        for loader in self.iter_loaders():
            try:
                return loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for loader in self.iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _auto_reload_wanted(app: App) -> bool:
    setting = app.config.get("TEMPLATES_AUTO_RELOAD")
    if setting is None:
        return app.debug
    return bool(setting)


def create_jinja_environment(app: App) -> jinja2.Environment:
    """The app's Jinja2 environment; ``app.jinja_env`` calls this once, on first use.

    ``app.jinja_options`` (a dict, when the app or its subclass defines one) is passed to the
    environment, and ``app.jinja_environment`` (a subclass of :class:`Environment`) replaces
    the class, as in Flask.
    """
    options: dict[str, Any] = dict(getattr(app, "jinja_options", None) or {})
    options.setdefault("autoescape", app.select_jinja_autoescape)
    options.setdefault("auto_reload", _auto_reload_wanted(app))
    if "loader" not in options:
        options["loader"] = app.create_global_jinja_loader()
    environment_class: type[Environment] = getattr(app, "jinja_environment", Environment)
    env = environment_class(app, **options)
    env.derived_auto_reload = options["auto_reload"]
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=_get_flashed_messages,
        config=app.config,
        # Proxies that resolve on access: a template rendered outside a request can still
        # test ``{% if request %}`` (False) instead of failing at render time.
        request=request,
        session=session,
        g=g,
    )
    env.filters.update(app.template_filters)
    env.globals.update(app.template_globals)
    env.tests.update(app.template_tests)
    env.policies["json.dumps_function"] = app.json.dumps
    return env


def _get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    # Imported when a template calls it, so rendering without flashing never loads sessions.
    from .sessions import get_flashed_messages

    return get_flashed_messages(with_categories, category_filter)


def _current_app(what: str) -> App:
    ctx = _cv_context.get()
    if ctx is None:
        raise RuntimeError(
            f"{what}() needs an application context: call it from a view, or inside "
            "'with app.app_context():'."
        )
    return ctx.app


def _environment(app: App) -> jinja2.Environment:
    """The app's environment, its auto-reload setting brought up to date with the config.

    Flask fixes ``auto_reload`` when the environment is made; here it follows later changes to
    ``DEBUG`` or ``TEMPLATES_AUTO_RELOAD`` too, while a value set directly on
    ``app.jinja_env.auto_reload`` stands until the config changes again.
    """
    env: jinja2.Environment = app.jinja_env  # (annotated: a cast() would be a call per render)
    wanted = _auto_reload_wanted(app)
    if getattr(env, "derived_auto_reload", wanted) != wanted:
        env.auto_reload = wanted
        cast(Environment, env).derived_auto_reload = wanted
    return env


def update_template_context(app: App, context: dict[str, Any]) -> None:
    """Add what the context processors return to ``context``; the caller's values win.

    The processors are the app's, then those of the current request's blueprint and its parents
    (``app._scoped`` gives them in that order, cached per endpoint).
    """
    ctx = _cv_context.get()
    current_request = ctx.request if ctx is not None else None
    endpoint = current_request.endpoint if current_request is not None else None
    processors = app._scoped(endpoint, "template_context_processors")
    # As Flask's default context processor: ``g``, and ``request`` with a request, so that
    # signal receivers and callers of update_template_context see them (``session`` is left
    # to the global, as in Flask: reading it would mark the session accessed). ``g`` goes in as
    # its proxy, so that no namespace is made for a render that never uses it.
    extra: dict[str, Any] = {"g": g}
    if current_request is not None:
        # PERF: the real request object, so ``{{ request.args }}`` skips the proxy lookup.
        extra["request"] = current_request
    for processor in processors:
        extra.update(processor())
    original = dict(context)
    context.update(extra)
    context.update(original)


def _render(app: App, template: jinja2.Template, context: dict[str, Any]) -> str:
    update_template_context(app, context)
    if not gate.open:  # PERF: signals cost nothing until a receiver connects (signalgate.py)
        return template.render(context)
    from .signals import before_render_template, send, template_rendered

    send(before_render_template, app, template=template, context=context)
    rendered = template.render(context)
    send(template_rendered, app, template=template, context=context)
    return rendered


def render_template(
    template_name_or_list: str | jinja2.Template | list[str | jinja2.Template],
    **context: Any,
) -> str:
    """Render a template from the template folders with ``context``.

    A list of names renders the first one that exists. Raises
    :class:`jinja2.TemplateNotFound` when none does (a 500, or the error itself in testing).
    """
    app = _current_app("render_template")
    template = _environment(app).get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: Any) -> str:
    """Render a template given as a string (always autoescaped) with ``context``."""
    app = _current_app("render_template_string")
    template = _environment(app).from_string(source)
    return _render(app, template, context)


def _stream(app: App, template: jinja2.Template, context: dict[str, Any]) -> Iterator[str]:
    update_template_context(app, context)
    chunks = template.generate(context)
    if gate.open:
        chunks = _signalled_stream(app, template, context, chunks)
    ctx = _cv_context.get()
    if ctx is not None and ctx.request is not None:
        # The view returns before the body is generated; keep its context alive meanwhile, so
        # the template can still use ``request``, ``session`` and ``g``.
        return cast(Iterator[str], stream_with_context(chunks))
    return chunks


def _signalled_stream(
    app: App, template: jinja2.Template, context: dict[str, Any], chunks: Iterator[str]
) -> Iterator[str]:
    """``chunks`` between the two template signals: the second once the last chunk is out."""
    from .signals import before_render_template, send, template_rendered

    send(before_render_template, app, template=template, context=context)
    yield from chunks
    send(template_rendered, app, template=template, context=context)


def stream_template(
    template_name_or_list: str | jinja2.Template | list[str | jinja2.Template],
    **context: Any,
) -> Iterator[str]:
    """Render a template piece by piece, to return from a view as a streamed response.

    The context processors run now; the template runs while the response is sent, inside the
    request's context.
    """
    app = _current_app("stream_template")
    template = _environment(app).get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """Like :func:`stream_template`, for a template given as a string."""
    app = _current_app("stream_template_string")
    template = _environment(app).from_string(source)
    return _stream(app, template, context)


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable a template exports, to call from Python: ``macro(...)``."""
    app = _current_app("get_template_attribute")
    return getattr(_environment(app).get_template(template_name).module, attribute)
