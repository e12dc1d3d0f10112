"""Chat templates (Jinja, as in the GGUF's ``tokenizer.chat_template``), checked safely.

The engine renders templates with llama-cpp-python's formatter in its child process;
this renders the same way in a sandbox so a template a user types can be tried
before it is saved, without loading a model.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn

from jinja2 import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hushdesk.errors import ModelError

SAMPLE = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "Hi! How can I help?"},
    {"role": "user", "content": "Summarise this."},
]


def render(template: str, messages: list[dict[str, str]], *, bos: str = "", eos: str = "") -> str:
    def raise_exception(message: str) -> NoReturn:
        raise TemplateError(message)

    def tojson(value: Any, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    env.filters["tojson"] = tojson
    try:
        return env.from_string(template).render(
            messages=messages,
            add_generation_prompt=True,
            bos_token=bos,
            eos_token=eos,
            raise_exception=raise_exception,
            strftime_now=lambda fmt: datetime.now().strftime(fmt),
        )
    except TemplateError as exc:
        raise ModelError(f"The chat template does not work: {exc}") from exc
    except Exception as exc:  # a template is code: any error is the template's
        raise ModelError(f"The chat template failed: {type(exc).__name__}: {exc}") from exc


def validate(template: str) -> str:
    """Render a sample conversation; the result shows the user what the model will see."""
    if not template.strip():
        raise ModelError("The chat template is empty.")
    rendered = render(template, SAMPLE)
    missing = [m["content"] for m in SAMPLE if m["content"] not in rendered]
    if missing:
        raise ModelError(
            "The chat template leaves out parts of the conversation "
            f"(for example {missing[0]!r}); the model would not see them."
        )
    return rendered
