"""Unlocking on a terminal, ``hushdesk keys`` and ``hushdesk wipe``.

Every command that reads or writes the user's data unlocks first: the passphrase file
(``HUSHDESK_PASSPHRASE_FILE``, for scripts), else the keychain, else a prompt on the
terminal. A fresh data folder is created encrypted the same way: under the keychain
where there is one, else under a passphrase asked twice.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from hushdesk.services.privacy import wipe as wipe_data
from hushdesk.vault import (
    PASSPHRASE_FILE_ENV,
    Locked,
    Vault,
    WrongKey,
    check_passphrase,
    keychain_available,
    unlock_without_asking,
)

TRIES = 3


def add_parsers(sub: Any) -> None:
    keys = sub.add_parser("keys", help="how your data is unlocked: passphrase, keychain, recovery")
    actions = keys.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("status", help="the ways your data can be unlocked (the default)")
    actions.add_parser("passphrase", help="set or change the passphrase")
    keychain = actions.add_parser("keychain", help="keep the key in the system keychain, or not")
    keychain.add_argument("state", choices=["on", "off"])
    actions.add_parser("recovery-key", help="make a new recovery key (the old one stops working)")
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


def keys(app: App, args: argparse.Namespace) -> int:
    privacy = app.privacy
    action = args.action or "status"
    if action == "passphrase":
        if not sys.stdin.isatty():
            print("hushdesk: set the passphrase on a terminal.", file=sys.stderr)
            return EXIT_USAGE
        privacy.set_passphrase(_new_passphrase())
        print("Passphrase changed.")
    elif action == "keychain":
        privacy.set_keychain(args.state == "on")
        print(f"Keychain {args.state}.")
    elif action == "recovery-key":
        code = privacy.new_recovery_key()
        print("Your recovery key (write it down; it is not shown again):\n")
        print(f"    {code}\n")
        print("With it you can unlock your data if you forget the passphrase.")
    state = privacy.state()
    if action == "status":
        print("Your data is encrypted. It unlocks with: " + (", ".join(state.methods) or "—"))
        if not state.keychain_available:
            print("This system has no keychain Hushdesk can use.")
        if "recovery" not in state.methods:
            print("No recovery key yet: hushdesk keys recovery-key")
    return EXIT_OK


def wipe(args: argparse.Namespace) -> int:
    """Needs no unlocking: a forgotten passphrase must not keep the data from going."""
    if not args.yes:
        if not sys.stdin.isatty():
            print("hushdesk: add --yes to wipe without a terminal.", file=sys.stderr)
            return EXIT_USAGE
        print(
            "This deletes all your conversations, document libraries, summaries, drafts, "
            "templates and settings. Downloaded models stay. It cannot be undone."
        )
        if input("Type DELETE to go on: ").strip() != "DELETE":
            print("Nothing was deleted.")
            return EXIT_ERROR
    report = wipe_data(Vault())
    print(f"Deleted {report.removed} files. The key is destroyed; nothing left can be read.")
    for failure in report.failed:
        print(f"  could not remove {failure}", file=sys.stderr)
    return EXIT_ERROR if report.failed else EXIT_OK
