"""Keyword search over the document store's full-text index (FTS5, BM25): the half of
``DocumentStore`` that ranks passages by their words, with the budget that keeps a
large library's search fast."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING

import sqlcipher3.dbapi2 as sqlite3

from hushdesk.sqlitedb import Database

if TYPE_CHECKING:
    from pathlib import Path

    from hushdesk.library.records import Library

# Keyword search ranks at most about this many matching passages (words past it are left
# out, see ``keyword_search``): FTS5 ranked 12k matches in 30 ms in a one-off profile.
MATCH_BUDGET = 12_000
PREFIX_WORDS = 16  # a last word that begins more words than this is searched as it is


class KeywordSearch(Database):
    """Keyword search of ``DocumentStore`` (its tables: ``chunks``, ``chunks_fts``, and
    the ``temp.chunks_vocab`` view it opens)."""

    def __init__(self, path: Path, key: bytes) -> None:
        # How many passages hold a word, as counted when the newest chunk id was
        # ``_counted_at``: counting a common word reads its whole list of passages.
        self._holding: dict[str, int] = {}
        self._counted_at = 0
        super().__init__(path, key)

    def keyword_search(self, library: Library, query: str, limit: int) -> list[tuple[int, float]]:
        """(chunk id, bm25 score; lower is better) of done files, best first."""
        return self.matches(library, self.keyword_expression(query), limit)

    def matches(self, library: Library, expression: str, limit: int) -> list[tuple[int, float]]:
        """(chunk id, bm25 score) of done files matching the FTS5 ``expression``.

        The full-text index ranks its matches alone first and only the best few are
        looked up in their chunks and files (ranking is cheap; looking every match up
        was most of the time in a large library). When too few of those are this
        library's done files, a wider few, then every match."""
        if not expression:
            return []
        rows: list[sqlite3.Row] = []
        for ranked in (limit * 4, limit * 64, -1):  # -1: no limit
            rows = self._rows(
                # CROSS JOIN keeps the full-text index first: SQLite would otherwise walk
                # every chunk of the library and run the match once per chunk.
                "SELECT c.id, m.score FROM ("
                "  SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts "
                "  WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?"
                ") AS m "
                "CROSS JOIN chunks c ON c.id = m.rowid "
                "CROSS JOIN files f ON f.id = c.file_id "
                "WHERE f.library_id = ? AND f.status = 'done' "
                "ORDER BY m.score LIMIT ?",
                (expression, ranked, library.id, limit),
            )
            if len(rows) == limit:
                break
        return [(int(r[0]), float(r[1])) for r in rows]

    def holders(self, library: Library, word: str) -> dict[int, int]:
        """How many of each done file's passages hold ``word``, by file id: among the
        first ``MATCH_BUDGET`` passages of the index that hold it (a word in more is a
        share, not a count: looking every one up costs per match)."""
        rows = self._rows(
            "SELECT c.file_id, count(*) FROM ("
            "  SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?"
            ") AS m "
            "CROSS JOIN chunks c ON c.id = m.rowid "
            "CROSS JOIN files f ON f.id = c.file_id "
            "WHERE f.library_id = ? AND f.status = 'done' "
            "GROUP BY c.file_id",
            (f'"{_folded(word)}"', MATCH_BUDGET, library.id),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    def keyword_expression(self, query: str) -> str:
        """The query's words for FTS5, any of them (the last also as a prefix, for
        search as you type), the commonest left out while together they would match
        more than ``MATCH_BUDGET`` passages; the rarest is always kept. Ranking costs
        per match: in a large library "the" or "what" match nearly every passage and
        add next to nothing to the ranking (BM25 weighs a word in most passages at
        about zero). A small library keeps every word."""
        words = list(dict.fromkeys(_folded(w) for w in re.findall(r"\w+", query)))
        if not words:
            return ""
        cost = self._passages_holding(words)
        kept: set[str] = set()
        spent = 0
        for word in sorted(words, key=lambda w: (cost[w], w)):
            if kept and spent + cost[word] > MATCH_BUDGET:
                break
            kept.add(word)
            spent += cost[word]
        last = words[-1]
        star = ""
        if last in kept:  # the prefix too, when it fits
            prefix = self._prefix_holding(last)
            if prefix is not None and spent - cost[last] + prefix <= MATCH_BUDGET:
                star = "*"
        return " OR ".join(f'"{w}"' + (star if w == last else "") for w in words if w in kept)

    def _passages_holding(self, words: list[str]) -> dict[str, int]:
        """How many passages hold each word; counts are kept until the library has grown
        by a tenth (they only steer what keyword search leaves out)."""
        newest = int(self._rows("SELECT coalesce(max(id), 0) FROM chunks")[0][0])
        if newest > self._counted_at * 1.1 + 1000 or len(self._holding) > 100_000:
            self._holding, self._counted_at = {}, newest
        missing = [w for w in words if w not in self._holding]
        if missing:
            rows = self._rows(
                "SELECT term, doc FROM temp.chunks_vocab "
                "WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(missing),),
            )
            self._holding |= dict.fromkeys(missing, 0) | {str(r[0]): int(r[1]) for r in rows}
        return {w: self._holding[w] for w in words}

    def _prefix_holding(self, word: str) -> int | None:
        """How many passages hold words that begin with ``word``; None when that is more
        than ``PREFIX_WORDS`` different words (too costly to count, or to search)."""
        rows = self._rows(
            "SELECT doc FROM temp.chunks_vocab WHERE term >= ? AND term < ? LIMIT ?",
            (word, word + "\U0010ffff", PREFIX_WORDS + 1),
        )
        return None if len(rows) > PREFIX_WORDS else sum(int(r[0]) for r in rows)


def _folded(word: str) -> str:
    """A word as the full-text index keeps it (unicode61: lower case, no diacritics)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
