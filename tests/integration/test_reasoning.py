"""A reasoning model's thinking kept out of its answer, end to end.

A server on 127.0.0.1 that thinks (``tests.thinking_server``: ``<think>`` tags cut across
events, and ``reasoning_content`` deltas) reached from the command line and through the
local API: the answer is clean, the thinking apart (``--json``'s ``reasoning``,
``--show-reasoning``, the API's ``reasoning_content``), and the next turn's request holds
none of it. Then the local engine (real llama.cpp, the starter model) with a real
reasoning model's chat template — Qwen3's, from its tokenizer config
(``tests/templates/qwen3.jinja``, Apache-2.0) — and one whose prompt opens the block, the
model's words forced by a grammar so that it thinks in tags as such models do."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hushdesk import privacy
from hushdesk.engine.local import LocalEngine
from hushdesk.engine.types import LoadSpec, Message, SamplingParams
from tests.servers import free_port, serving
from tests.thinking_server import ANSWER, THOUGHT

pytestmark = pytest.mark.slow
TEMPLATES = Path(__file__).parents[1] / "templates"


@pytest.fixture
def thinker(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The thinking server's base URL and the file its requests are written to."""
    port, log = free_port(), tmp_path / "requests.jsonl"
    command = [
        sys.executable,
        "-m",
        "tests.thinking_server",
        "--port",
        str(port),
        "--log",
        str(log),
    ]
    with serving(command, f"http://127.0.0.1:{port}/v1/models", timeout_s=60):
        yield f"http://127.0.0.1:{port}/v1", log


def _requests(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_the_command_line_keeps_the_thinking_apart(
    thinker: tuple[str, Path], cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    url, log = thinker

    def hushdesk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*hushdesk_cmd, *args], env=cli_env, input=stdin, check=False,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done

    hushdesk("connect", "add", "thinker", url)
    for model in ("tagged", "fielded"):
        said = json.loads(hushdesk("ask", "--model", f"thinker/{model}", "--json", "6*7?").stdout)
        assert said["answer"].strip() == ANSWER
        assert said["reasoning"].strip() == THOUGHT
        assert said["timings"]["answer_ttft_s"] >= 0

    shown = hushdesk("ask", "--model", "thinker/fielded", "--show-reasoning", "6*7?").stdout
    assert shown.index(THOUGHT) < shown.index(ANSWER)  # the thinking first, set apart
    hidden = hushdesk("ask", "--model", "thinker/tagged", "6*7?").stdout
    assert hidden.strip() == ANSWER
    hushdesk("ask", "--model", "thinker/fielded", "--no-think", "6*7?")
    assert _requests(log)[-1]["chat_template_kwargs"] == {"enable_thinking": False}

    hushdesk("chat", "--model", "thinker/tagged", stdin="6*7?\nAnd doubled?\n/exit\n")
    second = _requests(log)[-1]
    assert second["messages"][-2] == {"role": "assistant", "content": ANSWER}  # type: ignore[index]
    assert "six times seven" not in json.dumps(second)  # the thinking never goes back

    [saved] = json.loads(hushdesk("chats", "list", "--json").stdout)
    plain, full = tmp_path / "chat.md", tmp_path / "chat-thinking.md"
    hushdesk("chats", "export", str(saved["id"]), "--out", str(plain))
    hushdesk("chats", "export", str(saved["id"]), "--out", str(full), "--with-thinking")
    assert ANSWER in plain.read_text()
    assert THOUGHT not in plain.read_text()  # left out of exports unless asked for
    assert f"> {THOUGHT}" in full.read_text()


def test_the_local_api_sends_the_thinking_as_reasoning_content(
    thinker: tuple[str, Path], cli_env: dict[str, str], hushdesk_cmd: list[str], tmp_path: Path
) -> None:
    url, log = thinker
    subprocess.run([*hushdesk_cmd, "connect", "add", "thinker", url], env=cli_env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    port, token_file = free_port(), tmp_path / "token"
    command = [*hushdesk_cmd, "serve", "--port", str(port), "--token-file", str(token_file)]
    base = f"http://127.0.0.1:{port}/v1"
    with serving(command, f"{base}/models", env=cli_env), privacy.local_service(port):
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        question = {"role": "user", "content": "6*7?"}
        with httpx.stream("POST", f"{base}/chat/completions", headers=headers, timeout=120,
                          json={"model": "thinker/tagged", "stream": True,
                                "messages": [question]}) as response:  # fmt: skip
            deltas = [json.loads(line[6:])["choices"][0]["delta"] for line in response.iter_lines()
                      if line.startswith("data: {")]  # fmt: skip
        content = "".join(d.get("content") or "" for d in deltas)
        assert content.strip() == ANSWER
        assert "".join(d.get("reasoning_content") or "" for d in deltas).strip() == THOUGHT
        earlier = {"role": "assistant", "content": f"<think>secret</think>{ANSWER}"}
        reply = httpx.post(f"{base}/chat/completions", headers=headers, timeout=120, json={
            "model": "thinker/fielded",
            "messages": [question, earlier, {"role": "user", "content": "And doubled?"}],
        }).json()  # fmt: skip
    message = reply["choices"][0]["message"]
    assert message["content"].strip() == ANSWER
    assert message["reasoning_content"].strip() == THOUGHT
    assert "secret" not in json.dumps(_requests(log)[-1])  # a client's thinking is not sent on


def _forced(engine: LocalEngine, grammar: str, **params: object) -> tuple[str, list[str], object]:
    stream = engine.chat([Message("user", "What is six times seven?")],
                         SamplingParams(temperature=0, max_tokens=80, grammar=grammar, **params))  # type: ignore[arg-type]  # fmt: skip
    thoughts: list[str] = []
    stream.on_reasoning = thoughts.append
    answer = "".join(stream)
    return answer, thoughts, stream.result


def test_a_reasoning_template_through_the_local_engine(starter_model: Path) -> None:
    qwen3 = (TEMPLATES / "qwen3.jinja").read_text()
    with LocalEngine() as engine:
        info = engine.load(LoadSpec(str(starter_model), n_ctx=1024, chat_template=qwen3))
        assert info.reasons
        assert info.thinking_switch
        thinks = 'root ::= "<think>\\n" "Six sevens are 42." "\\n</think>\\n\\n" "It is 42."'
        answer, thoughts, result = _forced(engine, thinks)
        assert answer == "It is 42."
        assert "".join(thoughts).strip() == "Six sevens are 42."
        assert result.reasoning == "Six sevens are 42."  # type: ignore[attr-defined]
        assert result.text == "It is 42."  # type: ignore[attr-defined]
        on = engine.chat([Message("user", "Hi")], SamplingParams(max_tokens=1)).collect()
        off = engine.chat([Message("user", "Hi")],
                          SamplingParams(max_tokens=1, thinking=False)).collect()  # fmt: skip
        assert off.stats.prompt_tokens > on.stats.prompt_tokens  # "<think>\n\n</think>" added

        generation = "{{- '<|im_start|>assistant\\n' }}"
        opens = qwen3.replace(generation, generation[:-4] + "<think>\\n' }}")  # as R1's does
        info = engine.load(LoadSpec(str(starter_model), n_ctx=1024, chat_template=opens))
        answer, thoughts, result = _forced(
            engine, 'root ::= "Blue is calm." "</think>\\n\\n" "Blue."'
        )
        assert answer == "Blue."
        assert "".join(thoughts) == "Blue is calm."
        # A budget: after 8 tokens of thinking its end is written, and the model answers.
        budget = SamplingParams(temperature=0, max_tokens=60, thinking_budget=8)
        done = engine.chat([Message("user", "Why is the sky blue?")], budget).collect()
        assert done.reasoning
        assert len(done.reasoning.split()) <= 8  # eight tokens are at most eight words
        assert done.text.strip()
