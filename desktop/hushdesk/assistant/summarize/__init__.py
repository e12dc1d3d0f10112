"""Summaries of documents of any length, every statement with the pages it came from:
options (modes and lengths as prompt data), results, planning, the summarizer, what
the model wrote read back (``output``), where its steps are kept (``steps``:
resumable), the saved summaries' store, sources and export."""

from hushdesk.assistant.summarize.options import Length, Mode, Options, lengths, modes
from hushdesk.assistant.summarize.plan import (
    Heading,
    Section,
    heading_of,
    main_headings,
    outline,
    plan,
)
from hushdesk.assistant.summarize.results import Page, Source, Statement, Stats, Summary, where
from hushdesk.assistant.summarize.steps import MemorySteps, StepCache
from hushdesk.assistant.summarize.summarizer import Summarizer

__all__ = [
    "Heading",
    "Length",
    "MemorySteps",
    "Mode",
    "Options",
    "Page",
    "Section",
    "Source",
    "Statement",
    "Stats",
    "StepCache",
    "Summarizer",
    "Summary",
    "heading_of",
    "lengths",
    "main_headings",
    "modes",
    "outline",
    "plan",
    "where",
]
