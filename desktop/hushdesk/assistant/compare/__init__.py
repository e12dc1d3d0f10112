"""Two versions of a document compared: clauses aligned by ``difflib`` (``align``),
formatting no change (``clauses``), the changes with both wordings and their pages
(``results``), a summary of the material ones held to the changes it cites
(``summary``), and a redline in Word with real tracked changes (``redline``)."""

from hushdesk.assistant.compare.align import compare, similarity, word_diff
from hushdesk.assistant.compare.clauses import Clause, clauses, key
from hushdesk.assistant.compare.results import (
    Change,
    ChangeSummary,
    Comparison,
    Kind,
    Op,
    Piece,
    Side,
    Statement,
)

__all__ = [
    "Change",
    "ChangeSummary",
    "Clause",
    "Comparison",
    "Kind",
    "Op",
    "Piece",
    "Side",
    "Statement",
    "clauses",
    "compare",
    "key",
    "similarity",
    "word_diff",
]
