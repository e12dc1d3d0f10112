"""Summaries of documents of any length, every statement with the pages it came from.

A document that fits the model's context is summarized in one pass. A longer one is
cut into sections that fit (by tokens, at page breaks, preferring a break before a
heading); each section is summarized (map), then the notes are combined, in batches
that fit, until one batch remains for the final summary (reduce), which streams.

Every model call is a step keyed by a hash of exactly what was sent; its output is
kept, so a cancelled or killed job resumes where it stopped, and a changed reduce
step does not redo the map. Every statement is checked against the text it claims
to summarize (``evidence``): unsupported ones are dropped, facts the model left out
are kept from the source, and every part of the document is represented.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace

from hushdesk.assistant.evidence import Evidence, Idf, Meaning, Unit
from hushdesk.assistant.generation import complete
from hushdesk.assistant.summarize.holding import (
    covered,
    held,
    most_telling_of,
    name_words,
    runs_of,
    spread_over,
)
from hushdesk.assistant.summarize.options import Options, lengths, modes
from hushdesk.assistant.summarize.output import by_date, quote_of
from hushdesk.assistant.summarize.plan import (
    Batch,
    Section,
    chapters,
    main_headings,
    outline,
    plan,
    shares,
    spans,
    without_back_matter,
)
from hushdesk.assistant.summarize.prompting import Prompts
from hushdesk.assistant.summarize.restate import copied, restated
from hushdesk.assistant.summarize.results import Source, Statement, Stats, Summary
from hushdesk.assistant.summarize.steps import StepCache
from hushdesk.engine.base import Engine
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.errors import DocumentError, HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker, TextCallback
from hushdesk.library.text import guess_language

log = logging.getLogger("hushdesk.summarize")

MAX_SECTION_TOKENS = 2048  # small models summarize shorter parts better, and prefill faster
MARGIN_TOKENS = 48
MAX_LEVELS = 6
POINT_TOKENS = 45  # a one-sentence key point, as the model writes it (the output budget)
SAMPLING = SamplingParams(
    temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.15, seed=7
)


# -- running ------------------------------------------------------------------------------


class Summarizer:
    """Runs one summary on the loaded model of ``engine``; one job at a time."""

    def __init__(
        self,
        engine: Engine,
        steps: StepCache,
        *,
        model_key: str,
        sampling: SamplingParams = SAMPLING,
        max_section_tokens: int = MAX_SECTION_TOKENS,
        meaning: Meaning | None = None,
    ) -> None:
        self.engine, self.steps, self.model_key = engine, steps, model_key
        self.meaning = meaning  # statements held to their pages by meaning too
        self.sampling = sampling
        self.max_section_tokens = max_section_tokens
        self._base_tokens: int | None = None

    # -- the job

    def run(
        self,
        source: Source,
        options: Options,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_text: TextCallback | None = None,
    ) -> Summary:
        options.check()
        started = time.monotonic()
        job = _Job(
            self,
            source,
            options,
            progress=progress,
            cancel=cancel or CancelToken(),
            on_text=on_text,
        )
        summary = job.run()
        summary.stats.seconds = round(time.monotonic() - started, 2)
        return summary

    # -- model access shared by the job's steps

    def n_ctx(self) -> int:
        model = self.engine.model
        if model is None:
            raise HushdeskError("No model is loaded.")
        return model.n_ctx

    def tokens_of(self, text: str) -> int:
        if self._base_tokens is None:
            self._base_tokens = self.engine.count_tokens([Message("user", "")])
        return max(0, self.engine.count_tokens([Message("user", text)]) - self._base_tokens)

    def count(self, messages: Sequence[Message]) -> int:
        return self.engine.count_tokens(messages)

    def step_key(self, messages: Sequence[Message], max_tokens: int) -> str:
        blob = json.dumps(
            [self.model_key, [m.to_dict() for m in messages], max_tokens, asdict(self.sampling)],
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


class _Job:
    def __init__(
        self,
        summarizer: Summarizer,
        source: Source,
        options: Options,
        *,
        progress: ProgressCallback | None,
        cancel: CancelToken,
        on_text: TextCallback | None,
    ) -> None:
        self.s = summarizer
        self.source, self.options = source, options
        self.mode, self.length = modes()[options.mode], lengths()[options.length]
        self.progress = progress or (lambda _p: None)
        self.cancel, self.on_text = cancel, on_text
        self.pages = tuple(p for p in source.pages if p.text.strip())
        if not self.pages:
            raise DocumentError(f"{source.name} has no readable text to summarize.")
        self.stats = Stats(pages=len(self.pages))
        self.headings = outline(self.pages)  # the document's own structure, where it has one
        body = without_back_matter(self.pages, self.headings)  # an index, a licence
        self.pages, self.headings = body.pages, body.headings
        self.stats.left_out = body.note(source.where)
        self.idf = Idf([p.text for p in self.pages])
        self.named = name_words(source.name)
        self.main = main_headings(self.headings)
        self.span = (self.pages[0].number, self.pages[-1].number)  # the whole document
        self.language = options.language or guess_language(
            " ".join(p.text for p in self.pages[:: max(1, len(self.pages) // 8)])
        )
        self.n_ctx = summarizer.n_ctx()
        self.messages = Prompts(self.mode, self.length, options, self.language, self.main).messages

    def heading_at(self, section: Section) -> str:
        """The heading in force where ``section`` starts."""
        before = [
            h
            for h in self.headings
            if h.page < section.first or (h.page == section.first and h.top)
        ]
        return before[-1].text if before else section.heading

    def budget(self, step: str, output_tokens: int) -> int:
        overhead = self.s.count(self.messages(step, "pages 100–200", "", self.span))
        return self.n_ctx - overhead - output_tokens - MARGIN_TOKENS

    # -- the run

    def run(self) -> Summary:
        self.report("Reading the document", 0, len(self.pages))
        sizes = []
        for i, page in enumerate(self.pages):
            self.cancel.raise_if_cancelled()
            sizes.append(self.s.tokens_of(page.text))
            if i % 20 == 19:
                self.report("Reading the document", i + 1, len(self.pages))
        self.stats.tokens = sum(sizes)
        final_budget = self.budget("single", self.length.final_tokens)
        if final_budget < 256:
            raise HushdeskError(
                f"The model's context ({self.n_ctx} tokens) is too small to summarize with; "
                "raise the context size in the model's settings."
            )
        everything = self.evidence_on(*self.span)
        if self.stats.tokens <= final_budget:
            self.stats.single_pass = True
            self.stats.sections = 1
            text = "\n\n".join(p.text for p in self.pages)
            output = self.generate(
                self.messages("single", self._where_words(*self.span), text, self.span),
                self.length.final_tokens,
                "single",
                final=True,
            )
            statements = self.checked(output, everything, single=True)
            statements = self.with_kept_facts(statements, everything, self.length.facts * 2)
            notes = [
                Statement(u.text, u.first, u.last, quote=u.text)
                for u in everything.salient(self.length.parts * 2, keep=self.mode.keep)
            ]
        else:
            map_budget = min(self.s.max_section_tokens, self.budget("map", self.length.map_tokens))
            opens = {h.page for h in self.main if h.top}
            sections = plan(self.pages, sizes, map_budget, opens)
            self.stats.sections = len(sections)
            notes = self.map(sections)
            parts = chapters(*self.span, self.length.parts, self.main) if self.mode.chapter else []
            if parts:
                statements = self.by_chapter(notes, parts, final_budget)
            else:
                statements = self.reduce(notes, final_budget)
            if self.mode.style == "sections":
                statements += [
                    replace(n, heading=n.heading or self.source.where(n.first, n.last))
                    for n in notes
                ]
        statements = self.covered(statements, notes, every=not self.stats.chapters)
        if self.mode.restate:
            statements = self.restated(statements)
        if self.mode.sort == "date":
            statements = by_date(statements)
        return Summary(self.options, statements, self.source.paginated, self.language, self.stats,
                       labels=self.source.labels)  # fmt: skip

    def _where_words(self, first: int, last: int) -> str:
        noun = "page" if self.source.paginated else "section"
        return f"{noun} {first}" if first == last else f"{noun}s {first}–{last}"

    # -- map

    def map(self, sections: list[Section]) -> list[Statement]:
        requests = [
            (
                section,
                self.messages(
                    "map",
                    self._where_words(section.first, section.last),
                    section.text,
                    (section.first, section.last),
                ),
            )
            for section in sections
        ]
        fresh = [
            self.s.steps.get_step(self.s.step_key(m, self.length.map_tokens)) is None
            for _, m in requests
        ]
        pending = sum(s.tokens for (s, _), new in zip(requests, fresh, strict=True) if new)
        tracker = ProgressTracker(pending or None, "Summarizing the parts")
        done = 0
        notes: list[Statement] = []
        for index, (section, messages) in enumerate(requests):
            self.cancel.raise_if_cancelled()
            label = f"Summarizing part {index + 1} of {len(sections)}"
            if pending:
                self.progress(tracker.update(done, label))
            output = self.generate(messages, self.length.map_tokens, "map")
            if fresh[index]:
                done += section.tokens
            evidence = Evidence(
                [Unit(p.text, p.number, p.number) for p in section.pages], self.idf, self.s.meaning
            )
            found = self.checked(output, evidence)
            found = self.with_kept_facts(found, evidence, self.length.facts)
            notes += [replace(n, heading=self.heading_at(section)) for n in found]
        return notes

    # -- reduce

    def reduce(self, notes: list[Statement], budget: int) -> list[Statement]:
        units = notes
        for level in range(1, MAX_LEVELS + 1):
            self.stats.levels = level
            batches = self.batches(units, budget)
            if len(batches) == 1:
                return self.combine(batches[0], final=True)
            combined: list[Statement] = []
            for index, batch in enumerate(batches):
                self.cancel.raise_if_cancelled()
                self.report(
                    f"Combining notes, round {level}: {index + 1} of {len(batches)}",
                    index,
                    len(batches),
                )
                combined += self.combine(batch, final=False)
            if len(combined) >= len(units):  # not converging: keep the most telling notes
                combined = self.most_telling(units, budget)
            units = combined
        return self.combine(self.batches(self.most_telling(units, budget), budget)[0], final=True)

    def by_chapter(
        self, notes: list[Statement], parts: list[tuple[int, int]], budget: int
    ) -> list[Statement]:
        """Each chapter's notes combined into its own points: a small model asked to
        merge the notes of a whole manual copies its first pages."""
        self.stats.levels, self.stats.chapters = 1, len(parts)
        each = math.ceil(self.length.items / len(parts)) + 1  # a small model writes more
        counts = shares(parts, self.headings, each * len(parts))
        out: list[Statement] = []
        for index, ((first, last), points) in enumerate(zip(parts, counts, strict=True)):
            self.cancel.raise_if_cancelled()
            self.report(f"Combining notes: chapter {index + 1} of {len(parts)}", index, len(parts))
            units = [n for n in notes if first <= n.first <= last]
            if len(self.batches(units, budget)) > 1:
                units = self.most_telling(units, budget)
            if units:
                if self.on_text and index:  # the chapters' points stream in one after another
                    self.on_text("\n")
                runs = runs_of(units, points, self.idf, self.s.meaning)
                batch, span = Batch(tuple(units)), (first, last)
                found = self.combine(batch, final=True, step="chapter", items=points, span=span)
                found = most_telling_of(found, out, self.idf, points)
                out += spread_over(found, runs, self.idf, points, self.copied)
        return out

    def note_lines(self, units: Iterable[Statement]) -> list[str]:
        return [f"- {u.text} ({self.source.where(u.first, u.last)})" for u in units]

    def batches(self, units: list[Statement], budget: int) -> list[Batch]:
        out: list[Batch] = []
        current: list[Statement] = []
        used = 0
        for unit, line in zip(units, self.note_lines(units), strict=True):
            size = self.s.tokens_of(line) + 1
            if current and used + size > budget:
                out.append(Batch(tuple(current)))
                current, used = [], 0
            current.append(unit)
            used += size
        if current:
            out.append(Batch(tuple(current)))
        return out

    def most_telling(self, units: list[Statement], budget: int) -> list[Statement]:
        ranked = sorted(range(len(units)), key=lambda i: -self.weight(units[i]))
        chosen, used = [], 0
        for i in ranked:
            size = self.s.tokens_of(units[i].text) + 8
            if used + size > budget:
                break
            chosen.append(i)
            used += size
        return [units[i] for i in sorted(chosen)]

    def combine(
        self,
        batch: Batch,
        *,
        final: bool,
        step: str = "reduce",
        items: int | None = None,
        span: tuple[int, int] | None = None,
    ) -> list[Statement]:
        text = "\n".join(self.note_lines(batch.units))
        where_ = "the notes on " + self._where_words(batch.first, batch.last)
        first, last = span or (batch.first, batch.last)
        tokens = self.length.final_tokens
        if step == "chapter":  # a chapter of many sections gets more points, and their words
            tokens = max(self.length.map_tokens, POINT_TOKENS * (items or 1))
        messages = self.messages(step, where_, text, (first, last), items)
        output = self.generate(messages, tokens, step, final=final)
        headings = [  # "It covers trademarks" is what the heading "6. Trademarks" says
            Unit(h.text, h.page, h.page) for h in self.main if first <= h.page <= last
        ]
        evidence = Evidence(
            [Unit(u.text, u.first, u.last) for u in batch.units] + headings,
            self.idf,
            self.s.meaning,
        )
        found = [
            replace(s, quote=quote_of(s.quote, batch.units)) for s in self.checked(output, evidence)
        ]
        if not final and not found:  # the model wrote nothing usable: carry the best notes on
            found = list(batch.units[: self.length.items])
        return found

    # -- checking statements against their source

    def checked(self, output: str, evidence: Evidence, *, single: bool = False) -> list[Statement]:
        kept, dropped = held(output, evidence, self.mode.style, single=single, named=self.named)
        self.stats.dropped += dropped
        self.stats.held += len(kept)
        return kept

    def with_kept_facts(
        self, found: list[Statement], evidence: Evidence, limit: int
    ) -> list[Statement]:
        """Facts of the source that the model's statements left out, up to ``limit``."""
        if limit <= 0:
            return found
        extra = evidence.salient(limit, keep=self.mode.keep, exclude=[s.text for s in found])
        self.stats.kept_facts += len(extra)
        return found + [Statement(u.text, u.first, u.last, kept=True, quote=u.text) for u in extra]

    def covered(
        self, statements: list[Statement], notes: list[Statement], *, every: bool = True
    ) -> list[Statement]:
        """Every part of the document represented: its chapters, where it has a few."""
        if not notes:
            return statements
        parts = spans(*self.span, self.length.parts, self.main)
        out = covered(statements, notes, parts, self.idf, self.mode.keep, every=every)
        self.stats.kept_facts += sum(s.kept for s in out[len(statements) :])
        return out

    def on(self, first: int, last: int) -> list[Unit]:
        return [Unit(p.text, p.number, p.number) for p in self.pages if first <= p.number <= last]

    def text_on(self, first: int, last: int) -> str:
        return "\n".join(u.text for u in self.on(first, last))

    def copied(self, point: Statement) -> bool:  # kept from its pages, or copied
        return point.kept or copied(point.text, self.text_on(point.first, point.last))

    def evidence_on(self, first: int, last: int) -> Evidence:
        return Evidence(self.on(first, last), self.idf, self.s.meaning)

    def restated(self, statements: list[Statement]) -> list[Statement]:
        """Points copied from the text said again shortly, where their pages back it."""

        def write(point: Statement) -> str:
            self.cancel.raise_if_cancelled()
            where_ = "a point on " + self._where_words(point.first, point.last)
            return self.generate(
                self.messages("restate", where_, point.text), 2 * POINT_TOKENS, "restate"
            )

        out, self.stats.restated, self.stats.copied = restated(
            statements,
            text_on=self.text_on,
            evidence_on=self.evidence_on,
            write=write,
            style=self.mode.style,
            headings=self.headings,
            progress=lambda done, total: self.report("Saying copied points shortly", done, total),
        )
        return out

    # -- model calls

    def generate(
        self, messages: list[Message], max_tokens: int, kind: str, *, final: bool = False
    ) -> str:
        """Run one step, or take its output from an earlier run."""
        key = self.s.step_key(messages, max_tokens)
        cached = self.s.steps.get_step(key)
        if cached is not None:
            self.stats.reused_steps += 1
            if final and self.on_text:
                self.on_text(cached)
            return cached
        params = replace(self.s.sampling, max_tokens=max_tokens)
        tracker = ProgressTracker(max_tokens, "Writing the summary")
        pieces = 0

        def shown(chunk: str) -> None:  # the final summary streams in, with its progress
            nonlocal pieces
            pieces += 1
            if self.on_text:
                self.on_text(chunk)
            if pieces % 8 == 0:
                self.progress(tracker.update(pieces))

        result = complete(
            self.s.engine, messages, params, cancel=self.cancel, on_text=shown if final else None
        )
        self.stats.model_calls += 1
        self.stats.prompt_tokens += result.stats.prompt_tokens
        self.stats.completion_tokens += result.stats.completion_tokens
        self.stats.prefill_s += result.stats.prefill_s
        self.stats.decode_s += result.stats.decode_s
        self.s.steps.put_step(key, self.source.key, kind, result.text)
        return result.text

    def weight(self, statement: Statement) -> float:
        return self.idf.salience(statement.text)

    def report(self, label: str, done: float, total: float | None) -> None:
        self.progress(Progress(done, total, label))
