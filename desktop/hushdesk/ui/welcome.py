"""The welcome, on first launch and from Help: what Hushdesk does and what stays on this
computer; a capable model for this computer (one click to download, other choices, models
already on disk, or the starter model for trying); then a cited answer from a sample
document in one click.

The dialog only asks: the window downloads, imports and runs the sample, so all of it
goes on (with its progress in the status area) once the dialog is closed."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hushdesk import APP_NAME
from hushdesk.app import App
from hushdesk.ui.safe_text import rich_label
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.download_trouble import DownloadTrouble

if TYPE_CHECKING:  # imported once the machine is measured, after the first paint
    from hushdesk.services.models import CatalogModel, Machine, Recommendation

OTHER_CHOICES = 3
MEASURE_AFTER_MS = 300
INTRO = f"""
<p>{APP_NAME} is an assistant that runs on this computer:</p>
<ul>
<li><b>Chat</b> with a language model.</li>
<li><b>Ask your documents</b>: answers cite the file and page they come from, and say
so when your documents do not hold the answer.</li>
<li><b>Summarize</b> documents of any length, with page references.</li>
<li><b>Draft emails</b>, with what the draft assumes marked for you to check.</li>
</ul>
<p><b>What stays on this computer: everything.</b> Your conversations, documents and
their index are encrypted on disk. {APP_NAME} uses the network only to download a model
you choose, or to reach a server you add yourself.</p>
"""


class WelcomeDialog(QDialog):
    downloadRequested = Signal(str, str)  # catalog model id, quantization
    importRequested = Signal(str)  # "ollama", "lmstudio" or "file"
    sampleRequested = Signal()

    def __init__(self, app: App, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setAccessibleName(f"Welcome to {APP_NAME}")
        self.setMinimumWidth(620)
        self.steps = QStackedWidget()
        self.steps.addWidget(self._intro())
        self.steps.addWidget(self._models())
        self.steps.addWidget(self._sample())
        self.back = QPushButton("Back")
        self.back.setAccessibleName("Back")
        self.next = QPushButton("Next")
        self.next.setAccessibleName("Next")
        self.next.setDefault(True)
        self.step_label = QLabel()
        self.step_label.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.step_label)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)
        self.back.clicked.connect(lambda: self.go(self.steps.currentIndex() - 1))
        self.next.clicked.connect(self._next)
        self.go(0)
        QTimer.singleShot(MEASURE_AFTER_MS, self._measure)

    def _measure(self) -> None:
        """Off the GUI thread, once the dialog has painted: measuring the machine, and
        importing the model services (``app.models`` is first touched there)."""
        app = self.app
        self.tasks.run(lambda: app.models.machine(), on_result=self.show_machine)  # noqa: PLW0108

    # -- steps ----------------------------------------------------------------------------

    def _intro(self) -> QWidget:
        page, layout = _page(f"Welcome to {APP_NAME}")
        text = rich_label(INTRO)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addStretch(1)
        return page

    def _models(self) -> QWidget:
        page, layout = _page("Choose a model")
        self.machine_label = QLabel("Looking at this computer…")
        self.machine_label.setProperty("role", "muted")
        self.machine_label.setWordWrap(True)
        self.recommended = _card()
        self.recommended_text = rich_label("")
        self.recommended_text.setWordWrap(True)
        self.download = QPushButton("Download")
        self.download.setProperty("role", "primary")
        self.download.setAccessibleName("Download the recommended model")
        self.download.setEnabled(False)
        row = QHBoxLayout(self.recommended)
        row.addWidget(self.recommended_text, 1)
        row.addWidget(self.download, 0, Qt.AlignmentFlag.AlignVCenter)
        self.others = QVBoxLayout()
        self.others_title = QLabel("Other models that fit this computer:")
        self.others_title.hide()
        imports = QHBoxLayout()
        imports.addWidget(QLabel("Models already on this computer:"))
        for label, source in (
            ("Ollama", "ollama"),
            ("LM Studio", "lmstudio"),
            ("GGUF file…", "file"),
        ):
            button = QPushButton(label)
            button.setAccessibleName(f"Import from {label.rstrip('…')}")
            button.clicked.connect(lambda _c=False, s=source: self._import(s))
            imports.addWidget(button)
        imports.addStretch(1)
        self.starter = QPushButton("Keep the starter model for now")
        self.starter.setProperty("role", "link")
        self.starter.setAccessibleName("Keep the starter model for now")
        self.starter.setToolTip("It is tiny: good for trying Hushdesk, often wrong.")
        starter_note = QLabel(
            "The starter model is for trying the app only: it answers fast and is often wrong."
        )
        starter_note.setProperty("role", "muted")
        starter_note.setWordWrap(True)
        for item in (self.machine_label, self.recommended, self.others_title):
            layout.addWidget(item)
        layout.addLayout(self.others)
        layout.addLayout(imports)
        layout.addWidget(self.starter, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(starter_note)
        layout.addStretch(1)
        self.download.clicked.connect(self._download_recommended)
        self.starter.clicked.connect(lambda: self.go(2))
        self.recommendation: Recommendation | None = None
        return page

    def _sample(self) -> QWidget:
        page, layout = _page("Try a cited answer")
        self.chosen = QLabel("")  # what the previous step set going
        self.chosen.setWordWrap(True)
        self.chosen.setTextFormat(Qt.TextFormat.PlainText)  # a model's name
        self.chosen.hide()
        text = QLabel(
            "A short sample document comes with Hushdesk: a made-up services agreement. "
            "One click adds it to a library of its own and asks it a question; the answer "
            "cites the page it comes from (click the [1] to open that page)."
        )
        text.setWordWrap(True)
        self.try_sample = QPushButton("Try the sample document")
        self.try_sample.setProperty("role", "primary")
        self.try_sample.setAccessibleName("Try the sample document")
        later = QLabel("Or close this and add your own documents on the Documents page.")
        later.setProperty("role", "muted")
        self.trouble = DownloadTrouble()
        self.trouble.importRequested.connect(self._import)
        self.trouble.kept.connect(self._keep_starter)
        layout.addWidget(self.chosen)
        layout.addWidget(self.trouble)
        layout.addWidget(text)
        layout.addWidget(self.try_sample, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(later)
        layout.addStretch(1)
        self.try_sample.clicked.connect(self._try_sample)
        return page

    # -- behaviour ------------------------------------------------------------------------

    def go(self, step: int) -> None:
        step = max(0, min(step, self.steps.count() - 1))
        self.steps.setCurrentIndex(step)
        self.back.setEnabled(step > 0)
        last = step == self.steps.count() - 1
        self.next.setText("Start using Hushdesk" if last else "Next")
        self.next.setAccessibleName("Finish" if last else "Next")
        self.step_label.setText(f"Step {step + 1} of {self.steps.count()}")

    def _next(self) -> None:
        if self.steps.currentIndex() == self.steps.count() - 1:
            self.accept()
        else:
            self.go(self.steps.currentIndex() + 1)

    def show_machine(self, machine: Machine) -> None:
        from hushdesk.services.models import GB, READABLE_TOKENS_PER_S

        models = self.app.models
        self.machine_label.setText(
            f"This computer: {machine.memory_total / GB:.0f} GB of memory "
            f"({machine.memory_available / GB:.1f} GB free), {machine.cpu_cores} CPU cores."
        )
        pick = self.recommendation = models.recommend(machine)
        if pick is None:
            self.recommended_text.setText(
                "<b>No model in the catalog fits this computer comfortably.</b> "
                "The starter model works everywhere; the Models page lists the rest."
            )
        else:
            traits = f" · {html.escape(pick.model.traits)}" if pick.model.traits else ""
            self.recommended_text.setText(
                f"<b>Recommended: {html.escape(pick.model.name)}</b><br>"
                f"{_size(pick.model.download_bytes(pick.file))} download · about "
                f"{pick.fit.tokens_per_s:.0f} tokens/s here{traits}<br>"
                f"<span>{html.escape(pick.model.good_for)}</span>"
            )
            self.download.setEnabled(True)
        while self.others.count():  # measured again: the choices are new
            item = self.others.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        shown = 0
        for model in sorted(models.search(), key=lambda m: -m.rank):
            if shown == OTHER_CHOICES:
                break
            if model.bundled or (pick is not None and model.id == pick.model.id):
                continue
            verdict = models.fit(model, None, machine)
            if verdict.verdict == "fits" and verdict.tokens_per_s >= READABLE_TOKENS_PER_S:
                self.others.addWidget(self._other(model, verdict.tokens_per_s))
                shown += 1
        self.others_title.setVisible(shown > 0)
        self.adjustSize()  # the choices came after the dialog was laid out

    def _other(self, model: CatalogModel, speed: float) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        file = model.file()
        traits = f" · {html.escape(model.traits)}" if model.traits else ""
        label = rich_label(
            f"<b>{html.escape(model.name)}</b> · {_size(model.download_bytes(file))} · "
            f"about {speed:.0f} tokens/s{traits}"
        )
        label.setToolTip(model.good_for)
        button = QPushButton("Download")
        button.setAccessibleName(f"Download {model.name}")
        button.clicked.connect(lambda: self._download(model.id, file.quantization, model.name))
        line.addWidget(label, 1)
        line.addWidget(button)
        return row

    def _download_recommended(self) -> None:
        pick = self.recommendation
        if pick is not None:
            self._download(pick.model.id, pick.file.quantization, pick.model.name)

    def _download(self, model_id: str, quantization: str, name: str) -> None:
        self.trouble.hide()
        self.downloadRequested.emit(model_id, quantization)
        self.chosen.setText(
            f"Downloading {name}: it goes on in the background (see the bottom of the "
            "window) and can be paused on the Models page. Choose it in the chat once it "
            "is installed."
        )
        self.chosen.show()
        self.go(2)

    def show_trouble(self, text: str) -> None:
        """The download chosen here could not start: say so in place of "Downloading…"."""
        self.chosen.hide()
        self.trouble.show_trouble(text)
        self.adjustSize()  # taller: the explanation and its ways forward fit

    def _keep_starter(self) -> None:
        self.trouble.hide()
        self.chosen.setText("You are using the starter model for now (the Models page downloads "
                            "another one when you are online).")  # fmt: skip
        self.chosen.show()

    def _import(self, source: str) -> None:
        self.importRequested.emit(source)
        self.accept()  # the Models page shows what was found

    def _try_sample(self) -> None:
        self.sampleRequested.emit()
        self.accept()


def _page(title: str) -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    heading = QLabel(title)
    heading.setProperty("role", "title")
    layout.addWidget(heading)
    return page, layout


def _card() -> QFrame:
    card = QFrame()
    card.setProperty("role", "card")
    return card


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1024**3:.1f} GB"
