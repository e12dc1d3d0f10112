"""The document store's unfinished transcriptions: each window of a recording kept as it
is transcribed, so indexing stopped by a quit, a pause or a kill goes on from the last
window kept instead of hearing the recording again (``speech.transcribe``'s ``done``).

Keyed by the recording's content and the speech model; what was said is in the
encrypted store like every document's text, and the windows go once the recording is
indexed, or when indexing starts over with another model.
"""

from __future__ import annotations

import json

from hushdesk.speech.transcribe import Window
from hushdesk.sqlitedb import Database

TRANSCRIPT_SCHEMA = """
    CREATE TABLE transcript_windows (
        sha256 TEXT NOT NULL,  -- the recording's content
        model TEXT NOT NULL,  -- the speech model that heard it
        start REAL NOT NULL,
        window TEXT NOT NULL,  -- JSON: speech.transcribe.Window
        PRIMARY KEY (sha256, model, start)
    );
"""


class TranscriptRows(Database):
    """The unfinished transcriptions of ``DocumentStore`` (``transcript_windows``)."""

    def transcript_windows(self, sha256: str, model: str) -> list[Window]:
        """The windows kept, in a chain from the recording's start (a window the chain
        does not reach — left by an older run — is not used)."""
        rows = self._rows(
            "SELECT window FROM transcript_windows WHERE sha256 = ? AND model = ? ORDER BY start",
            (sha256, model),
        )
        chain: list[Window] = []
        for row in rows:
            window = Window.from_dict(json.loads(row["window"]))
            if window.start == (chain[-1].next_start if chain else 0.0):
                chain.append(window)
        return chain

    def keep_transcript_window(self, sha256: str, model: str, window: Window) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcript_windows (sha256, model, start, window) "
                "VALUES (?, ?, ?, ?)",
                (sha256, model, window.start, json.dumps(window.to_dict(), ensure_ascii=False)),
            )

    def forget_transcript(self, sha256: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM transcript_windows WHERE sha256 = ?", (sha256,))
