"""Blueprints: a group of routes, hooks, handlers, templates and static files, registered as one.

A :class:`Blueprint` records what it is given and replays it on the app at
:meth:`Erlen.register_blueprint` time, under its name (endpoints become ``"name.view"``) and
URL prefix. A blueprint can be registered more than once under different names, and can nest
other blueprints (``parent.child.view``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .context import current_app
from .scaffold import Scaffold
from .static import send_from_directory

if TYPE_CHECKING:
    from ..core.response import Response
    from .app import App

__all__ = ["Blueprint", "BlueprintSetupState"]

F = TypeVar("F", bound=Callable[..., Any])
DeferredSetup = Callable[["BlueprintSetupState"], object]


def _join_prefix(prefix: str | None, rule: str) -> str:
    if not prefix:
        return rule
    if not rule:
        return prefix
    return f"{prefix.rstrip('/')}/{rule.lstrip('/')}"


#: The default of ``Blueprint(cli_group=...)``: a group named after the blueprint.
_OWN_NAME: Any = object()

#: Makes a blueprint's ``cli`` group; the adapters layer, which owns the CLI (click), sets it,
#: so that this layer needs neither.
make_cli_group: Callable[[str], Any] | None = None


class BlueprintSetupState:
    """One registration of a blueprint on an app: the name, prefix and defaults it got."""

    def __init__(
        self, blueprint: Blueprint, app: App, options: dict[str, Any], first_registration: bool
    ) -> None:
        self.blueprint = blueprint
        self.app = app
        self.options = options
        self.first_registration = first_registration
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = url_prefix if url_prefix is not None else blueprint.url_prefix
        subdomain = options.get("subdomain")
        #: The subdomain the blueprint's routes answer on (nested: ``child.parent``).
        self.subdomain: str | None = subdomain if subdomain is not None else blueprint.subdomain
        self.name_prefix: str = options.get("name_prefix", "")
        self.name: str = options.get("name", blueprint.name)
        self.url_defaults: dict[str, Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults") or {})

    @property
    def full_name(self) -> str:
        return f"{self.name_prefix}.{self.name}".lstrip(".")

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Add a blueprint rule to the app, prefixed and with the endpoint namespaced."""
        rule = _join_prefix(self.url_prefix, rule) if self.url_prefix is not None else rule
        if endpoint is None:
            if view_func is None:
                raise TypeError("add_url_rule() needs an endpoint or a view function.")
            endpoint = view_func.__name__
        defaults = dict(self.url_defaults)
        defaults.update(options.pop("defaults", None) or {})
        if self.subdomain is not None:
            options.setdefault("subdomain", self.subdomain)
        self.app.add_url_rule(
            rule,
            f"{self.full_name}.{endpoint}",
            view_func,
            defaults=defaults or None,
            **options,
        )


class Blueprint(Scaffold):
    """A reusable part of an app: ``Blueprint("admin", __name__, url_prefix="/admin")``."""

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _OWN_NAME,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("A blueprint needs a non-empty name.")
        if "." in name:
            raise ValueError("A blueprint's name may not contain a dot ('.').")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults: dict[str, Any] = dict(url_defaults or {})
        #: Where the blueprint's ``cli`` commands go: a group of this name under the app's
        #: (the blueprint's name by default, as in Flask), or the app's own group for None.
        self.cli_group = cli_group
        self._cli: Any = None
        self.deferred_functions: list[DeferredSetup] = []
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []
        self._got_registered_once = False

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"

    @property
    def cli(self) -> Any:
        """A click group for the blueprint's commands (``@bp.cli.command()``), added to the
        app's ``cli`` when the blueprint is registered (see :attr:`cli_group`)."""
        if self._cli is None:
            if make_cli_group is None:
                raise RuntimeError("Blueprint commands need the CLI: import erlen, not erlen.app.")
            self._cli = make_cli_group(self.name)
        return self._cli

    def _check_setup_finished(self, method: str) -> None:
        if self._got_registered_once:
            # As Flask: the registrations so far have copied what the blueprint held, so a
            # late route or hook would silently never exist.
            raise AssertionError(
                f"The setup method {method!r} can no longer be called on the blueprint "
                f"{self.name!r}. It has already been registered at least once, any changes "
                "will not be applied consistently. Make sure all imports, decorators, "
                "functions, etc. needed to set up the blueprint are done before registering it."
            )

    def record(self, func: DeferredSetup) -> None:
        """Run ``func(state)`` each time the blueprint is registered."""
        self._check_setup_finished("record")
        self.deferred_functions.append(func)

    def record_once(self, func: DeferredSetup) -> None:
        """Run ``func(state)`` on the first registration on each app only."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        self._check_setup_finished("add_url_rule")
        if endpoint and "." in endpoint:
            raise ValueError("A blueprint endpoint may not contain a dot ('.').")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("A blueprint view function's name may not contain a dot ('.').")
        if provide_automatic_options is not None:
            options["provide_automatic_options"] = provide_automatic_options
        self.record(lambda state: state.add_url_rule(rule, endpoint, view_func, **options))

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one; its endpoints become ``"this.that.view"``."""
        if blueprint is self:
            raise ValueError("A blueprint cannot be registered on itself.")
        self._check_setup_finished("register_blueprint")
        self._blueprints.append((blueprint, options))

    def send_static_file(self, filename: str) -> Response:
        """The view behind the blueprint's ``static`` endpoint."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError(f"Blueprint {self.name!r} has no static folder.")
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(folder, filename, max_age=max_age)

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """How long browsers may cache the blueprint's static ``filename``: by default the
        current app's ``SEND_FILE_MAX_AGE_DEFAULT``; a subclass may answer per file."""
        return current_app.get_send_file_max_age(filename)

    def register(self, app: App, options: dict[str, Any]) -> None:
        """Replay the blueprint's records on ``app``; called by ``app.register_blueprint``."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        existing = app.blueprints.get(name)
        if existing is not None:
            detail = "this blueprint" if existing is self else f"blueprint {existing.name!r}"
            raise ValueError(
                f"The name {name!r} is already registered for {detail}. Pass a unique "
                "'name=' to register_blueprint()."
            )
        first_registration = not any(other is self for other in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = BlueprintSetupState(self, app, options, first_registration)
        if self.has_static_folder and self.static_url_path is not None:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_records(app, name)  # a name registers once: duplicates raised above
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, name, options)
        for child, child_options in self._blueprints:
            merged = dict(child_options)
            # An option given as None means "the blueprint's own", as in Flask.
            child_prefix = merged.get("url_prefix")
            if child_prefix is None:
                child_prefix = child.url_prefix
            if state.url_prefix is not None:
                merged["url_prefix"] = _join_prefix(state.url_prefix, child_prefix or "")
            elif child_prefix is not None:
                merged["url_prefix"] = child_prefix
            merged["name_prefix"] = name
            child_subdomain = merged.get("subdomain")
            if child_subdomain is None:
                child_subdomain = child.subdomain
            if child_subdomain is not None and state.subdomain is not None:
                merged["subdomain"] = f"{child_subdomain}.{state.subdomain}"
            elif child_subdomain is not None or state.subdomain is not None:
                merged["subdomain"] = child_subdomain or state.subdomain
            child.register(app, merged)

    def _register_cli(self, app: App, name: str, options: dict[str, Any]) -> None:
        """Add the blueprint's commands to the app's ``cli``, as Flask does."""
        app_cli = getattr(app, "cli", None)
        if self._cli is None or not self._cli.commands or app_cli is None:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app_cli.commands.update(self._cli.commands)
            return
        self._cli.name = name if group is _OWN_NAME else group
        app_cli.add_command(self._cli)

    def _merge_records(self, app: App, name: str) -> None:
        """Copy this blueprint's hooks and handlers into the app under the registered name."""
        for attribute in (
            "before_request_funcs",
            "after_request_funcs",
            "teardown_request_funcs",
            "before_websocket_funcs",
            "url_value_preprocessors",
            "url_default_functions",
            "template_context_processors",
        ):
            records: dict[str | None, list[Any]] = getattr(self, attribute)
            target: dict[str | None, list[Any]] = getattr(app, attribute)
            for scope, funcs in records.items():
                key = name if scope is None else f"{name}.{scope}"
                target[key].extend(funcs)
        for scope, by_code in self.error_handler_spec.items():
            key = name if scope is None else f"{name}.{scope}"
            for code, handlers in by_code.items():
                app.error_handler_spec[key][code].update(handlers)

    # -- hooks that apply to the whole app ---------------------------------------------------

    def before_app_request(self, func: F) -> F:
        """Like ``app.before_request``: runs for every request, not only this blueprint's."""
        self.record_once(lambda state: state.app.before_request(func))
        return func

    def after_app_request(self, func: F) -> F:
        self.record_once(lambda state: state.app.after_request(func))
        return func

    def teardown_app_request(self, func: F) -> F:
        self.record_once(lambda state: state.app.teardown_request(func))
        return func

    def app_context_processor(self, func: F) -> F:
        self.record_once(lambda state: state.app.context_processor(func))
        return func

    def app_url_value_preprocessor(self, func: F) -> F:
        self.record_once(lambda state: state.app.url_value_preprocessor(func))
        return func

    def app_url_defaults(self, func: F) -> F:
        self.record_once(lambda state: state.app.url_defaults(func))
        return func

    def app_errorhandler(self, code: int | type[BaseException]) -> Callable[[F], F]:
        """Like ``app.errorhandler``: handles errors from any view, not only this blueprint's."""

        def decorator(func: F) -> F:
            self.record_once(lambda state: state.app.register_error_handler(code, func))
            return func

        return decorator

    def add_app_template_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_filter(func, name))

    def add_app_template_global(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_global(func, name))

    def add_app_template_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_test(func, name))

    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.record_once(lambda state: state.app.add_template_filter(func, name))
            return func

        return decorator

    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.record_once(lambda state: state.app.add_template_global(func, name))
            return func

        return decorator

    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.record_once(lambda state: state.app.add_template_test(func, name))
            return func

        return decorator
