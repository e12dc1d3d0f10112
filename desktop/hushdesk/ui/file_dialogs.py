"""File dialogs that leave no record of the folders the user went through.

When a ``QFileDialog`` closes, Qt saves the folders it visited (``history``,
``lastVisited``) and the sidebar's places in the ``FileDialog`` group of Qt's own
settings — on every platform and with the native dialogs too: a file under our config
folder on Linux (``application.create_app`` moves it there), the registry on Windows, a
plist on macOS. Those are client folder names in plain text, outside the encrypted
stores. The native dialogs are what users expect, so they stay; instead every dialog of
the app goes through here, and Qt's group is removed as soon as a dialog returns, and
again when a window opens and closes (should a dialog ever end some other way).

The operating system's own pickers may keep a list of their own (Windows' recent
places, GTK's recently used files): that is out of the app's reach.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

QT_ORGANIZATION = "QtProject"
QT_GROUP = "FileDialog"  # where Qt 5 and 6 keep it (qfiledialog.cpp)
QT4_KEY = "Qt/filedialog"  # Qt 4's saved state, still read by Qt 6


def forget_history() -> None:
    """Remove what Qt's file dialogs saved about the folders visited."""
    settings = QSettings(QSettings.Scope.UserScope, QT_ORGANIZATION)
    if QT_GROUP in settings.childGroups() or settings.contains(QT4_KEY):
        settings.remove(QT_GROUP)
        settings.remove(QT4_KEY)
        settings.sync()


def open_file(parent: QWidget | None, caption: str, folder: str, kinds: str) -> str:
    try:
        return QFileDialog.getOpenFileName(parent, caption, folder, kinds)[0]
    finally:
        forget_history()


def open_files(parent: QWidget | None, caption: str, folder: str, kinds: str) -> list[str]:
    try:
        return QFileDialog.getOpenFileNames(parent, caption, folder, kinds)[0]
    finally:
        forget_history()


def save_file(parent: QWidget | None, caption: str, suggested: str, kinds: str) -> str:
    try:
        return QFileDialog.getSaveFileName(parent, caption, suggested, kinds)[0]
    finally:
        forget_history()


def choose_folder(parent: QWidget | None, caption: str, folder: str) -> str:
    try:
        return QFileDialog.getExistingDirectory(parent, caption, folder)
    finally:
        forget_history()
