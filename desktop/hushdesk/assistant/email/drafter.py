"""Email drafts: kinds, tones and lengths as data, grounded in the user's documents, with
the subject and the body kept apart; templates with variables; ``.eml`` and ``mailto:``.

The model writes only a subject and the body's paragraphs. The greeting and the closing
come from the tone, the signature from the settings, so every draft has them and they are
right even when a small model forgets them or invents a "[Your Name]". Facts taken from
a library are numbered and cited, and the draft lists anything it states — figures,
dates, amounts, placeholders — that appears in none of the material, so nothing is
invented silently; a draft whose body only repeats the user's points (a model too small
for emails) is marked ``model_struggled``.
"""

from __future__ import annotations

import email.message
import email.policy
import email.utils
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from hushdesk import assets
from hushdesk.assistant.citations import Citation
from hushdesk.assistant.generation import Tidied, complete
from hushdesk.assistant.grounding import fence, grounder_for
from hushdesk.assistant.grounding import prompts as answer_prompts
from hushdesk.engine.base import Engine
from hushdesk.engine.types import Message, SamplingParams
from hushdesk.jobs import CancelToken

if TYPE_CHECKING:
    from hushdesk.library.libraries import DocumentLibrary

from hushdesk.assistant.email.draft import (
    Draft,
    Sender,
    compose,
    drop_echoes,
    keep_real_citations,
    only_repeats,
    split_output,
)
from hushdesk.assistant.email.kinds import kinds, lengths, tones
from hushdesk.assistant.email.request import Request, Thread, parse_thread


class Drafter:
    """Writes one draft on the model ``engine`` is running."""

    def __init__(
        self,
        engine: Engine,
        *,
        documents: DocumentLibrary | None = None,
        sender: Sender | None = None,
        model: str = "",
    ) -> None:
        self.engine, self.documents = engine, documents
        self.sender = sender or Sender()
        self.model = model

    def draft(
        self,
        request: Request,
        *,
        seed: int = -1,
        cancel: CancelToken | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Draft:
        request.check()
        thread = parse_thread(request.thread) if request.thread.strip() else Thread("")
        if not request.recipient.strip() and (thread.sender or thread.address):
            sender = (
                email.utils.formataddr((thread.sender, thread.address))
                if thread.address
                else thread.sender
            )
            request = replace(request, recipient=sender)  # answer whoever wrote
        citations = self.facts(request, thread)
        params = SamplingParams(
            temperature=0.6,
            top_p=0.9,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.15,
            max_tokens=lengths()[request.length].tokens,
            seed=seed,
        )
        messages = self.messages(request, thread, citations)
        shown = None if on_text is None else Tidied(on_text)
        result = complete(self.engine, messages, params, cancel=cancel, on_text=shown)
        subject, body = split_output(result.text)
        instructions = messages[0].content + "\n" + messages[1].content.rsplit(">>>", 1)[-1]
        body = drop_echoes(body, instructions)  # the instructions, not the material
        body = keep_real_citations(body, [c.n for c in citations])
        struggled = not body or only_repeats(body, f"{request.points}\n{thread.text}")
        kind = kinds()[request.kind]
        topic = thread.subject or _topic(request.points) or kind.title
        if kind.subject.startswith("Re:") and thread.subject:
            subject = kind.subject.format(topic=thread.subject)  # a reply keeps its thread
        subject = subject or kind.subject.format(topic=topic)
        body = compose(
            body or "[Write the email here.]",
            tones()[request.tone],
            request.recipient_name,
            self.sender.sign_off,
        )
        return Draft(
            subject=subject,
            body=body,
            request=request,
            citations=citations,
            in_reply_to=thread.message_id,
            references=f"{thread.references} {thread.message_id}".strip(),
            model=self.model,
            model_struggled=struggled,
        )

    def facts(self, request: Request, thread: Thread) -> tuple[Citation, ...]:
        """Passages from the chosen libraries that bear on the email."""
        if not request.libraries or self.documents is None:
            return ()
        query = f"{request.points}\n{thread.subject}\n{thread.text[:1500]}".strip()
        return grounder_for(self.documents, request.libraries)(query).citations

    def messages(
        self, request: Request, thread: Thread, citations: Sequence[Citation] = ()
    ) -> list[Message]:
        common, kind = assets.prompts("email", "_common.toml"), kinds()[request.kind]
        material = []
        if request.thread.strip():
            material.append(common["thread"].strip().format(thread=fence(thread.text)))
        if request.points.strip():
            material.append(common["points"].strip().format(points=fence(request.points)))
        if citations:
            source = answer_prompts()["source"]
            sources = "\n\n".join(
                source.format(n=c.n, where=fence(c.where), text=fence(c.passage)) for c in citations
            )
            material.append(common["sources"].strip().format(sources=sources))
        recipient = ", ".join(p for p in (request.recipient_name, request.role) if p)
        to = f"to {recipient}" if recipient else ""
        language = (
            common["language"].format(language=request.language)
            if request.language
            else common["same_language"]
        )
        prompt = (
            common["request"]
            .format(
                material="\n\n".join(material),
                task=" ".join(kind.task.format(to=to).split()),
                tone=tones()[request.tone].instruction,
                sentences=lengths()[request.length].sentences,
                language=language,
            )
            .strip()
        )
        return [Message("system", " ".join(common["system"].split())), Message("user", prompt)]


def _topic(points: str) -> str:
    """A subject from the first point, when the model gave none."""
    first = next((line.strip(" -*•\t") for line in points.splitlines() if line.strip()), "")
    first = re.split(r"(?<=[.!?])\s", first)[0].rstrip(".!?")
    return first[:70].rsplit(" ", 1)[0] if len(first) > 70 else first


# -- templates -----------------------------------------------------------------------------
