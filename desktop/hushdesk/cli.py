"""Command line over the same core the GUI uses: ``hushdesk ask|chat|models|doctor``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any, TextIO

from hushdesk import __version__, cli_documents, cli_draft, cli_models, cli_summarize, paths
from hushdesk.assistant.chat import ChatSession, default_system_prompt
from hushdesk.core import Core
from hushdesk.engine.base import ChatStream
from hushdesk.errors import HushdeskError
from hushdesk.terminal import on_ctrl_c

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hushdesk",
        description="Hushdesk: a private assistant that runs entirely on this computer. "
        "Run without a command to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"hushdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", metavar="ID_OR_PATH", help="installed model id or a .gguf file")
        p.add_argument("--system", metavar="TEXT", help="system prompt (default: general persona)")
        p.add_argument("--temperature", type=float, help="sampling temperature")
        p.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
        p.add_argument("--seed", type=int, help="fixed seed for repeatable answers")

    ask = sub.add_parser("ask", help="answer one question, streamed")
    ask.add_argument("prompt", nargs="*", help="the question; read from stdin when absent or '-'")
    model_options(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object instead")
    ask.add_argument(
        "--library",
        action="append",
        metavar="NAME",
        help="answer from this document library, with sources (repeatable)",
    )

    chat = sub.add_parser("chat", help="interactive chat (Ctrl-C stops an answer, /exit quits)")
    model_options(chat)

    cli_models.add_parser(sub)
    cli_documents.add_parsers(sub)
    cli_summarize.add_parser(sub)
    cli_draft.add_parsers(sub)

    doctor = sub.add_parser("doctor", help="check that everything works, offline")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--no-generate", action="store_true", help="skip loading the model")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "ask": cmd_ask,
        "chat": cmd_chat,
        "models": cli_models.run,
        "doctor": cmd_doctor,
        "ingest": cli_documents.ingest,
        "search": cli_documents.search,
        "summarize": cli_summarize.run,
        "draft": cli_draft.draft,
        "templates": cli_draft.templates,
        "rewrite": cli_draft.writing,
        "proofread": cli_draft.writing,
        "translate": cli_draft.writing,
        "classify": cli_draft.writing,
    }
    core: Core | None = None
    try:
        core = Core()
        return handlers[args.command](core, args)
    except HushdeskError as exc:
        print(f"hushdesk: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if core is not None:
            core.close()


def _stream_to(out: TextIO, stream: ChatStream) -> None:
    for chunk in stream:
        out.write(chunk)
        out.flush()


def _status(text: str) -> None:
    if sys.stderr.isatty():
        print(text, file=sys.stderr, flush=True)


def _session(core: Core, args: argparse.Namespace) -> tuple[ChatSession, str]:
    model = core.chat_model(args.model)
    _status(f"Loading {model.name}…")
    core.ensure_loaded(model)
    params = core.sampling(
        model, temperature=args.temperature, max_tokens=args.max_tokens, seed=args.seed
    )
    system = (
        args.system
        if args.system is not None
        else (core.settings.system_prompt or default_system_prompt())
    )
    grounder = None
    if getattr(args, "library", None):
        from hushdesk.assistant.grounding import grounder_for

        documents = core.documents
        for name in args.library:
            documents.library(name, create=False)  # a clear error for a wrong name, up front
        grounder = grounder_for(documents, args.library)
    return ChatSession(core.engine, params, system, grounder=grounder), model.name


def cmd_ask(core: Core, args: argparse.Namespace) -> int:
    prompt = " ".join(args.prompt).strip()
    if not prompt or prompt == "-":
        if sys.stdin.isatty():
            print('hushdesk ask: give a question, e.g. hushdesk ask "…"', file=sys.stderr)
            return 2
        prompt = sys.stdin.read().strip()
    session, model_name = _session(core, args)
    with on_ctrl_c(core.engine.stop) as pressed:
        stream = session.send(prompt)
        if args.json:
            stream.collect()
        else:
            _stream_to(sys.stdout, stream)
            sys.stdout.write("\n")
    result = stream.result
    citations = session.turns[-1].citations if session.turns else ()
    if citations and not args.json:
        from hushdesk.assistant.grounding import cited_numbers

        used = set(cited_numbers(result.text, [c["n"] for c in citations]))
        print("\nSources:")
        for c in citations:
            if used and c["n"] not in used:
                continue
            passage = " ".join(str(c["passage"]).split())
            unit = "page" if c["paginated"] else "section"
            print(f"[{c['n']}] {c['file']}, {unit} {c['page']}: “{passage[:160]}…”")
    if args.json:
        info = core.engine.model
        payload: dict[str, Any] = {
            "answer": result.text,
            "model": model_name,
            "model_path": info.path if info else None,
            "finish_reason": result.stats.finish_reason,
            "sources": [
                {
                    "n": c["n"],
                    "file": c["path"],
                    "page": c["page"],
                    "passage": c["passage"],
                    "score": c["score"],
                }
                for c in citations
            ],
            "tokens": {
                "prompt": result.stats.prompt_tokens,
                "cached": result.stats.cached_tokens,
                "prompt_evaluated": result.stats.prompt_eval_tokens,
                "completion": result.stats.completion_tokens,
            },
            "timings": {
                "load_s": round(info.load_s, 3) if info else None,
                "ttft_s": round(result.stats.ttft_s, 3),
                "prefill_s": round(result.stats.prefill_s, 3),
                "decode_s": round(result.stats.decode_s, 3),
                "tokens_per_s": round(result.stats.decode_tokens_per_s, 2),
            },
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    return EXIT_INTERRUPTED if pressed[0] else EXIT_OK


CHAT_HELP = "Commands: /new starts over · /exit quits · Ctrl-C stops an answer · Ctrl-D quits"


def cmd_chat(core: Core, args: argparse.Namespace) -> int:
    session, model_name = _session(core, args)
    history = _enable_line_history()
    print(f"Chatting with {model_name}, offline. {CHAT_HELP}")
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
                session.reset()
                print("(new conversation)")
                continue
            if line in ("/help", "/?"):
                print(CHAT_HELP)
                continue
            with on_ctrl_c(core.engine.stop) as pressed:
                try:
                    _stream_to(sys.stdout, session.send(line))
                except HushdeskError as exc:
                    print(f"\n[error] {exc.message}")
                    continue
            print(" [stopped]" if pressed[0] else "")
    finally:
        history()


def _enable_line_history() -> Any:
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return lambda: None
    path = paths.history_file()
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)

    return save


def cmd_doctor(core: Core, args: argparse.Namespace) -> int:
    from hushdesk.doctor import run_checks

    checks = []
    if not args.json:
        print(f"Hushdesk {__version__}")
        for name, path in paths.all_paths().items():
            print(f"  {name:9} {path}")
    for check in run_checks(core, generate=not args.no_generate):
        checks.append(check)
        if not args.json:
            print(f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}", flush=True)
    ok = all(c.ok for c in checks)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "version": __version__,
                    "paths": {k: str(v) for k, v in paths.all_paths().items()},
                    "checks": [c.__dict__ for c in checks],
                },
                indent=2,
            )
        )
    return EXIT_OK if ok else EXIT_ERROR
