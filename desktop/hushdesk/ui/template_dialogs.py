"""Email templates: the form for a template's variables, and the manager (browse, new,
duplicate, save, delete, import, export)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hushdesk.errors import HushdeskError
from hushdesk.services.drafts import Template, Templates, kinds, tones
from hushdesk.settings import EmailSettings
from hushdesk.ui import file_dialogs
from hushdesk.ui.messages import warning
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.widgets.combo import combo


class VariablesDialog(QDialog):
    """The form for a template's variables."""

    def __init__(self, template: Template, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(template.name)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        form.addRow(
            rich_label(
                f"<b>{html.escape(template.name)}</b> — fill in the blanks; "
                "the date and your name are filled in if left empty."
            )
        )
        for name in template.fields():
            edit = QLineEdit()
            edit.setAccessibleName(template.label(name))
            self.fields[name] = edit
            form.addRow(f"{template.label(name)}:", edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.fields.items()}


class TemplatesDialog(QDialog):
    """Browse the templates; add, edit, duplicate, delete, import and export your own."""

    def __init__(self, templates: Templates, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates = templates
        self.setWindowTitle("Email templates")
        self.resize(900, 560)
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        self.list.currentItemChanged.connect(self._chosen)
        self.name = QLineEdit()
        self.name.setAccessibleName("Template name")
        self.kind = combo("Kind of email", [(k.title, k.id) for k in kinds().values()])
        self.tone = combo("Tone", [(t.title, t.id) for t in tones().values()])
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Template subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Template body")
        self.body.setPlaceholderText("Dear {client_name},\n\nVariables go in braces.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = {}
        row = QHBoxLayout()
        for text, slot in (
            ("New", self.new),
            ("Duplicate", self.duplicate),
            ("Save", self.save),
            ("Delete", self.delete),
            ("Import…", self._import),
            ("Export…", self._export),
        ):
            buttons[text] = QPushButton(text)
            buttons[text].clicked.connect(slot)
            row.addWidget(buttons[text])
        row.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        self.save_button, self.delete_button = buttons["Save"], buttons["Delete"]
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Kind:", self.kind)
        form.addRow("Tone:", self.tone)
        form.addRow("Subject:", self.subject)
        editor = QWidget()
        column = QVBoxLayout(editor)
        column.addLayout(form)
        column.addWidget(self.body, 1)
        column.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(editor)
        split.setSizes([300, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(row)
        self.current: Template | None = None
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.list.clear()
        for template in self.templates.all():
            suffix = "" if template.builtin else " (yours)"
            item = QListWidgetItem(f"{template.pack_name}: {template.name}{suffix}")
            item.setData(Qt.ItemDataRole.UserRole, template)
            self.list.addItem(item)
            if template.id == select:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        template = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.current = template
        if template is None:
            return
        self.name.setText(template.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(template.kind)))
        self.tone.setCurrentIndex(max(0, self.tone.findData(template.tone)))
        self.subject.setText(template.subject)
        self.body.setPlainText(template.body.strip())
        editable = not template.builtin
        for widget in (self.name, self.subject):
            widget.setReadOnly(not editable)
        self.body.setReadOnly(not editable)
        self.save_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.message.setText(
            "" if editable else "A shipped template: Duplicate it to edit your own copy."
        )

    def _act(self, action: Callable[[], Template | None]) -> None:
        try:
            done = action()
        except HushdeskError as exc:
            self.message.setText(warning(exc))
            return
        self.reload(done.id if done else None)
        if done is not None:
            self.message.setText(
                f"Saved “{done.name}”. Variables: " + (", ".join(done.fields()) or "none")
            )

    def new(self) -> None:
        self._act(
            lambda: self.templates.save(
                Template(
                    id=self.templates.new_id("my template"),
                    name="My template",
                    body="Dear {name},\n\n",
                    subject="",
                )
            )
        )

    def duplicate(self) -> None:
        if self.current is not None:
            template_id = self.current.id
            self._act(lambda: self.templates.duplicate(template_id))

    def save(self) -> None:
        if self.current is None or self.current.builtin:
            return
        edited = Template(
            id=self.current.id,
            name=self.name.text().strip(),
            kind=str(self.kind.currentData()),
            tone=str(self.tone.currentData()),
            subject=self.subject.text(),
            body=self.body.toPlainText(),
            variables=dict(self.current.variables),
        )
        self._act(lambda: self.templates.save(edited))

    def delete(self) -> None:
        if self.current is not None and not self.current.builtin:
            template_id = self.current.id
            self._act(lambda: self.templates.delete(template_id))

    def _import(self) -> None:
        path = file_dialogs.open_file(
            self, "Import templates", str(Path.home()), "Templates (*.toml *.json)"
        )
        if path:
            self._act(lambda: next(reversed(self.templates.import_file(Path(path))), None))

    def _export(self) -> None:
        mine = [t for t in self.templates.all() if not t.builtin]
        chosen = mine or ([self.current] if self.current else [])
        if not chosen:
            return
        path = file_dialogs.save_file(
            self,
            "Export templates",
            str(Path.home() / "templates.toml"),
            "TOML (*.toml);;JSON (*.json)",
        )
        if path:
            try:
                self.templates.export(chosen, Path(path))
                self.message.setText(f"Exported {len(chosen)} template(s) to {path}.")
            except HushdeskError as exc:
                self.message.setText(warning(exc))


class SignatureDialog(QDialog):
    """Your name, address and the signature under every draft."""

    def __init__(self, sender: EmailSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your name and signature")
        self.name = QLineEdit(sender.sender_name)
        self.address = QLineEdit(sender.sender_address)
        self.signature = QPlainTextEdit(sender.signature)
        self.signature.setPlaceholderText(
            "Under the closing of every draft, e.g.\nSam Carter\nCarter & Co, Solicitors\n"
            "+44 20 7946 0000"
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Your name:", self.name)
        form.addRow("Your address:", self.address)
        form.addRow("Signature:", self.signature)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.name.text(), self.address.text(), self.signature.toPlainText()
