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


def strip_special_tokens(text: str) -> str:
    """Remove anything that looks like a chat-template control token."""
    return _SPECIAL_TOKENS.sub(" ", text)
