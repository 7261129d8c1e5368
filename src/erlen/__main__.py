"""``python -m erlen``: the same command line as ``erlen``."""

from .adapters.cli import main

main()
