"""``erlen.params``, the public path of :mod:`erlen.app.typed.params`.

Typed views: the markers that say where a view parameter comes from, and the decision, made
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.typed.params import *

__all__ = [
    "Param",
    "Path",
    "Query",
    "Header",
    "Cookie",
    "Body",
    "Form",
    "File",
    "ParamSpec",
    "ViewSignature",
    "ROUTE_OPTIONS",
    "inspect_view",
    "rule_variables",
    "is_model_type",
    "is_sequence_type",
    "is_file_type",
]
