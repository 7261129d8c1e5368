"""The connection waitress serves each client with, as ``app.run()`` hardens it.

waitress parses requests and writes answers well; what it leaves open is time and memory a
client can take: no deadline for a request's header block or body, none for reading an answer,
no bound on the answers a pipelining client leaves unread. :func:`make_channel_class` gives the
channel class :func:`~erlen.adapters.serving.make_server` installs on waitress's listeners, with
those bounds (see its docstring and ``docs/reliability.md``), plus two fixes of waitress's
parsing and a HEAD answer without a stray last chunk.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from typing import Any, Literal

__all__ = [
    "make_channel_class",
    "HEADER_TIMEOUT",
    "BODY_TIMEOUT",
    "BODY_MIN_RATE",
    "SEND_TIMEOUT",
    "BUSY_SEND_TIMEOUT",
    "MAX_UNSENT_BUFFERS",
]

#: Seconds a client has to send a request's header block (``app.run(header_timeout=...)``).
HEADER_TIMEOUT = 20.0
#: Seconds a client has to send a request's body, plus one for every ``BODY_MIN_RATE`` bytes of
#: it that arrive (``app.run(body_timeout=..., body_min_rate=...)``): Apache's mod_reqtimeout
#: defaults, so an upload is cut off only when it runs slower than 500 bytes a second.
BODY_TIMEOUT = 20.0
BODY_MIN_RATE = 500
#: Seconds a client may take no byte of an answer that waits to be sent before its connection is
#: closed (``app.run(send_timeout=...)``): nginx's ``send_timeout`` and Apache's ``Timeout``
#: default. Every byte the client takes starts the count again, so a slow download is not cut.
#: While another request waits for a worker thread, a thread that waits on such a client is let
#: go after ``BUSY_SEND_TIMEOUT`` seconds instead: the threads (8) are better spent on clients
#: who wait to be served than on one that reads nothing.
SEND_TIMEOUT = 60.0
BUSY_SEND_TIMEOUT = 5.0
#: Output buffers a connection may have waiting to be sent before its next pipelined request
#: waits for them to go out. Each holds at most one open file (a static file's answer, or a large
#: answer spilled to a temporary file), so this also bounds the files one connection holds open.
MAX_UNSENT_BUFFERS = 8
#: A Host field line in a request's header block. Each field line follows a CRLF (a folded
#: continuation starts with a space), and waitress refuses a name followed by anything but ":".
_HOST_FIELD = re.compile(rb"\r\nhost:", re.IGNORECASE)


def make_channel_class(
    body_limit: int | None,
    header_timeout: float,
    body_timeout: float,
    body_min_rate: int,
    send_timeout: float,
) -> type:
    """A waitress channel that answers malformed request heads with a 400, refuses an announced
    body over ``body_limit`` at once, bounds the time a client may take over a request and over
    reading its answer, and bounds the unsent answers of a connection.

    waitress answers ``Expect: 100-continue`` as soon as the headers are in, then reads the
    whole body before the app runs: the client would upload all of a body the app refuses (and
    one past waitress's own limit gets no answer at all, waitress 3.0.2). Here such a request
    ends with its 413 before any ``100 Continue``.

    waitress's own ``channel_timeout`` (120 s) counts from a connection's last byte, so a client
    that trickles its headers or its body a byte at a time keeps its connection forever, and 100
    such clients (``connection_limit``) stop the server accepting anyone else. Here the header
    block and the body have deadlines, and at the limit a connection that only waits for its
    client makes room (see :func:`make_server`). Both close a connection as waitress's own
    timeout does, by setting ``will_close`` on the event-loop thread, where every channel's
    state is read and written. The deadlines count only while the server reads the connection:
    a client is not late for the time its earlier requests took to answer.

    waitress lets a worker thread write an answer until 16 MiB wait unsent
    (``outbuf_high_watermark``), then waits, with no deadline, for the client to read: eight
    clients that ask for a large streamed answer and never read hold all eight threads for as
    long as they stay connected (``channel_timeout`` spares a connection with a request in hand).
    Here a connection whose client takes no byte for ``send_timeout`` seconds (or, when it holds
    a thread another request waits for, ``BUSY_SEND_TIMEOUT``) is shut down; the event loop then
    closes it and wakes the waiting thread, whose write raises ``ClientDisconnected``.

    waitress parses every request a read brings (8 KiB: some 200 pipelined GETs) and answers
    them all, each answer queued until the client reads it: a static file's answer keeps its
    file open until then. Here a connection's requests wait, parsed but not run, while it has
    ``MAX_UNSENT_BUFFERS`` buffers unsent; no worker thread waits with them.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError
    from waitress.task import WSGITask
    from waitress.utilities import RequestEntityTooLarge

    class Task(WSGITask):  # type: ignore[misc]
        def finish(self) -> None:
            if self.request.command != "HEAD":
                super().finish()
            elif not self.wrote_header:
                # The answer to HEAD ends with its header block. waitress 3.0.2 still writes
                # the last chunk of a chunked (streamed) answer after it, five bytes a client
                # reads as the start of the next answer.
                self.write(b"")

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            try:
                super().parse_header(header_plus)
            except ValueError:
                # urlsplit refuses an absolute-form target with a broken IPv6 literal
                # ("http://[::1/"); waitress 3.0.2 lets the error escape and drops the
                # connection unanswered.
                raise ParsingError("The request target is not a valid URL.") from None
            if len(_HOST_FIELD.findall(header_plus)) > 1:
                # APPSEC: RFC 9112 section 3.2 requires a 400. waitress would join the values
                # ("a.example, evil.example"), and the app build its URLs from that.
                raise ParsingError("A request may have only one Host header.")
            expects: bool = getattr(self, "expect_continue", False)
            announced: int = getattr(self, "content_length", 0)
            if expects and body_limit is not None and announced > body_limit:
                self.expect_continue = False
                self.error = RequestEntityTooLarge(
                    f"The body ({announced} bytes) is larger than the limit of {body_limit} bytes."
                )
                self.completed = True

    class ErlenChannel(HTTPChannel):  # type: ignore[misc]
        parser_class = Parser
        task_class = Task
        will_close: bool  # waitress's: close the connection when next it can

        def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
            super().__init__(server, sock, addr, adj, map)
            #: What the server waits for from the client: "head" (a request's header block),
            #: "body" (the rest of its body), or None (nothing: a request is being answered, or
            #: the keep-alive connection is idle between requests).
            self.awaiting: Literal["head", "body"] | None = "head"
            #: When that wait began: the accept, the header block's first byte, or its end.
            self.awaiting_since = time.monotonic()
            #: Requests set aside, in order, while too many buffers of answers are unsent.
            self.held: list[Any] = []
            #: When the client last took bytes of an answer, or had nothing waiting for it.
            self.drained_at = time.monotonic()
            #: Whether a worker thread waits for the client to read before it writes more.
            self.thread_waiting = False
            _make_room(self._map, self, adj.connection_limit)

        def behind(self, now: float) -> float:
            """Seconds the client is behind: for a header block, all the time it has taken; for
            a body, the time past what its bytes so far pay for at ``body_min_rate``."""
            elapsed = now - self.awaiting_since
            if self.awaiting == "body":
                received: int = self.request.body_bytes_received
                return elapsed - received / body_min_rate
            return elapsed

        def received(self, data: bytes) -> bool:
            result: bool = super().received(data)
            request = self.request  # the request still arriving, if any
            awaiting: Literal["head", "body"] | None = None
            if request is not None:
                awaiting = "body" if request.headers_finished else "head"
            # A wait that was already running keeps its start: a new connection's first byte
            # does not restart the header block's clock.
            if awaiting != self.awaiting:
                self.awaiting, self.awaiting_since = awaiting, time.monotonic()
            return result

        def write_soon(self, data: Any) -> int:
            # Called on a worker thread. The first unsent byte starts the client's clock.
            if not self.total_outbufs_len:
                self.drained_at = time.monotonic()
            written: int = super().write_soon(data)
            return written

        def _flush_some(self, do_close: bool = True) -> bool:
            sent: bool = super()._flush_some(do_close)
            if sent:
                self.drained_at = time.monotonic()
            return sent

        def _flush_outbufs_below_high_watermark(self) -> None:
            self.thread_waiting = True
            try:
                super()._flush_outbufs_below_high_watermark()
            finally:
                self.thread_waiting = False

        def readable(self) -> bool:
            if self.total_outbufs_len and not self.will_close:
                stalled = time.monotonic() - self.drained_at
                if stalled > send_timeout or (
                    stalled > BUSY_SEND_TIMEOUT
                    and self.thread_waiting
                    and _requests_wait(self.server.task_dispatcher)
                ):
                    self.stop_sending()
                    return False
            if not super().readable():
                # Answering earlier requests, or closing: the client is not read, so its clock
                # starts again when it is.
                if self.awaiting is not None:
                    self.awaiting_since = time.monotonic()
                return False
            if self.held:
                # The answers before them are sent: the set-aside requests go on.
                with self.requests_lock:
                    self.requests, self.held = self.held, []
                self.server.add_task(self)
                return False
            if self.awaiting is not None:
                limit = header_timeout if self.awaiting == "head" else body_timeout
                if self.behind(time.monotonic()) > limit:
                    self.will_close = True  # APPSEC: a late header block or body (slowloris)
                    return False
            return True

        def stop_sending(self) -> None:
            """Close a connection whose client has stopped reading (APPSEC: slow reader).

            waitress closes a ``will_close`` connection once its socket can be written, which
            never happens while the client reads nothing; after a shutdown it can at once (the
            write fails, and waitress closes the connection and wakes a thread waiting on it).
            """
            self.will_close = True
            with contextlib.suppress(OSError):  # the client is gone already
                self.socket.shutdown(socket.SHUT_RDWR)

        def service(self) -> None:
            # APPSEC: a client that pipelines and does not read would otherwise have every
            # answer queued, each static file open, until it runs out of descriptors.
            if len(self.outbufs) > MAX_UNSENT_BUFFERS:
                with self.requests_lock:
                    self.held, self.requests = self.requests, []
                self.server.pull_trigger()  # the event loop sends, then serves them again
                return
            super().service()

    return ErlenChannel


def _requests_wait(dispatcher: Any) -> bool:
    """Whether requests wait for a worker thread, none being idle (waitress's own test before
    it logs "Task queue depth"; a task is queued, if briefly, even when a thread is idle)."""
    idle: int = len(dispatcher.threads) - dispatcher.stop_count - dispatcher.active_count
    return len(dispatcher.queue) > idle


def _make_room(socket_map: dict[int, Any], newcomer: Any, connection_limit: int) -> None:
    """Close one waiting connection when ``newcomer`` brings the server to its limit.

    waitress stops accepting at ``connection_limit`` entries in its socket map (listeners
    included); one slot is kept free so that it never gets there while a connection waits only
    for its client. The victim: the longest wait for a header block, else the longest-idle
    keep-alive connection, else the body furthest behind ``body_min_rate`` (an upload at a
    normal pace is never chosen). Connections with a request in hand are left alone.
    """
    leaving = sum(1 for channel in socket_map.values() if getattr(channel, "will_close", False))
    if len(socket_map) - leaving < connection_limit - 1:
        return
    now = time.monotonic()
    victim = None
    victim_key: tuple[int, float] = (3, 0.0)
    for channel in socket_map.values():
        if channel is newcomer or not hasattr(channel, "awaiting"):
            continue  # the listeners, the trigger
        if channel.will_close or channel.close_when_flushed or channel.requests or channel.held:
            continue
        if channel.total_outbufs_len:
            continue  # an answer on its way out
        if channel.awaiting == "head":
            key = (0, -channel.behind(now))
        elif channel.awaiting is None:
            key = (1, channel.last_activity)
        elif channel.behind(now) > 0:
            key = (2, -channel.behind(now))
        else:
            continue  # a body arriving at a normal pace
        if key < victim_key:
            victim, victim_key = channel, key
    if victim is not None:
        victim.will_close = True
