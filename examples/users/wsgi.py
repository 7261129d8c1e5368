"""The demo app as a WSGI callable: ``app``.

erlen --app examples/users/wsgi.py run            # what `make run` does
gunicorn -w 4 --chdir examples/users 'wsgi:app'   # several workers (docs/deploy.md)
"""

from usersapp import create_app

app = create_app()
