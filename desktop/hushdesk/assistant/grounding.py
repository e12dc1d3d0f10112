"""Answers grounded in document libraries, with numbered citations.

Retrieved passages go into the newest user message only, fenced and numbered, with
anything that looks like a chat-template control token removed, so a document cannot
open a turn or pose as the system. When nothing relevant is found the answer is a
plain "I could not find this in your documents" — no guess.

The model's answer is then held to the passages (``settle``): each sentence a passage
supports is linked to that passage; one that none supports is marked; and when nothing
the model wrote is supported, the answer is the plain "could not find" followed by the
passages closest to the question, quoted with their pages — never unchecked prose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hushdesk import assets
from hushdesk.assistant.citations import Citation
from hushdesk.assistant.evidence import (
    MIN_WORDS,
    SUPPORT_THRESHOLD,
    Evidence,
    Meaning,
    Support,
    Unit,
    anchored,
    beside,
    content_words,
    corroborating,
    counted,
    counts,
    fact_words,
    rival,
    split_sentences,
    tokens,
)
from hushdesk.library.text import literals, stands_in, strip_special_tokens

if TYPE_CHECKING:  # the library pulls in numpy; importing this module stays cheap
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.search import Hit
    from hushdesk.library.store import Library

_CITE = re.compile(r"\[(\d{1,2})\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
# An example on a line of its own after "like this:", then a capital opening the next
# line: the example ends a sentence (what the model says of it is judged apart). Any
# other line break may be a model's own wrapping ("part of the GNU\nGZIP standard").
_EXAMPLE_LINE = re.compile(r"(?<=:)([ \t]*\n[^\n]*[^\s.!?:,;(\[])[ \t]*\n\s*(?=[A-Z])")
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d{1,2}[.)])\s)")  # paragraphs, list items
_NEGATION = re.compile(r"not|no|never|neither|nor|cannot|without|\w+n't")
_PAGE_LABEL = re.compile(r"\b(?:pages?|p\.|sections?)\s*\d+(?:\s*(?:-|–|and|to)\s*\d+)?", re.I)
_LIMIT = re.compile(r"(?:more|less|fewer|later|earlier|greater|longer|shorter|sooner) than")
# "This is stated in Exhibit B", "This can be found in [2]": where the model says the fact
# stands, which the relinked source number says better (and truly).
_POINTING = re.compile(
    r"^\W*(?:this|it|that|these)\s+(?:is|are|can\s+be|was|were)\s+"
    r"(?:stated|found|mentioned|described|specified|outlined|explained|written|defined)\s+in\b",
    re.IGNORECASE,
)
# "The precise terms … are outlined in [1]": a sentence that only says where something
# stands states no fact of its own, whatever words of the passage it borrows.
_POINTING_TAIL = re.compile(
    r"\b(?:is|are|was|were|be|been)\s+(?:\w+\s+)?(?:stated|found|mentioned|described|specified"
    r"|outlined|explained|detailed|covered|listed|set out|laid out)\s+(?:in|by|under)\s+"
    r"(?:\[\d{1,2}\]|(?:the\s+)?(?:source|passage|document|section|text)s?\b)[^.!?]*[.!?]?\s*$",
    re.IGNORECASE,
)
_LEAD = re.compile(r"\s*(?:[-*•]|\d{1,2}[.)])\s+")
# A page that goes on from the one before (its first word in lower case), one whose last
# sentence is unfinished, and where a sentence starts or the first one ends.
_CONTINUES = re.compile(r"\s*[a-z(,;]")
_ENDED = re.compile(r"[.!?:\"')\]]\s*$")
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"(])")
_FIRST_SENTENCE = re.compile(r"\s*\S.*?[.!?](?=\s|$)", re.S)
# Cosine (all-MiniLM-L6-v2) of the question to a passage sentence that backs an answer:
# below it the sentence has the answer's words but speaks of something else. From the
# answer logs of three models (tuning parts): right answers' backing sentences 0.06-0.88
# (median 0.59), wrong or unanswerable ones' 0.02-0.72 (0.35-0.40); below 0.25 stood 4
# sentences of right answers and 15 of wrong ones.
RELEVANCE_FLOOR = 0.25
RELATIVE_FLOOR = 0.6  # a source must be at least this similar relative to the best one
QUOTES = 2  # passages quoted when nothing the model wrote is supported
QUOTE_CHARS = 400
AROUND_CHARS = 200  # of the page on either side of a passage, when checking an answer
UNSUPPORTED_MARK = " *(not in the sources)*"
# Words that point at the sources rather than state a fact: need no support.
POINTERS = (
    "yes answer source sources passage passages found stated says mentioned according"
    " means meaning stands refers"  # "-r stands for recursive": the link, not a fact
)


@dataclass(frozen=True)
class Grounding:
    """What to send instead of the bare question, and the sources it cites."""

    prompt: str
    citations: tuple[Citation, ...]
    abstain: bool
    meaning: Meaning | None = None  # the library's embeddings, to check the answer by meaning
    around: dict[int, str] = field(default_factory=dict)  # each passage with its page around it
    named: frozenset[int] = frozenset()  # the files the question names: only they can back it


def prompts(family: str = "") -> dict[str, str]:
    """``resources/prompts/answer.toml``, as the model's family gets it."""
    return {k: str(v).strip() for k, v in assets.prompts("answer.toml", family=family).items()}


def system_prompt(family: str = "") -> str:
    return prompts(family)["system"]


def abstain_text() -> str:
    return prompts()["abstain"]


@dataclass(frozen=True)
class Check:
    """How one sentence of an answer fared against the passages, and why: kept with
    the answer, so a reader (or a bench) can see which sentence of which passage
    backed it, or what no passage said."""

    sentence: str
    verdict: Literal["backed", "not backed", "nothing to check"]
    why: str
    source: int = 0  # the passage that backs it
    quote: str = ""  # the sentence of that passage
    also: tuple[int, ...] = ()  # other passages that hold the whole sentence, best first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Settled:
    """An answer held to its sources: what the user reads, and how it fared."""

    text: str
    supported: int  # sentences a passage backs
    unsupported: int  # sentences none backs (marked in ``text``)
    abstained: bool  # "could not find" (with the closest passages quoted, if any)
    checks: tuple[Check, ...] = ()


def settle(answer: str, grounding: Grounding, question: str, family: str = "") -> Settled:
    """Link each sentence of ``answer`` to the passage that supports it, mark the ones
    none supports, or, when none is supported, say so and quote the closest passages.
    ``family``: the model's prompt family (its rules are not an answer)."""
    answer = unfence(answer)
    citations = {c.n: c for c in grounding.citations}
    if grounding.abstain or not citations:
        return Settled(answer, 0, 0, said_not_found(answer))
    evidence = {  # "30 days" asked of the Apache License is not backed by the GPL's 30 days
        n: Evidence([Unit(grounding.around.get(n, c.passage), n, n)], meaning=grounding.meaning)
        for n, c in citations.items()
        if not grounding.named or c.file_id in grounding.named
    }
    given = content_words(f"{question} {POINTERS}")
    names = {c.file for c in grounding.citations}
    rules = content_words(system_prompt(family) + " " + prompts()["user"])
    blocks, supported, unsupported, declined = [], 0, 0, False
    checks: list[Check] = []
    for block in _BLOCK.split(answer.strip()):
        lead = _LEAD.match(block)
        prefix = lead.group(0) if lead else ""
        out = []
        lines = _EXAMPLE_LINE.sub("\\1\0", block[len(prefix) :]).split("\0")
        for sentence in (s for line in lines for s in _SENTENCE.split(" ".join(line.split()))):
            if said_not_found(sentence):
                declined = True
                continue
            bare = _CITE.sub("", sentence).rstrip()
            if not bare.strip(" .;,"):
                continue  # a marker left on its own ("… changed them. [1]"): relinked above
            words = content_words(bare)
            if len(words) >= MIN_WORDS and len(words & rules) >= 0.8 * len(words):
                continue  # the prompt's own rules repeated back
            if _POINTING.match(bare) or _POINTING_TAIL.search(sentence):
                continue
            check = judge(bare, _unlabelled(bare, names), evidence, given, question)
            checks.append(check)
            if check.verdict == "nothing to check":  # restates the question, or "Yes."
                out.append(sentence)
            elif check.verdict == "backed":
                supported += 1
                out.append(_cite(bare, _pages_once(check, citations)))
            else:
                unsupported += 1
                out.append(bare + UNSUPPORTED_MARK)
        if out:
            blocks.append(prefix + " ".join(out))
    if supported:
        return Settled("\n\n".join(blocks), supported, unsupported, False, tuple(checks))
    text = abstain_text()
    if not declined or unsupported:  # the model wrote something: show what the sources say
        text += "\n\n" + prompts()["closest"] + "\n\n" + _quotes(question, grounding)
    return Settled(text, 0, unsupported, True, tuple(checks))


def _unlabelled(sentence: str, names: set[str]) -> str:
    """The sentence without the sources' own labels ("on page 8 of MPL-2.0.pdf"): a page
    or file named from a source's label is no fact to check."""
    for name in sorted(names, key=len, reverse=True):
        stem, dot, kind = name.rpartition(".")
        sentence = sentence.replace(name, " ")
        if dot and len(stem) >= 3 and any(c.isalpha() for c in stem):  # "the MPL-2.0 PDF"
            sentence = re.sub(
                rf"\b{re.escape(stem)}(?:\s+{re.escape(kind)}\b)?", " ", sentence, flags=re.I
            )
    return _PAGE_LABEL.sub(" ", sentence)


_EXAMPLE = re.compile(r"\b(?:such as|for example|for instance|e\.g\.,?)\s+(\S+)", re.I)


def _examples(question: str) -> set[str]:
    """The literals ``question`` gives as examples ("such as HAVE_X_WINDOWS")."""
    return {x for m in _EXAMPLE.finditer(question) for x in literals(m.group(1))}


def judge(
    sentence: str, statement: str, evidence: dict[int, Evidence], given: set[str], question: str
) -> Check:
    """Which passage backs ``statement`` (``sentence`` without its sources' labels), and
    why; or why none does."""
    statement = statement.rstrip(" .") + "."  # a short answer is not a title
    words = content_words(statement) - given
    if not words:
        return Check(sentence, "nothing to check", "it restates the question")
    facts = fact_words(statement) & words
    # "-c", "--count": the sentence is about this option — unless the question gave it
    # as an example ("a condition such as HAVE_X_WINDOWS"): the rule stands apart from it
    examples = _examples(question)
    named = [x for x in literals(statement) if x not in examples]
    if len(content_words(statement)) < MIN_WORDS:  # "50%.": its facts, where the question is
        if not facts and not named:
            return Check(sentence, "nothing to check", "too short to state a fact")
        context = content_words(question)
        listed = ", ".join(sorted(facts) + named)
        for n, e in evidence.items():
            if anchored(facts, context, e.sentences) and beside(named, context, e.sentences):
                return Check(sentence, "backed", f"{listed} beside the question's words", n)
        return Check(sentence, "not backed", f"{listed} beside the question's words in no passage")
    backers: list[tuple[int, Support]] = []
    negated = _negates(statement, words)  # the question's own words decide nothing here
    opposite = elsewhere = offtopic = 0
    for n, source in evidence.items():
        found = source.holds(statement, given)
        if found is None:
            continue
        if _negates(found.sentence, words) != negated:
            opposite = opposite or n  # "does not grant" is no support for "grants"
            continue
        if not all(stands_in(x, source.near(found.sentence)) for x in named):
            elsewhere = elsewhere or n  # what -s does, said of -c
            continue
        if not _about(question, found.sentence, source):
            offtopic = offtopic or n  # source lines, for the lines of a function
            continue
        backers.append((n, found))
    if backers:
        n, found = max(backers, key=lambda b: b[1].score)  # the first of equals
        other = rival(statement, evidence[n].sentences)
        if other:  # "November 1, 2008", where the sentence about it says August 1, 2009
            return Check(sentence, "not backed", f"[{n}] gives {other} for it", n, found.sentence)
        how = (
            f"{found.score:.0%} of its words in one sentence"
            if found.score >= SUPPORT_THRESHOLD
            else f"the same meaning ({found.meaning:.2f}), its facts in the sentence"
        )
        return Check(
            sentence,
            "backed",
            how,
            n,
            found.sentence,
            corroborating(statement, (m for m, _ in backers if m != n), evidence),
        )
    if opposite:
        return Check(sentence, "not backed", f"[{opposite}] says the opposite", opposite)
    if elsewhere:
        why = f"[{elsewhere}] says it of other than {', '.join(named)}"
        return Check(sentence, "not backed", why, elsewhere)
    if offtopic:
        why = f"[{offtopic}] has its words, not about the question"
        return Check(sentence, "not backed", why, offtopic)
    known = set().union(*(e.words for e in evidence.values())) if evidence else set()
    missing = sorted(facts - known)
    if missing:
        return Check(sentence, "not backed", f"{', '.join(missing)}: in no passage")
    sentences = [s for e in evidence.values() for s in e.sentences]
    uncounted = [
        c.written for c in counts(statement) if c.number in facts and not counted(c, sentences)
    ]
    if uncounted:  # "4 weeks", where the only 4 there numbers a section
        return Check(sentence, "not backed", f"{', '.join(uncounted)}: no passage counts it")
    return Check(sentence, "not backed", "too few of its words together in any passage")


def _about(question: str, sentence: str, source: Evidence) -> bool:
    """Whether a passage sentence that backs an answer speaks of what was asked: its
    meaning near enough the question's (``RELEVANCE_FLOOR``; without embeddings, yes)."""
    if source.meaning is None:
        return True
    asked, said = source.meaning([question, sentence])
    return float(asked @ said) >= RELEVANCE_FLOOR


def _negates(sentence: str, words: set[str]) -> bool:
    """Whether a negation stands just before (three words at most) one of ``words``:
    "does not grant permission" negates "grant"; "no more than 5 words" is a limit."""
    said = tokens(sentence)
    return any(
        _NEGATION.fullmatch(word)
        and not (_LIMIT.fullmatch(" ".join(said[i + 1 : i + 3])))
        and content_words(" ".join(said[i + 1 : i + 4])) & words
        for i, word in enumerate(said)
    )


ALSO_CITED = 1  # further pages cited beside the best, at most


def _pages_once(check: Check, citations: dict[int, Citation]) -> list[int]:
    """The passages a backed sentence cites: the one that backs it best, and one more
    page that states it whole (gzip's bug address stands in its --help output and in
    its chapter on problems: the reader is shown both). No page is cited twice."""
    cited = [check.source]
    pages = {(citations[check.source].file_id, citations[check.source].page)}
    for n in check.also:
        where = (citations[n].file_id, citations[n].page)
        if where not in pages and len(cited) <= ALSO_CITED:
            cited.append(n)
            pages.add(where)
    return sorted(cited)


def _cite(sentence: str, numbers: Iterable[int]) -> str:
    """The sentence ending with its sources' numbers (the model's own numbers replaced:
    small models cite the wrong passage as often as the right one)."""
    end = len(sentence) - len(sentence.rstrip(".!?:;"))
    body, stop = (sentence[:-end], sentence[-end:]) if end else (sentence, "")
    marks = "".join(f"[{n}]" for n in numbers)
    return f"{body.rstrip()} {marks}{stop}"


def _quotes(question: str, grounding: Grounding) -> str:
    """The best passages for ``question`` as Markdown quotes, each from the sentence that
    matches the question best, with its number (the sources list gives file and page)."""
    out = []
    named = grounding.named
    chosen = sorted(grounding.citations, key=lambda c: bool(named) and c.file_id not in named)
    for c in chosen[:QUOTES]:
        found = Evidence([Unit(c.passage, c.n, c.n)]).support(question)
        text = " ".join(c.passage.split())
        sentence = found.sentence if found is not None else _most_asked(c.passage, question)
        start = text.find(sentence) if sentence else -1
        if start > 0:
            text = "…" + text[start:]
        if len(text) > QUOTE_CHARS:
            text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
        out.append(f"> {text} [{c.n}]")
    return "\n\n".join(out)


def _most_asked(passage: str, question: str) -> str:
    """The passage's sentence with the most of the question's words ("" when none has
    any): where a quote starts when no sentence backs the question as a whole ("Under the
    MPL, who is the license steward?" → "Mozilla Foundation is the license steward.")."""
    asked = content_words(question)
    best, most = "", 0
    for sentence in split_sentences(passage):
        shared = len(content_words(sentence) & asked)
        if shared > most:
            best, most = sentence, shared
    return best


def said_not_found(answer: str) -> bool:
    """Whether an answer says the documents do not hold it (ours, or the model's words)."""
    return " ".join(abstain_text().lower().split()).rstrip(".") in " ".join(answer.lower().split())


def ground(
    library: DocumentLibrary, libraries: Sequence[Library], question: str, *, k: int = 4
) -> Grounding:
    """Search every library, keep the best ``k`` passages, build the fenced prompt."""
    hits: list[Hit] = []
    abstain = True
    named: frozenset[int] = frozenset()
    for lib in libraries:
        result = library.search(lib, question, k=k)
        abstain = abstain and result.abstain
        if not result.abstain:
            hits.extend(result.hits)
            named |= result.named
    if abstain or not hits:
        return Grounding(question, (), True)
    # Only passages close to the best one: weak ones distract a small model and the reader
    # (but a passage that defines the option the question asks about is never weak).
    best = max(h.similarity or 0.0 for h in hits)
    keep = max(library.relevance_floor, RELATIVE_FLOOR * best)
    # In fused order (vector and keyword ranks together put the answer first more often
    # than similarity alone does), a definition first: a small model leans on the first.
    hits = sorted(
        (h for h in hits if h.defines or (h.similarity or 0.0) >= keep),
        key=lambda h: (not h.defines, -h.score),
    )[:k]
    citations = tuple(
        Citation(
            n=i,
            path=h.file.path,
            file=h.file.name,
            file_id=h.file.id,
            page=h.chunk.page,
            paginated=h.file.paginated,
            passage=h.chunk.text,
            start=h.chunk.start,
            end=h.chunk.end,
            score=round(h.similarity or 0.0, 3),
            label=h.chunk.label,
        )
        for i, h in enumerate(hits, start=1)
    )
    p = prompts()
    sources = "\n\n".join(
        p["source"].format(n=c.n, where=fence(c.where), text=fence(c.passage)) for c in citations
    )
    prompt = p["user"].format(sources=sources, question=question)
    nearby = {c.n: around(library, c) for c in citations}
    meaning = library.embedder(libraries[0]).embed
    return Grounding(prompt, citations, False, meaning, nearby, named)


def around(library: DocumentLibrary, c: Citation) -> str:
    """The passage with the words next to it: a chunk cut mid-sentence keeps the words
    that place its facts ("a Front-Cover Text may be at most 5 words"). A sentence that a
    page break cuts is made whole from the page before or after, and no more of it is
    taken ("… compressed with this flag. The | cost: about one percent larger.")."""
    store = library.store
    page = store.page_text(c.file_id, c.page)
    if page[c.start : c.end] != c.passage:
        return c.passage
    before = page[max(0, c.start - AROUND_CHARS) : c.start]
    after = page[c.end : c.end + AROUND_CHARS]
    if c.paginated and c.start == 0 and c.page > 1 and _CONTINUES.match(page):
        tail = store.page_text(c.file_id, c.page - 1)[-AROUND_CHARS:]
        before = _SENTENCE_START.split(tail)[-1] + " "
    if c.paginated and len(after) < AROUND_CHARS and not _ENDED.search(page):
        head = store.page_text(c.file_id, c.page + 1)[:AROUND_CHARS]
        after += " " + (m.group(0) if (m := _FIRST_SENTENCE.match(head)) else head)
    return before + c.passage + after


def grounder_for(library: DocumentLibrary, names: Sequence[str]) -> Callable[[str], Grounding]:
    """Ground each question in the named libraries, looked up afresh every time (a
    library may have been deleted, or re-indexed with another model, meanwhile)."""

    def grounder(question: str) -> Grounding:
        existing = {lib.name: lib for lib in library.store.libraries()}
        chosen = [existing[n] for n in names if n in existing]
        if not chosen:
            return Grounding(question, (), True)
        return ground(library, chosen, question)

    return grounder


def fence(text: str) -> str:
    """Document text made inert: no control tokens, no way to close the fence."""
    text = strip_special_tokens(text)
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


def unfence(output: str) -> str:
    """A model's output without the fence marks it copied from its prompt."""
    output = re.sub(r"(?m)^[ \t]*(<{2,3}|>{2,3})[ \t]*$\n?", "", output)
    return re.sub(r"^\s*<{3}|>{3}\s*$", "", output).strip()


def cited_numbers(answer: str, numbers: Iterable[int]) -> list[int]:
    """The source numbers the answer actually cites, in order of first use."""
    valid = set(numbers)
    seen: list[int] = []
    for match in _CITE.finditer(answer):
        n = int(match.group(1))
        if n in valid and n not in seen:
            seen.append(n)
    return seen
