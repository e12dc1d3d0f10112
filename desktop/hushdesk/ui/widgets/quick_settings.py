"""Settings → Quick ask: the global shortcut that opens the quick-ask window from any
program (Ctrl+Alt+Space by default), changed or turned off, and whether closing the
window keeps Hushdesk in the tray; a combination another
program holds, or a desktop that gives programs no global keys, is said under it with
what to do (bind ``hushdesk quick`` in the system's keyboard settings)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence
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

Take = Callable[[str], str]  # take this shortcut ("": none); why it could not be, or ""


class QuickSettings(QGroupBox):
    def __init__(
        self,
        settings: Settings,
        take: Take | None,
        problem: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Quick ask (from any program)", parent)
        self.settings, self.take = settings, take
        chosen = settings.ui.quick_shortcut
        self.enabled = QCheckBox("Open Quick ask with a shortcut")
        self.enabled.setChecked(bool(chosen))
        self.keys = QKeySequenceEdit(QKeySequence(chosen or DEFAULT))
        self.keys.setAccessibleName("Quick ask shortcut")
        self.keys.setMaximumSequenceLength(1)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setProperty("role", "muted")
        self.problem.setAccessibleName("Quick ask shortcut status")
        self.tray = QCheckBox("Keep Hushdesk in the tray when its window is closed")
        self.tray.setChecked(settings.ui.keep_in_tray)
        self.tray.setToolTip(
            "The local API and the shortcut keep working; quit from the tray icon's menu."
        )
        self.tray.setEnabled(QSystemTrayIcon.isSystemTrayAvailable() or self.tray.isChecked())
        self.tray.toggled.connect(self._keep_in_tray)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Shortcut:", self.keys)
        form.addRow("", self.problem)
        form.addRow(self.tray)
        self.enabled.toggled.connect(lambda _on: self.apply())
        self.keys.editingFinished.connect(self.apply)
        self._show(problem if chosen else "")

    def apply(self) -> None:
        """Keep the choice and take the shortcut now; say why it cannot be had."""
        sequence = self.keys.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        chosen = sequence if self.enabled.isChecked() and sequence else ""
        self.keys.setEnabled(self.enabled.isChecked())
        self.settings.ui.quick_shortcut = chosen
        self.settings.save()
        self._show(self.take(chosen) if self.take is not None else "")

    def _keep_in_tray(self, on: bool) -> None:
        self.settings.ui.keep_in_tray = on
        self.settings.save()

    def _show(self, problem: str) -> None:
        if problem:
            self.problem.setText("⚠ " + problem)
        elif self.enabled.isChecked():
            self.problem.setText("Works in every program. Or run `hushdesk quick`.")
        else:
            self.problem.setText("Off. `hushdesk quick` still opens it.")
