"""One model call that streams, can be cancelled, and says clearly when it was."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hushdesk.engine.base import Engine
from hushdesk.engine.types import ChatResult, Message, SamplingParams
from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken


def complete(
    engine: Engine,
    messages: Sequence[Message],
    params: SamplingParams,
    *,
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
) -> ChatResult:
    """The model's whole answer; ``on_text`` sees it as it is written. Raises
    ``Cancelled`` when ``cancel`` is set meanwhile (the engine stops at once)."""
    stream = engine.chat(messages, params)
    try:
        for chunk in stream:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if on_text is not None:
                on_text(chunk)
    finally:
        stream.close()
    if stream.result.stats.finish_reason == "cancelled" or (cancel and cancel.cancelled):
        raise Cancelled()
    return stream.result
