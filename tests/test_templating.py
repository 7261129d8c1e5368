"""Jinja2 templates: lookup, autoescaping, the template context, helpers and streaming."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest

from erlen import (
    Blueprint,
    Erlen,
    Response,
    g,
    render_template,
    render_template_string,
    session,
    stream_template,
)
from erlen.sessions import flash
from erlen.templating import stream_template_string


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def app(tmp_path: Path) -> Erlen:
    app = Erlen("testapp", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "test secret key"
    return app


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    return folder


def test_import_erlen_does_not_import_jinja2() -> None:
    import subprocess

    code = "import sys, erlen; print('jinja2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_render_template_from_the_templates_folder(app: Erlen, templates: Path) -> None:
    write(templates, "user.html", "<h1>Hello {{ username }}!</h1>")

    @app.route("/user/<username>")
    def user(username: str) -> str:
        return render_template("user.html", username=username)

    response = app.test_client().get("/user/alice")
    assert response.status_code == 200
    assert response.text == "<h1>Hello alice!</h1>"
    assert response.mimetype == "text/html"


def test_user_input_is_autoescaped_in_html_templates(app: Erlen, templates: Path) -> None:
    write(templates, "page.html", "<p>{{ name }}</p>")
    write(templates, "page.svg", "<text>{{ name }}</text>")
    write(templates, "page.txt", "{{ name }}")

    @app.route("/<kind>")
    def page(kind: str) -> str:
        from erlen import request

        return render_template(f"page.{kind}", name=request.args["name"])

    client = app.test_client()
    attack = "<script>alert('x')</script>"
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    assert client.get("/html", query_string={"name": attack}).text == f"<p>{escaped}</p>"
    assert client.get("/svg", query_string={"name": attack}).text == f"<text>{escaped}</text>"
    # Plain text templates are not HTML: they are left alone, as in Flask.
    assert client.get("/txt", query_string={"name": attack}).text == attack


def test_select_jinja_autoescape_is_the_hook_flask_documents(tmp_path: Path) -> None:
    class MarkdownEscapingApp(Erlen):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return super().select_jinja_autoescape(filename) or str(filename).endswith(".md")

    app = MarkdownEscapingApp("testapp", root_path=str(tmp_path))
    write(tmp_path / "templates", "note.md", "{{ text }}")
    write(tmp_path / "templates", "note.txt", "{{ text }}")
    assert app.select_jinja_autoescape("page.html") and not app.select_jinja_autoescape("a.txt")
    with app.app_context():
        assert render_template("note.md", text="<b>") == "&lt;b&gt;"
        assert render_template("note.txt", text="<b>") == "<b>"


def test_render_template_string_autoescapes(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("<b>{{ value }}</b>{{ safe|safe }}", value="<i>", safe="<u>")

    assert app.test_client().get("/").text == "<b>&lt;i&gt;</b><u>"


def test_template_context_has_request_session_g_config_and_url_for(
    app: Erlen, templates: Path
) -> None:
    app.config["SITE_NAME"] = "Erlen Demo"
    write(
        templates,
        "context.html",
        "{{ request.method }} {{ request.args.q }}|{{ session.user }}|{{ g.who }}|"
        "{{ config.SITE_NAME }}|{{ url_for('profile', username='bob') }}",
    )

    @app.route("/profile/<username>")
    def profile(username: str) -> str:
        return username

    @app.route("/")
    def index() -> str:
        session["user"] = "alice"
        g.who = "gee"
        return render_template("context.html")

    response = app.test_client().get("/?q=find")
    assert response.text == "GET find|alice|gee|Erlen Demo|/profile/bob"


def test_flashed_messages_show_once_in_templates(app: Erlen) -> None:
    @app.route("/flash")
    def do_flash() -> str:
        flash("saved")
        flash("careful", "warning")
        return "ok"

    @app.route("/show")
    def show() -> str:
        return render_template_string(
            "{% for category, message in get_flashed_messages(with_categories=true) %}"
            "[{{ category }}:{{ message }}]{% endfor %}"
        )

    client = app.test_client()
    client.get("/flash")
    assert client.get("/show").text == "[message:saved][warning:careful]"
    assert client.get("/show").text == ""


def test_template_filters_globals_and_tests(app: Erlen) -> None:
    @app.template_filter()
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_global("shout")
    def make_loud(value: str) -> str:
        return value.upper() + "!"

    @app.template_test()
    def even(value: int) -> bool:
        return value % 2 == 0

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 'abc'|reverse }} {{ shout('hi') }} {{ 4 is even }} {{ 3 is even }}"
        )

    assert app.test_client().get("/").text == "cba HI! True False"


def test_filters_added_after_the_environment_exists_are_seen(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ 'x'|twice }}")

    app.jinja_env  # noqa: B018 -- create the environment first
    app.add_template_filter(lambda value: value * 2, "twice")
    assert app.test_client().get("/").text == "xx"


def test_context_processors_merge_and_render_arguments_win(app: Erlen) -> None:
    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site": "Erlen", "title": "from processor"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ site }}/{{ title }}", title="from view")

    assert app.test_client().get("/").text == "Erlen/from view"


def test_blueprint_context_processor_applies_to_its_own_views_only(
    app: Erlen, tmp_path: Path
) -> None:
    admin = Blueprint("admin", __name__, url_prefix="/admin", root_path=str(tmp_path))

    @admin.context_processor
    def section() -> dict[str, str]:
        return {"section": "admin"}

    @admin.route("/")
    def admin_index() -> str:
        return render_template_string("[{{ section }}]")

    @app.route("/")
    def index() -> str:
        return render_template_string("[{{ section }}]")

    app.register_blueprint(admin)
    client = app.test_client()
    assert client.get("/admin/").text == "[admin]"
    assert client.get("/").text == "[]"


def test_blueprint_template_folder_is_searched_after_the_app(
    app: Erlen, templates: Path, tmp_path: Path
) -> None:
    write(templates, "shared.html", "app version")
    write(tmp_path / "bp" / "tpl", "shared.html", "blueprint version")
    write(tmp_path / "bp" / "tpl", "only_bp.html", "blueprint only")
    blueprint = Blueprint("bp", __name__, template_folder="tpl", root_path=str(tmp_path / "bp"))

    @blueprint.route("/bp/<name>")
    def show(name: str) -> str:
        return render_template(name)

    app.register_blueprint(blueprint)
    client = app.test_client()
    assert client.get("/bp/shared.html").text == "app version"
    assert client.get("/bp/only_bp.html").text == "blueprint only"


def test_render_template_takes_the_first_existing_of_a_list(app: Erlen, templates: Path) -> None:
    write(templates, "fallback.html", "fallback")

    @app.route("/")
    def index() -> str:
        return render_template(["missing.html", "fallback.html"])

    assert app.test_client().get("/").text == "fallback"


def test_missing_template_answers_500(app: Erlen, templates: Path) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("nope.html")

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert "nope.html" not in response.text  # no internals outside debug


def test_missing_template_raises_in_testing_mode(app: Erlen, templates: Path) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        return render_template("nope.html")

    with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.html"):
        app.test_client().get("/")


def test_stream_template_streams_with_the_request_context(app: Erlen, templates: Path) -> None:
    write(
        templates,
        "stream.html",
        "{% for item in items %}<{{ item }}:{{ request.path }}>{% endfor %}",
    )

    @app.route("/stream")
    def streamed() -> Response:
        chunks = stream_template("stream.html", items=["a", "<b>"])
        assert not isinstance(chunks, str)
        return Response(chunks)

    @app.route("/string")
    def streamed_string() -> Response:
        return Response(stream_template_string("{{ g.value }}-{{ session.get('x') }}"))

    @app.before_request
    def set_g() -> None:
        g.value = "kept"

    client = app.test_client()
    assert client.get("/stream").text == "<a:/stream><&lt;b&gt;:/stream>"
    assert client.get("/string").text == "kept-None"


def test_render_outside_an_app_context_explains_itself() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template_string("x")


def test_render_in_an_app_context_without_a_request(app: Erlen) -> None:
    with app.app_context():
        assert render_template_string("{{ config.TESTING }}|{% if request %}req{% endif %}") == (
            "False|"
        )


def test_templates_reload_in_debug_mode(app: Erlen, templates: Path) -> None:
    app.debug = True
    page = write(templates, "page.html", "first")

    @app.route("/")
    def index() -> str:
        return render_template("page.html")

    client = app.test_client()
    assert client.get("/").text == "first"
    page.write_text("second", encoding="utf-8")
    later = time.time() + 5
    os.utime(page, (later, later))  # a newer mtime, whatever the file system's resolution
    assert client.get("/").text == "second"


def test_templates_are_cached_without_debug(app: Erlen, templates: Path) -> None:
    page = write(templates, "page.html", "first")

    @app.route("/")
    def index() -> str:
        return render_template("page.html")

    client = app.test_client()
    assert client.get("/").text == "first"
    page.write_text("second", encoding="utf-8")
    later = time.time() + 5
    os.utime(page, (later, later))
    assert client.get("/").text == "first"
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    assert client.get("/").text == "second"


def test_json_filter_uses_the_app_provider_and_escapes_for_html(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string(
            "<script>var data = {{ data|tojson }};</script>", data="</script>"
        )

    text = app.test_client().get("/").text
    assert text == '<script>var data = "\\u003c/script\\u003e";</script>'


def test_a_subclass_chooses_the_loader_and_the_environment_class() -> None:
    from erlen.templating import Environment

    class Quiet(Environment):
        pass

    class Custom(Erlen):
        jinja_environment = Quiet

        def create_global_jinja_loader(self) -> jinja2.BaseLoader:
            return jinja2.DictLoader({"index.html": "Hello {{ name }}"})

    app = Custom(__name__)

    @app.route("/")
    def index() -> str:
        return render_template("index.html", name="Ada")

    assert isinstance(app.jinja_env, Quiet)
    assert app.test_client().get("/").text == "Hello Ada"


def test_create_jinja_environment_overrides_are_used() -> None:
    class Tuned(Erlen):
        def create_jinja_environment(self) -> Any:
            env = super().create_jinja_environment()
            env.globals["site"] = "Erlen"
            return env

    app = Tuned(__name__)
    with app.app_context():
        assert render_template_string("{{ site }}") == "Erlen"


def test_globals_changed_after_a_template_loaded_still_reach_it(app: Erlen) -> None:
    env = app.jinja_env
    template = env.from_string("{{ greeting }} {{ extra|default('-') }}")
    env.globals["greeting"] = "hello"
    env.globals.update(extra="more")
    with app.app_context():
        assert template.render() == "hello more"
    del env.globals["extra"]
    env.globals.pop("greeting")
    with app.app_context():
        assert template.render() == " -"


def test_a_templates_own_globals_win_and_stay_its_own(app: Erlen) -> None:
    env = app.jinja_env
    env.globals["who"] = "everyone"
    own = env.from_string("{{ who }}", globals={"who": "me"})
    shared = env.from_string("{{ who }}")
    env.globals["who"] = "all of you"  # the template's own value still wins
    own.globals["extra"] = 1  # a template's write goes to its own layer only
    assert "extra" not in env.globals and "extra" not in shared.globals
    with app.app_context():
        assert (own.render(), shared.render()) == ("me", "all of you")
    del own.globals["who"]  # the environment's value shows through again
    with app.app_context():
        assert own.render() == "all of you"
    with pytest.raises(KeyError):
        del own.globals["url_for"]  # not the template's own: as with Jinja's ChainMap


def test_dotted_lookup_on_dicts_follows_jinja_order(app: Erlen) -> None:
    """``d.name`` is the key unless a dict has an attribute of that name (Jinja's order), a
    missing key is undefined, and dict subclasses and other objects are looked up as before."""

    class Row(dict[str, Any]):
        label = "from the class"

    source = (
        "{{ d.name }}|{{ d.items is callable }}|{{ d.missing is undefined }}|"
        "{{ d['items'] }}|{{ r.label }}|{{ r.name }}|{{ o.real }}"
    )
    with app.test_request_context():
        rendered = render_template_string(
            source, d={"name": "a<b", "items": 3}, r=Row(name="x", label="k"), o=5
        )
    assert rendered == "a&lt;b|True|True|3|from the class|x|5"
    app.jinja_env.undefined = jinja2.StrictUndefined
    with app.test_request_context(), pytest.raises(jinja2.UndefinedError, match="missing"):
        render_template_string("{{ d.missing }}", d={})


def test_templates_reload_in_debug_mode_whenever_it_is_turned_on(app: Erlen) -> None:
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False
