"""Server-facing adapters: WSGI, ASGI, WebSocket, the dev server, the CLI and the test clients.

They turn a server's (or a test's) calls into the app layer's requests and back; nothing below
imports them.
"""
