"""Holding a summary to its source: every statement is traced to the text it came from.

A model — a small one above all — repeats itself, mixes facts from different places
and invents dates. So each statement it writes is matched against short windows of
consecutive source sentences; one whose words (names, dates and amounts count double)
are mostly not found together in the source is dropped, and the window that supports a
kept statement gives its page range. The same measure picks the sentences that carry
the most distinctive facts, which keeps what the model left out.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from hushdesk.assistant.dates import MONTHS, dates_in, find_date
from hushdesk.assistant.sentence_kinds import (
    WORD,
    is_definition,
    is_obligation,
    looks_like_apparatus,
    looks_like_heading,
)
from hushdesk.library.text import stands_in

Meaning = Callable[[Sequence[str]], Any]  # texts → unit-length vectors (a numpy array)

SUPPORT_THRESHOLD = 0.55  # share of a statement's (weighted) words found in one window
MEANING_THRESHOLD = 0.7  # cosine of a paraphrase to its source sentence (all-MiniLM-L6-v2)
WINDOW = 3  # consecutive source sentences a statement may draw on
DUPLICATE = 0.8  # word overlap (Jaccard) above which two statements say the same thing
MIN_WORDS = 3  # fewer content words than this is not a statement
ANCHOR_WORDS = 2  # a fact's context words (40 %, at most this many) must share its sentence
TITLE_WORDS = 6  # a line this short (a title line) shares the lines next to it
THEME = 0.5  # weight of the document's recurring words (its topics) in salience
APPARATUS = 0.2  # salience left to a reference entry, contents line or table row

_STOPWORDS = """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves its it's shall must may might also upon per via within
    document text part parts page pages section summary notes note"""
STOPWORDS = frozenset(_STOPWORDS.split())
_SENTENCE_END = re.compile(
    r"(?<=[.!?;])\s+(?=[\"“(\[]?[A-Z0-9À-Ý])"  # a sentence ends
    r"|\n\s*\n"  # a paragraph ends (single line breaks are a PDF's line wrapping)
    r"|\n(?=\s*(?:[-*•·‣▪]|\d{1,3}[.)])\s)"  # a list item starts
)
_TITLE_LINE = re.compile(r"^([^\n.!?:;]{1,60}[^\W\d_]?\w)[ \t]*\n(?=\s*[A-Z0-9À-Ý])", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*•·‣▪]|\d{1,3}[.)]|\(?[a-z][.)])\s+")
_SIBILANT_ES = ("sses", "xes", "ches", "shes", "zes")


_BRITISH = {"licence": "license", "licences": "licenses", "licenced": "licensed",
            "defence": "defense", "offence": "offense", "pretence": "pretense",
            "programme": "program", "programmes": "programs", "cheque": "check"}  # fmt: skip
_BRITISH_ENDINGS = (  # (ending, American ending, the shortest word it applies to)
    ("isation", "ization", 8), ("isations", "izations", 9), ("ise", "ize", 6),
    ("ised", "ized", 7), ("ises", "izes", 7), ("ising", "izing", 8),
    ("our", "or", 6), ("ours", "ors", 7), ("tre", "ter", 5), ("tres", "ters", 6),
    ("ogue", "og", 7),
)  # fmt: skip


def american(word: str) -> str:
    """A word spelt the American way: a question asked in British English ("licence",
    "organisation", "centre") matches a document written in American ("license") and
    the other way round — every side of a comparison goes through here."""
    if word in _BRITISH:
        return _BRITISH[word]
    for ending, other, shortest in _BRITISH_ENDINGS:
        if len(word) >= shortest and word.endswith(ending):
            return word[: -len(ending)] + other
    return word


def _stem(word: str) -> str:
    """A crude English stem, enough to match "signed" with "signing", "fees" with "fee"
    and "licenses" with "license" (and "licensed"); British spelling as American."""
    word = american(word)
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"  # parties, policies
    if word.endswith(_SIBILANT_ES):
        word = word[:-2]  # taxes, matches, classes
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1] if len(word) > 3 else word  # fees, licenses, dates
    else:
        for suffix in ("ing", "ed", "ly"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    return word[:-1] if len(word) >= 4 and word.endswith("e") else word  # license, licens-ed


_POSSESSIVE = re.compile(r"['’]s$")


def tokens(text: str) -> list[str]:
    """Lower-case words; a possessive is its noun ("the Leader's term": "leader")."""
    return [_POSSESSIVE.sub("", t.lower()).strip(".,'’-/") for t in WORD.findall(text)]


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen"
_TEENS = "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
_NUMBER_WORDS = {word: str(n) for n, word in enumerate(f"{_UNITS} {_TEENS}".split())} | {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "ninety": "90",
}


_PRONOUN_NUMBERS = frozenset({"zero", "one"})  # "one of the options" counts nothing


def content_words(text: str) -> set[str]:
    """The words that carry meaning, stemmed; numbers written as words become digits."""
    return {
        _stem(_NUMBER_WORDS.get(t, t))
        for t in tokens(text)
        if t and t not in STOPWORDS and (len(t) > 1 or t.isdigit())
    }


def fact_words(text: str) -> set[str]:
    """Words that carry facts: numbers (in digits or words: "two" is the fact "2"),
    months, and capitalised words inside a sentence."""
    found: set[str] = set()
    for sentence in split_sentences(text) or [text]:
        for i, match in enumerate(WORD.finditer(sentence)):
            word = match.group()
            low = word.lower()
            if low in _NUMBER_WORDS and low not in _PRONOUN_NUMBERS:
                found.add(_NUMBER_WORDS[low])
            elif any(c.isdigit() for c in word) or (low in MONTHS and len(low) > 3):
                found.add(_stem(low.strip(".,'’-/")))
            elif i > 0 and word[0].isupper() and low not in STOPWORDS:
                found.add(_stem(low))
    return found


def split_sentences(text: str) -> list[str]:
    # A short line without closing punctuation is a title: it ends its own "sentence".
    text = _TITLE_LINE.sub(r"\1\n\n", text)
    out = []
    for raw in _SENTENCE_END.split(text):
        piece = " ".join(_BULLET.sub("", raw).split()).strip(" -*•")  # lines of a paragraph
        if piece:
            out.append(piece)
    return out


@dataclass(frozen=True)
class Unit:
    """A piece of source text and the pages it covers."""

    text: str
    first: int
    last: int


@dataclass(frozen=True)
class Support:
    score: float
    first: int
    last: int
    sentence: str  # the best-matching source sentence
    meaning: float = 0.0  # when held by meaning: the cosine to that sentence


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: frozenset[str]
    first: int
    last: int
    days: frozenset[date] = frozenset()


class Evidence:
    """The source of one step (a section's pages, or the notes being combined).

    With ``meaning`` (texts → unit vectors: the library's embedding model) a statement
    whose facts all stand in the source is also held by meaning, so honest paraphrase
    passes while a mixed-up date or name still does not."""

    def __init__(
        self, units: Sequence[Unit], idf: Idf | None = None, meaning: Meaning | None = None
    ) -> None:
        self.meaning = meaning
        self.sentences = [
            _Sentence(s, frozenset(content_words(s)), u.first, u.last, frozenset(dates_in(s)))
            for u in units
            for s in split_sentences(u.text)
        ]
        self.idf = idf or Idf([u.text for u in units])

    @property
    def words(self) -> set[str]:
        """Every content word of the source."""
        return set().union(*(s.words for s in self.sentences))

    def near(self, sentence: str, before: int = 2, after: int = 1) -> str:
        """``sentence`` of the source with its neighbours: in an option list the option
        stands on the lines before what it does."""
        for i, s in enumerate(self.sentences):
            if s.text == sentence:
                window = self.sentences[max(0, i - before) : i + after + 1]
                return " ".join(w.text for w in window)
        return sentence

    @property
    def first(self) -> int:
        return min((s.first for s in self.sentences), default=1)

    @property
    def last(self) -> int:
        return max((s.last for s in self.sentences), default=1)

    def support(self, statement: str, given: Iterable[str] = ()) -> Support | None:
        """How well the best window of source sentences backs ``statement``.

        Each of the statement's facts must also stand in a sentence that shares its
        other words: a real date next to an invented event is not support. Words of
        ``given`` (the question an answer restates) need no support of their own, but
        they still place its facts: "5 members of the board" needs a "5" beside the
        board. A statement of nothing but given words is none (None)."""
        every = content_words(statement)
        if len(every) < MIN_WORDS or not self.sentences or looks_like_heading(statement):
            return None
        words = every - set(given)
        if not words:
            return None
        facts = fact_words(statement) & words
        days = dates_in(statement)
        plain = every - facts
        units = [c for c in counts(statement) if c.number in facts]
        weight = {w: 2.0 if w in facts else 1.0 for w in words}
        total = sum(weight.values())
        best: Support | None = None
        for start in range(len(self.sentences)):
            window = self.sentences[start : start + WINDOW]
            found: set[str] = set()
            used = []
            for sentence in window:
                shared = (words & sentence.words) - found
                if shared:
                    found |= shared
                    used.append(sentence)
            if not used or not all(_anchored(f, plain, window) for f in facts):
                continue
            if not all(counted(c, window) for c in units):
                continue  # "4 weeks" is not backed by "4 Stepping Down"
            if days and not days <= set().union(*(s.days for s in window)):  # a spliced date
                continue
            score = sum(weight[w] for w in found) / total
            if best is None or score > best.score + 1e-9:
                top = max(used, key=lambda s: sum(weight[w] for w in words & s.words))
                if sum(weight[w] for w in words & top.words) / total >= SUPPORT_THRESHOLD:
                    used = [top]  # one sentence says it all: cite just its pages
                best = Support(
                    score, min(s.first for s in used), max(s.last for s in used), top.text
                )
        return best

    def words_on(self, first: int, last: int) -> set[str]:
        """The content words of the source's sentences on pages ``first``–``last``."""
        return set().union(
            *(s.words for s in self.sentences if s.first <= last and s.last >= first)
        )

    def holds(self, statement: str, given: Iterable[str] = ()) -> Support | None:
        """The support that backs ``statement`` enough to keep it, or None."""
        found = self.support(statement, given)
        if found is None or found.score >= SUPPORT_THRESHOLD:
            return found
        if self.meaning is None:
            return None
        mine, theirs = self.meaning([statement, found.sentence])
        cosine = float(mine @ theirs)
        return replace(found, meaning=cosine) if cosine >= MEANING_THRESHOLD else None

    def salient(
        self, limit: int, *, keep: str = "facts", exclude: Iterable[str] = ()
    ) -> list[Unit]:
        """The ``limit`` source sentences with the most distinctive facts, in source order,
        skipping facts already stated in ``exclude``."""
        said: set[str] = set()
        for text in exclude:
            said |= content_words(text)
        scored = []
        for index, sentence in enumerate(self.sentences):
            if not states_new_fact(sentence.text, said, keep):
                continue
            scored.append((self.idf.salience(sentence.text, said), index))
        chosen = sorted(index for _, index in sorted(scored, reverse=True)[:limit])
        return [
            Unit(self.sentences[i].text, self.sentences[i].first, self.sentences[i].last)
            for i in chosen
        ]


def states_new_fact(text: str, said: set[str], keep: str = "facts") -> bool:
    """Whether a sentence states a fact (of the kind ``keep`` asks for) not yet said."""
    words = content_words(text)
    facts = fact_words(text) & words
    if not facts or facts <= said or len(words) < MIN_WORDS or looks_like_heading(text):
        return False
    if is_definition(text):  # a licence's definitions are its most distinctive sentences
        return False
    if keep == "dates":
        return find_date(text) is not None
    if keep == "obligations":
        return is_obligation(text)
    return True


@dataclass(frozen=True)
class Count:
    """A number and the word it counts ("4 weeks"): ``number`` and ``unit`` stemmed."""

    number: str
    unit: str
    written: str


def counts(text: str) -> list[Count]:
    """Each number of ``text`` with the word it counts: "4 weeks", "three years"; a
    number before another number (a date) or before no word counts nothing."""
    found: dict[str, Count] = {}
    for word, after in itertools.pairwise(tokens(text)):
        number = _NUMBER_WORDS.get(word, word)
        if word in _PRONOUN_NUMBERS or not number.isdigit():
            continue
        if after.isalpha() and after not in STOPWORDS and after not in MONTHS:
            unit = _stem(_NUMBER_WORDS.get(after, after))
            found.setdefault(_stem(number), Count(_stem(number), unit, f"{word} {after}"))
    return list(found.values())


def counted(count: Count, window: Sequence[_Sentence]) -> bool:
    """Whether a sentence of ``window`` gives the number and what it counts ("more than
    100 opaque copies": "Opaque copies numbering more than 100"): the same number
    counting something else is no support."""
    return any(count.number in s.words and count.unit in s.words for s in window)


def rival(statement: str, sentences: Sequence[_Sentence]) -> str | None:
    """The date or count (of the same thing) that the source gives in place of the
    statement's own, where the sentence giving it is closer to ``statement`` (shares
    more of its other words) than every sentence giving the statement's own: "until
    November 1, 2008" where the sentence on republishing under CC-BY-SA says "before
    August 1, 2009". The rival as written, or None."""
    plain = content_words(statement) - fact_words(statement)
    days = dates_in(statement)
    owns = counts(statement)
    mine: list[int] = [-1]
    theirs: list[tuple[int, str]] = [(-1, "")]
    for s in sentences:
        close = len(plain & s.words)
        if days and s.days & days:
            mine.append(close)
        elif days and s.days:
            theirs.append((close, str(min(s.days))))
        for own in owns:
            same = [c for c in counts(s.text) if c.unit == own.unit]
            if any(c.number == own.number for c in same):
                mine.append(close)
            elif same:
                theirs.append((close, same[0].written))
    close, written = max(theirs)
    return written if close > max(mine) else None


def beside(literals: Sequence[str], context: set[str], sentences: Sequence[_Sentence]) -> bool:
    """Whether one of ``sentences`` writes every one of ``literals`` as it is (an option,
    an address) together with words of its ``context`` (the question's)."""
    need = min(ANCHOR_WORDS, max(1, math.ceil(0.4 * len(context)))) if context else 0
    return not literals or any(
        all(stands_in(x, s.text) for x in literals) and len(context & s.words) >= need
        for s in sentences
    )


def anchored(facts: set[str], context: set[str], sentences: Sequence[_Sentence]) -> bool:
    """Whether every fact stands in one of ``sentences`` together with its context — a
    title line's with the lines next to it ("Apache License" above "Version 2.0, January
    2004": a cover page says what and when on lines of their own)."""
    blocks = [
        replace(s, words=frozenset().union(*(t.words for t in sentences[max(0, i - 1) : i + 2])))
        if len(s.words) <= TITLE_WORDS
        else s
        for i, s in enumerate(sentences)
    ]
    return all(_anchored(f, context - facts, blocks) for f in facts)


def _anchored(fact: str, plain: set[str], window: Sequence[_Sentence]) -> bool:
    need = min(ANCHOR_WORDS, max(1, math.ceil(0.4 * len(plain)))) if plain else 0
    return any(fact in s.words and len(plain & s.words) >= need for s in window)


class Idf:
    """Inverse document frequency over the pages of a document: rare words weigh more."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.count = max(1, len(texts))
        self.df: Counter[str] = Counter()
        for text in texts:
            self.df.update(content_words(text))

    def weight(self, words: Iterable[str]) -> float:
        return sum(math.log(1 + self.count / (1 + self.df[w])) for w in words)

    def salience(self, text: str, said: set[str] | frozenset[str] = frozenset()) -> float:
        """How much new, telling fact a sentence carries: rare names, dates and amounts,
        said in the words the document keeps coming back to (its topics). Reference
        lists, contents pages, indexes and tables count for little: they are full of
        rare names and numbers and say nothing of what the document is about."""
        words = content_words(text)
        if not words:
            return 0.0
        facts = fact_words(text) & words
        score = self.weight(facts - said) + 0.3 * self.weight(words - said)
        theme = sum(math.log(1 + self.df[w]) for w in words - said) / len(words)
        score = score / math.sqrt(len(words)) + THEME * theme
        return score * APPARATUS if looks_like_apparatus(text) else score


def same(a: str, b: str) -> bool:
    """Whether two statements say the same thing (a model repeating itself, or one
    statement repeating another's facts in fewer words)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return False
    shared = len(wa & wb)
    return shared / len(wa | wb) >= DUPLICATE or shared / min(len(wa), len(wb)) >= 0.9


def corroborating(
    statement: str, others: Iterable[int], evidence: dict[int, Evidence]
) -> tuple[int, ...]:
    """Which of the ``others`` passages (those that back ``statement`` by the words the
    question did not give) hold it whole, the question's words too, with no rival fact
    in them: best first. Any passage on the question holds the question's words, so only
    these say it as well."""
    held = []
    for n in others:
        whole = evidence[n].support(statement)
        if (
            whole
            and whole.score >= SUPPORT_THRESHOLD
            and not rival(statement, evidence[n].sentences)
        ):
            held.append((-whole.score, n))
    return tuple(n for _, n in sorted(held))
