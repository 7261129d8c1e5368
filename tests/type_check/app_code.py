"""User code, type-checked by ``mypy --strict`` in ``make test`` (never run, never imported).

Erlen ships ``py.typed``; this module is a Flask user's app written against the public API, so a
change that makes the annotations of ``erlen`` reject ordinary, correct code (or lose a view's
own type behind a decorator) fails the type check. ``assert_type`` pins what mypy must infer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

from erlen import (
    Blueprint,
    Erlen,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from erlen.errors import HTTPException, NotFound
from erlen.testing import TestClient

app = Erlen(__name__)
app.config["SECRET_KEY"] = "dev"
api = Blueprint("api", __name__, url_prefix="/api")


@app.route("/")
def index() -> str:
    return "Hello World!"


# A decorator hands the view back as it was: still callable with its own signature.
assert_type(index(), str)


@app.get("/user/<username>")
def profile(username: str) -> dict[str, Any]:
    return {"username": username, "page": request.args.get("page", 1, type=int)}


assert_type(profile("ada"), dict[str, Any])


@app.route("/items", methods=["POST"])
def create_item() -> tuple[Response, int]:
    item = request.get_json()
    return jsonify(item), 201


@app.delete("/items/<int:item_id>")
def delete_item(item_id: int) -> tuple[str, int, dict[str, str]]:
    if item_id < 0:
        abort(404)
    return "", 204, {"X-Deleted": str(item_id)}


@app.get("/page")
def page() -> str:
    return render_template_string("<h1>{{ title }}</h1>", title=session.get("name", "guest"))


@app.get("/stream")
def stream() -> Iterator[str]:
    yield "one"
    yield "two"


@app.get("/cookie")
def cookie() -> Response:
    response = make_response("set")
    response.set_cookie("visits", "1", httponly=True)
    return response


@app.get("/away")
def away() -> Response:
    return redirect(url_for("index"))


@api.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


app.register_blueprint(api)


@app.before_request
def load_user() -> None:
    g.user = request.headers.get("X-User")


@app.after_request
def add_header(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    return response


@app.errorhandler(404)
def not_found(error: HTTPException) -> tuple[dict[str, str], int]:
    return {"error": str(error.description)}, 404


@app.errorhandler(NotFound)
def not_found_again(error: NotFound) -> tuple[str, int]:
    return "missing", 404


def check_with_the_test_client() -> None:
    client = app.test_client()
    assert_type(client, TestClient)
    answer = client.get("/user/ada", query_string={"page": 2})
    assert answer.status_code == 200
    assert answer.get_json() == {"page": 2, "username": "ada"}
    with app.app_context():
        assert_type(current_app.test_client(), TestClient)
        assert current_app.config["SECRET_KEY"] == "dev"
