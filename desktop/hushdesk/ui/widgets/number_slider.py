"""A slider beside a number box, the two kept in step: drag, click or use the arrow keys
on the slider, or type in the box (sampling settings, as LM Studio and Jan show them)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QWidget


class NumberSlider(QWidget):
    """``box`` with a slider in front of it. The slider moves in the box's steps; a value
    typed between two steps stays as typed (the slider shows the nearest step)."""

    def __init__(self, box: QDoubleSpinBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = box
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(box.accessibleName())
        self.slider.setRange(0, self._steps(box.maximum()))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(max(1, self.slider.maximum() // 10))
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._show(box.value())
        self.slider.valueChanged.connect(self._slid)
        box.valueChanged.connect(self._show)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(box)
        self.setFocusProxy(self.slider)

    def _steps(self, value: float) -> int:
        return round((value - self.box.minimum()) / self.box.singleStep())

    def _slid(self, steps: int) -> None:
        with QSignalBlocker(self.slider):  # the box's own rounding must not move it back
            self.box.setValue(self.box.minimum() + steps * self.box.singleStep())

    def _show(self, value: float) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._steps(value))
