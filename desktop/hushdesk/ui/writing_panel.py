"""The Writing tools tab: rewrite, proofread, translate or classify a text."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hushdesk.app import App
from hushdesk.errors import Cancelled
from hushdesk.jobs import CancelToken, ProgressCallback, TextCallback
from hushdesk.services.writing import (
    Classification,
    Proofread,
    Rewritten,
    Task,
    labels_from,
    styles,
)
from hushdesk.ui.messages import count_of, status_label, warning
from hushdesk.ui.tasks import Job, Tasks
from hushdesk.ui.widgets.combo import LANGUAGES, combo
from hushdesk.ui.widgets.dictation_button import DictationButton
from hushdesk.ui.widgets.job_bar import JobBar
from hushdesk.ui.widgets.read_aloud_button import ReadAloudButton
from hushdesk.ui.widgets.small_model_notice import SmallModelNotice


class WritingPanel(QWidget):
    """Rewrite, proofread, translate or classify a text."""

    def __init__(self, app: App, tasks: Tasks) -> None:
        super().__init__()
        self.writing, self.tasks = app.writing, tasks
        self.recordings = app.recordings
        self.job: Job | None = None
        self._translating = False
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
        self.copy.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.result.toPlainText())
        )
        self.job_bar = JobBar("Writing progress", stop="Stop", stop_name="Stop the task")
        self.job_bar.stopRequested.connect(self.stop)
        self.status = status_label()
        self.small = SmallModelNotice()  # a rewrite or a translation given back as it was
        top = self._build_top()
        panes = QSplitter()
        panes.addWidget(self.source)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.result, 1)
        column.addWidget(self.changes)
        result_actions = QHBoxLayout()
        result_actions.addWidget(self.copy, 1)
        result_actions.addWidget(
            ReadAloudButton(self.recordings, self.result.toPlainText, "the result")
        )
        column.addLayout(result_actions)
        panes.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.job_bar)
        layout.addWidget(panes, 1)
        layout.addWidget(self.small)
        layout.addWidget(self.status)
        self._task_changed()

    def _build_top(self) -> QHBoxLayout:
        tasks_list: list[tuple[str, object]] = [
            (f"Rewrite: {title.lower()}", f"rewrite:{key}") for key, title in styles().items()
        ]
        tasks_list += [
            ("Proofread", "proofread"),
            ("Translate", "translate"),
            ("Classify", "classify"),
        ]
        self.task = combo("Writing task", tasks_list)
        self.task.currentIndexChanged.connect(self._task_changed)
        self.language = combo("Language", [(lang, lang) for lang in LANGUAGES])
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
        top.addWidget(DictationButton(self.source, self.recordings))
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
        labels = self.labels.text()
        self.result.clear()
        self.changes.clear()
        self.status.setText("")
        self.small.show_for(None)
        self.run_button.setEnabled(False)
        self.job_bar.start("Starting…")
        kind, _, style = task.partition(":")
        self._translating = kind == "translate"  # for the result, whatever is chosen then
        job = Task(kind, style=style or "clearer", language=language, labels=labels_from(labels))
        writing = self.writing

        def work(
            *, cancel: CancelToken, progress: ProgressCallback, on_text: TextCallback, **_: object
        ) -> Any:
            return writing.run(job, text, cancel=cancel, progress=progress, on_text=on_text)

        self.job = self.tasks.run(
            work,
            pool="model",
            job_args=True,
            on_progress=self.job_bar.show_progress,
            on_text=self._live,
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._ended,
        )

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _live(self, text: str) -> None:
        self.result.moveCursor(self.result.textCursor().MoveOperation.End)
        self.result.insertPlainText(text)

    def _done(self, result: Any) -> None:
        if isinstance(result, Classification):
            sure = "" if result.certain else " (the model named no label: the first was taken)"
            self.result.setPlainText(f"{result.label}\n\n{result.reason}")
            self.status.setText(f"Label: {result.label}{sure}")
        elif isinstance(result, Proofread):
            self.result.setPlainText(result.text)
            for change in result.changes:
                self.changes.addItem(change.describe())
            self.status.setText(f"{count_of(len(result.changes), 'change')}.")
        elif isinstance(result, Rewritten):
            self.result.setPlainText(result.text)
            if result.model_struggled:
                self.small.show_for("translate" if self._translating else "rewrite")

    def _failed(self, error: BaseException) -> None:
        self.status.setText("Stopped." if isinstance(error, Cancelled) else warning(error))

    def _ended(self) -> None:
        self.job = None
        self.job_bar.hide()
        self.run_button.setEnabled(True)
