"""Email: draft replies and new emails on the local model, grounded in a library, with
the facts used shown and clickable; or start from a template. Edit the draft in place
(kept in history as you type), regenerate, copy, save as .eml or open it in the mail
program. The Writing tab rewrites, proofreads, translates and classifies any text."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.assistant.email import (
    MAILTO_LIMIT,
    Draft,
    Request,
    Template,
    kinds,
    lengths,
    mailto,
    review,
    tones,
)
from hushdesk.assistant.writing import Writer, styles
from hushdesk.core import Core
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback, ProgressTracker
from hushdesk.ui.tasks import Task, Tasks
from hushdesk.ui.widgets.document_viewer import DocumentViewer
from hushdesk.ui.widgets.job_bar import JobBar

LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Dutch", "Portuguese")
NO_LIBRARY = "No documents"


def _combo(name: str, items: list[tuple[str, object]], current: object = None) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for text, data in items:
        combo.addItem(text, data)
    if current is not None:
        combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _message(error: BaseException) -> str:
    return error.message if isinstance(error, HushdeskError) else str(error) or type(error).__name__


class EmailPage(QWidget):
    def __init__(self, core: Core, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core, self.tasks = core, tasks
        self.drafts = core.drafts
        self.draft: Draft | None = None
        self.job: Task | None = None
        self.viewer: DocumentViewer | None = None
        self._live = ""
        self._save_soon = QTimer(self, singleShot=True, interval=800)
        self._save_soon.timeout.connect(self.save_edits)
        tabs = QTabWidget()
        tabs.addTab(self._build_email(), "Email")
        self.writing = WritingPanel(core, tasks)
        tabs.addTab(self.writing, "Writing tools")
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------

    def _build_email(self) -> QWidget:
        split = QSplitter()
        split.addWidget(self._build_history())
        split.addWidget(self._build_form())
        split.addWidget(self._build_result())
        split.setStretchFactor(2, 1)
        split.setSizes([200, 380, 600])
        self._show(None)
        return split

    def _build_history(self) -> QWidget:
        self.history = QListWidget()
        self.history.setAccessibleName("Saved drafts")
        self.history.setMinimumWidth(150)
        self.history.setWordWrap(True)
        self.history.currentItemChanged.connect(self._history_chosen)
        self.delete = QPushButton("Delete")
        self.delete.clicked.connect(self.delete_shown)
        box = QWidget()
        side = QVBoxLayout(box)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("<b>Drafts</b>"))
        side.addWidget(self.history, 1)
        side.addWidget(self.delete)
        return box

    def _build_fields(self) -> QFormLayout:
        self.kind = _combo("Kind of email", [(k.title, k.id) for k in kinds().values()])
        for i, k in enumerate(kinds().values()):
            self.kind.setItemData(i, k.description, Qt.ItemDataRole.ToolTipRole)
        self.tone = _combo("Tone", [(t.title, t.id) for t in tones().values()], "formal")
        self.length = _combo("Length", [(v.title, v.id) for v in lengths().values()], "medium")
        self.language = _combo("Language", [("Same as the email", None)]
                               + [(lang, lang) for lang in LANGUAGES])  # fmt: skip
        self.library = _combo("Use facts from a library", [(NO_LIBRARY, None)])
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Recipient")
        self.recipient.setPlaceholderText("Name, or Name <address> (default: the sender)")
        self.role = QLineEdit()
        self.role.setAccessibleName("Recipient's role")
        self.role.setPlaceholderText("e.g. the client's finance director")
        form = QFormLayout()
        form.addRow("Kind:", self.kind)
        form.addRow("Tone:", self.tone)
        form.addRow("Length:", self.length)
        form.addRow("Language:", self.language)
        form.addRow("To:", self.recipient)
        form.addRow("Role:", self.role)
        form.addRow("Facts from:", self.library)
        return form

    def _build_form(self) -> QWidget:
        form = self._build_fields()
        self.thread_text = QPlainTextEdit()
        self.thread_text.setAccessibleName("Email to answer")
        self.thread_text.setPlaceholderText("Paste the email to answer (headers welcome), "
                                            "or open a saved .eml.")  # fmt: skip
        self.points = QPlainTextEdit()
        self.points.setAccessibleName("Points to make")
        self.points.setPlaceholderText("What to say, one point per line.")
        self.open_eml = QPushButton("Open .eml…")
        self.open_eml.clicked.connect(self._choose_thread)
        self.template = QComboBox()
        self.template.setAccessibleName("Start from a template")
        self.template.activated.connect(self._template_chosen)
        self.manage = QPushButton("Templates…")
        self.manage.clicked.connect(self.manage_templates)
        self.signature = QPushButton("Signature…")
        self.signature.clicked.connect(self.edit_signature)
        self.start = QPushButton("Draft")
        self.start.setDefault(True)
        self.start.clicked.connect(self.draft_email)
        self.job_bar = JobBar("Drafting progress", stop="Stop", stop_name="Stop drafting")
        self.job_bar.stop.clicked.connect(self.stop)
        templates = QHBoxLayout()
        templates.addWidget(self.template, 1)
        templates.addWidget(self.manage)
        thread_row = QHBoxLayout()
        thread_row.addWidget(QLabel("Email to answer:"), 1)
        thread_row.addWidget(self.open_eml)
        buttons = QHBoxLayout()
        buttons.addWidget(self.signature)
        buttons.addStretch(1)
        buttons.addWidget(self.start)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(templates)
        column.addLayout(form)
        column.addLayout(thread_row)
        column.addWidget(self.thread_text, 2)
        column.addWidget(QLabel("Points to make:"))
        column.addWidget(self.points, 1)
        column.addLayout(buttons)
        column.addWidget(self.job_bar)
        return box

    def _build_result(self) -> QWidget:
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject")
        self.subject.setPlaceholderText("Subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Body")
        self.body.setPlaceholderText("The draft appears here. Edit it as you like: it is kept "
                                     "in Drafts as you type.")  # fmt: skip
        self.subject.textEdited.connect(lambda _t: self._save_soon.start())
        self.body.textChanged.connect(self._body_edited)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Things to check")
        self.facts = QListWidget()
        self.facts.setAccessibleName("Facts from your documents")
        self.facts.setMaximumHeight(120)
        self.facts.setWordWrap(True)
        self.facts.itemActivated.connect(self._open_fact)
        self.regenerate = QPushButton("Regenerate")
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.copy)
        menu.addAction("Subject", lambda: self._copy(self.subject.text(), "Subject"))
        menu.addAction("Body", lambda: self._copy(self._edited().clean_body(), "Body"))
        menu.addAction("Subject and body", lambda: self._copy(self._edited().text(), "Email"))
        self.copy.setMenu(menu)
        self.save_eml = QPushButton("Save .eml…")
        self.send = QPushButton("Open in mail app")
        self.regenerate.clicked.connect(self.regenerate_shown)
        self.save_eml.clicked.connect(self._choose_export)
        self.send.clicked.connect(self.open_in_mail)
        actions = QHBoxLayout()
        for button in (self.regenerate, self.copy, self.save_eml, self.send):
            actions.addWidget(button)
        actions.addStretch(1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.subject)
        column.addWidget(self.body, 1)
        column.addWidget(self.notes)
        column.addWidget(QLabel("Facts from your documents (double-click to see the page):"))
        column.addWidget(self.facts)
        column.addLayout(actions)
        column.addWidget(self.status)
        return box

    # -- lists ----------------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        """Reload drafts, templates and libraries (off the GUI thread)."""
        select = select if select is not None else (self.draft.id if self.draft else None)

        def load() -> tuple[list[tuple[Draft, float]], list[Template], list[str]]:
            libraries = [lib.name for lib in self.core.documents.store.libraries()]
            return self.drafts.store.drafts(), self.drafts.templates.all(), libraries

        self._select = select
        self.tasks.run(load, on_result=self._fill)

    def _fill(self, found: tuple[list[tuple[Draft, float]], list[Template], list[str]]) -> None:
        drafts, templates, libraries = found
        self.history.blockSignals(True)
        self.history.clear()
        for draft, updated in drafts:
            when = time.strftime("%d %b %H:%M", time.localtime(updated))
            kind = kinds().get(draft.request.kind)
            row = QListWidgetItem(f"{draft.subject or '(no subject)'}\n"
                                  f"{kind.title if kind else ''} · {when}")  # fmt: skip
            row.setData(Qt.ItemDataRole.UserRole, draft)
            self.history.addItem(row)
            if draft.id == self._select:
                self.history.setCurrentItem(row)
        self.history.blockSignals(False)
        self.template.clear()
        self.template.addItem("Start from a template…", None)
        pack = None
        for template in templates:
            if template.pack_name != pack:
                pack = template.pack_name
                self.template.addItem(f"— {pack} —", None)
                self.template.model().item(self.template.count() - 1).setEnabled(False)  # type: ignore[attr-defined]
            self.template.addItem(f"   {template.name}", template.id)
        current = self.library.currentData()
        self.library.clear()
        self.library.addItem(NO_LIBRARY, None)
        for name in libraries:
            self.library.addItem(name, name)
        self.library.setCurrentIndex(max(0, self.library.findData(current)))

    def _history_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None and self.job is None:
            self.save_edits()
            self._show(item.data(Qt.ItemDataRole.UserRole))

    # -- drafting -------------------------------------------------------------------------

    def request(self) -> Request:
        library = self.library.currentData()
        return Request(
            kind=str(self.kind.currentData()), points=self.points.toPlainText(),
            thread=self.thread_text.toPlainText(), tone=str(self.tone.currentData()),
            length=str(self.length.currentData()), language=self.language.currentData(),
            recipient=self.recipient.text().strip(), role=self.role.text().strip(),
            libraries=(str(library),) if library else (),
        )  # fmt: skip

    def draft_email(self) -> None:
        """Draft from the form."""
        self._draft(self.request())

    def _draft(self, request: Request) -> None:
        if self.job is not None:
            return
        try:
            request.check()
        except HushdeskError as exc:
            self.status.setText(f"⚠ {exc.message}")
            return
        self.save_edits()
        self._live = ""
        self.status.setText("")
        self.body.setReadOnly(True)
        self.start.setEnabled(False)
        self.regenerate.setEnabled(False)
        self.job_bar.start("Starting…")
        budget = lengths()[request.length].tokens

        def work(*, cancel: CancelToken, progress: ProgressCallback, event: Any) -> Draft:
            tracker = ProgressTracker(budget, "Writing the draft")
            written = [0]

            def on_text(chunk: str) -> None:
                written[0] += 1
                event(chunk)
                if written[0] % 4 == 0:
                    progress(tracker.update(min(written[0], budget)))

            label = "Finding facts in your documents" if request.libraries else "Loading the model"
            progress(Progress(0, None, label))
            return self.drafts.draft(request, cancel=cancel, on_text=on_text)

        self.job = self.tasks.run(work, pool="model", pass_job_args=True,
                                  on_progress=self.job_bar.show_progress, on_event=self._live_text,
                                  on_result=self._drafted, on_error=self._failed,
                                  on_finished=self._ended)  # fmt: skip

    def regenerate_shown(self) -> None:
        if self.draft is not None and not self.draft.template:
            self._draft(self.draft.request)
        elif self.draft is not None:
            self.status.setText("A draft from a template is regenerated by filling it again.")

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job_bar.label.setText("Stopping…")

    def _live_text(self, chunk: object) -> None:
        self._live += str(chunk)
        self.body.blockSignals(True)
        self.body.setPlainText(self._live)
        self.body.blockSignals(False)

    def _drafted(self, draft: Draft) -> None:
        self._show(draft)
        self.refresh(select=draft.id)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.status.setText("Stopped. Nothing was saved; Draft starts again.")
        else:
            self.status.setText(f"⚠ {_message(error)}")
        self._show(self.draft)

    def _ended(self) -> None:
        self.job = None
        self.job_bar.hide()
        self.body.setReadOnly(False)
        self.start.setEnabled(True)
        self.regenerate.setEnabled(self.draft is not None)

    # -- the draft in view ----------------------------------------------------------------

    def _show(self, draft: Draft | None) -> None:
        self.draft = draft
        self.subject.setText(draft.subject if draft else "")
        self.body.blockSignals(True)
        self.body.setPlainText(draft.body if draft else "")
        self.body.blockSignals(False)
        for widget in (self.regenerate, self.copy, self.save_eml, self.send, self.delete):
            widget.setEnabled(draft is not None)
        self.facts.clear()
        if draft is None:
            self.notes.setText("")
            return
        cited = set(draft.cited)
        for c in draft.citations:
            mark = "✓ cited" if c.n in cited else "not used"
            item = QListWidgetItem(f"[{c.n}] {c.where} — {mark}: {c.passage[:140]}…")
            item.setToolTip(c.passage)
            item.setData(Qt.ItemDataRole.UserRole, c)
            self.facts.addItem(item)
        if draft.request.libraries and not draft.citations:
            self.facts.addItem("Nothing in the library bears on this email.")
        self._review()

    def _review(self) -> None:
        notes = review(self._edited()) if self.draft else []
        self.notes.setText("\n".join(f"⚠ {n}" for n in notes))

    def _edited(self) -> Draft:
        assert self.draft is not None
        return replace(self.draft, subject=self.subject.text(), body=self.body.toPlainText())

    def _body_edited(self) -> None:
        if self.draft is not None and not self.body.isReadOnly():
            self._save_soon.start()

    def save_edits(self) -> None:
        """Keep the edited subject and body (called as the user types, debounced)."""
        self._save_soon.stop()
        if self.draft is None or self.job is not None:
            return
        edited = self._edited()
        if (edited.subject, edited.body) == (self.draft.subject, self.draft.body):
            return
        self.draft = self.drafts.store.save(edited)
        self._review()
        item = self.history.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole).id == self.draft.id:
            item.setData(Qt.ItemDataRole.UserRole, self.draft)

    def _open_fact(self, item: QListWidgetItem) -> None:
        c = item.data(Qt.ItemDataRole.UserRole)
        if c is None:
            return
        self.viewer = DocumentViewer(self.tasks, c.path, c.page, c.passage,
                                     paginated=c.paginated, parent=self)  # fmt: skip
        self.viewer.show()

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"{what} copied.")

    def _choose_export(self) -> None:
        if self.draft is None:
            return
        name = "".join(ch for ch in self.subject.text() if ch.isalnum() or ch in " -_")[:60]
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the draft", str(Path.home() / f"{name.strip() or 'draft'}.eml"),
            "Email (*.eml);;Text (*.txt)",
        )  # fmt: skip
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self.save_edits()
        draft = self._edited()
        self.tasks.run(lambda: self.drafts.export(draft, path), on_finished=lambda: None,
                       on_result=lambda _r: self._exported(path),
                       on_error=lambda e: self.status.setText(f"⚠ {_message(e)}"))  # fmt: skip

    def _exported(self, path: Path) -> None:
        self.status.setText(f"Saved to {path}. Open it to send it from your mail program.")

    def open_in_mail(self) -> None:
        if self.draft is None:
            return
        self.save_edits()
        link = mailto(self._edited())
        if len(link) > MAILTO_LIMIT:
            self.status.setText("This draft is too long for a mail link: use “Save .eml…” "
                                "and open the file instead.")  # fmt: skip
            return
        self.open_url(QUrl(link))

    def open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.status.setText("No mail program answered: use “Save .eml…” instead.")

    def delete_shown(self) -> None:
        if self.draft is None or self.draft.id is None or self.job is not None:
            return
        draft_id = self.draft.id
        self._show(None)
        self.tasks.run(lambda: self.drafts.store.delete(draft_id), on_finished=self.refresh)

    def _choose_thread(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an email", str(Path.home()),
                                              "Email (*.eml *.txt);;All files (*)")  # fmt: skip
        if path:
            self.thread_text.setPlainText(Path(path).read_bytes().decode("utf-8", errors="replace"))
            self.kind.setCurrentIndex(max(0, self.kind.findData("reply")))

    # -- templates and signature ----------------------------------------------------------

    def _template_chosen(self, index: int) -> None:
        template_id = self.template.itemData(index)
        self.template.setCurrentIndex(0)
        if template_id is None:
            return
        template = self.drafts.templates.get(str(template_id))
        dialog = VariablesDialog(template, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.use_template(template.id, dialog.values())

    def use_template(self, template_id: str, values: dict[str, str]) -> bool:
        try:
            draft = self.drafts.from_template(template_id, values)
        except HushdeskError as exc:
            self.status.setText(f"⚠ {exc.message}")
            return False
        self.status.setText("")
        self._drafted(draft)
        return True

    def manage_templates(self) -> None:
        TemplatesDialog(self.drafts.templates, self).exec()
        self.refresh()

    def edit_signature(self) -> None:
        settings = self.core.settings
        dialog = QDialog(self)
        dialog.setWindowTitle("Your name and signature")
        name = QLineEdit(settings.email.sender_name)
        address = QLineEdit(settings.email.sender_address)
        signature = QPlainTextEdit(settings.email.signature)
        signature.setPlaceholderText("Under the closing of every draft, e.g.\nSam Carter\n"
                                     "Carter & Co, Solicitors\n+44 20 7946 0000")  # fmt: skip
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form = QFormLayout(dialog)
        form.addRow("Your name:", name)
        form.addRow("Your address:", address)
        form.addRow("Signature:", signature)
        form.addRow(buttons)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_signature(name.text(), address.text(), signature.toPlainText())

    def set_signature(self, name: str, address: str, signature: str) -> None:
        self.core.settings.email.update(name, address, signature)
        self.core.settings.save()
        self.status.setText("Signature saved: new drafts end with it.")


class VariablesDialog(QDialog):
    """The form for a template's variables."""

    def __init__(self, template: Template, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(template.name)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{template.name}</b> — fill in the blanks; "
                           "the date and your name are filled in if left empty."))  # fmt: skip
        for name in template.fields():
            edit = QLineEdit()
            edit.setAccessibleName(template.label(name))
            self.fields[name] = edit
            form.addRow(f"{template.label(name)}:", edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.fields.items()}


class TemplatesDialog(QDialog):
    """Browse the templates; add, edit, duplicate, delete, import and export your own."""

    def __init__(self, templates: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates = templates
        self.setWindowTitle("Email templates")
        self.resize(900, 560)
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        self.list.currentItemChanged.connect(self._chosen)
        self.name = QLineEdit()
        self.name.setAccessibleName("Template name")
        self.kind = _combo("Kind of email", [(k.title, k.id) for k in kinds().values()])
        self.tone = _combo("Tone", [(t.title, t.id) for t in tones().values()])
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Template subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Template body")
        self.body.setPlaceholderText("Dear {client_name},\n\nVariables go in braces.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = {}
        row = QHBoxLayout()
        for text, slot in (("New", self.new), ("Duplicate", self.duplicate),
                           ("Save", self.save), ("Delete", self.delete),
                           ("Import…", self._import), ("Export…", self._export)):  # fmt: skip
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
        self.message.setText("" if editable else "A shipped template: Duplicate it to edit "
                             "your own copy.")  # fmt: skip

    def _act(self, action: Callable[[], Template | None]) -> None:
        try:
            done = action()
        except HushdeskError as exc:
            self.message.setText(f"⚠ {exc.message}")
            return
        self.reload(done.id if done else None)
        if done is not None:
            self.message.setText(f"Saved “{done.name}”. Variables: "
                                 + (", ".join(done.fields()) or "none"))  # fmt: skip

    def new(self) -> None:
        self._act(lambda: self.templates.save(Template(
            id=self.templates.new_id("my template"), name="My template",
            body="Dear {name},\n\n", subject="")))  # fmt: skip

    def duplicate(self) -> None:
        if self.current is not None:
            template_id = self.current.id
            self._act(lambda: self.templates.duplicate(template_id))

    def save(self) -> None:
        if self.current is None or self.current.builtin:
            return
        edited = Template(
            id=self.current.id, name=self.name.text().strip(), kind=str(self.kind.currentData()),
            tone=str(self.tone.currentData()), subject=self.subject.text(),
            body=self.body.toPlainText(), variables=dict(self.current.variables),
        )  # fmt: skip
        self._act(lambda: self.templates.save(edited))

    def delete(self) -> None:
        if self.current is not None and not self.current.builtin:
            template_id = self.current.id
            self._act(lambda: self.templates.delete(template_id))

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import templates", str(Path.home()),
                                              "Templates (*.toml *.json)")  # fmt: skip
        if path:
            self._act(lambda: (self.templates.import_file(Path(path)) or [None])[-1])

    def _export(self) -> None:
        mine = [t for t in self.templates.all() if not t.builtin]
        chosen = mine or ([self.current] if self.current else [])
        if not chosen:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export templates",
                                              str(Path.home() / "templates.toml"),
                                              "TOML (*.toml);;JSON (*.json)")  # fmt: skip
        if path:
            try:
                self.templates.export(chosen, Path(path))
                self.message.setText(f"Exported {len(chosen)} template(s) to {path}.")
            except HushdeskError as exc:
                self.message.setText(f"⚠ {exc.message}")


class WritingPanel(QWidget):
    """Rewrite, proofread, translate or classify a text."""

    def __init__(self, core: Core, tasks: Tasks) -> None:
        super().__init__()
        self.core, self.tasks = core, tasks
        self.job: Task | None = None
        self.source = QPlainTextEdit()
        self.source.setAccessibleName("Text to work on")
        self.source.setPlaceholderText("Paste the text here.")
        self.result = QPlainTextEdit()
        self.result.setAccessibleName("Result")
        self.result.setReadOnly(True)
        self.changes = QListWidget()
        self.changes.setAccessibleName("Changes")
        self.changes.setMaximumHeight(140)
        self.copy = QPushButton("Copy result")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            self.result.toPlainText()))  # fmt: skip
        self.job_bar = JobBar("Writing progress", stop="Stop", stop_name="Stop the task")
        self.job_bar.stop.clicked.connect(self.stop)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        top = self._build_top()
        panes = QSplitter()
        panes.addWidget(self.source)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.result, 1)
        column.addWidget(self.changes)
        column.addWidget(self.copy)
        panes.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.job_bar)
        layout.addWidget(panes, 1)
        layout.addWidget(self.status)
        self._task_changed()

    def _build_top(self) -> QHBoxLayout:
        tasks_list: list[tuple[str, object]] = [(f"Rewrite: {title.lower()}", f"rewrite:{key}")
                                                for key, title in styles().items()]  # fmt: skip
        tasks_list += [("Proofread", "proofread"), ("Translate", "translate"),
                       ("Classify", "classify")]  # fmt: skip
        self.task = _combo("Writing task", tasks_list)
        self.task.currentIndexChanged.connect(self._task_changed)
        self.language = _combo("Language", [(lang, lang) for lang in LANGUAGES])
        self.labels = QLineEdit("urgent, normal, spam")
        self.labels.setAccessibleName("Labels")
        self.labels.setToolTip("The labels to choose from, separated by commas.")
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(self.run)
        top = QHBoxLayout()
        top.addWidget(QLabel("Task:"))
        top.addWidget(self.task)
        self.language_label = QLabel("Into:")
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        self.labels_label = QLabel("Labels:")
        top.addWidget(self.labels_label)
        top.addWidget(self.labels, 1)
        top.addStretch(0)
        top.addWidget(self.run_button)
        return top

    def _task_changed(self, _index: int = 0) -> None:
        task = str(self.task.currentData())
        self.language.setVisible(task == "translate")
        self.language_label.setVisible(task == "translate")
        self.labels.setVisible(task == "classify")
        self.labels_label.setVisible(task == "classify")
        self.changes.setVisible(task == "proofread")

    def run(self) -> None:
        if self.job is not None:
            return
        text, task = self.source.toPlainText(), str(self.task.currentData())
        language = str(self.language.currentData())
        labels = [label for label in self.labels.text().split(",") if label.strip()]
        self.result.clear()
        self.changes.clear()
        self.status.setText("")
        self.run_button.setEnabled(False)
        self.job_bar.start("Starting…")
        core = self.core

        def work(*, cancel: CancelToken, progress: ProgressCallback, event: Any) -> Any:
            progress(Progress(0, None, "Loading the model"))
            core.ensure_loaded(core.chat_model())
            writer = Writer(core.engine)
            job = {"cancel": cancel, "progress": progress, "on_text": event}
            if task.startswith("rewrite:"):
                return writer.rewrite(text, task.split(":", 1)[1], **job)
            if task == "translate":
                return writer.translate(text, language, **job)
            if task == "proofread":
                return writer.proofread(text, **job)
            return writer.classify(text, labels, cancel=cancel)

        self.job = self.tasks.run(work, pool="model", pass_job_args=True,
                                  on_progress=self.job_bar.show_progress, on_event=self._live,
                                  on_result=self._done, on_error=self._failed,
                                  on_finished=self._ended)  # fmt: skip

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _live(self, chunk: object) -> None:
        self.result.moveCursor(self.result.textCursor().MoveOperation.End)
        self.result.insertPlainText(str(chunk))

    def _done(self, result: Any) -> None:
        from hushdesk.assistant.writing import Classification, Proofread

        if isinstance(result, Classification):
            sure = "" if result.certain else " (the model named no label: the first was taken)"
            self.result.setPlainText(f"{result.label}\n\n{result.reason}")
            self.status.setText(f"Label: {result.label}{sure}")
        elif isinstance(result, Proofread):
            self.result.setPlainText(result.text)
            for change in result.changes:
                self.changes.addItem(change.describe())
            self.status.setText(f"{len(result.changes)} change(s).")
        else:
            self.result.setPlainText(str(result))

    def _failed(self, error: BaseException) -> None:
        self.status.setText("Stopped." if isinstance(error, Cancelled) else f"⚠ {_message(error)}")

    def _ended(self) -> None:
        self.job = None
        self.job_bar.hide()
        self.run_button.setEnabled(True)
