"""The application layer: registration, config, dispatch, hooks, context, and what views use.

It builds on :mod:`erlen.core` and knows no server: the adapters call into it.
"""
