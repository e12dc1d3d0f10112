"""Kinds of sentence, told by their form alone: an obligation, a definition, a title
line, the apparatus of a document (a contents line, a citation, a command). The evidence
check and the summarizer ask these of source sentences and of what the model wrote."""

from __future__ import annotations

import re

WORD = re.compile(r"\w+(?:[.,'’/-]\w+)*", re.UNICODE)  # a word, "3.5", "e-mail", "it's"

OBLIGATION = re.compile(
    r"\b(must|shall|will|should|required?|deadline|due|no later than|by \w+ \d|agree[sd]? to"
    r"|undertakes?|is to|are to|has to|have to|needs? to|obliged|responsible for|action)\b",
    re.IGNORECASE,
)


def is_obligation(text: str) -> bool:
    return bool(OBLIGATION.search(text))


# '"Covered Software" means …', 'For the purposes of this definition, "submitted" means …'
_DEFINITION = re.compile(
    r'^(?:[^"“\n]{0,60},\s*)?["“][^"”]{1,80}["”]\s+(?:\([^)]{0,40}\)\s+)?'
    r"(?:means|shall mean|refers to)\b",
    re.IGNORECASE,
)


def is_definition(text: str) -> bool:
    """Whether ``text`` defines a term: what a word means, not what the document says."""
    return bool(_DEFINITION.match(text.strip()))


_APPARATUS = re.compile(
    r"\bet al\b|\bdoi\b|\bisbn\b|https?://|www\.|\bpp?\.\s*\d|\bvol\.\s*\d"
    r"|\.{4,}|…{2,}|(?:\. ){3,}",  # citations, links, contents leaders
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_CODE_MARKS = frozenset("{}[]/\\$;=|<>^*&#!?:'\"_`~")
CODE_SHARE = 0.08  # of a sentence's printed characters: "sed '/apple/!s/hello/world/'"


def looks_like_apparatus(text: str) -> bool:
    """A bibliography entry, a contents or index line, a table row, a bare list, or a
    command, a script or a table of literals: the apparatus of a document rather than
    what it says."""
    tokens_ = WORD.findall(text)
    if not tokens_:
        return False
    numeric = sum(any(c.isdigit() for c in t) for t in tokens_) / len(tokens_)
    listing = text.count(",") + text.count(";") > 0.4 * len(tokens_)
    printed = [c for c in text if not c.isspace()]
    code = sum(c in _CODE_MARKS for c in printed) > CODE_SHARE * len(printed)
    return (
        bool(_APPARATUS.search(text))
        or len(_YEAR.findall(text)) >= 3
        or numeric > 0.3
        or listing
        or code
    )


def looks_like_heading(text: str) -> bool:
    """A title line rather than a sentence: short and without closing punctuation, or a
    heading run into its section ("Accepting Warranty or Additional Liability.")."""
    text = text.strip()
    words = text.split()
    if len(words) <= 6 and not text.endswith((".", "!", "?", ":", ";", ")", '"', "”")):
        return True
    return len(words) <= 8 and all(w[0].isupper() or len(w) <= 3 for w in words)
