"""What a server says reaches the terminal made printable: an error's text from a
hostile server cannot retitle the terminal, clear the screen or recolour it."""

from __future__ import annotations

import pytest

from hushdesk import cli
from hushdesk.cli import connect
from hushdesk.cli.terminal import EXIT_ERROR
from hushdesk.errors import ModelError

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[31mThe server evil answered 500: overloaded\x9b2J"


def test_an_error_from_a_server_is_printed_without_escape_sequences(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*_args: object) -> int:
        raise ModelError(HOSTILE)

    monkeypatch.setattr(connect, "run", refuse)
    assert cli.main(["connect", "list"]) == EXIT_ERROR
    printed = capsys.readouterr()
    assert "The server evil answered 500: overloaded" in printed.err
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in printed.err + printed.out
