"""New review grid: which documents (a library, all of it or the ones ticked) and which
questions, each with its answer type. Starts nothing: the page makes the grid and runs
it off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.review import ColumnType, column_type

KINDS: tuple[tuple[str, ColumnType], ...] = (
    ("Text", "text"),
    ("Date", "date"),
    ("Amount", "amount"),
    ("Yes / No", "yes/no"),
    ("One of…", "choice"),
)
START_ROWS = 4


@dataclass(frozen=True)
class GridPlan:
    name: str
    library: str
    documents: list[str] | None  # file ids (as text) ticked; None: all of the library
    questions: list[tuple[str, ColumnType, tuple[str, ...]]]


class QuestionRow:
    """One question: its words, its answer type and, for "One of…", the choices."""

    def __init__(self, grid: QGridLayout, row: int) -> None:
        self.question = QLineEdit()
        self.question.setPlaceholderText("e.g. Who is the landlord?" if row == 1 else "")
        self.question.setAccessibleName(f"Question {row}")
        self.kind = QComboBox()
        self.kind.setAccessibleName(f"Answer type of question {row}")
        for label, kind in KINDS:
            self.kind.addItem(label, kind)
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("answers, separated by commas")
        self.choices.setAccessibleName(f"Choices of question {row}")
        self.choices.setVisible(False)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.choices.setVisible(self.kind.currentData() == "choice")
        )
        grid.addWidget(QLabel(f"{row}."), row, 0)
        grid.addWidget(self.question, row, 1)
        grid.addWidget(self.kind, row, 2)
        grid.addWidget(self.choices, row, 3)

    def read(self) -> tuple[str, ColumnType, tuple[str, ...]] | None:
        text = " ".join(self.question.text().split())
        if not text:
            return None
        kind: ColumnType = self.kind.currentData()
        if kind == "choice":
            return text, *column_type(f"choice:{self.choices.text()}")
        return text, kind, ()


class NewGridDialog(QDialog):
    def __init__(
        self,
        libraries: dict[str, list[tuple[str, str]]],  # library → (file id, name) of each
        chosen: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New review grid")
        self.setMinimumWidth(640)
        self.libraries = libraries
        self.name = QLineEdit()
        self.name.setAccessibleName("Grid name")
        self.name.setPlaceholderText("e.g. Leases to renew")
        self.library = QComboBox()
        self.library.setAccessibleName("Library")
        self.library.addItems(sorted(libraries))
        if chosen in libraries:
            self.library.setCurrentText(chosen)
        self.documents = QListWidget()
        self.documents.setAccessibleName("Documents to review")
        self.documents.setMaximumHeight(150)
        self.count = QLabel()
        self.documents.itemChanged.connect(lambda _item: self._counted())
        self.library.currentTextChanged.connect(self._fill)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Library", self.library)
        form.addRow("Documents", self.documents)
        form.addRow("", self.count)
        self.grid = QGridLayout()
        self.rows: list[QuestionRow] = []
        for _ in range(START_ROWS):
            self._add_row()
        more = QPushButton("Add a question")
        more.clicked.connect(self._add_row)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.make = buttons.addButton("Create and run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.make.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        intro = QLabel(
            "Each question is asked of every document, and answered from that document "
            "only, with the page it stands on — or “Not stated”."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self.grid)
        layout.addWidget(more, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._fill(self.library.currentText())
        self.plan: GridPlan | None = None

    def _add_row(self) -> None:
        self.rows.append(QuestionRow(self.grid, len(self.rows) + 1))

    def _fill(self, library: str) -> None:
        self.documents.blockSignals(True)
        self.documents.clear()
        for file_id, name in self.libraries.get(library, []):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, file_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.documents.addItem(item)
        self.documents.blockSignals(False)
        self._counted()

    def _ticked(self) -> list[str]:
        items = [self.documents.item(i) for i in range(self.documents.count())]
        return [
            str(i.data(Qt.ItemDataRole.UserRole))
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def _counted(self) -> None:
        ticked, total = len(self._ticked()), self.documents.count()
        self.count.setText(
            "This library has no indexed documents yet." if not total
            else f"{ticked} of {total} documents"
        )  # fmt: skip

    def _accept(self) -> None:
        try:
            questions = [q for q in (row.read() for row in self.rows) if q is not None]
        except Exception as exc:  # a choice column with one answer
            self.error.setText(getattr(exc, "message", str(exc)))
            return
        ticked = self._ticked()
        if not questions:
            self.error.setText("Write at least one question.")
        elif not ticked:
            self.error.setText("Tick at least one document.")
        else:
            every = len(ticked) == self.documents.count()
            self.plan = GridPlan(self.name.text().strip(), self.library.currentText(),
                                 None if every else ticked, questions)  # fmt: skip
            self.accept()
