"""The benchmark apps: one module per framework, each exposing the same scenarios as ``app``."""
