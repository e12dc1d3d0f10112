"""``hushdesk serve``: the local OpenAI-compatible API (``hushdesk.api.server``).

On this computer only (127.0.0.1) unless another address is asked for explicitly, and
then only with a token from ``--token-file``. Every request needs the bearer token: by
default the one kept with the user's protected settings (``--new-token`` replaces it);
``--token-file FILE`` reads it from FILE, or creates FILE (readable by this user only)
with a new one, for scripts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from hushdesk import privacy
from hushdesk.api.serving import LOOPBACK_NAMES, PORT
from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK
from hushdesk.errors import HushdeskError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the local OpenAI-compatible API (with answers from your libraries)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    parser.add_argument("--token-file", type=Path, help="read the token here, or create it")
    parser.add_argument(
        "--new-token", action="store_true", help="replace the stored token with a new one"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN call the API (repeat for more; off by default)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another name clients may use for this server in the Host header",
    )


def token_from_file(path: Path) -> str:
    """The token in ``path``; a new one written there (mode 600) when it does not exist."""
    path = path.expanduser()
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token + "\n")
        return token
    except OSError as exc:
        raise HushdeskError(f"Could not read the token file {path}: {exc.strerror}.") from exc
    if len(token) < 16:
        raise HushdeskError(f"The token in {path} is too short (16 characters at least).")
    return token


def run(app: App, args: argparse.Namespace) -> int:
    from hushdesk.api import serving
    from hushdesk.api.server import Settings

    loopback = privacy.is_local(args.host)
    if not loopback and args.token_file is None:
        print(
            f"hushdesk: serving on {args.host} would open the API to other computers; that "
            "needs a token given explicitly (--token-file FILE). Refused.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if args.token_file is not None:
        token = token_from_file(args.token_file)
    else:
        token = app.preferences.api_token(new=args.new_token)
    hosts = [*LOOPBACK_NAMES, *args.allow_host] + ([] if loopback else [args.host])
    settings = Settings(token, hosts, tuple(args.cors_origin), loopback)
    sock = serving.listen(args.host, args.port)
    where = f"http://{'127.0.0.1' if loopback else args.host}:{args.port}/v1"
    print(f"Hushdesk API on {where}", flush=True)
    if not loopback:
        print(f"Warning: other computers can reach it on {args.host}.", file=sys.stderr)
    if args.token_file is None:
        print(f"Token: {token}  (Authorization: Bearer …)", flush=True)
    with sock, privacy.local_service(args.port):  # the guard still refuses anything outgoing
        serving.server(app, settings).run(sockets=[sock])
    return EXIT_OK
