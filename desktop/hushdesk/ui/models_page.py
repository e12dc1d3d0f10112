"""The Models page: what is installed, what is downloading, and the catalog with advice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hushdesk.core import Core
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, ProgressCallback
from hushdesk.models import download, hardware, importers
from hushdesk.models.catalog import CatalogModel
from hushdesk.models.manager import installed_id
from hushdesk.models.registry import InstalledModel
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.download_row import DownloadRow
from hushdesk.ui.widgets.model_settings import ModelSettingsDialog

log = logging.getLogger("hushdesk.ui")

BADGE_COLOURS = {"fits": "#2e7d32", "tight": "#b26a00", "wont_fit": "#c62828"}


class ModelsPage(QScrollArea):
    modelsChanged = Signal()

    def __init__(self, core: Core, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core, self.tasks = core, tasks
        self.machine: hardware.Machine | None = None
        self.rows: dict[str, tuple[DownloadRow, download.DownloadControl | None]] = {}
        self.jobs: dict[str, download.DownloadJob] = {}
        self.plans: dict[str, Callable[[], download.DownloadJob]] = {}
        self.cards: dict[str, ModelCard] = {}
        self.setWidgetResizable(True)
        self.setAccessibleName("Models")
        body = QWidget()
        self.layout_ = QVBoxLayout(body)
        self.summary = QLabel("Checking this computer…")
        self.summary.setWordWrap(True)
        self.advice = QLabel("")
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(QLabel("<h2>Models</h2>"))
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.advice)
        self.layout_.addWidget(self._installed_box())
        self.downloads_box = QGroupBox("Downloads")
        self.downloads = QVBoxLayout(self.downloads_box)
        self.downloads_box.hide()
        self.layout_.addWidget(self.downloads_box)
        self.layout_.addWidget(self._catalog_box())
        self.layout_.addStretch(1)
        self.setWidget(body)
        self.refresh_installed()
        self._fill_catalog()
        for job in download.unfinished():
            self._paused_row(job)
        self._detected = False

    # -- layout ---------------------------------------------------------------------------

    def _installed_box(self) -> QGroupBox:
        box = QGroupBox("Installed")
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName("Installed models")
        self.table.setHorizontalHeaderLabels(["Name", "Kind", "Size", "Source", ""])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(150)
        buttons = QHBoxLayout()
        actions = (
            ("Set as default", self.set_default),
            ("Settings…", self.edit_settings),
            ("Remove…", self.remove),
            ("Import GGUF file…", self.import_file),
            ("Find Ollama models", lambda: self.import_found("ollama")),
            ("Find LM Studio models", lambda: self.import_found("lmstudio")),
        )
        for label, slot in actions:
            button = QPushButton(label)
            button.setAccessibleName(label.rstrip("…"))
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(box)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        return box

    def _catalog_box(self) -> QGroupBox:
        box = QGroupBox("Catalog")
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter catalog")
        self.filter.setPlaceholderText("Filter: name, family, use…")
        self.fits_only = QCheckBox("Only models that fit this computer")
        self.fits_only.setAccessibleName("Only models that fit")
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.fits_only)
        self.grid = QGridLayout()
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addLayout(self.grid)
        self.filter.textChanged.connect(self._apply_filter)
        self.fits_only.toggled.connect(self._apply_filter)
        return box

    def _fill_catalog(self) -> None:
        models = sorted(self.core.models.catalog.models, key=lambda m: m.parameters)
        for index, model in enumerate(models):
            card = ModelCard(model)
            card.downloadRequested.connect(self.start_download)
            self.cards[model.id] = card
            self.grid.addWidget(card, index // 2, index % 2)
        self._mark_installed()

    # -- machine and advice ---------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._detected:
            self._detected = True
            self.tasks.run(hardware.detect, on_result=self._show_machine)

    def _show_machine(self, machine: hardware.Machine) -> None:
        self.machine = machine
        gb = hardware.GB
        text = (
            f"This computer: {machine.memory_total / gb:.0f} GB memory "
            f"({machine.memory_available / gb:.1f} GB free), {machine.cpu_cores} CPU cores"
        )
        if machine.gpus:
            text += ", " + ", ".join(
                f"{g.name} ({g.memory_total / gb:.0f} GB)" for g in machine.gpus
            )
        self.summary.setText(text + ".")
        n_ctx = self.core.settings.engine.n_ctx
        for card in self.cards.values():
            card.set_machine(machine, n_ctx)
        pick = hardware.recommend(self.core.models.catalog, machine, n_ctx)
        if pick is not None:
            self.advice.setText(
                f"<b>Recommended: {pick.model.name} ({pick.file.quantization})</b> — {pick.why}"
            )
            self.cards[pick.model.id].mark_recommended(pick.file.quantization)
        self._apply_filter()

    def _apply_filter(self) -> None:
        words = self.filter.text().casefold().split()
        for card in self.cards.values():
            m = card.model
            text = f"{m.id} {m.name} {m.family} {m.good_for}".casefold()
            visible = all(w in text for w in words)
            if self.fits_only.isChecked() and card.verdict not in (None, "fits"):
                visible = False
            card.setVisible(visible)

    # -- installed ------------------------------------------------------------------------

    def refresh_installed(self) -> None:
        models = self.core.registry.list()
        try:
            default: str | None = self.core.chat_model().id
        except HushdeskError:
            default = None
        self.table.setRowCount(len(models))
        for row, model in enumerate(models):
            cells = (
                model.name,
                "chat" if model.kind == "llm" else model.kind,
                f"{model.size_bytes / 1e9:.2f} GB",
                model.source + ("" if model.available else " (file missing)"),
                "★ default" if model.id == default else "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, model.id)
                item.setToolTip(model.path)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self._mark_installed()

    def _mark_installed(self) -> None:
        installed = {m.id for m in self.core.registry.list()}
        for card in self.cards.values():
            model = card.model
            card.set_installed({
                f.quantization for f in model.files
                if installed_id(model, f.quantization) in installed
                or (model.bundled and model.id in installed)
            })  # fmt: skip

    def selected(self) -> InstalledModel | None:
        items = self.table.selectedItems()
        if not items:
            self.status.setText("Select a model first.")
            return None
        return self.core.registry.get(str(items[0].data(Qt.ItemDataRole.UserRole)))

    def set_default(self) -> None:
        model = self.selected()
        if model is None:
            return
        try:
            self.core.set_default_model(model.id)
        except HushdeskError as exc:
            self.status.setText(f"⚠ {exc.message}")
            return
        self.status.setText(f"{model.name} is now the default for new chats.")
        self.refresh_installed()
        self.modelsChanged.emit()

    def edit_settings(self) -> None:
        model = self.selected()
        if model is None or model.kind != "llm":
            return
        dialog = ModelSettingsDialog(model, self.core.settings, self, self.tasks)
        if dialog.exec() != ModelSettingsDialog.DialogCode.Accepted:
            return
        overrides = dialog.overrides()
        self.status.setText("Checking the settings…")
        self.tasks.run(
            lambda: self.core.save_model_settings(model.id, overrides),
            on_result=lambda _r: self.status.setText(f"Saved settings for {model.name}."),
            on_error=self._error,
        )

    def remove(self) -> None:
        model = self.selected()
        if model is None:
            return
        owned = model.source == "download" or model.details.get("copied")
        detail = "Its file will be deleted." if owned else "Its file stays where it is."
        answer = QMessageBox.question(self, "Remove model", f"Remove {model.name}? {detail}")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.status.setText(f"Removing {model.name}…")

        def removed(_result: object) -> None:
            self.status.setText(f"Removed {model.name}.")
            self._changed()

        self.tasks.run(lambda: self.core.models.remove(model.id), on_result=removed,
                       on_error=self._error)  # fmt: skip

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model", str(Path.home()),
                                              "GGUF models (*.gguf)")  # fmt: skip
        if not path:
            return
        copy = QMessageBox.question(
            self, "Import model",
            "Copy the file into Hushdesk's folder?\n\nYes: a copy (safe if the original moves).\n"
            "No: use it where it is (saves disk space).",
        ) == QMessageBox.StandardButton.Yes  # fmt: skip
        self.status.setText(f"Checking {Path(path).name}…")
        self.tasks.run(
            lambda: self.core.models.import_file(Path(path), copy=copy),
            on_result=lambda m: self._imported([m]),  # single file
            on_error=self._error,
        )

    def import_found(self, source: str) -> None:
        label = "Ollama" if source == "ollama" else "LM Studio"

        def work() -> tuple[list[InstalledModel], list[str]]:
            found = importers.find_ollama() if source == "ollama" else importers.find_lmstudio()
            if not found:
                raise HushdeskError(f"No {label} models were found on this computer.")
            imported, skipped = [], []
            for item in found:  # one unusable model does not stop the others
                try:
                    imported.append(self.core.models.import_found(item))
                except HushdeskError as exc:
                    skipped.append(f"{item.name}: {exc.message}")
            return imported, skipped

        self.status.setText(f"Looking for {label} models…")
        self.tasks.run(work, on_result=lambda r: self._imported(*r), on_error=self._error)

    def _imported(self, models: list[InstalledModel], skipped: list[str] | None = None) -> None:
        text = f"Imported {', '.join(m.name for m in models)}." if models else "Nothing imported."
        if skipped:
            text += " Skipped: " + "; ".join(skipped)
        self.status.setText(text)
        self._changed()

    def _error(self, error: BaseException) -> None:
        message = error.message if isinstance(error, HushdeskError) else str(error)
        self.status.setText(f"⚠ {message}")

    def _changed(self) -> None:
        self.refresh_installed()
        self.modelsChanged.emit()

    # -- downloads ------------------------------------------------------------------------

    def start_download(self, model_id: str, quantization: str) -> None:
        key = f"{model_id}:{quantization}"
        if key in self.rows:
            return
        model = self.core.models.catalog.get(model_id)
        name = f"{model.name if model else model_id} ({quantization})"
        self._add_row(key, name)
        self.plans[key] = lambda: self.core.models.plan(model_id, quantization)
        self._run(key)

    def _paused_row(self, job: download.DownloadJob) -> None:
        key = _job_key(job)
        self.jobs[key] = job
        catalog_id, quantization = job.details.get("catalog_id"), job.details.get("quantization")
        if catalog_id and quantization:
            self.plans[key] = lambda: self.core.models.plan(catalog_id, quantization)
        else:
            self.plans[key] = lambda: job
        row = self._add_row(key, job.name)
        row.show_paused(job.bytes_on_disk(), job.total_bytes)

    def _add_row(self, key: str, name: str) -> DownloadRow:
        row = DownloadRow(name)
        self.rows[key] = (row, None)
        self.downloads.addWidget(row)
        self.downloads_box.show()
        row.pauseRequested.connect(lambda: self._pause(key))
        row.resumeRequested.connect(lambda: self._resume(key))
        row.cancelRequested.connect(lambda: self._cancel(key))
        return row

    def _run(self, key: str) -> None:
        row, _ = self.rows[key]
        control = download.DownloadControl()
        self.rows[key] = (row, control)
        row.set_running(True)

        def work(*, cancel: CancelToken, progress: ProgressCallback, **_: object) -> InstalledModel:
            control.raise_if_cancelled()  # cancelled while waiting for a free slot
            job = self.jobs.get(key) or self.plans[key]()
            self.jobs[key] = job
            control.raise_if_cancelled()
            return self.core.models.install(job, control=control, progress=progress)

        self.tasks.run(
            work,
            pool="downloads",
            pass_job_args=True,
            on_progress=row.show_progress,
            on_result=lambda model: self._finished(key, model),
            on_error=lambda error: self._stopped(key, error),
        )

    def _pause(self, key: str) -> None:
        _, control = self.rows[key]
        if control is not None:
            control.pause()

    def _resume(self, key: str) -> None:
        self._run(key)

    def _cancel(self, key: str) -> None:
        row, control = self.rows[key]
        if control is not None and row.running:
            control.cancel()
            return
        job = self.jobs.pop(key, None)
        if job is not None:
            download.discard(job)
        self.plans.pop(key, None)
        self._drop_row(key)

    def _finished(self, key: str, model: InstalledModel) -> None:
        self.jobs.pop(key, None)
        self.plans.pop(key, None)
        self._drop_row(key)
        self.status.setText(f"Installed {model.name}. Choose it in the chat header.")
        self._changed()

    def _stopped(self, key: str, error: BaseException) -> None:
        row, control = self.rows[key]
        self.rows[key] = (row, None)
        if isinstance(error, Cancelled):
            if control is not None and control.paused:
                job = self.jobs.get(key)
                row.show_paused(job.bytes_on_disk() if job else 0, job.total_bytes if job else 0)
            else:
                self.jobs.pop(key, None)
                self._drop_row(key)
            return
        self.jobs.pop(key, None)  # Retry asks the server again; what is on disk is reused
        row.show_error(error.message if isinstance(error, HushdeskError) else str(error))

    def _drop_row(self, key: str) -> None:
        row, _ = self.rows.pop(key)
        row.deleteLater()
        self.downloads_box.setVisible(bool(self.rows))

    def pause_all(self) -> None:
        """On quit: running downloads stop and stay resumable."""
        for _row, control in self.rows.values():
            if control is not None:
                control.pause()


def _job_key(job: download.DownloadJob) -> str:
    catalog_id = job.details.get("catalog_id", job.model_id)
    return f"{catalog_id}:{job.details.get('quantization', '')}"


class ModelCard(QFrame):
    downloadRequested = Signal(str, str)  # catalog id, quantization

    def __init__(self, model: CatalogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.verdict: str | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(model.name)
        self.title = QLabel(f"<b>{model.name}</b>")
        self.badge = QLabel("")
        self.badge.setAccessibleName(f"Fit of {model.name}")
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.good_for = QLabel(model.good_for)
        self.good_for.setWordWrap(True)
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("font-size: small")
        self.quant = QComboBox()
        self.quant.setAccessibleName(f"Quantization of {model.name}")
        for f in model.files:
            self.quant.addItem(f"{f.quantization} · {f.size_bytes / 1e9:.1f} GB", f.quantization)
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
        self._machine: hardware.Machine | None = None
        self._n_ctx = 4096
        self._update()

    def set_machine(self, machine: hardware.Machine, n_ctx: int) -> None:
        self._machine, self._n_ctx = machine, n_ctx
        self._update()

    def set_installed(self, quantizations: set[str]) -> None:
        self._installed = quantizations
        self._update()

    def mark_recommended(self, quantization: str) -> None:
        self.title.setText(f"<b>{self.model.name}</b> &nbsp;★ recommended")
        self.quant.setCurrentIndex(max(0, self.quant.findData(quantization)))

    def _update(self) -> None:
        m = self.model
        quantization = str(self.quant.currentData())
        file = m.file(quantization)
        self.facts.setText(f"{m.parameters_label} parameters · context {m.context_length:,} · "
                           f"{m.license}")  # fmt: skip
        installed = quantization in self._installed or m.bundled
        self.button.setEnabled(not installed)
        self.button.setText("Installed" if installed else "Download")
        if self._machine is None:
            return
        fit = hardware.fit(hardware.estimate(m, file, self._n_ctx), self._machine)
        self.verdict = fit.verdict
        colour = BADGE_COLOURS[fit.verdict]
        self.badge.setText(f'<span style="color:white; background:{colour}">&nbsp;{fit.label}'
                           "&nbsp;</span>")  # fmt: skip
        self.badge.setToolTip(fit.reason)
        self.reason.setText(fit.reason[0].upper() + fit.reason[1:] + ".")
        self.setMinimumHeight(self._layout.heightForWidth(max(self.width(), 420)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Wrapped text needs this much height at this width; never squeeze it.
        self.setMinimumHeight(self._layout.heightForWidth(event.size().width()))
