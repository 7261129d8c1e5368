"""The lesson's sample app: a static page, and a dynamic page fed by the URL or the query.

The static folder is renamed to ``assets`` to show that its name is the app's choice; the page at
``/sample`` takes its image from there. ``/user/<username>`` and ``/user?username=...`` render the
same template, from a URL parameter and from a request parameter.
"""

from erlen import Erlen, abort, render_template, request

app = Erlen(__name__, static_folder="assets")


@app.route("/sample")
def sample() -> str:
    return render_template("sample.html")


@app.route("/user/<username>", methods=["GET"])
def user_from_path(username: str) -> str:
    return render_template("user.html", username=username)


@app.route("/user")
def user_from_query() -> str:
    username = request.args.get("username", "").strip()
    if not username:
        abort(400, "Pass a username, as in /user?username=alice.")
    return render_template("user.html", username=username)


if __name__ == "__main__":
    app.run()
