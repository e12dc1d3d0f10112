"""Text hygiene for document content: what reaches the store and the model is clean."""

from __future__ import annotations

import re
import unicodedata

# Chat-template control tokens of common model families. Document text that contains
# them must not be able to open or close a turn in the prompt.
_SPECIAL_TOKENS = re.compile(
    r"<\|[^|<>\n]{1,40}\|>"  # <|im_start|>, <|eot_id|>, <|start_header_id|> …
    r"|</?s>|\[/?INST\]|<<SYS>>|<</SYS>>"  # Llama 2 / Mistral
    r"|<start_of_turn>|<end_of_turn>"  # Gemma
    r"|<\|?(?:begin|end)_of_text\|?>"
    r"|<｜[^｜<>\n]{1,40}｜>"  # DeepSeek (full-width bars)
    r"|\[/?(?:SYSTEM_PROMPT|TOOL_CALLS|TOOL_RESULTS|AVAILABLE_TOOLS)\]"  # Mistral v3+
    r"|<s[oe]p>",  # GLM
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean(text: str) -> str:
    """NULs, control characters and lone surrogates removed; whitespace tidied."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → U+FFFD
    text = text.replace("\ufffd", "")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def encoding(data: bytes) -> str:
    """How a text file whose bytes (or first bytes) are ``data`` is read: UTF-16 by its
    byte-order mark, UTF-8 (with or without a mark) when it is valid, else Windows'
    Western code page, which never fails and is what old files from Office are in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":  # not a character cut by a sample's end
            return "cp1252"
    return "utf-8-sig"


_HYPHENATED = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
_DIGITS = re.compile(r"\d+")
EDGE_LINES = 2  # lines at the top and at the foot of a page that may be running lines


def tidy_pages(texts: list[str]) -> list[str]:
    """Printed pages as text to read: running headers and footers gone (a line among the
    first or last two of a page that recurs on at least half of 3+ pages, page numbers
    aside), and words hyphenated across a line break joined."""

    def key(line: str) -> str:
        return _DIGITS.sub("#", " ".join(line.lower().split()))

    def edges(lines: list[str]) -> set[int]:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])

    split = [text.split("\n") for text in texts]
    running: set[str] = set()
    if len(texts) >= 3:
        seen: dict[str, int] = {}
        for lines in split:
            for k in {key(lines[i]) for i in edges(lines)}:
                seen[k] = seen.get(k, 0) + 1
        running = {k for k, n in seen.items() if n >= max(3, len(texts) / 2)}
    out = []
    for lines in split:
        drop = {i for i in edges(lines) if key(lines[i]) in running}
        text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        out.append(_HYPHENATED.sub("", text).strip())
    return out


# A literal of technical prose: an option ("-i", "--max-count=N"), a variable or setting
# with "_", "=" or "/" ("LC_ALL=C", "if/then"), an address. It means what it means only
# as written: the full-text index and word matching drop the punctuation that makes
# ``-i`` differ from the word "I".
LITERAL = re.compile(
    r"(?<![\w-])(?:--?[A-Za-z][\w-]*(?:=\w+)?|\w+(?:[_=/]\w+)+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
)


def literals(text: str) -> list[str]:
    """The literals written in ``text``, each once, in order."""
    return list(dict.fromkeys(m.group() for m in LITERAL.finditer(text)))


def stands_in(literal: str, text: str) -> bool:
    """Whether ``literal`` is written in ``text`` as a whole (``-i`` is not in ``-iE``)."""
    return re.search(rf"(?<![\w-]){re.escape(literal)}(?![\w-])", text) is not None


def strip_special_tokens(text: str) -> str:
    """Remove anything that looks like a chat-template control token."""
    return _SPECIAL_TOKENS.sub(" ", text)


# A few of the commonest words of each language: enough to tell which one a page is in.
_LANGUAGE_WORDS = {
    "English": "the and of to is in that for with was are be this on as by it not or have",
    "German": "der die und das ist nicht ein eine zu den mit von sich auf für dem des im auch",
    "French": "le la les et des est une un du que dans pour pas sur au qui par avec sont ce",
    "Spanish": "el la los las y de que en un una es por con para del se no al como más lo",
    "Italian": "il la di che e un una per non sono del della con nel gli le si da anche è",
    "Dutch": "de het een en van is dat op te in zijn niet met voor er aan ook als bij",
    "Portuguese": "o a os as e de que em um uma do da para com não por se no na mais",
}
_LANGUAGE_SETS = {name: frozenset(words.split()) for name, words in _LANGUAGE_WORDS.items()}


def guess_language(text: str) -> str | None:
    """The language ``text`` is most likely written in, or None when it is not clear."""
    words = re.findall(r"[^\W\d_]+", text[:20_000].lower())
    if len(words) < 20:
        return None
    scores = {name: sum(w in common for w in words) for name, common in _LANGUAGE_SETS.items()}
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 0.08 * len(words) or top < 1.3 * second:
        return None
    return best
