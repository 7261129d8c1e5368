"""Whether any receiver listens to one of Erlen's signals: the dispatch's single check.

Signals (``erlen.signals``) need blinker, which costs ~12 ms to import, and each send costs a
call even with nobody listening. So the dispatch never imports them: it reads ``gate.open``,
which ``erlen.signals`` sets the first time a receiver connects. Until then a request pays one
attribute read for all of Flask's signals together.
"""

from __future__ import annotations

__all__ = ["gate"]


class _Gate:
    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open = False


#: PERF: process-wide, as the signals themselves are; it only ever goes from closed to open.
gate = _Gate()
