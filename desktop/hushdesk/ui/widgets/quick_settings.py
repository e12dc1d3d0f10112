"""Settings → Quick ask: the global shortcut that opens the quick-ask window from any
program (Ctrl+Alt+Space by default), changed or turned off, and whether closing the
window keeps Hushdesk in the tray; a combination another
program holds, or a desktop that gives programs no global keys, is said under it with
what to do (bind ``hushdesk quick`` in the system's keyboard settings)."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QKeySequenceEdit,
    QLabel,
    QSystemTrayIcon,
    QWidget,
)

from hushdesk.settings import Settings
from hushdesk.ui.hotkey import DEFAULT

SELECTION_DEFAULT = "Ctrl+Alt+W"


class Shortcuts(Protocol):
    """The global shortcuts (``ui/quick_ask.py``'s QuickAccess; not imported: it imports
    this page's parts)."""

    changed: Any  # a Qt signal: their state may have changed

    def start(self, sequence: str, selection: str | None = None) -> str:
        """Take these (quick ask, actions on the selection; "": none); why one could not
        be had, or ""."""

    def state(self) -> tuple[str, str]:
        """(why one cannot be had, how the desktop bound them if not as asked)."""


class QuickSettings(QGroupBox):
    def __init__(
        self,
        settings: Settings,
        shortcuts: Shortcuts | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Quick ask (from any program)", parent)
        self.settings, self.shortcuts = settings, shortcuts
        chosen = settings.ui.quick_shortcut
        self.enabled = QCheckBox("Global shortcuts (they work in every program)")
        self.enabled.setChecked(bool(chosen))
        self.keys = QKeySequenceEdit(QKeySequence(chosen or DEFAULT))
        self.keys.setAccessibleName("Quick ask shortcut")
        self.keys.setMaximumSequenceLength(1)
        self.selection = QKeySequenceEdit(
            QKeySequence(settings.ui.selection_shortcut or SELECTION_DEFAULT)
        )
        self.selection.setAccessibleName("Shortcut for actions on selected text")
        self.selection.setMaximumSequenceLength(1)
        self.selection.setToolTip(
            "Rewrite, proofread, translate, reply to, summarize or ask about the text "
            "selected in any program."
        )
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setProperty("role", "muted")
        self.problem.setAccessibleName("Quick ask shortcut status")
        self.paste = QCheckBox("Paste a rewrite over the selected text (else: the clipboard)")
        self.paste.setChecked(settings.ui.paste_back)
        x11 = QGuiApplication.platformName() == "xcb"
        self.paste.setEnabled(x11 or self.paste.isChecked())
        self.paste.setToolTip("" if x11 else "Only on X11 desktops: elsewhere, paste it yourself.")
        self.paste.toggled.connect(self._paste_back)
        self.tray = QCheckBox("Keep Hushdesk in the tray when its window is closed")
        self.tray.setChecked(settings.ui.keep_in_tray)
        self.tray.setToolTip(
            "The local API and the shortcut keep working; quit from the tray icon's menu."
        )
        self.tray.setEnabled(QSystemTrayIcon.isSystemTrayAvailable() or self.tray.isChecked())
        self.tray.toggled.connect(self._keep_in_tray)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Quick ask:", self.keys)
        form.addRow("Selected text:", self.selection)
        form.addRow("", self.problem)
        form.addRow(self.paste)
        form.addRow(self.tray)
        self.enabled.toggled.connect(lambda _on: self.apply())
        self.keys.editingFinished.connect(self.apply)
        self.selection.editingFinished.connect(self.apply)
        self._show()
        if shortcuts is not None:
            shortcuts.changed.connect(self._show)

    def apply(self) -> None:
        """Keep the choices and take the shortcuts now; say why one cannot be had."""
        on = self.enabled.isChecked()
        quick, selection = (_text(edit) if on else "" for edit in (self.keys, self.selection))
        self.keys.setEnabled(on)
        self.selection.setEnabled(on)
        self.settings.ui.quick_shortcut, self.settings.ui.selection_shortcut = quick, selection
        self.settings.save()
        if self.shortcuts is not None:
            self.shortcuts.start(quick, selection)  # says it through ``changed``

    def _paste_back(self, on: bool) -> None:
        self.settings.ui.paste_back = on
        self.settings.save()

    def _keep_in_tray(self, on: bool) -> None:
        self.settings.ui.keep_in_tray = on
        self.settings.save()

    def _show(self) -> None:
        problem, bound = self.shortcuts.state() if self.shortcuts is not None else ("", "")
        if problem:
            self.problem.setText("⚠ " + problem)
        elif self.enabled.isChecked():
            said = ["On in every program.", bound, "`hushdesk quick` opens Quick ask too."]
            self.problem.setText(" ".join(part for part in said if part))
        else:
            self.problem.setText("Off. `hushdesk quick` still opens Quick ask.")


def _text(edit: QKeySequenceEdit) -> str:
    return edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
