"""``hushdesk serve``: the local OpenAI-compatible API (``hushdesk.api.server``).

On this computer only (127.0.0.1) unless another address is asked for explicitly, and
then only with a token from ``--token-file`` and over TLS (``--tls-cert``/``--tls-key``;
plain HTTP only with ``--allow-unencrypted``). Whether it is on this computer only is
read from the address bound: ``""``, ``0.0.0.0`` and ``::`` are every interface.

Every request needs the bearer token: by default the one kept with the user's protected
settings (``--new-token`` replaces it); ``--token-file FILE`` reads it from FILE (only
this user may be able to read it), or creates FILE (mode 600) with a new one, for
scripts. The stored token is printed on a terminal only, never into
a pipe or a log.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from hushdesk import privacy
from hushdesk.api.serving import PORT
from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK
from hushdesk.errors import HushdeskError
from hushdesk.fsutil import require_private_file


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
        "--tls-cert", type=Path, metavar="FILE", help="serve HTTPS: certificate (PEM)"
    )
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="…and its private key (PEM)")
    parser.add_argument(
        "--allow-unencrypted",
        action="store_true",
        help="serve plain HTTP to other computers (refused without it, or without TLS)",
    )
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
    """The token in ``path`` (a file only this user can read); a new one written there
    (mode 600) when it does not exist."""
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
    require_private_file(path, "token file")
    if len(token) < 16:
        raise HushdeskError(f"The token in {path} is too short (16 characters at least).")
    return token


def _refuse(message: str) -> int:
    print(f"hushdesk: {message} Refused.", file=sys.stderr)
    return EXIT_ERROR


def run(app: App, args: argparse.Namespace) -> int:
    from hushdesk.api import serving
    from hushdesk.api.server import Settings

    if (args.tls_cert is None) != (args.tls_key is None):
        return _refuse("TLS needs both --tls-cert and --tls-key.")
    tls = serving.check_tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    sock = serving.listen(args.host, args.port)
    with sock:
        loopback = serving.bound_to_loopback(sock)  # what was bound, not how it was written
        bound = str(sock.getsockname()[0])
        if not loopback and args.token_file is None:
            return _refuse(
                f"serving on {args.host or 'every address'} ({bound}) would open the API to "
                "other computers; that needs a token given explicitly (--token-file FILE)."
            )
        if not loopback and tls is None and not args.allow_unencrypted:
            return _refuse(
                f"serving on {args.host or 'every address'} ({bound}) without TLS would "
                "send the token, prompts and answers across the network unencrypted. Give "
                "--tls-cert FILE --tls-key FILE, or, on a network you trust, "
                "--allow-unencrypted."
            )
        if args.token_file is not None:
            token = token_from_file(args.token_file)
        else:
            token = app.preferences.api_token(new=args.new_token)
        wildcard = bound in ("0.0.0.0", "::")  # noqa: S104 (what was bound, not a choice)
        named = [] if loopback or wildcard else [args.host.strip("[]")]
        settings = Settings(token, [*named, *args.allow_host], tuple(args.cors_origin), loopback)
        scheme = "https" if tls else "http"
        shown = bound if loopback else (args.host or bound)
        if ":" in shown:
            shown = f"[{shown.strip('[]')}]"
        print(f"Hushdesk API on {scheme}://{shown}:{args.port}/v1", flush=True)
        if not loopback:
            print(f"Warning: other computers can reach it on {bound}.", file=sys.stderr)
            if tls is None:
                print("Warning: unencrypted (no TLS).", file=sys.stderr)
        if args.token_file is None:
            _show_token(token)
        with privacy.local_service(args.port):  # the guard still refuses anything outgoing
            serving.server(app, settings, tls).run(sockets=[sock])
    return EXIT_OK


def _show_token(token: str) -> None:
    """On a terminal only: output that goes to a pipe or a file ends up in logs."""
    if sys.stdout.isatty():
        print(f"Token: {token}  (Authorization: Bearer …)", flush=True)
    else:
        print(
            "The token is shown on a terminal only; for scripts, serve with "
            "--token-file FILE (made, readable by you only, when it does not exist).",
            file=sys.stderr,
        )
