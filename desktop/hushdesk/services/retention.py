"""Retention: a matter that keeps things N days has its conversations, drafts and
summaries older than that deleted for good — at start and once a day (the window's
timer, ``hushdesk serve``), and by every command — with a notice of what went.
Libraries stay: documents are the matter's material, not its work."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from hushdesk import policy
from hushdesk.services.matters import Matter, Matters, MatterStores

log = logging.getLogger("hushdesk.retention")

DAY_S = 86_400.0


@dataclass(frozen=True)
class Pruned:
    """What went from one matter."""

    matter: str
    conversations: int
    drafts: int
    summaries: int

    @property
    def total(self) -> int:
        return self.conversations + self.drafts + self.summaries

    def describe(self) -> str:
        parts = [
            f"{n} {one if n == 1 else many}"
            for n, one, many in (
                (self.conversations, "conversation", "conversations"),
                (self.drafts, "draft", "drafts"),
                (self.summaries, "summary", "summaries"),
            )
            if n
        ]
        return f"{self.matter}: {', '.join(parts)}"


# A matter's stores (``App.stores_of``), opened for the block.
StoresOf = Callable[[Matter], AbstractContextManager[MatterStores]]


def prune(matters: Matters, stores_of: StoresOf, now: float | None = None) -> list[Pruned]:
    """Apply every matter's retention; what went, per matter that lost anything."""
    now = time.time() if now is None else now
    rules = policy.load()
    report = []
    for matter in matters.list():
        days = rules.effective_retention(matter.retention_days)
        if not days:
            continue
        cutoff = now - days * DAY_S
        with stores_of(matter) as s:
            pruned = Pruned(
                matter.name,
                s.conversations.delete_older_than(cutoff),
                s.drafts.delete_older_than(cutoff),
                s.summaries.delete_older_than(cutoff),
            )
        if pruned.total:
            log.info("retention: %d items older than %d days deleted", pruned.total, days)
            report.append(pruned)
    return report
