"""A header deadline for uvicorn's HTTP/1.1 protocol: a connection that has not sent a whole
request line and headers within `header_timeout` seconds of opening (or of its previous
answer, when kept alive) is closed: with a 408 when it sent part of a head, silently when it
sent nothing (an idle kept-alive connection must not read a 408 as its next answer).
uvicorn counts every open connection against its connection limit and has no such timer, so
without it a few silent or trickling clients, no token needed, would hold every slot
(review12d #7)."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
)


def protocol(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the header deadline (pass it as uvicorn.Config's `http`)."""

    class HeaderDeadline(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the request's head has arrived
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm()  # the next request on this connection gets a deadline of its own

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(header_timeout, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
                return
            if self.conn.trailing_data[0]:  # part of a head arrived
                said = f"no request line and headers within {header_timeout:g} s".encode()
                self.transport.write(TIMED_OUT % (len(said), said))
            self.transport.close()

    return HeaderDeadline
