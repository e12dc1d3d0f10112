"""A catalog model as a card: size, context, licence, what it is good for, whether it
fits this computer (and why), the quantization to download."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.models import CatalogModel, Fit, Machine
from hushdesk.ui.safe_text import rich_label

BADGE_COLOURS = {"fits": "#2e7d32", "tight": "#b26a00", "wont_fit": "#c62828"}
Fitter = Callable[[CatalogModel, str | None, Machine], Fit]


class ModelCard(QFrame):
    downloadRequested = Signal(str, str)  # catalog id, quantization

    def __init__(self, model: CatalogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.verdict: str | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("role", "card")  # resources/styles/app.qss
        self.setAccessibleName(model.name)
        self.title = rich_label(f"<b>{html.escape(model.name)}</b>")
        self.badge = rich_label("")
        self.badge.setAccessibleName(f"Fit of {model.name}")
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.good_for = QLabel(model.good_for)
        self.good_for.setWordWrap(True)
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.reason.setProperty("role", "muted")
        self.quant = QComboBox()
        self.quant.setAccessibleName(f"Quantization of {model.name}")
        for f in model.files:
            size = model.download_bytes(f) / 1e9
            self.quant.addItem(f"{f.quantization} · {size:.1f} GB", f.quantization)
        self.button = QPushButton("Download")
        self.button.setAccessibleName(f"Download {model.name}")
        self.button.clicked.connect(
            lambda: self.downloadRequested.emit(model.id, str(self.quant.currentData()))
        )
        self.quant.currentIndexChanged.connect(lambda _i: self._update())
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.badge)
        bottom = QHBoxLayout()
        bottom.addWidget(self.quant, 1)
        bottom.addWidget(self.button)
        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.good_for)
        layout.addWidget(self.reason)
        layout.addLayout(bottom)
        self._installed: set[str] = set()
        self.locked = ""  # why downloads are locked (the firm's policy), or ""
        self._machine: Machine | None = None
        self._fit: Fitter | None = None
        self._update()

    def set_machine(self, machine: Machine, fit: Fitter) -> None:
        """Show whether this model fits ``machine``, as ``fit`` judges it."""
        self._machine, self._fit = machine, fit
        self._update()

    def set_installed(self, quantizations: set[str]) -> None:
        self._installed = quantizations
        self._update()

    def mark_recommended(self, quantization: str) -> None:
        self.title.setText(f"<b>{html.escape(self.model.name)}</b> &nbsp;★ recommended")
        self.quant.setCurrentIndex(max(0, self.quant.findData(quantization)))

    def _update(self) -> None:
        m = self.model
        quantization = str(self.quant.currentData())
        file = m.file(quantization)
        traits = f" · {m.traits}" if m.traits else ""
        self.facts.setText(
            f"{m.parameters_label} parameters · context {m.context_length:,} · {m.license}{traits}"
        )
        installed = quantization in self._installed or m.bundled
        self.button.setEnabled(not installed and not self.locked)
        self.button.setText("Installed" if installed else "Download")
        self.button.setToolTip(self.locked)
        if self._machine is None or self._fit is None:
            return
        fit = self._fit(m, file.quantization, self._machine)
        self.verdict = fit.verdict
        colour = BADGE_COLOURS[fit.verdict]
        self.badge.setText(
            f'<span style="color:white; background:{colour}">'
            f"&nbsp;{html.escape(fit.label)}&nbsp;</span>"
        )
        self.badge.setToolTip(fit.reason)
        self.reason.setText(fit.reason[0].upper() + fit.reason[1:] + ".")
        self.setMinimumHeight(self._layout.heightForWidth(max(self.width(), 420)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Wrapped text needs this much height at this width; never squeeze it.
        self.setMinimumHeight(self._layout.heightForWidth(event.size().width()))
