"""The command line on the clipboard, in a real X session (Xvfb): ``proofread --clipboard``
takes the copied text and leaves the corrected text there, after the command has ended
(its helper holds it, as on an X desktop without a clipboard manager)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from hushdesk.cli import clipboard
from hushdesk.errors import HushdeskError
from tests.integration.test_matters_cli import run

pytestmark = pytest.mark.slow


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:  # .ci/run installs it
        pytest.fail("Xvfb is not installed: apt-get install xvfb (.ci/run does)")
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as answer:
        display = ":" + answer.readline().strip()
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    try:
        yield display
    finally:
        server.terminate()
        server.wait(10)


def test_proofread_takes_the_clipboard_and_leaves_the_correction_there(
    x_display: str, hushdesk_cmd: list[str], cli_env: dict[str, str]
) -> None:
    clipboard.write("The contract were signed yesterday by both partys.")
    assert clipboard.read() == "The contract were signed yesterday by both partys."
    env = dict(cli_env, DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    corrected = run(hushdesk_cmd, env, "proofread", "--clipboard").rstrip("\n")
    assert corrected
    assert clipboard.read() == corrected  # after the command ended


def test_without_a_desktop_the_clipboard_is_said_to_be_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(HushdeskError, match="desktop session"):
        clipboard.read()
