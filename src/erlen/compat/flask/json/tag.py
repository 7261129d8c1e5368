"""``flask.json.tag``."""

from erlen.jsontag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]
