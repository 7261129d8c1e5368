"""Compatibility layers: other frameworks' module names over Erlen's objects.

``compat.flask`` is what ``import flask`` gives after ``import erlen.flask_patch``.
"""
