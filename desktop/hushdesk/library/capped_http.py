"""An httpx client whose answers are read up to a size, for a client a library makes
(Chroma's) that reads every answer whole, however large: past the cap, reading stops
with an error instead of filling this computer's memory."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from hushdesk.errors import HushdeskError


def cap_answers(client: httpx.Client, cap: int, error: type[HushdeskError]) -> None:
    """Every answer ``client`` reads from now on stops at ``cap`` bytes with ``error``;
    compressed answers are neither asked for nor taken (the cap counts bytes as they
    arrive, and a few KB of gzip inflate to gigabytes after it)."""
    client.headers["Accept-Encoding"] = "identity"
    client._transport = _Capped(client._transport, cap, error)
    client._mounts = {
        pattern: _Capped(inner, cap, error) if inner is not None else None
        for pattern, inner in client._mounts.items()
    }


class _Capped(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, cap: int, error: type[HushdeskError]) -> None:
        self.inner, self.cap, self.error = inner, cap, error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.headers.get("content-encoding", "").strip().lower() not in ("", "identity"):
            response.close()
            raise self.error(
                "The server sent a compressed answer although Hushdesk asked for none; "
                "it was not read."
            )
        response.stream = _CappedStream(response.stream, self.cap, self.error)
        return response

    def close(self) -> None:
        self.inner.close()


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: object, cap: int, error: type[HushdeskError]) -> None:
        self.inner, self.cap, self.error = inner, cap, error

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self.inner:  # type: ignore[attr-defined]
            size += len(chunk)
            if size > self.cap:
                raise self.error(
                    f"The server sent an answer larger than {self.cap // (1024 * 1024)} MB; "
                    "Hushdesk stopped reading it."
                )
            yield chunk

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()
