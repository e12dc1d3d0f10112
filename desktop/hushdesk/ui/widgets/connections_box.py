"""Models → Connections: servers whose models answer like the local ones (a firm's
inference server: vLLM, llama-server, Ollama, LM Studio, another Hushdesk). Adding one
lists its models first, on a worker; nothing is kept when it cannot be reached."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hushdesk.endpoints import UNENCRYPTED_BADGE
from hushdesk.services.connections import Connections, RemoteModel
from hushdesk.services.shared import SharedState
from hushdesk.ui import file_dialogs
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import status_label, warning
from hushdesk.ui.tasks import Tasks

UNENCRYPTED_TIP = (
    "Plain http:// to another computer: the token, what you write and the passages from "
    "your documents cross the network unencrypted. Use https:// where the server allows it."
)


def shared_where(state: SharedState) -> str:
    """Where a shared library lives, badged when it is reached unencrypted."""
    return f"{state.host} · ⚠ {UNENCRYPTED_BADGE}" if state.unencrypted else state.host


class ConnectionsBox(QGroupBox):
    connectionsChanged = Signal()  # the model menus list the servers' models anew

    def __init__(self, connections: Connections, tasks: Tasks, parent: QWidget | None = None):
        super().__init__("Connections (models on your firm's server)", parent)
        self.connections, self.tasks = connections, tasks
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Connections")
        self.table.setHorizontalHeaderLabels(["Name", "Address", "Models", "Token"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(130)
        buttons = QHBoxLayout()
        for label, slot in (
            ("Add server…", self.add),
            ("Test", self.test),
            ("Remove…", self.remove),
        ):
            button = QPushButton(label)
            button.setAccessibleName(label.rstrip("…") + " connection")
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        note = QLabel(
            "A server's models appear in the chat's model menu as “model · host”. What you "
            "write in a conversation goes to that server only when you pick one of its models."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.status = status_label(name="Connections status")
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        found = self.connections.all()
        self.table.setRowCount(len(found))
        for row, c in enumerate(found):
            models = ", ".join(c.models) or "none listed"
            address = f"{c.url}  ⚠ {UNENCRYPTED_BADGE}" if c.unencrypted else c.url
            for column, text in enumerate(
                (c.name, address, models, "yes" if c.has_token else "no")
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(UNENCRYPTED_TIP if column == 1 and c.unencrypted else text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.setVisible(True)

    def _selected(self) -> str | None:
        items = self.table.selectedItems()
        if not items:
            self.status.setText("Select a server first.")
            return None
        first = self.table.item(items[0].row(), 0)
        return first.text() if first is not None else None

    def add(self) -> None:
        dialog = ConnectionDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, url, token, ca_file = dialog.values()
        allow = dialog.allow_unencrypted.isChecked()
        self.status.setText(f"Asking {url} for its models…")
        self.tasks.run(
            lambda: self.connections.add(
                name, url, token=token, ca_file=ca_file, allow_unencrypted=allow
            ),
            on_result=lambda models: self._listed(name, models),
            on_error=self._failed,
        )

    def test(self) -> None:
        name = self._selected()
        if name is None:
            return
        self.status.setText(f"Asking {name} for its models…")
        self.tasks.run(
            lambda: self.connections.test(name),
            on_result=lambda models: self._listed(name, models),
            on_error=self._failed,
        )

    def remove(self) -> None:
        name = self._selected()
        if name is None:
            return
        if confirm(
            self,
            "Remove server",
            f"Forget {name} and its token? Its models leave the menus.",
            "Remove server",
            destructive=True,
        ):
            self.connections.remove(name)
            self.status.setText(f"Removed {name}.")
            self.refresh()
            self.connectionsChanged.emit()

    def _listed(self, name: str, models: list[RemoteModel]) -> None:
        self.status.setText(f"✓ {name} answers: {len(models)} model(s).")
        self.refresh()
        self.connectionsChanged.emit()

    def _failed(self, error: BaseException) -> None:
        self.status.setText(warning(error))


class ConnectionDialog(QDialog):
    """Name, address, token (hidden) and, for a firm's own certificates, a CA file: for
    an inference server, or (``shared``) a Chroma server keeping a shared library. Plain
    http:// to another computer is refused unless "Allow unencrypted" is ticked (off by
    default; such a server is then badged wherever it is shown)."""

    def __init__(self, parent: QWidget | None = None, *, shared: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shared library" if shared else "Add a server")
        self.name = QLineEdit()
        self.name.setAccessibleName("Library name" if shared else "Server name")
        self.name.setPlaceholderText("Client — Smith lease" if shared else "team")
        self.url = QLineEdit()
        self.url.setAccessibleName("Server address")
        self.url.setPlaceholderText(
            "https://chroma.example-firm.internal:8000"
            if shared
            else "https://gpu.example-firm.internal:8000/v1"
        )
        self.token = QLineEdit()
        self.token.setAccessibleName("Server token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("the server's API key, if it has one")
        self.ca_file = QLineEdit()
        self.ca_file.setAccessibleName("Certificate authority file")
        self.ca_file.setPlaceholderText("only if your firm uses its own certificates")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        self.allow_unencrypted = QCheckBox("Allow unencrypted (http:// to another computer)")
        self.allow_unencrypted.setAccessibleName("Allow unencrypted")
        self.allow_unencrypted.setToolTip(UNENCRYPTED_TIP)
        self.allow_unencrypted.setChecked(False)  # plain http:// elsewhere is refused
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Name:", self.name)
        form.addRow("Address:", self.url)
        form.addRow("Token:", self.token)
        form.addRow("Certificates:", ca_row)
        form.addRow("", self.allow_unencrypted)
        form.addRow(buttons)
        self.resize(560, 0)

    def _browse(self) -> None:
        path = file_dialogs.open_file(self, "Certificate authority", "", "PEM (*.pem *.crt)")
        if path:
            self.ca_file.setText(path)

    def values(self) -> tuple[str, str, str, str | None]:
        ca_file = self.ca_file.text().strip() or None
        return self.name.text().strip(), self.url.text().strip(), self.token.text(), ca_file
