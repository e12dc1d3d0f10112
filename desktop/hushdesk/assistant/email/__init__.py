"""Email drafts: kinds, tones and lengths as data, grounded in the user's documents, with
the subject and the body kept apart; templates with variables; ``.eml`` and ``mailto:``.

The model writes only a subject and the body's paragraphs; the greeting and closing
come from the tone, the signature from the settings. Facts from a library are cited,
and ``review`` lists every figure, date or placeholder found in none of the material.
"""

from hushdesk.assistant.email.draft import (
    Draft,
    Sender,
    compose,
    drop_echoes,
    keep_real_citations,
    only_repeats,
    review,
    split_output,
)
from hushdesk.assistant.email.drafter import Drafter
from hushdesk.assistant.email.eml import MAILTO_LIMIT, mailto, to_eml
from hushdesk.assistant.email.kinds import DraftError, Kind, Length, Tone, kinds, lengths, tones
from hushdesk.assistant.email.request import Request, Thread, parse_thread
from hushdesk.assistant.email.templates import Template, builtin_templates, read_pack

__all__ = [
    "MAILTO_LIMIT",
    "Draft",
    "DraftError",
    "Drafter",
    "Kind",
    "Length",
    "Request",
    "Sender",
    "Template",
    "Thread",
    "Tone",
    "builtin_templates",
    "compose",
    "drop_echoes",
    "keep_real_citations",
    "kinds",
    "lengths",
    "mailto",
    "only_repeats",
    "parse_thread",
    "read_pack",
    "review",
    "split_output",
    "to_eml",
    "tones",
]
