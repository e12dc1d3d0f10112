"""File dialogs keep no record of the folders they went through (issue 29): Qt's own
``FileDialog`` settings (history, last folder) named client folders in plain text.

The app runs in a child with a fresh ``HOME`` and its default folders under it, opens
and accepts a real file dialog and a folder dialog in a client-named folder, then quits;
no file under that ``HOME`` may then hold the folder's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import MakeWindow

REPO = Path(__file__).resolve().parents[2]
CLIENT = "Client-Smith-v-Jones-divorce"

SCRIPT = r"""
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from hushdesk.ui import file_dialogs
from hushdesk.ui.application import create_app

qt = create_app()
folder, how = Path(sys.argv[1]), sys.argv[2]
chosen = folder / "brief.txt"


def accept() -> None:
    # Whichever file dialog shows, again and again: one shown before its folder is
    # listed may not take the file yet.
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QFileDialog) and widget.isVisible():
            if widget.fileMode() != QFileDialog.FileMode.Directory:
                # typed, as a user would (selectFile leaves a focused name box alone)
                widget.findChild(QLineEdit, "fileNameEdit").setText(str(chosen))
            widget.accept()


timer = QTimer(interval=50)
timer.timeout.connect(accept)
timer.start()
if how == "app":
    got = file_dialogs.open_file(None, "Summarize a document", str(folder), "Text (*.txt)")
    picked = file_dialogs.choose_folder(None, "Add a folder", str(folder))
else:  # what the app did before: Qt's dialog as it is
    got = QFileDialog.getOpenFileName(None, "Summarize", str(folder), "Text (*.txt)")[0]
    picked = QFileDialog.getExistingDirectory(None, "Add a folder", str(folder))
QTimer.singleShot(0, qt.quit)
qt.exec()
print(got, picked, sep="\n")
"""


def run_dialogs(tmp_path: Path, how: str) -> tuple[Path, list[str]]:
    home = tmp_path / f"home-{how}"
    folder = tmp_path / "work" / CLIENT
    folder.mkdir(parents=True)
    (folder / "brief.txt").write_text("A brief.", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HUSHDESK_"))}
    env |= {
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join([str(REPO / "desktop"), str(REPO)]),
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder), how],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = out.stdout.splitlines()
    assert lines == [str(folder / "brief.txt"), str(folder)], out.stderr  # both accepted
    return home, [str(p) for p in home.rglob("*") if p.is_file() and CLIENT in _read(p)]


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.timeout(300)
def test_file_dialogs_leave_no_folder_name_on_disk(tmp_path: Path) -> None:
    home, holding = run_dialogs(tmp_path, "app")
    assert holding == []
    assert not (home / ".config" / "QtProject.conf").exists()


@pytest.mark.timeout(300)
def test_qt_alone_would_keep_the_folder_name(tmp_path: Path) -> None:
    """The check above can see the leak: Qt's own dialog writes the folder down."""
    _home, holding = run_dialogs(tmp_path, "qt")
    assert [Path(p).name for p in holding] == ["QtProject.conf"]


def test_what_an_older_version_saved_is_removed_when_a_window_opens_and_closes(
    make_window: MakeWindow,
) -> None:
    from PySide6.QtCore import QSettings

    def leave_history() -> None:
        settings = QSettings(QSettings.Scope.UserScope, "QtProject")
        settings.setValue("FileDialog/lastVisited", f"file:///work/{CLIENT}")
        settings.setValue("Qt/filedialog", CLIENT.encode())
        settings.sync()

    def kept() -> str:
        settings = QSettings(QSettings.Scope.UserScope, "QtProject")
        return " ".join(str(settings.value(k)) for k in settings.allKeys())

    leave_history()
    assert CLIENT in kept()
    window = make_window()
    assert CLIENT not in kept()
    leave_history()  # as a dialog that ended some other way would
    window.shutdown()
    assert CLIENT not in kept()
