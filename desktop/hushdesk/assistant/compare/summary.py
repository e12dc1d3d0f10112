"""The material changes in a few statements, each held to the changes it cites.

The model is given the numbered list of changes (both wordings, fenced) and writes a
sentence per change that matters, citing it ("[3]"). A small model cites the wrong
number as often as the right one and splices a figure of one change onto another, so
its words are checked, not its numbers: a statement is kept only when the changes it
cites back it (``evidence.Evidence``: its words together in their wordings, figures in
the sentence that holds their context); else it is relinked to the change that does
back it, or left out. Words that only say a change happened ("replaced", "now",
"clause") need no backing. Then the most material changes no kept statement covers get
a statement made from the change itself (old wording → new), so the summary never
hides a changed figure because the model looked elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from hushdesk import assets
from hushdesk.assistant.compare.results import Change, ChangeSummary, Comparison, Statement
from hushdesk.assistant.evidence import Evidence, Unit, content_words, fact_words, same
from hushdesk.assistant.generation import complete
from hushdesk.assistant.grounding import fence, unfence
from hushdesk.engine.base import Engine
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.jobs import CancelToken

SAMPLING = SamplingParams(temperature=0.0, top_k=1, repeat_penalty=1.1, max_tokens=360)
LISTED_CHARS = 6000  # of changes given to the model (~1,500 tokens: a 4k context holds it)
SIDE_CHARS = 320  # of each wording, around what changed
MAX_STATEMENTS = 6
FROM_CHANGES = 3  # statements made from changes the model left out, at most
QUOTE_CHARS = 140  # of a wording quoted in a statement made from a change
CONTEXT_WORDS = 2  # unchanged words quoted on either side of a changed stretch
FACT_WEIGHT = 3  # a changed figure, date or name against a changed word
# Words that say a change happened, not what it is: they need no backing.
SAYING = content_words(
    "change changed changes changing add added adds adding addition additional new newly "
    "remove removed removes removing removal delete deleted deletes deletion drop dropped "
    "replace replaced replaces replacing reword reworded revise revised revision amend "
    "amended amendment modify modified modification update updated move moved now no "
    "longer previously instead old version versions clause clauses section sections "
    "sentence sentences wording text document provision provisions edit edited "
    "increase increased decrease decreased reduce reduced raise raised lower lowered "
    "from to become became becomes"
)
_CITES = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_PAGES = re.compile(r"\((?:old|new)\b[^()]{0,40}\)", re.IGNORECASE)  # copied from the list
# The list's own format copied back ('changed: old "…" new "…"'): a copy, not a summary.
_ECHO = re.compile(r'\b(?:old|new|added|removed)\s*:?\s*["“]', re.IGNORECASE)
_DANGLING = re.compile(r"\s+(?:in|at|see|per|under|by)\s*([.;]?)$")  # "… in [3]." uncited
_LEADER = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def summarize(
    comparison: Comparison,
    engine: Engine,
    *,
    model: str,
    family: str = "",
    cancel: CancelToken | None = None,
    on_text: Callable[[str], None] | None = None,
) -> ChangeSummary:
    """A few statements on the material changes, each citing the changes it rests on."""
    changes = comparison.changes
    if not changes:
        return ChangeSummary((), model)
    listed = chosen(changes)
    prompts = assets.prompts("compare.toml", family=family)
    request = prompts["request"].format(
        changes=fence("\n".join(describe(comparison, n) for n in listed)),
        count=min(5, len(listed)),
    )
    messages = [
        Message("system", " ".join(prompts["system"].split())),
        Message("user", request.strip()),
    ]
    output = complete(engine, messages, SAMPLING, cancel=cancel, on_text=on_text).text
    kept, dropped = hold(output, changes)
    return ChangeSummary(tuple(kept + from_changes(changes, kept)), model, dropped)


def materiality(change: Change) -> float:
    """How much a change matters, roughly: its changed words, figures and names
    counting most (a changed "30" outweighs a rephrased sentence)."""
    if change.kind in ("changed", "moved"):
        gone, came = change.spans()
        text = f"{gone} {came}"
    else:
        side = change.old or change.new
        text = side.text if side else ""
    return len(content_words(text)) + FACT_WEIGHT * len(fact_words(text))


def chosen(changes: Sequence[Change]) -> list[int]:
    """The changes given to the model (1-based): the most material first until the list
    is full, then in the document's order."""
    ranked = sorted(range(len(changes)), key=lambda i: -materiality(changes[i]))
    out: list[int] = []
    size = 0
    for i in ranked:
        size += len(_excerpt(changes[i], "old")) + len(_excerpt(changes[i], "new")) + 60
        if out and size > LISTED_CHARS:
            break
        out.append(i + 1)
    return sorted(out)


def describe(comparison: Comparison, n: int) -> str:
    """One change as the model reads it."""
    change = comparison.changes[n - 1]
    head = f"[{n}] {change.kind} ({comparison.pages(change)})"
    if change.kind == "added":
        return f'{head}: added "{_excerpt(change, "new")}"'
    if change.kind == "removed":
        return f'{head}: removed "{_excerpt(change, "old")}"'
    return f'{head}: old "{_excerpt(change, "old")}" new "{_excerpt(change, "new")}"'


def _excerpt(change: Change, which: str) -> str:
    """A wording cut to ``SIDE_CHARS`` around its first change."""
    side = change.old if which == "old" else change.new
    if side is None:
        return ""
    text = side.text
    if len(text) <= SIDE_CHARS:
        return text
    drop = "insert" if which == "old" else "delete"
    before = ""
    for op, words in change.words:
        if op == "equal":
            before += words + " "
        elif op != drop:
            break
    start = max(0, min(len(before) - SIDE_CHARS // 3, len(text) - SIDE_CHARS))
    return ("…" if start else "") + text[start : start + SIDE_CHARS].strip() + "…"


def hold(output: str, changes: Sequence[Change]) -> tuple[list[Statement], int]:
    """The model's statements that the changes back, each citing the ones that do; and
    how many were left out."""
    units = {
        n: [Unit(s.text, n, n) for s in (c.old, c.new) if s is not None]
        for n, c in enumerate(changes, start=1)
    }
    everything = Evidence([u for n in sorted(units) for u in units[n]])
    kept: list[Statement] = []
    dropped = 0
    for line in unfence(output).splitlines():
        cited = sorted({int(n) for m in _CITES.finditer(line) for n in re.split(r"[,;]", m[1])})
        text = _PAGES.sub(" ", _CITES.sub(" ", _LEADER.sub("", line)))
        text = " ".join(text.split()).strip(" -")
        text = _DANGLING.sub(r"\1", re.sub(r"\s+([.,;:])", r"\1", text))
        if len(content_words(text)) < 3:
            continue  # a heading, an empty line, a stray number
        if _ECHO.search(text):
            dropped += 1
            continue
        valid = [n for n in cited if n in units]
        backed = (
            valid
            if valid and Evidence([u for n in valid for u in units[n]]).holds(text, SAYING)
            else []
        )
        if not backed:
            support = everything.holds(text, SAYING)
            backed = list(range(support.first, support.last + 1)) if support else []
        if not backed or not touches(text, [changes[n - 1] for n in backed]):
            dropped += 1
        elif not any(same(text, k.text) for k in kept):
            kept.append(Statement(text, tuple(backed)))
        if len(kept) == MAX_STATEMENTS:
            break
    return kept, dropped


def touches(text: str, changes: Sequence[Change]) -> bool:
    """Whether a statement names something that changed: a word its changes took out
    or put in (for a clause added or removed, any of its words). A statement about the
    clause around the change ("the restrictions were changed from 'only' to
    'required'", of a clause where "customary" became "ordinary") says nothing of it."""
    changed: set[str] = set()
    for change in changes:
        if change.kind in ("changed", "moved"):
            changed |= content_words(" ".join(change.spans()))
        else:
            side = change.old or change.new
            changed |= content_words(side.text if side else "")
    return bool(content_words(text) & changed)


def from_changes(changes: Sequence[Change], kept: Sequence[Statement]) -> list[Statement]:
    """Statements made from the most material changes no kept statement covers."""
    covered = {n for s in kept for n in s.changes}
    room = min(FROM_CHANGES, MAX_STATEMENTS - len(kept))
    ranked = sorted(
        (n for n in range(1, len(changes) + 1) if n not in covered),
        key=lambda n: -materiality(changes[n - 1]),
    )
    return [Statement(said(changes[n - 1]), (n,), written=False) for n in sorted(ranked[:room])]


def said(change: Change) -> str:
    """A change in one sentence, in the document's own words."""
    if change.kind == "changed" and change.old and change.new:
        found = stretches(change.words)
        if len(found) > 2 or not found:  # changed all over: the two wordings
            gone, came = _short(change.old.text), _short(change.new.text)
            return f"“{gone}” became “{came}”" + ("" if came[-1:] in ".;:!?…" else ".")
        gone = " … ".join(old for old, _ in found)
        came = _short(" … ".join(new for _, new in found))
        return f"“{_short(gone)}” became “{came}”" + ("" if came[-1:] in ".;:!?…" else ".")
    side = change.new if change.kind == "added" else change.old
    text = _short(side.text if side else "")
    stop = "" if text[-1:] in ".;:!?…" else "."
    return {"added": "Added", "removed": "Removed"}.get(change.kind, "Moved") + f": “{text}”{stop}"


def stretches(words: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each changed stretch of a clause as (old, new), with a few unchanged words on
    either side ("prior to 30 days after" → "prior to 45 days after"); stretches a few
    words apart are one ("fifty percent (50%)" → "forty percent (40%)")."""

    def short_gap(n: int) -> bool:
        return (
            words[n][0] == "equal"
            and len(words[n][1].split()) <= 2 * CONTEXT_WORDS
            and n + 1 < len(words)
            and words[n + 1][0] != "equal"
        )

    out = []
    k = 0
    while k < len(words):
        if words[k][0] == "equal":
            k += 1
            continue
        end = k
        while end < len(words) and (words[end][0] != "equal" or short_gap(end)):
            end += 1
        gone = [t for op, t in words[k:end] if op != "insert"]
        came = [t for op, t in words[k:end] if op != "delete"]
        before = words[k - 1][1].split()[-CONTEXT_WORDS:] if k > 0 else []
        after = words[end][1].split()[:CONTEXT_WORDS] if end < len(words) else []
        out.append((" ".join(before + gone + after), " ".join(before + came + after)))
        k = end
    return out


def _short(text: str) -> str:
    if len(text) <= QUOTE_CHARS:
        return text
    return text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
