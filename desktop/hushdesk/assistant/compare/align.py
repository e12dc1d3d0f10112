"""Two versions aligned clause by clause: what changed, with the old and the new
wording and the page on each side.

Pure Python's ``difflib`` does the work, on purpose: a ``SequenceMatcher`` over clause
keys finds the clauses both versions keep, in order, in well under a second for a long
contract; it is deterministic, explainable ("this sentence, that sentence") and needs no
model. A model would be slower and could invent or miss an edit — and a missed edit in
a contract is the one failure a comparison may not have. The model only summarizes the
list afterwards (``compare_summary``), held to it.

Formatting is no change. Both versions go through the same reader as the library
(running headers, footers and line-end hyphenation gone: ``text.tidy_pages``); then
lines are joined (a PDF's line breaks are its layout, so a different wrap width or
page size changes nothing), bare page numbers at a page's edge are dropped, and clauses
are compared by a key in which quotes, dashes, ligatures, spacing and a hyphen inside a
word ("non-exclusive" printed as "non-\\nexclusive") do not count. Clause boundaries come
from the words alone (a sentence's end, a clause number after ";" or ":"), never from
where a line or a page happens to break, so the same text splits the same way in both.

A reworded clause is "changed", not removed and added: within a stretch the two
versions do not share, clauses are paired by word similarity, in order; what is left
over is matched across the whole document to find clauses that moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Literal

from hushdesk.assistant.compare.clauses import MARKER, Clause, clauses, key
from hushdesk.assistant.compare.results import Change, Comparison, Kind, Op, Piece, Side
from hushdesk.assistant.summarize.results import Source

PAIRED = 0.3  # word similarity above which two clauses in the same place are one, changed
MOVED = 0.8  # … and above which a clause found elsewhere is the same clause, moved
MOVED_MIN_WORDS = 4  # shorter clauses ("Yes.", "(c)") recur by chance, not by moving
REWRITTEN = 0.5  # word similarity under which a changed clause is shown as rewritten
PAIR_CELLS = 4000  # largest stretch (old clauses × new) paired exactly; beyond, in order


def similarity(a: str, b: str) -> float:
    """Share of words two clause keys have in common, in order (0–1)."""
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def word_diff(old: str, new: str) -> tuple[tuple[Op, str], ...]:
    """The two wordings word by word; words that differ only in formatting are equal."""
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, [key(w) for w in a], [key(w) for w in b], autojunk=False)
    if matcher.ratio() < REWRITTEN:  # a few shared "the"s: read as one wording for another
        return (("delete", old), ("insert", new))
    out: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("equal", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            out.append(("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("insert", " ".join(b[j1:j2])))
    return tuple(out)


# One step of the walk through both versions: both clauses the same, a pair (changed),
# or a clause of one version only; i indexes the old clauses, j the new.
_Step = tuple[Literal["equal", "pair", "delete", "insert"], int | None, int | None]


def _pair(old: Sequence[Clause], new: Sequence[Clause]) -> list[tuple[int | None, int | None]]:
    """Old and new clauses of a stretch neither version shares, paired in order where
    they are alike (the most similar pairs overall: a small alignment by dynamic
    programming), the rest alone."""
    n, m = len(old), len(new)
    if n == m == 1:  # between the same neighbours: the clause, reworded
        return [(0, 0)]
    if n * m > PAIR_CELLS:  # a rewrite: pair by position, alike or not
        steps: list[tuple[int | None, int | None]] = []
        for k in range(max(n, m)):
            i, j = (k if k < n else None), (k if k < m else None)
            if i is not None and j is not None and similarity(old[i].key, new[j].key) < PAIRED:
                steps += [(i, None), (None, j)]
            else:
                steps.append((i, j))
        return steps
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    sims = [[similarity(o.key, w.key) for w in new] for o in old]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = sims[i - 1][j - 1]
            diagonal = score[i - 1][j - 1] + s if s >= PAIRED else -1.0
            score[i][j] = max(score[i - 1][j], score[i][j - 1], diagonal)
    out: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        s = sims[i - 1][j - 1] if i > 0 and j > 0 else 0.0
        if i > 0 and j > 0 and s >= PAIRED and score[i][j] == score[i - 1][j - 1] + s:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif j > 0 and (i == 0 or score[i][j] == score[i][j - 1]):
            out.append((None, j - 1))  # walking back: what was removed comes first
            j -= 1
        else:
            out.append((i - 1, None))
            i -= 1
    return out[::-1]


def _walk(old: Sequence[Clause], new: Sequence[Clause]) -> list[_Step]:
    """Both versions clause by clause: what they share in order (``SequenceMatcher``),
    and between, the stretches of each paired where alike."""
    matcher = SequenceMatcher(None, [c.key for c in old], [c.key for c in new], autojunk=False)
    steps: list[_Step] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            steps += [("equal", i1 + k, j1 + k) for k in range(i2 - i1)]
            continue
        for i, j in _pair(old[i1:i2], new[j1:j2]):
            if i is not None and j is not None:
                steps.append(("pair", i1 + i, j1 + j))
            elif i is not None:
                steps.append(("delete", i1 + i, None))
            elif j is not None:
                steps.append(("insert", None, j1 + j))
    return steps


def _moves(old: Sequence[Clause], new: Sequence[Clause], steps: list[_Step]) -> dict[int, int]:
    """Clauses removed in one place and added in another that are the same clause:
    old index → new index."""
    removed = [i for kind, i, _ in steps if kind == "delete" and i is not None]
    added = [j for kind, _, j in steps if kind == "insert" and j is not None]
    moves: dict[int, int] = {}
    taken: set[int] = set()
    for i in removed:
        if len(old[i].key.split()) < MOVED_MIN_WORDS:
            continue
        best, best_j = MOVED, None
        for j in added:
            if j in taken or len(new[j].key.split()) < MOVED_MIN_WORDS:
                continue
            matcher = SequenceMatcher(None, old[i].key.split(), new[j].key.split(), False)
            if matcher.real_quick_ratio() < best or matcher.quick_ratio() < best:
                continue
            ratio = matcher.ratio()
            if ratio >= best:
                best, best_j = ratio, j
        if best_j is not None:
            moves[i] = best_j
            taken.add(best_j)
    free = set(added) - taken
    for i in sorted(set(removed) - set(moves), reverse=True):  # "2. Fees." moves with its clause
        j = moves.get(i + 1, -1) - 1
        if j in free and old[i].key == new[j].key:
            moves[i] = j
            free.discard(j)
    return moves


class _Builder:
    """Turns the walk into changes and pieces: runs of clauses only one version has
    become one change per clause number ("(b)", "4.") they cover."""

    def __init__(self, old: Sequence[Clause], new: Sequence[Clause]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.pieces: list[Piece] = []
        self.run: list[Clause] = []
        self.run_kind: Kind | None = None
        self.moved: dict[int, int] = {}  # a move's old clause → its change
        self.targets: dict[int, int] = {}  # a moved old clause → where it went

    def alone(self, kind: Kind, clause: Clause) -> None:
        numbered = bool(MARKER.match(clause.text.split()[0]))
        if kind != self.run_kind or numbered:
            self.close()
        self.run_kind = kind
        self.run.append(clause)

    def close(self) -> None:
        if self.run and self.run_kind is not None:
            side = Side(" ".join(c.text for c in self.run), self.run[0].page)
            removed = self.run_kind == "removed"
            self.add(Change(self.run_kind, side if removed else None, None if removed else side))
            op: Op = "delete" if removed else "insert"
            for clause in self.run:
                self.pieces.append(Piece(((op, clause.text),), clause.paragraph, self.last))
        self.run, self.run_kind = [], None

    def add(self, change: Change) -> None:
        self.changes.append(change)

    @property
    def last(self) -> int:
        return len(self.changes) - 1

    def same(self, j: int) -> None:
        self.close()
        self.pieces.append(Piece((("equal", self.new[j].text),), self.new[j].paragraph))

    def changed(self, i: int, j: int, kind: Kind = "changed") -> int:
        a, b = self.old[i], self.new[j]
        words = word_diff(a.text, b.text)
        self.add(Change(kind, Side(a.text, a.page), Side(b.text, b.page), words))
        return self.last

    def pair(self, i: int, j: int) -> None:
        self.close()
        self.changed(i, j)
        self.pieces.append(Piece(self.changes[-1].words, self.new[j].paragraph, self.last))

    def move(self, i: int, j: int, there: bool) -> None:
        """A moved clause, met at its old place or (``there``) at its new one."""
        self.close()
        if i not in self.moved:
            before = self.moved.get(i - 1)
            if before is not None and self.targets.get(i - 1) == j - 1:  # the same move
                self.moved[i] = before
                a, b, was = self.old[i], self.new[j], self.changes[before]
                assert was.old is not None
                assert was.new is not None
                self.changes[before] = replace(
                    was,
                    old=replace(was.old, text=f"{was.old.text} {a.text}"),
                    new=replace(was.new, text=f"{was.new.text} {b.text}"),
                    words=(*was.words, *word_diff(a.text, b.text)),
                )
            else:
                self.moved[i] = self.changed(i, j, "moved")
        clause = self.new[j] if there else self.old[i]
        op: Op = "insert" if there else "delete"
        self.pieces.append(Piece(((op, clause.text),), clause.paragraph, self.moved[i]))


def compare(old: Source, new: Source) -> Comparison:
    """Every change from ``old`` to ``new`` (formatting aside), in reading order."""
    a, b = clauses(old), clauses(new)
    steps = _walk(a, b)
    moves = _moves(a, b, steps)
    moved_from = {j: i for i, j in moves.items()}
    build = _Builder(a, b)
    build.targets = moves
    for kind, i, j in steps:
        if kind == "equal" and j is not None:
            build.same(j)
        elif kind == "pair" and i is not None and j is not None:
            build.pair(i, j)
        elif kind == "delete" and i is not None:
            if i in moves:
                build.move(i, moves[i], there=False)
            else:
                build.alone("removed", a[i])
        elif kind == "insert" and j is not None:
            if j in moved_from:
                build.move(moved_from[j], j, there=True)
            else:
                build.alone("added", b[j])
    build.close()
    return Comparison(old, new, tuple(build.changes), tuple(build.pieces))
