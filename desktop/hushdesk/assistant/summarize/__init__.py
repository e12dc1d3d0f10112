"""Summaries of documents of any length, every statement with the pages it came from:
options (modes and lengths as prompt data), results, planning, the summarizer, its
store, sources and export."""

from hushdesk.assistant.summarize.options import Length, Mode, Options, lengths, modes
from hushdesk.assistant.summarize.plan import Section, heading_of, plan
from hushdesk.assistant.summarize.results import Page, Source, Statement, Stats, Summary, where
from hushdesk.assistant.summarize.summarizer import MemorySteps, StepCache, Summarizer

__all__ = [
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
    "modes",
    "plan",
    "where",
]
