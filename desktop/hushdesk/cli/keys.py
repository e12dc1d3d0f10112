"""Unlocking on a terminal, ``hushdesk keys`` and ``hushdesk wipe``.

Every command that reads or writes the user's data unlocks first: the passphrase file
(``HUSHDESK_PASSPHRASE_FILE``, for scripts), else the keychain, else a prompt on the
terminal. A fresh data folder is created encrypted the same way: under the keychain
where there is one, else under a passphrase asked twice.

A new passphrase (``keys passphrase``, or ``--new-passphrase-file FILE`` for scripts) or
a new recovery key makes a new data key and re-encrypts every store under it; a
recovery key there was is then replaced too (printed once). Both need every other
Hushdesk (the window, ``serve``) closed. Passphrase files must be private (chmod 600).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from hushdesk.fsutil import atomic_write_text
from hushdesk.passphrases import (
    PASSPHRASE_FILE_ENV,
    check_passphrase,
    passphrase_from_env,
    passphrase_from_file,
)
from hushdesk.services.wipe import wipe as wipe_data
from hushdesk.vault import Locked, Vault, WrongKey, keychain_available, unlock_without_asking

TRIES = 3


def add_parsers(sub: Any) -> None:
    keys = sub.add_parser("keys", help="how your data is unlocked: passphrase, keychain, recovery")
    actions = keys.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("status", help="the ways your data can be unlocked (the default)")
    passphrase = actions.add_parser(
        "passphrase", help="set or change the passphrase (the data key changes with it)"
    )
    passphrase.add_argument(
        "--new-passphrase-file",
        type=Path,
        metavar="FILE",
        help="the new passphrase is FILE's first line (for scripts; FILE must be chmod 600)",
    )
    _recovery_key_file(passphrase)
    keychain = actions.add_parser("keychain", help="keep the key in the system keychain, or not")
    keychain.add_argument("state", choices=["on", "off"])
    recovery = actions.add_parser(
        "recovery-key", help="make a new recovery key (the old one stops working)"
    )
    recovery.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help=f"your passphrase (default: {PASSPHRASE_FILE_ENV}, else asked on the terminal)",
    )
    _recovery_key_file(recovery)
    wipe = sub.add_parser("wipe", help="delete all your data: conversations, libraries, drafts…")
    wipe.add_argument("--yes", action="store_true", help="do not ask (for scripts)")


def unlock(vault: Vault) -> None:
    """Unlock (or create) without asking when possible, else ask on the terminal."""
    if unlock_without_asking(vault):
        return
    if not sys.stdin.isatty():
        raise Locked(
            "Your data is locked. Run hushdesk on a terminal to type your passphrase, or "
            f"set {PASSPHRASE_FILE_ENV} to a file holding it."
        )
    if not vault.exists():
        _create(vault)
        return
    for attempt in range(TRIES):
        secret = getpass.getpass("Passphrase (or recovery key): ")
        try:
            vault.unlock_typed(secret)
            return
        except WrongKey as exc:
            if attempt == TRIES - 1:
                raise
            print(exc.message, file=sys.stderr)


def _create(vault: Vault) -> None:
    if keychain_available():
        vault.create(keychain=True)
        print(
            "Your data is encrypted; its key is in the system keychain. Make a recovery key "
            "and keep it on paper: hushdesk keys recovery-key",
            file=sys.stderr,
        )
        return
    print("Your data will be encrypted. Choose a passphrase (at least 8 characters).")
    vault.create(passphrase=_new_passphrase())


def _new_passphrase() -> str:
    for _attempt in range(TRIES):
        first = getpass.getpass("New passphrase: ")
        try:
            check_passphrase(first)
        except WrongKey as exc:
            print(exc.message, file=sys.stderr)
            continue
        if getpass.getpass("Again: ") == first:
            return first
        print("The two do not match.", file=sys.stderr)
    raise WrongKey("No passphrase was set.")


def _recovery_key_file(parser: Any) -> None:
    parser.add_argument(
        "--recovery-key-file",
        type=Path,
        metavar="FILE",
        help="write a new recovery key to FILE (mode 600) instead of the terminal; "
        "needed when the output is not a terminal",
    )


def keys(app: App, args: argparse.Namespace) -> int:
    service = app.keys
    action = args.action or "status"
    if action == "passphrase":
        if args.new_passphrase_file is not None:
            new = check_passphrase(
                passphrase_from_file(args.new_passphrase_file.expanduser(), "new passphrase file")
            )
        elif sys.stdin.isatty():
            new = _new_passphrase()
        else:
            print(
                "hushdesk: set the passphrase on a terminal, or with --new-passphrase-file.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        methods = set(service.state().methods)
        if {"passphrase", "recovery"} <= methods and not _can_show_recovery_key(args):
            return EXIT_USAGE
        had = "passphrase" in methods
        code = service.set_passphrase(new)
        print(
            "Passphrase changed; your data is encrypted under a new key."
            if had
            else "Passphrase set."
        )
        if had and os.environ.get(PASSPHRASE_FILE_ENV):
            print(f"Put the new passphrase in the file {PASSPHRASE_FILE_ENV} names.")
        if code is not None:
            print("Your recovery key changed with it.")
            _show_recovery_key(code, args.recovery_key_file)
    elif action == "keychain":
        service.set_keychain(args.state == "on")
        print(f"Keychain {args.state}.")
    elif action == "recovery-key":
        if not _can_show_recovery_key(args):
            return EXIT_USAGE
        state = service.state()
        current = None
        if "recovery" in state.methods and "passphrase" in state.methods:
            current = _current_passphrase(args.passphrase_file)
            if current is None:
                print(
                    "hushdesk: a new recovery key needs your passphrase: type it on a "
                    f"terminal, or give --passphrase-file or {PASSPHRASE_FILE_ENV}.",
                    file=sys.stderr,
                )
                return EXIT_USAGE
        _show_recovery_key(service.new_recovery_key(current), args.recovery_key_file)
    state = service.state()
    if action == "status":
        print("Your data is encrypted. It unlocks with: " + (", ".join(state.methods) or "—"))
        if not state.keychain_available:
            print("This system has no keychain Hushdesk can use.")
        if "recovery" not in state.methods:
            print("No recovery key yet: hushdesk keys recovery-key")
    return EXIT_OK


def _can_show_recovery_key(args: argparse.Namespace) -> bool:
    """A recovery key opens everything: shown on a terminal or written to the file given,
    never into a pipe, a log or a CI transcript (said before anything changes)."""
    if args.recovery_key_file is not None or sys.stdout.isatty():
        return True
    print(
        "hushdesk: this makes a new recovery key, which is shown only on a terminal; "
        "give --recovery-key-file FILE to have it written there (mode 600).",
        file=sys.stderr,
    )
    return False


def _show_recovery_key(code: str, file: Path | None) -> None:
    if file is not None:
        atomic_write_text(file.expanduser(), code + "\n")  # 0600: privacy.apply's umask
        print(f"Your new recovery key is in {file} (print it, keep it safe, delete the file).")
        return
    print("Your recovery key (write it down; it is not shown again):\n")
    print(f"    {code}\n")
    print("With it you can unlock your data if you forget the passphrase.")


def _current_passphrase(path: Path | None) -> str | None:
    if path is not None:
        return passphrase_from_file(path.expanduser())
    from_env = passphrase_from_env()
    if from_env is not None:
        return from_env
    if sys.stdin.isatty():
        return getpass.getpass("Your passphrase: ")
    return None


def wipe(args: argparse.Namespace) -> int:
    """Needs no unlocking: a forgotten passphrase must not keep the data from going."""
    if not args.yes:
        if not sys.stdin.isatty():
            print("hushdesk: add --yes to wipe without a terminal.", file=sys.stderr)
            return EXIT_USAGE
        print(
            "This deletes all your conversations, document libraries, summaries, drafts, "
            "templates and settings, and forgets the models you imported (your own files "
            "stay where they are). Downloaded models stay. It cannot be undone."
        )
        if input("Type DELETE to go on: ").strip() != "DELETE":
            print("Nothing was deleted.")
            return EXIT_ERROR
    report = wipe_data(Vault())
    print(f"Deleted {report.removed} files. The key is destroyed; nothing left can be read.")
    for failure in report.failed:
        print(f"  could not remove {failure}", file=sys.stderr)
    return EXIT_ERROR if report.failed else EXIT_OK
