"""``python -m erlen``: the same command line as ``erlen``."""

from .cli import main

main()
