"""A model's own settings: context, sampling, GPU, threads, chat template, LoRA adapter."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from hushdesk.services.models import InstalledModel
from hushdesk.settings import ModelOverrides, Settings
from hushdesk.ui import file_dialogs
from hushdesk.ui.messages import error_text
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.number_slider import NumberSlider


class ModelSettingsDialog(QDialog):
    def __init__(
        self,
        model: InstalledModel,
        settings: Settings,
        tasks: Tasks,
        check_template: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        """``check_template``: a sample conversation rendered with a template, or a
        HushdeskError saying why not (``Models.check_template``), run on ``tasks``."""
        super().__init__(parent)
        self.tasks, self.check_template = tasks, check_template
        self.setWindowTitle(f"Settings — {model.name}")
        current = settings.for_model(model.id)
        s, e = settings.sampling, settings.engine
        max_ctx = int(model.details.get("context_length") or 131072)

        self.n_ctx = self._spin("Context length", 0, max_ctx, current.n_ctx or 0, 512)
        self.n_ctx.setSpecialValueText(f"Default ({min(e.n_ctx, max_ctx):,})")
        self.temperature = self._double("Temperature", 0, 2, current.temperature, s.temperature)
        self.top_p = self._double("Top p", 0.05, 1, current.top_p, s.top_p)
        self.repeat_penalty = self._double(
            "Repeat penalty", 1, 2, current.repeat_penalty, s.repeat_penalty
        )
        gpu = current.n_gpu_layers if current.n_gpu_layers is not None else -2
        self.gpu_layers = self._spin("GPU layers", -2, 999, gpu, 1)
        self.gpu_layers.setSpecialValueText("Default")
        self.gpu_layers.setToolTip(
            "Default: as many layers as fit in the GPU's free memory. -1 puts every layer on "
            "the GPU; 0 runs on the CPU only"
        )
        threads = current.n_threads if current.n_threads is not None else 0
        self.threads = self._spin("Threads", 0, 256, threads, 1)
        self.threads.setSpecialValueText("Automatic")
        test = self._build_template(current.chat_template)
        lora_row = self._build_lora(current.lora_path)

        form = QFormLayout(self)
        form.addRow("Context length (tokens)", self.n_ctx)
        form.addRow("Temperature", NumberSlider(self.temperature))
        form.addRow("Top p", NumberSlider(self.top_p))
        form.addRow("Repeat penalty", self.repeat_penalty)
        form.addRow("GPU layers", self.gpu_layers)
        form.addRow("CPU threads", self.threads)
        form.addRow("Chat template", self.template)
        form.addRow(test, self.template_check)
        form.addRow("LoRA adapter (GGUF)", lora_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(620, 560)

    def _build_template(self, template: str | None) -> QPushButton:
        self.template = QPlainTextEdit(template or "")
        self.template.setAccessibleName("Chat template override")
        self.template.setPlaceholderText("Empty: use the template inside the model file.")
        self.template.setTabChangesFocus(True)
        self.template_check = QLabel("")
        self.template_check.setWordWrap(True)
        test = QPushButton("Test template")
        test.setAccessibleName("Test template")
        test.clicked.connect(self.test_template)
        return test

    def _build_lora(self, path: str | None) -> QHBoxLayout:
        self.lora = QLineEdit(path or "")
        self.lora.setAccessibleName("LoRA adapter")
        self.lora.setPlaceholderText("None")
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose LoRA adapter")
        browse.clicked.connect(self._choose_lora)
        row = QHBoxLayout()
        row.addWidget(self.lora, 1)
        row.addWidget(browse)
        return row

    def _spin(self, name: str, low: int, high: int, value: int, step: int) -> QSpinBox:
        box = QSpinBox()
        box.setAccessibleName(name)
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setValue(value)
        return box

    def _double(
        self, name: str, low: float, high: float, value: float | None, default: float
    ) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setAccessibleName(name)
        box.setRange(low, high)
        box.setSingleStep(0.05)
        box.setValue(value if value is not None else default)
        box.setProperty("default", default)
        return box

    def _choose_lora(self) -> None:
        path = file_dialogs.open_file(self, "LoRA adapter", "", "GGUF adapter (*.gguf)")
        if path:
            self.lora.setText(path)

    def test_template(self) -> None:
        """Render a sample conversation, in a separate process (a template is code)."""
        text = self.template.toPlainText().strip()
        if not text:
            self.template_check.setText("The model's own template will be used.")
            return
        self.template_check.setText("Checking…")
        self.tasks.run(
            lambda: self.check_template(text),
            on_result=self._rendered,
            on_error=lambda exc: self.template_check.setText(f"⚠ {error_text(exc)}"),
        )

    def _rendered(self, preview: str) -> None:
        preview = preview if len(preview) < 300 else preview[:300] + "…"
        self.template_check.setText(f"✓ Renders correctly:\n{preview}")

    def _accept(self) -> None:
        self.accept()  # saving checks everything again, off the GUI thread

    def overrides(self) -> ModelOverrides:
        def changed(box: QDoubleSpinBox) -> float | None:
            value = round(box.value(), 2)
            return None if value == round(float(box.property("default")), 2) else value

        return ModelOverrides(
            n_ctx=self.n_ctx.value() or None,
            temperature=changed(self.temperature),
            top_p=changed(self.top_p),
            repeat_penalty=changed(self.repeat_penalty),
            n_gpu_layers=None if self.gpu_layers.value() == -2 else self.gpu_layers.value(),
            n_threads=self.threads.value() or None,
            chat_template=self.template.toPlainText().strip() or None,
            lora_path=self.lora.text().strip() or None,
        )
