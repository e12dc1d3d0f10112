"""The Models page: what is installed, what is downloading, and the catalog with advice."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.services.downloads import Download
from hushdesk.services.models import GB, InstalledModel, Machine
from hushdesk.ui import file_dialogs
from hushdesk.ui.message_box import choose, confirm
from hushdesk.ui.messages import ask_text, error_text, page_title, status_label, warning
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.connections_box import ConnectionsBox
from hushdesk.ui.widgets.job_bar import JobBar
from hushdesk.ui.widgets.model_card import ModelCard
from hushdesk.ui.widgets.model_settings import ModelSettingsDialog
from hushdesk.ui.widgets.speech_catalog import SpeechCatalog

log = logging.getLogger("hushdesk.ui")


class ModelsPage(QScrollArea):
    modelsChanged = Signal()
    downloadFailed = Signal(str, object)  # the model's name, the error (not a pause)

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models, self.settings, self.tasks = app.models, app.settings, tasks
        self.recordings = app.recordings
        self.downloads, self.policy = app.downloads, app.policy
        self.machine: Machine | None = None
        self.rows: dict[str, tuple[JobBar, Download]] = {}
        self.cards: dict[str, ModelCard] = {}
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a frame: Tab goes to what is in it
        self.setAccessibleName("Models")
        body = QWidget()
        self.layout_ = QVBoxLayout(body)
        self.summary = QLabel("Checking this computer…")
        self.summary.setWordWrap(True)
        self.advice = QLabel("")
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(page_title("Models"))
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.advice)
        self.layout_.addWidget(self._installed_box())
        self.connections_box = ConnectionsBox(app.connections, tasks)
        self.connections_box.connectionsChanged.connect(self.modelsChanged)
        self.layout_.addWidget(self.connections_box)
        self.downloads_box = QGroupBox("Downloads")
        self.download_rows = QVBoxLayout(self.downloads_box)
        self.downloads_box.hide()
        self.layout_.addWidget(self.downloads_box)
        self.layout_.addWidget(self._catalog_box())
        self.speech_box = SpeechCatalog(self.models.catalog.speech)
        if self.policy.downloads is False:
            self.speech_box.locked = f"Downloads are turned off by {self.policy.why()}."
        self.speech_box.downloadRequested.connect(self.start_download)
        self.speech_box.importRequested.connect(self.import_speech)
        self.layout_.addWidget(self.speech_box)
        self.layout_.addStretch(1)
        self.setWidget(body)
        self.refresh_installed()
        self._fill_catalog()
        for download in self.downloads.unfinished():
            _show_paused(self._add_row(download), download)
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
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_row_menu)
        buttons = QHBoxLayout()
        actions = (
            ("Set as default", self.set_default),
            ("Settings…", self.edit_settings),
            ("Rename…", self.rename),
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
        self.status = status_label()
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
        for index, model in enumerate(self.models.search()):
            card = ModelCard(model)
            if self.policy.downloads is False:
                card.locked = f"Downloads are turned off by {self.policy.why()}."
            card.downloadRequested.connect(self.start_download)
            self.cards[model.id] = card
            self.grid.addWidget(card, index // 2, index % 2)
        self._mark_installed()

    # -- machine and advice ---------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._detected:
            self._detected = True
            self.tasks.run(self.models.machine, on_result=self._show_machine)

    def _show_machine(self, machine: Machine) -> None:
        self.machine = machine
        gb = GB
        text = (
            f"This computer: {machine.memory_total / gb:.0f} GB memory "
            f"({machine.memory_available / gb:.1f} GB free), {machine.cpu_cores} CPU cores"
        )
        if machine.gpus:
            text += ", " + ", ".join(
                f"{g.name} ({g.memory_total / gb:.0f} GB)" for g in machine.gpus
            )
        self.summary.setText(text + ".")
        for card in self.cards.values():
            card.set_machine(machine, self.models.fit)
        pick = self.models.recommend(machine)
        if pick is not None:
            self.advice.setText(
                f"<b>Recommended: {html.escape(pick.model.name)} "
                f"({html.escape(pick.file.quantization)})</b> — {html.escape(pick.why)}"
            )
            self.cards[pick.model.id].mark_recommended(pick.file.quantization)
        self.speech_box.show_speeds(
            {entry.id: rtf for entry, rtf, _ in self.models.speech_catalog(machine)}
        )
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
        models = self.models.installed()
        default = self.models.default_chat()
        self.table.setRowCount(len(models))
        for row, model in enumerate(models):
            mark = "★ speech" if self.recordings.hears_with(model) else ""
            cells = (
                model.name,
                ("chat · sees images" if "mmproj" in model.details else "chat")
                if model.kind == "llm"
                else model.kind,
                f"{model.size_bytes / 1e9:.2f} GB",
                model.source + ("" if model.available else " (file missing)"),
                "★ default" if model.id == default else mark,
            )
            tip = model.path + (f"\nFirst called {model.original_name}" if model.renamed else "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, model.id)
                item.setToolTip(tip)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self._mark_installed()

    def _mark_installed(self) -> None:
        for card in self.cards.values():
            card.set_installed(self.models.installed_quantizations(card.model))
        self.speech_box.mark_installed({m.id for m in self.models.installed("speech")})

    def selected(self) -> InstalledModel | None:
        items = self.table.selectedItems()
        if not items:
            self.status.setText("Select a model first.")
            return None
        return self.models.get(str(items[0].data(Qt.ItemDataRole.UserRole)))

    def row_menu(self) -> QMenu:
        """What can be done with the selected model (right-click on its row)."""
        menu = QMenu(self.table)
        model = self.selected()
        speech = model is not None and model.kind == "speech"
        menu.addAction("Use for speech" if speech else "Set as default", self.set_default)
        menu.addAction("Settings…", self.edit_settings)
        menu.addAction("Rename…", self.rename)
        menu.addAction("Remove…", self.remove)
        return menu

    def _show_row_menu(self, position: QPoint) -> None:
        if self.table.itemAt(position) is None:
            return
        self.table.selectRow(self.table.rowAt(position.y()))
        menu = self.row_menu()
        menu.exec(self.table.viewport().mapToGlobal(position))
        menu.deleteLater()

    def rename(self) -> None:
        """Show the selected model under a name of the user's (its file stays)."""
        model = self.selected()
        if model is None:
            return
        name = ask_text(self, "Rename model", f"New name for {model.name}:", model.name)
        if name is None:
            return
        try:
            renamed = self.models.rename(model.id, name)
        except HushdeskError as exc:
            self.status.setText(warning(exc))
            return
        self.status.setText(f"{model.name} is now called {renamed.name}.")
        self._changed()
        self._select(renamed.id)

    def _select(self, model_id: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == model_id:
                self.table.selectRow(row)

    def set_default(self) -> None:
        model = self.selected()
        if model is None:
            return
        try:
            if model.kind == "speech":
                self._use_for_speech(model)
                return
            self.models.set_default(model.id)
        except Exception as exc:
            self.status.setText(warning(exc))
            return
        self.status.setText(f"{model.name} is now the default for new chats.")
        self.refresh_installed()
        self.modelsChanged.emit()

    def _use_for_speech(self, model: InstalledModel) -> None:
        self.recordings.use_installed(model)
        self.status.setText(f"{model.name} now hears recordings and dictation.")
        self.refresh_installed()

    def edit_settings(self) -> None:
        model = self.selected()
        if model is None or model.kind != "llm":
            return
        dialog = ModelSettingsDialog(
            model, self.settings, self.tasks, self.models.check_template, self
        )
        if dialog.exec() != ModelSettingsDialog.DialogCode.Accepted:
            return
        overrides = dialog.overrides()
        self.status.setText("Checking the settings…")
        self.tasks.run(
            lambda: self.models.save_settings(model.id, overrides),
            on_result=lambda _r: self.status.setText(f"Saved settings for {model.name}."),
            on_error=self._error,
        )

    def remove(self) -> None:
        model = self.selected()
        if model is None:
            return
        owned = model.source == "download" or model.details.get("copied")
        detail = "Its file will be deleted." if owned else "Its file stays where it is."
        if not confirm(
            self,
            "Remove model",
            f"Remove {model.name}? {detail}",
            "Remove model",
            cancel="Keep it",
            destructive=True,
        ):
            return
        self.status.setText(f"Removing {model.name}…")

        def removed(_result: object) -> None:
            self.status.setText(f"Removed {model.name}.")
            self._changed()

        self.tasks.run(
            lambda: self.models.remove(model.id), on_result=removed, on_error=self._error
        )

    def import_file(self) -> None:
        path = file_dialogs.open_file(
            self, "Import a model", str(Path.home()), "GGUF models (*.gguf)"
        )
        if not path:
            return
        choice = choose(
            self,
            "Import model",
            "Copy the file into Hushdesk's folder, or use it where it is?",
            ["Copy it", "Use it where it is"],
            default=0,
            detail="A copy keeps working if the original moves; using it where it is "
            "saves disk space.",
        )
        if choice is None:
            return
        copy = choice == 0
        self.status.setText(f"Checking {Path(path).name}…")
        self.tasks.run(
            lambda: self.models.import_file(Path(path), copy=copy),
            on_result=lambda m: self._imported([m]),  # single file
            on_error=self._error,
        )

    def import_speech(self) -> None:
        folder = file_dialogs.choose_folder(
            self, "A faster-whisper model's folder", str(Path.home())
        )
        if not folder:
            return
        self.status.setText(f"Checking {Path(folder).name}…")
        self.tasks.run(
            lambda: self.models.import_speech(Path(folder)),
            on_result=lambda m: self._imported([m]),
            on_error=self._error,
        )

    def import_found(self, source: str) -> None:
        label = "Ollama" if source == "ollama" else "LM Studio"
        self.status.setText(f"Looking for {label} models…")
        self.tasks.run(
            lambda: self.models.import_from(source),
            on_result=lambda r: self._imported(*r),
            on_error=self._error,
        )

    def _imported(self, models: list[InstalledModel], skipped: list[str] | None = None) -> None:
        text = f"Imported {', '.join(m.name for m in models)}." if models else "Nothing imported."
        if skipped:
            text += " Skipped: " + "; ".join(skipped)
        self.status.setText(text)
        self._changed()

    def _error(self, error: BaseException) -> None:
        self.status.setText(warning(error))

    def _changed(self) -> None:
        self.refresh_installed()
        self.modelsChanged.emit()

    # -- downloads ------------------------------------------------------------------------

    def start_download(self, model_id: str, quantization: str) -> None:
        download = self.downloads.start(model_id, quantization)
        if download is not None:
            self._add_row(download)
            self._run(download)
        elif (listed := self.downloads.again(model_id, quantization)) is not None:
            if listed.key not in self.rows:  # listed before this page was built
                self._add_row(listed)
            self._run(listed)  # it failed or was paused: asked for again, it runs again

    def _add_row(self, download: Download) -> JobBar:
        name = download.name
        row = JobBar(
            f"Download progress of {name}",
            title=name,
            stop="Cancel",
            stop_name=f"Cancel download of {name}",
            pausable=True,
            pause_name=f"Pause or resume {name}",
        )
        row.start("Preparing…")
        self.rows[download.key] = (row, download)
        self.download_rows.addWidget(row)
        self.downloads_box.show()
        row.pauseRequested.connect(lambda: self.downloads.pause(download))
        row.resumeRequested.connect(lambda: self._run(download))
        row.stopRequested.connect(lambda: self._cancel(download))
        return row

    def _run(self, download: Download) -> None:
        row, _ = self.rows[download.key]
        row.set_running(True)
        self.tasks.run(
            lambda *, progress, **_: self.downloads.run(download, progress=progress),
            pool="downloads",
            job_args=True,
            token=self.downloads.begin(download),
            title=f"Downloading {download.name}",
            on_progress=row.show_progress,
            on_result=lambda model: self._finished(download, model),
            on_error=lambda error: self._stopped(download, error),
        )

    def _cancel(self, download: Download) -> None:
        if self.downloads.cancel(download):
            self._drop_row(download)

    def _finished(self, download: Download, model: InstalledModel) -> None:
        self.downloads.ended(download)
        self._drop_row(download)
        where = (
            "Select it above and press Set as default to hear recordings and dictation with it."
            if model.kind == "speech"
            else "Choose it in the chat header."
        )
        self.status.setText(f"Installed {model.name}. {where}")
        self._changed()

    def _stopped(self, download: Download, error: BaseException) -> None:
        outcome = self.downloads.ended(download, error)
        row, _ = self.rows[download.key]
        if outcome == "paused":
            _show_paused(row, download)
        elif outcome == "cancelled":
            self._drop_row(download)
        else:
            row.show_error(error_text(error))
            self.downloadFailed.emit(download.name, error)

    def _drop_row(self, download: Download) -> None:
        row, _ = self.rows.pop(download.key)
        row.deleteLater()
        self.downloads_box.setVisible(bool(self.rows))

    def pause_all(self) -> None:
        """On quit: running downloads stop and stay resumable."""
        self.downloads.pause_all()


def _show_paused(row: JobBar, download: Download) -> None:
    done, total = download.progress_on_disk()
    row.show_paused(
        f"Paused at {done / 1e6:,.0f} of {total / 1e6:,.0f} MB", done / total if total else None
    )
