"""Per-conversation settings: persona or a custom system prompt, and sampling."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from hushdesk.services.conversations import personas
from hushdesk.settings import SamplingSettings
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.widgets.number_slider import NumberSlider


class ConversationSettings(QDialog):
    def __init__(
        self,
        persona: str,
        system_prompt: str | None,
        sampling: dict[str, Any],
        defaults: SamplingSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conversation settings")
        self.persona = QComboBox()
        self.persona.setAccessibleName("Persona")
        for p in personas.personas():
            self.persona.addItem(p.name, p.id)
        self.persona.setCurrentIndex(max(0, self.persona.findData(persona)))
        self.prompt = QPlainTextEdit()
        self.prompt.setAccessibleName("System prompt")
        self.prompt.setPlaceholderText("Leave empty to use the persona's instructions.")
        self.prompt.setPlainText(system_prompt or "")
        self.prompt.setTabChangesFocus(True)
        self.temperature = QDoubleSpinBox()
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(float(sampling.get("temperature", defaults.temperature)))
        self.top_p = QDoubleSpinBox()
        self.top_p.setAccessibleName("Top p")
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setValue(float(sampling.get("top_p", defaults.top_p)))
        self.max_tokens = QSpinBox()
        self.max_tokens.setAccessibleName("Longest answer in tokens")
        self.max_tokens.setRange(16, 32_768)
        self.max_tokens.setSingleStep(128)
        self.max_tokens.setValue(int(sampling.get("max_tokens", defaults.max_tokens)))
        self._defaults = defaults
        self._thinking_controls(sampling)

        form = QFormLayout(self)
        form.addRow("Persona", self.persona)
        form.addRow("Custom instructions", self.prompt)
        form.addRow(
            rich_label(
                "<small>Lower temperature: more focused answers; higher: more varied.</small>"
            )
        )
        form.addRow("Temperature", NumberSlider(self.temperature))
        form.addRow("Top p", NumberSlider(self.top_p))
        form.addRow("Longest answer (tokens)", self.max_tokens)
        form.addRow("Thinking", self.thinking)
        form.addRow("Thinking budget (tokens)", self.budget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self._restore
        )
        form.addRow(buttons)
        self.resize(520, 420)

    def _thinking_controls(self, sampling: dict[str, Any]) -> None:
        """Thinking on or off, and its budget (a reasoning model's)."""
        self.thinking = QComboBox()
        self.thinking.setAccessibleName("Thinking before answering")
        for label, value in (("As the model does", ""), ("On", "on"), ("Off (faster)", "off")):
            self.thinking.addItem(label, value)
        thinking = sampling.get("thinking")
        chosen = "" if thinking is None else "on" if thinking else "off"
        self.thinking.setCurrentIndex(self.thinking.findData(chosen))
        self.budget = QSpinBox()
        self.budget.setAccessibleName("Thinking budget in tokens")
        self.budget.setRange(0, 32_768)
        self.budget.setSingleStep(256)
        self.budget.setSpecialValueText("No limit")
        self.budget.setValue(int(sampling.get("thinking_budget", 0)))
        self.budget.setToolTip("After this many tokens of thinking, a model on this computer "
                               "stops thinking and answers.")  # fmt: skip
        self.thinking.setToolTip(
            "For reasoning models whose chat template can turn their thinking on and off "
            "(Qwen3, SmolLM3 and others); the thinking is shown apart, never sent back."
        )

    def _restore(self) -> None:
        self.prompt.clear()
        self.temperature.setValue(self._defaults.temperature)
        self.top_p.setValue(self._defaults.top_p)
        self.max_tokens.setValue(self._defaults.max_tokens)
        self.thinking.setCurrentIndex(0)
        self.budget.setValue(0)

    def values(self) -> tuple[str, str | None, dict[str, Any]]:
        """(persona id, custom system prompt or None, sampling overrides)."""
        overrides: dict[str, Any] = {}
        d = self._defaults
        if round(self.temperature.value(), 2) != round(d.temperature, 2):
            overrides["temperature"] = round(self.temperature.value(), 2)
        if round(self.top_p.value(), 2) != round(d.top_p, 2):
            overrides["top_p"] = round(self.top_p.value(), 2)
        if self.max_tokens.value() != d.max_tokens:
            overrides["max_tokens"] = self.max_tokens.value()
        if self.thinking.currentData():
            overrides["thinking"] = self.thinking.currentData() == "on"
        if self.budget.value():
            overrides["thinking_budget"] = self.budget.value()
        prompt = self.prompt.toPlainText().strip() or None
        return str(self.persona.currentData()), prompt, overrides
