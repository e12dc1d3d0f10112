"""New review grid: which documents (a library, all of it or the ones ticked, and files or
a folder added to it) and which questions, each with its answer type. Starts nothing:
the page indexes what was added, makes the grid and runs it off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk.services.review import ColumnType, column_type
from hushdesk.ui import file_dialogs
from hushdesk.ui.widgets.combo import DOCUMENT_FILTER

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
    paths: tuple[Path, ...] = ()  # files and folders to add to the library first


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
        self.paths: list[Path] = []
        self.plan: GridPlan | None = None
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
        intro = QLabel(
            "Each question is asked of every document, and answered from that document "
            "only, with the page it stands on — or “Not stated”."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._documents_form(chosen))
        layout.addWidget(intro)
        layout.addLayout(self.grid)
        layout.addWidget(more, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._fill(self.library.currentText())

    def _documents_form(self, chosen: str | None) -> QFormLayout:
        """The grid's name, its library and the documents: ticked, or added."""
        self.name = QLineEdit()
        self.name.setAccessibleName("Grid name")
        self.name.setPlaceholderText("e.g. Leases to renew")
        self.library = QComboBox()
        self.library.setAccessibleName("Library")
        self.library.setEditable(True)  # a new name makes a new library for added files
        self.library.addItems(sorted(self.libraries))
        editor = self.library.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("a library, or a new one's name")
        if chosen in self.libraries:
            self.library.setCurrentText(chosen)
        self.documents = QListWidget()
        self.documents.setAccessibleName("Documents to review")
        self.documents.setMaximumHeight(150)
        self.count = QLabel()
        add_files = QPushButton("Add files…")
        add_files.setAccessibleName("Add files to review")
        add_folder = QPushButton("Add a folder…")
        add_folder.setAccessibleName("Add a folder to review")
        add_files.clicked.connect(self._add_files)
        add_folder.clicked.connect(self._add_folder)
        adding = QHBoxLayout()
        adding.addWidget(self.count, 1)
        adding.addWidget(add_files)
        adding.addWidget(add_folder)
        self.documents.itemChanged.connect(lambda _item: self._counted())
        self.library.currentTextChanged.connect(self._fill)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Library", self.library)
        form.addRow("Documents", self.documents)
        form.addRow("", adding)
        return form

    def _add_row(self) -> None:
        self.rows.append(QuestionRow(self.grid, len(self.rows) + 1))

    def _fill(self, library: str) -> None:
        """The library's documents, then the files and folders to add to it."""
        self.documents.blockSignals(True)
        self.documents.clear()
        for file_id, name in self.libraries.get(library, []):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, file_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.documents.addItem(item)
        for path in self.paths:
            item = QListWidgetItem(f"{path.name}{'/' if path.is_dir() else ''} (to add)")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(str(path))
            self.documents.addItem(item)
        self.documents.blockSignals(False)
        self._counted()

    def _add_files(self) -> None:
        chosen = file_dialogs.open_files(self, "Files to review", str(Path.home()), DOCUMENT_FILTER)
        self._added([Path(p) for p in chosen])

    def _add_folder(self) -> None:
        chosen = file_dialogs.choose_folder(self, "A folder to review", str(Path.home()))
        self._added([Path(chosen)] if chosen else [])

    def _added(self, paths: list[Path]) -> None:
        """Picked files and folders: listed, ticked, indexed when the grid is made."""
        self.paths += [p for p in paths if p not in self.paths]
        self._fill(self.library.currentText())

    def _items(self) -> list[QListWidgetItem]:
        return [self.documents.item(i) for i in range(self.documents.count())]

    def _ticked(self) -> list[str]:
        """The ids of the library's documents ticked."""
        return [
            str(i.data(Qt.ItemDataRole.UserRole))
            for i in self._items()
            if i.checkState() == Qt.CheckState.Checked
            and not isinstance(i.data(Qt.ItemDataRole.UserRole), Path)
        ]

    def _to_add(self) -> tuple[Path, ...]:
        return tuple(
            i.data(Qt.ItemDataRole.UserRole)
            for i in self._items()
            if i.checkState() == Qt.CheckState.Checked
            and isinstance(i.data(Qt.ItemDataRole.UserRole), Path)
        )

    def _counted(self) -> None:
        ticked = len(self._ticked()) + len(self._to_add())
        total = self.documents.count()
        self.count.setText(
            "No documents yet: add files or a folder." if not total
            else f"{ticked} of {total} documents"
        )  # fmt: skip

    def _accept(self) -> None:
        try:
            questions = [q for q in (row.read() for row in self.rows) if q is not None]
        except Exception as exc:  # a choice column with one answer
            self.error.setText(getattr(exc, "message", str(exc)))
            return
        ticked, adding = self._ticked(), self._to_add()
        library = " ".join(self.library.currentText().split())
        if not questions:
            self.error.setText("Write at least one question.")
        elif not ticked and not adding:
            self.error.setText("Tick at least one document, or add files or a folder.")
        elif not library:
            self.error.setText("Name the library the files go in.")
        else:
            every = len(ticked) == self.documents.count() - len(self.paths)  # the library's
            self.plan = GridPlan(self.name.text().strip(), library,
                                 None if every else ticked, questions, adding)  # fmt: skip
            self.accept()
