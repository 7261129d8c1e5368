"""The sans-IO core: HTTP parsing and formatting, data structures, routing, request, response.

It does no IO, holds no app and no globals, and imports nothing from Erlen outside ``core``.
"""

__version__ = "0.1.0"
