"""``hushdesk ask`` and ``hushdesk chat``: a question or a conversation on the chat
model, with the same system prompt the app gives for the same settings."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from hushdesk import paths
from hushdesk.app import App
from hushdesk.cli.terminal import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    on_ctrl_c,
    printable,
    status,
    timed,
)
from hushdesk.errors import HushdeskError
from hushdesk.services.conversations import (
    Answer,
    Chat,
    ChatSetup,
    ChatStream,
    Citation,
    Conversations,
    cited_numbers,
    personas,
)

HISTORY_LINES = 1000

CHAT_HELP = (
    "Commands: /new starts over · /image FILE goes with the next message · /exit quits · "
    "Ctrl-C stops an answer · Ctrl-D quits"
)


def add_parsers(sub: Any) -> None:
    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
        p.add_argument(
            "--persona",
            choices=[p.id for p in personas.personas()],
            default=personas.DEFAULT,
            help="how the assistant behaves",
        )
        p.add_argument("--system", metavar="TEXT", help="your own system prompt")
        p.add_argument("--temperature", type=float, help="sampling temperature")
        p.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
        p.add_argument("--seed", type=int, help="fixed seed for repeatable answers")
        p.add_argument(
            "--library",
            action="append",
            metavar="NAME",
            help="answer from this document library, with sources (repeatable)",
        )
        p.add_argument(
            "--think",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="a reasoning model thinks before it answers, or not (--no-think), where its "
            "chat template has the switch (Qwen3's); default: as the model does",
        )
        p.add_argument(
            "--think-budget", type=int, metavar="TOKENS",
            help="a reasoning model on this computer thinks at most this many tokens, then "
            "answers",
        )  # fmt: skip
        p.add_argument(
            "--show-reasoning",
            action="store_true",
            help="print a reasoning model's thinking (dimmed) before its answer",
        )

    ask_ = sub.add_parser("ask", help="answer one question, streamed")
    ask_.add_argument("prompt", nargs="*", help="the question; read from stdin when absent or '-'")
    model_options(ask_)
    ask_.add_argument("--json", action="store_true", help="print one JSON object instead")
    ask_.add_argument(
        "--image", action="append", type=Path, metavar="FILE",
        help="send an image with the question (PNG, JPEG, WebP, or a PDF's first page; "
        "repeatable) to a model that sees images",
    )  # fmt: skip
    chat_ = sub.add_parser(
        "chat", help="interactive chat, kept in the matter's conversations (/exit quits)"
    )
    model_options(chat_)
    chat_.add_argument(
        "--temporary",
        action="store_true",
        help="keep nothing: the conversation and the lines typed are never written to disk",
    )


def setup_from(args: argparse.Namespace) -> ChatSetup:
    """The command's options as a conversation's setup (what the app's chat settings are)."""
    sampling = {"temperature": args.temperature, "max_tokens": args.max_tokens,
                "seed": args.seed, "thinking": args.think,
                "thinking_budget": args.think_budget}  # fmt: skip
    return ChatSetup(
        persona=args.persona,
        instructions=args.system,
        sampling={k: v for k, v in sampling.items() if v is not None},
        libraries=list(args.library or []),
        model_id=args.model,
    )


def _open(app: App, args: argparse.Namespace, *, keep: bool = False) -> Chat:
    setup = setup_from(args)
    model = app.runtime.chat_model(setup.model_id)  # a wrong --model is an error, up front
    setup.model_id = model.id
    app.documents.require(setup.libraries)
    status(f"Loading {model.name}…")
    chat = app.conversations.open(setup=setup, keep=keep)
    app.conversations.preload(chat)
    return chat


def _stream_to(
    out: TextIO, grounded: bool, stream: ChatStream, *, show_reasoning: bool = False
) -> None:
    """The answer as it is written; one from documents (``grounded``) once it is held to
    its sources (the checked answer is what is kept, so it is what is shown). A reasoning
    model's thinking is printed dimmed before it with ``show_reasoning``, else said once
    on the terminal ("Thinking…")."""
    thinking = stream.on_reasoning = _Thinking(out, show_reasoning)
    if not grounded:
        for chunk in stream:
            thinking.end()
            out.write(printable(chunk))
            out.flush()
        thinking.end()
        return
    status("Answering from your documents…")
    text = stream.collect().text
    thinking.end()
    out.write(printable(text))
    out.flush()


def ask(app: App, args: argparse.Namespace) -> int:
    prompt = " ".join(args.prompt).strip()
    if not prompt or prompt == "-":
        if sys.stdin.isatty():
            print('hushdesk ask: give a question, e.g. hushdesk ask "…"', file=sys.stderr)
            return EXIT_USAGE
        prompt = sys.stdin.read().strip()
    conversations = app.conversations
    chat = _open(app, args)
    images = [conversations.image(path) for path in args.image or []]
    with on_ctrl_c(conversations.stop) as pressed:
        answer = conversations.send(chat, prompt, images)
        if args.json:
            answer.collect()
        else:
            grounded = bool(chat.setup.libraries)
            _stream_to(sys.stdout, grounded, answer, show_reasoning=args.show_reasoning)
            sys.stdout.write("\n")
    if args.json:
        print(json.dumps(_as_json(app, chat, answer), ensure_ascii=False, indent=2))
    elif answer.citations:
        _print_sources(answer.text, answer.citations)
    return EXIT_INTERRUPTED if pressed[0] else EXIT_OK


def _print_sources(answer: str, citations: tuple[Citation, ...]) -> None:
    used = set(cited_numbers(answer, [c.n for c in citations]))
    print("\nSources:")
    for c in citations:
        if used and c.n not in used:
            continue
        passage = printable(" ".join(c.passage.split()))
        print(f"[{c.n}] {printable(c.where)}: “{passage[:160]}…”")


class _Thinking:
    """Where a reasoning model's thinking goes on the terminal: dimmed on ``out`` (a
    terminal; plain text to a file) before the answer, or only "Thinking…" said once."""

    def __init__(self, out: TextIO, show: bool) -> None:
        self.out, self.show, self.started = out, show, False
        self.dim = show and out.isatty()

    def __call__(self, thought: str) -> None:
        if not self.started:
            self.started = True
            if not self.show:
                status("Thinking…")
            elif self.dim:
                self.out.write("\x1b[2m")
        if self.show:
            self.out.write(printable(thought))
            self.out.flush()

    def end(self) -> None:
        """The answer begins: the thinking is set off from it."""
        if self.started and self.show:
            self.out.write("\x1b[0m\n\n" if self.dim else "\n\n")
            self.show = False


def _as_json(app: App, chat: Chat, answer: Answer) -> dict[str, Any]:
    stats, info = answer.stats, app.runtime.loaded
    return {
        "answer": answer.text,
        "reasoning": answer.result.reasoning,
        "model": app.conversations.model_of(chat).name,
        "model_path": info.path if info else None,
        "finish_reason": stats.finish_reason,
        "sources": [
            {
                "n": c.n,
                "file": c.path,
                "page": c.page,
                "where": c.where,
                "passage": c.passage,
                "score": c.score,
                **timed(c.times),
            }
            for c in answer.citations
        ],
        "tokens": {
            "prompt": stats.prompt_tokens,
            "cached": stats.cached_tokens,
            "prompt_evaluated": stats.prompt_eval_tokens,
            "completion": stats.completion_tokens,
        },
        "timings": {
            "load_s": round(info.load_s, 3) if info else None,
            "ttft_s": round(stats.ttft_s, 3),
            "prefill_s": round(stats.prefill_s, 3),
            "decode_s": round(stats.decode_s, 3),
            "tokens_per_s": round(stats.decode_tokens_per_s, 2),
            "thinking_s": round(stats.thinking_s, 3),
            "answer_ttft_s": round(stats.answer_ttft_s, 3),
        },
    }


def chat(app: App, args: argparse.Namespace) -> int:
    conversations = app.conversations
    keep = not args.temporary
    current = _open(app, args, keep=keep)
    save_lines = _line_history(app) if keep else lambda: None
    kept = f"kept in “{app.matter.name}”" if keep else "temporary: nothing is kept"
    print(printable(f"Chatting with {conversations.model_of(current).name}, offline, {kept}. "))
    print(CHAT_HELP)
    images: list[bytes] = []
    try:
        while True:
            try:
                line = input("you › ").strip()
            except KeyboardInterrupt:
                print("\n(Ctrl-D or /exit to quit)")
                continue
            except EOFError:
                print()
                return EXIT_OK
            if not line:
                continue
            if line in ("/exit", "/quit"):
                return EXIT_OK
            if line == "/new":
                current = conversations.open(setup=current.setup, keep=keep)
                print("(new conversation)")
                continue
            if line in ("/help", "/?"):
                print(CHAT_HELP)
                continue
            if line.startswith("/image "):
                images += _attached(conversations, line.removeprefix("/image ").strip())
                continue
            with on_ctrl_c(conversations.stop) as pressed:
                try:
                    sent, images = images, []
                    _stream_to(
                        sys.stdout, bool(current.setup.libraries),
                        conversations.send(current, line, sent),
                        show_reasoning=args.show_reasoning,
                    )  # fmt: skip
                except HushdeskError as exc:
                    print(f"\n[error] {printable(exc.message)}")
                    continue
            print(" [stopped]" if pressed[0] else "")
    finally:
        save_lines()


def _attached(conversations: Conversations, name: str) -> list[bytes]:
    """``/image FILE``: the image read, or nothing with the reason said."""
    try:
        image = conversations.image(Path(name).expanduser())
    except HushdeskError as exc:
        print(f"[error] {printable(exc.message)}")
        return []
    print(printable(f"({Path(name).name} goes with your next message)"))
    return [image]


def _line_history(app: App) -> Callable[[], None]:
    """Arrow keys recall earlier lines, kept encrypted (``paths.repl_history_file``)."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return lambda: None
    box = app.vault.sealed(paths.repl_history_file(), "cli-history")
    try:
        lines = box.read()
    except HushdeskError:
        lines = None
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, str):
            readline.add_history(line)

    def save() -> None:
        count = readline.get_current_history_length()
        typed = [readline.get_history_item(i) for i in range(1, count + 1)]
        with contextlib.suppress(HushdeskError):
            box.write([line for line in typed if line][-HISTORY_LINES:])

    return save
