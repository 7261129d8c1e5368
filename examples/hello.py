"""The lesson's first program: Hello World on http://127.0.0.1:5000.

Run it with ``python examples/hello.py`` and open the address it prints.
"""

from erlen import Erlen

app = Erlen("My first web application")


@app.route("/")
def hello() -> str:
    return "Hello World!"


if __name__ == "__main__":
    app.run()
