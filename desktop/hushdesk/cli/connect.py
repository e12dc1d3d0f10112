"""``hushdesk connect add|list|test|rm``: servers whose models answer like the local
ones (an OpenAI-compatible inference server: vLLM, llama-server, Ollama, LM Studio,
another Hushdesk's ``serve``). Their models are then ``NAME/MODEL`` for ``--model`` in
every command, and in the app's model menus, marked with the server's host."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_OK, printable
from hushdesk.endpoints import UNENCRYPTED_BADGE
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import require_private_file


def add_parser(sub: Any) -> None:
    connect = sub.add_parser(
        "connect",
        help="servers whose models answer like local ones (your firm's inference server)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = connect.add_subparsers(dest="connect_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add (or replace) a server; its models are listed")
    add.add_argument("name", help="a short name: its models become NAME/MODEL")
    add.add_argument("url", help="its OpenAI-compatible address, e.g. https://gpu.firm:8000/v1")
    add_credentials(add)
    listing = actions.add_parser("list", help="the servers added, and their models")
    listing.add_argument("--json", action="store_true")
    test = actions.add_parser("test", help="ask a server for its models now")
    test.add_argument("name")
    rm = actions.add_parser("rm", help="forget a server (and its token)")
    rm.add_argument("name")


def run(app: App, args: argparse.Namespace) -> int:
    connections = app.connections
    command = args.connect_command
    if command == "add":
        token, ca_file = credentials(args)
        models = connections.add(
            args.name, args.url, token=token, ca_file=ca_file,
            allow_unencrypted=args.allow_unencrypted,
        )  # fmt: skip
        print(f"Added {printable(args.name)}: {len(models)} model(s).")
        _print_models(args.name, models)
    elif command == "test":
        models = connections.test(args.name)
        print(f"{printable(args.name)} answers: {len(models)} model(s).")
        _print_models(args.name, models)
    elif command == "rm":
        connections.remove(args.name)
        print(f"Removed {printable(args.name)}.")
    elif args.json:
        print(json.dumps([
            {"name": c.name, "url": c.url, "host": c.host, "token": c.has_token,
             "ca_file": c.ca_file, "unencrypted": c.unencrypted, "models": c.models}
            for c in connections.all()
        ], indent=2))  # fmt: skip
    else:
        found = connections.all()
        if not found:
            print("No servers. Add one: hushdesk connect add NAME URL [--token-file FILE]")
        for c in found:
            token = "token" if c.has_token else "no token"
            badge = f"  [{UNENCRYPTED_BADGE}]" if c.unencrypted else ""
            print(f"{printable(c.name)}  {printable(c.url)}  ({token}){badge}")
            for model in c.models:
                print(f"  {printable(c.name)}/{printable(model)}")
    return EXIT_OK


def _print_models(name: str, models: list[Any]) -> None:
    for model in models:
        context = f"{model.n_ctx:,} tokens" if model.n_ctx_reported else "context not said"
        print(f"  {printable(name)}/{printable(model.id)}  ({context})")


def add_credentials(parser: argparse.ArgumentParser) -> None:
    """A server's token and certificate authority, for ``connect add`` and
    ``libraries add``."""
    parser.add_argument("--token-file", type=Path, help="a file holding the server's token")
    parser.add_argument("--ca-file", type=Path, help="your firm's certificate authority (PEM)")
    parser.add_argument(
        "--allow-unencrypted",
        action="store_true",
        help="accept plain http:// to another computer (the token, prompts and passages "
        "then cross the network readable by anyone on the way); refused without it",
    )


def credentials(args: argparse.Namespace) -> tuple[str, str | None]:
    """(token, CA file) from ``add_credentials``' options."""
    token = read_token(args.token_file) if args.token_file else ""
    return token, str(args.ca_file.expanduser().resolve()) if args.ca_file else None


def read_token(path: Path) -> str:
    """A server's token from a file only this user can read (a shared one is refused)."""
    path = path.expanduser()
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise HushdeskError(f"Cannot read the token file {path}: {exc.strerror or exc}.") from exc
    if not token:
        raise HushdeskError(f"The token file {path} is empty.")
    require_private_file(path, "token file")
    return token
