"""Matters → New matter… and Manage matters…: a matter's name, standing instructions,
retention, closing, handing over (export, import) and deleting.

The dialogs only ask and show; the work is ``services.matters`` and, for an archive,
``App.export_matter``/``import_matter`` run by ``ui/matters.py`` as background jobs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hushdesk.errors import HushdeskError
from hushdesk.services.matters import Matter, Matters
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import error_text, status_label

INSTRUCTIONS_HINT = "Standing instructions for every chat in it, e.g. “We act for the tenant.”"


def _instructions_box(text: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setAccessibleName("Standing instructions")
    box.setPlaceholderText(INSTRUCTIONS_HINT)
    box.setTabChangesFocus(True)
    box.setFixedHeight(80)
    return box


class NewMatterDialog(QDialog):
    """A name and, if wanted, standing instructions."""

    def __init__(self, matters: Matters, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matters = matters
        self.made: Matter | None = None
        self.setWindowTitle("New matter")
        self.name = QLineEdit()
        self.name.setAccessibleName("Matter name")
        self.name.setPlaceholderText("e.g. Smith v Jones, or a patient's initials")
        self.name.setMaxLength(80)
        self.instructions = _instructions_box()
        self.status = status_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton(
            "Create and open", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setDefault(True)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Instructions", self.instructions)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _create(self) -> None:
        try:
            self.made = self.matters.add(self.name.text(), self.instructions.toPlainText())
        except HushdeskError as exc:
            self.status.setText(f"⚠ {exc.message}")
            return
        self.accept()


class MattersDialog(QDialog):
    """Every matter; the chosen one's settings and what can be done with it."""

    openRequested = Signal(str)  # a matter's id
    newRequested = Signal()
    exportRequested = Signal(str)  # a matter's id
    importRequested = Signal()
    chatgptRequested = Signal()  # ChatGPT's conversations.json, into the open matter
    changed = Signal()  # names, instructions, closing or retention changed

    def __init__(self, matters: Matters, open_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matters, self.open_id = matters, open_id
        self.setWindowTitle("Matters")
        self.resize(720, 440)
        self.list = QListWidget()
        self.list.setAccessibleName("Matters")
        self.list.setMinimumWidth(220)
        self.list.setWordWrap(True)  # a long name on two lines, not under a scroll bar
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setMaxLength(80)
        self.instructions = _instructions_box()
        self.keep = QCheckBox("Delete conversations, drafts and summaries after")
        self.days = QSpinBox()
        self.days.setRange(1, 36_500)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Retention in days")
        self.closed = QCheckBox("Closed: read-only (kept and searchable, nothing changes)")
        self.save = QPushButton("Save changes")
        self.open_button = QPushButton("Open")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("One encrypted file with a passphrase of its own")
        self.delete = QPushButton("Delete…")
        self.delete.setProperty("role", "danger")
        self.status = status_label()
        self._build()
        self.refresh()

    def _build(self) -> None:
        keep = QHBoxLayout()
        keep.addWidget(self.keep)
        keep.addWidget(self.days)
        keep.addStretch(1)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Instructions", self.instructions)
        form.addRow("Retention", keep)
        form.addRow("", self.closed)
        actions = QHBoxLayout()
        for button in (self.save, self.open_button, self.export_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.delete)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(actions)
        right.addStretch(1)
        right.addWidget(self.status)
        body = QHBoxLayout()
        body.addWidget(self.list, 2)
        body.addLayout(right, 5)
        new, bring = QPushButton("New matter…"), QPushButton("Import…")
        bring.setToolTip("A matter exported from Hushdesk (.hdm), with its passphrase")
        chatgpt = QPushButton("Import ChatGPT chats…")
        chatgpt.setToolTip("ChatGPT's export (conversations.json), into the open matter")
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        done.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(new)
        bottom.addWidget(bring)
        bottom.addWidget(chatgpt)
        bottom.addStretch(1)
        bottom.addWidget(done)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        self.list.currentItemChanged.connect(lambda *_: self._show())
        self.keep.toggled.connect(self.days.setEnabled)
        self.save.clicked.connect(self._save)
        self.open_button.clicked.connect(lambda: self._emit(self.openRequested.emit))
        self.export_button.clicked.connect(lambda: self._emit(self.exportRequested.emit))
        self.delete.clicked.connect(self._delete)
        new.clicked.connect(self.newRequested)
        bring.clicked.connect(self.importRequested)
        chatgpt.clicked.connect(self.chatgptRequested)

    # -- showing ----------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        current = select or self._chosen_id() or self.open_id
        self.list.clear()
        for matter in self.matters.list():
            notes = [
                n
                for n, on in (("open", matter.id == self.open_id), ("closed", matter.closed))
                if on
            ]
            item = QListWidgetItem(matter.name + (f" ({', '.join(notes)})" if notes else ""))
            item.setData(Qt.ItemDataRole.UserRole, matter.id)
            self.list.addItem(item)
            if matter.id == current:
                self.list.setCurrentItem(item)

    def chosen(self) -> Matter | None:
        matter_id = self._chosen_id()
        return next((m for m in self.matters.list() if m.id == matter_id), None)

    def _chosen_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _show(self) -> None:
        matter = self.chosen()
        if matter is None:
            return
        self.name.setText(matter.name)
        self.instructions.setPlainText(matter.instructions)
        self.keep.setChecked(matter.retention_days is not None)
        self.days.setValue(matter.retention_days or 365)
        self.days.setEnabled(matter.retention_days is not None)
        self.closed.setChecked(matter.closed)
        is_open = matter.id == self.open_id
        self.open_button.setEnabled(not is_open)
        self.delete.setEnabled(not matter.default and not is_open)
        self.delete.setToolTip(
            "The first matter can be emptied, not deleted"
            if matter.default
            else "Open another matter first"
            if is_open
            else "Its key first, then its files: it cannot be undone"
        )
        self.status.setText("")

    # -- changing ---------------------------------------------------------------------------

    def _save(self) -> None:
        matter = self.chosen()
        if matter is None:
            return
        try:
            if self.name.text().strip() != matter.name:
                matter = self.matters.rename(matter, self.name.text())
            if self.instructions.toPlainText().strip() != matter.instructions:
                matter = self.matters.set_instructions(matter, self.instructions.toPlainText())
            days = self.days.value() if self.keep.isChecked() else None
            if days != matter.retention_days:
                matter = self.matters.set_retention(matter, days)
            if self.closed.isChecked() != matter.closed:
                matter = self.matters.close_matter(matter, self.closed.isChecked())
        except HushdeskError as exc:
            self.status.setText(f"⚠ {error_text(exc)}")
            return
        self.refresh(matter.id)
        self.status.setText("Saved.")
        self.changed.emit()

    def _delete(self) -> None:
        matter = self.chosen()
        if matter is None or matter.default or matter.id == self.open_id:
            return
        if not confirm(
            self,
            "Delete matter",
            f"Delete “{matter.name}” with all its conversations, libraries, summaries and "
            "drafts? Its key is destroyed first: this cannot be undone. (Your own files "
            "stay where they are.)",
            "Delete matter",
            cancel="Keep it",
            destructive=True,
        ):
            return
        try:
            self.matters.delete(matter)
        except HushdeskError as exc:
            self.status.setText(f"⚠ {error_text(exc)}")
            return
        self.refresh(self.open_id)
        self.status.setText(f"Deleted “{matter.name}”.")
        self.changed.emit()

    def _emit(self, emit: Callable[[str], object]) -> None:
        matter_id = self._chosen_id()
        if matter_id is not None:
            emit(matter_id)
