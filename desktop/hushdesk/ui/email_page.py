"""Email: draft replies and new emails on the local model, grounded in a library, with
the facts used shown and clickable; or start from a template. Edit the draft in place
(kept in Drafts as you type), regenerate, copy, save as .eml or open it in the mail
program. The Writing tab rewrites, proofreads, translates and classifies any text."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
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

from hushdesk.app import App
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, ProgressCallback, TextCallback
from hushdesk.services.drafts import (
    MAILTO_LIMIT,
    Draft,
    Request,
    Template,
    kinds,
    mailto,
    review,
)
from hushdesk.ui import file_dialogs
from hushdesk.ui.messages import page_title, status_label, warning
from hushdesk.ui.pdf import markdown_pdf
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.tasks import Job, Latest, Tasks
from hushdesk.ui.template_dialogs import SignatureDialog, TemplatesDialog, VariablesDialog
from hushdesk.ui.widgets.dictation_button import DictationButton
from hushdesk.ui.widgets.document_viewer import DocumentViewer
from hushdesk.ui.widgets.email_form import NO_LIBRARY, EmailForm
from hushdesk.ui.widgets.read_aloud_button import ReadAloudButton
from hushdesk.ui.widgets.small_model_notice import SmallModelNotice
from hushdesk.ui.writing_panel import WritingPanel


class EmailPage(QWidget):
    modelsRequested = Signal()  # a larger model: the Models page

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.drafts = app.drafts
        self.draft: Draft | None = None
        self.job: Job | None = None
        self.viewer: DocumentViewer | None = None
        self._lists = Latest(tasks, self._fill, self)
        self._select: int | None = None
        self._save_soon = QTimer(self, singleShot=True, interval=800)
        self._save_soon.timeout.connect(self.save_edits)
        tabs = QTabWidget()
        tabs.addTab(self._build_email(), "Email")
        self.writing = WritingPanel(app, tasks)
        self.writing.small.modelsRequested.connect(self.modelsRequested)
        tabs.addTab(self.writing, "Writing tools")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title("Email and writing"))
        layout.addWidget(tabs)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------

    def _build_email(self) -> QWidget:
        split = QSplitter()
        split.addWidget(self._build_saved())
        split.addWidget(self._build_form())
        split.addWidget(self._build_result())
        split.setStretchFactor(2, 1)
        split.setSizes([200, 380, 600])
        self._show(None)
        return split

    def _build_saved(self) -> QWidget:
        self.saved = QListWidget()
        self.saved.setAccessibleName("Saved drafts")
        self.saved.setMinimumWidth(150)
        self.saved.setWordWrap(True)
        self.saved.currentItemChanged.connect(self._saved_chosen)
        self.delete = QPushButton("Delete")
        self.delete.clicked.connect(self.delete_shown)
        box = QWidget()
        side = QVBoxLayout(box)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(rich_label("<b>Drafts</b>"))
        side.addWidget(self.saved, 1)
        side.addWidget(self.delete)
        return box

    def _build_form(self) -> QWidget:
        self.form = form = EmailForm()
        self.kind, self.library, self.template = form.kind, form.library, form.template
        self.thread_text, self.points = form.thread_text, form.points
        self.start, self.job_bar = form.start, form.job_bar
        form.open_eml.clicked.connect(self._choose_thread)
        form.template.activated.connect(self._template_chosen)
        form.manage.clicked.connect(self.manage_templates)
        form.signature.clicked.connect(self.edit_signature)
        form.start.clicked.connect(self.draft_email)
        form.job_bar.stopRequested.connect(self.stop)
        return form

    def _build_result(self) -> QWidget:
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject")
        self.subject.setPlaceholderText("Subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Body")
        self.body.setPlaceholderText(
            "The draft appears here. Edit it as you like: it is kept in Drafts as you type."
        )
        self.subject.textEdited.connect(lambda _t: self._save_soon.start())
        self.body.textChanged.connect(self._body_edited)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Things to check")
        self.small = SmallModelNotice()
        self.small.modelsRequested.connect(self.modelsRequested)
        self.facts = QListWidget()
        self.facts.setAccessibleName("Facts from your documents")
        self.facts.setMaximumHeight(120)
        self.facts.setWordWrap(True)
        self.facts.itemActivated.connect(self._open_fact)
        self.status = status_label()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.subject)
        column.addWidget(self.body, 1)
        column.addWidget(self.small)
        column.addWidget(self.notes)
        column.addWidget(QLabel("Facts from your documents (double-click to see the page):"))
        column.addWidget(self.facts)
        column.addLayout(self._actions())
        column.addWidget(self.status)
        return box

    def _actions(self) -> QHBoxLayout:
        """Regenerate, copy, save, open in the mail program; dictate, read aloud."""
        self.regenerate = QPushButton("Regenerate")
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.copy)
        menu.addAction("Subject", lambda: self._copy(self.subject.text(), "Subject"))
        menu.addAction("Body", lambda: self._copy(self._edited().clean_body(), "Body"))
        menu.addAction("Subject and body", lambda: self._copy(self._edited().text(), "Email"))
        self.copy.setMenu(menu)
        self.save_eml = QPushButton("Save as…")
        self.save_eml.setToolTip("As an email (.eml) for your mail program, Word (.docx) or text")
        self.send = QPushButton("Open in mail app")
        self.regenerate.clicked.connect(self.regenerate_shown)
        self.save_eml.clicked.connect(self._choose_export)
        self.send.clicked.connect(self.open_in_mail)
        self.dictate = DictationButton(self.body, self.app.recordings)
        self.read_aloud = ReadAloudButton(
            self.app.recordings, lambda: self._edited().clean_body(), "the draft"
        )
        actions = QHBoxLayout()
        for button in (self.regenerate, self.copy, self.save_eml, self.send):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.read_aloud)
        actions.addWidget(self.dictate)
        return actions

    # -- lists ----------------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        """Reload drafts, templates and libraries (off the GUI thread). Loads run two at a
        time and may end out of order: only the latest one's lists are shown."""
        select = select if select is not None else (self.draft.id if self.draft else None)

        def load() -> tuple[list[tuple[Draft, float]], list[Template], list[str]]:
            names = self.app.documents.names()
            return self.drafts.all(), self.drafts.templates.all(), names

        self._select = select
        self._lists.run(load)

    def _fill(self, found: tuple[list[tuple[Draft, float]], list[Template], list[str]]) -> None:
        drafts, templates, libraries = found
        self.saved.blockSignals(True)
        self.saved.clear()
        for draft, updated in drafts:
            when = time.strftime("%d %b %H:%M", time.localtime(updated))
            kind = kinds().get(draft.request.kind)
            row = QListWidgetItem(
                f"{draft.subject or '(no subject)'}\n{kind.title if kind else ''} · {when}"
            )
            row.setData(Qt.ItemDataRole.UserRole, draft)
            self.saved.addItem(row)
            if draft.id == self._select:
                self.saved.setCurrentItem(row)
        self.saved.blockSignals(False)
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

    def _saved_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None and self.job is None:
            self.save_edits()
            self._show(item.data(Qt.ItemDataRole.UserRole))

    # -- drafting -------------------------------------------------------------------------

    def request(self) -> Request:
        return self.form.request()

    def draft_email(self) -> None:
        """Draft from the form."""
        self._draft(self.request())

    def _draft(self, request: Request) -> None:
        if self.job is not None:
            return
        try:
            request.check()
        except HushdeskError as exc:
            self.status.setText(warning(exc))
            return
        self.save_edits()
        self.body.blockSignals(True)
        self.body.clear()
        self.body.blockSignals(False)
        self.status.setText("")
        self.body.setReadOnly(True)
        self.start.setEnabled(False)
        self.regenerate.setEnabled(False)
        self.job_bar.start("Starting…")
        drafts = self.drafts

        def work(
            *, cancel: CancelToken, progress: ProgressCallback, on_text: TextCallback, **_: object
        ) -> Draft:
            return drafts.draft(request, cancel=cancel, progress=progress, on_text=on_text)

        self.job = self.tasks.run(
            work,
            pool="model",
            job_args=True,
            on_progress=self.job_bar.show_progress,
            on_text=self._live_text,
            on_result=self._drafted,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def regenerate_shown(self) -> None:
        if self.draft is not None and not self.draft.template:
            self._draft(self.draft.request)
        elif self.draft is not None:
            self.status.setText("A draft from a template is regenerated by filling it again.")

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job_bar.label.setText("Stopping…")

    def _live_text(self, text: str) -> None:
        """The draft as the model writes it (batched by the job), appended."""
        self.body.blockSignals(True)
        self.body.moveCursor(QTextCursor.MoveOperation.End)
        self.body.insertPlainText(text)
        self.body.blockSignals(False)

    def _drafted(self, draft: Draft) -> None:
        self._show(draft)
        self.refresh(select=draft.id)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.status.setText("Stopped. Nothing was saved; Draft starts again.")
        else:
            self.status.setText(warning(error))
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
        self.small.show_for("email" if draft is not None and draft.model_struggled else None)
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
        self.draft = self.drafts.save(edited)
        self._review()
        item = self.saved.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole).id == self.draft.id:
            item.setData(Qt.ItemDataRole.UserRole, self.draft)

    def _open_fact(self, item: QListWidgetItem) -> None:
        c = item.data(Qt.ItemDataRole.UserRole)
        if c is None:
            return
        self.viewer = DocumentViewer(
            self.tasks, c.path, c.page, c.passage, paginated=c.paginated, label=c.label, parent=self
        )
        self.viewer.show()

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"{what} copied.{self._unchecked()}")

    def _unchecked(self) -> str:
        """A reminder while the review has notes: what it flags is the user's to check."""
        return " Check the ⚠ notes before you send it." if self.notes.text() else ""

    def _choose_export(self) -> None:
        if self.draft is None:
            return
        name = "".join(ch for ch in self.subject.text() if ch.isalnum() or ch in " -_")[:60]
        path = file_dialogs.save_file(
            self,
            "Save the draft",
            str(Path.home() / f"{name.strip() or 'draft'}.eml"),
            "Email (*.eml);;Word (*.docx);;PDF (*.pdf);;Text (*.txt)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self.save_edits()
        draft = self._edited()
        if path.suffix.lower() == ".pdf":  # laid out by Qt, here; the others by the service
            try:
                self._exported(markdown_pdf(_as_markdown(draft), draft.subject, path))
            except HushdeskError as exc:
                self.status.setText(warning(exc))
            return
        self.tasks.run(
            lambda: self.drafts.export(draft, path),
            on_finished=lambda: None,
            on_result=lambda _r: self._exported(path),
            on_error=lambda e: self.status.setText(warning(e)),
        )

    def _exported(self, path: Path) -> None:
        then = " Open it to send it from your mail program." if path.suffix == ".eml" else ""
        self.status.setText(f"Saved to {path}.{then}{self._unchecked()}")

    def open_in_mail(self) -> None:
        if self.draft is None:
            return
        self.save_edits()
        link = mailto(self._edited())
        if len(link) > MAILTO_LIMIT:
            self.status.setText(
                "This draft is too long for a mail link: use “Save as…” and open the file instead."
            )
            return
        self.open_url(QUrl(link))

    def open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.status.setText("No mail program answered: use “Save as…” instead.")

    def delete_shown(self) -> None:
        if self.draft is None or self.draft.id is None or self.job is not None:
            return
        draft_id = self.draft.id
        self._show(None)
        self.tasks.run(lambda: self.drafts.delete(draft_id), on_finished=self.refresh)

    def _choose_thread(self) -> None:
        path = file_dialogs.open_file(
            self, "Open an email", str(Path.home()), "Email (*.eml *.txt);;All files (*)"
        )
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
            self.status.setText(warning(exc))
            return False
        self.status.setText("")
        self._drafted(draft)
        return True

    def manage_templates(self) -> None:
        TemplatesDialog(self.drafts.templates, self).exec()
        self.refresh()

    def edit_signature(self) -> None:
        dialog = SignatureDialog(self.app.preferences.sender, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_signature(*dialog.values())

    def set_signature(self, name: str, address: str, signature: str) -> None:
        self.app.preferences.set_sender(name, address, signature)
        self.status.setText("Signature saved: new drafts end with it.")


def _as_markdown(draft: Draft) -> str:
    """The draft as the PDF shows it: its subject as the title, the body as written (its
    lines kept), without the citation marks."""
    body = "  \n".join(draft.clean_body().splitlines())  # a Markdown line break each
    return f"# {draft.subject}\n\n{body}\n"
