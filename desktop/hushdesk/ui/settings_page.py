"""Settings: appearance, the default model, your name and signature for emails, the
local API for other programs (address, token), where your data lives, how it is locked
(passphrase, keychain, recovery key, idle lock), what the privacy guard is doing right
now, and deleting all of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hushdesk import __version__, paths, privacy, sandbox
from hushdesk.app import App
from hushdesk.errors import HushdeskError
from hushdesk.ui.icons import icon
from hushdesk.ui.local_api import LocalApi
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import error_text, page_title, status_label
from hushdesk.ui.quick_ask import QuickAccess
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.unlock import PassphraseDialog, RecoveryKeyDialog, ask_passphrase
from hushdesk.ui.widgets.quick_settings import QuickSettings
from hushdesk.ui.widgets.speech_settings import SpeechSettings
from hushdesk.ui.widgets.wipe_dialog import WipeDialog


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(widgets[0], 1)
    for widget in widgets[1:]:
        row.addWidget(widget)
    return row


def _copy(field: QLineEdit, what: str) -> QPushButton:
    """A button that puts ``field``'s text (even a hidden token) on the clipboard."""
    button = QPushButton(icon("copy"), "Copy")
    button.setAccessibleName(f"Copy the {what}")
    button.clicked.connect(lambda: QApplication.clipboard().setText(field.text()))
    return button


THEMES = (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark"))


LOCK_CHOICES = (
    ("After 5 minutes", 5),
    ("After 15 minutes", 15),
    ("After 30 minutes", 30),
    ("After 1 hour", 60),
    ("After 4 hours", 240),
    ("Never", 0),
)


class SettingsPage(QWidget):
    modelChanged = Signal()
    lockRequested = Signal()
    lockAfterChanged = Signal(int)
    wipeRequested = Signal()

    def __init__(
        self,
        app: App,
        tasks: Tasks,
        local_api: LocalApi | None = None,
        parent: QWidget | None = None,
        quick: QuickAccess | None = None,
    ) -> None:
        super().__init__(parent)
        self.app, self.tasks = app, tasks
        self.preferences = app.preferences
        self.local_api = local_api or LocalApi(app, tasks, self)
        column = QVBoxLayout()
        column.addWidget(page_title("Settings"))
        for box in (
            self._appearance(),
            self._model(),
            SpeechSettings(app.recordings),
            QuickSettings(app.settings, quick),
            self._sender(),
            self._api(),
            self._data(),
            self._privacy(),
        ):
            column.addWidget(box)
        column.addStretch(1)
        column.addWidget(QLabel(f"Hushdesk {__version__}"))
        inner = QWidget()
        inner.setLayout(column)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a frame: Tab goes to what is in it
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.refresh()

    # -- sections -------------------------------------------------------------------------

    def _appearance(self) -> QGroupBox:
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        for text, value in THEMES:
            self.theme.addItem(text, value)
        self.theme.activated.connect(lambda _i: self.set_theme(str(self.theme.currentData())))
        self.theme_note = QLabel("")
        box = QGroupBox("Appearance")
        form = QFormLayout(box)
        form.addRow("Theme:", self.theme)
        form.addRow("", self.theme_note)
        return box

    def _model(self) -> QGroupBox:
        self.model = QComboBox()
        self.model.setAccessibleName("Default chat model")
        self.model.activated.connect(
            lambda _i: self.set_default_model(str(self.model.currentData()))
        )
        box = QGroupBox("Model")
        form = QFormLayout(box)
        form.addRow("Default chat model:", self.model)
        form.addRow("", QLabel("Download or import more on the Models page."))
        return box

    def _sender(self) -> QGroupBox:
        self.sender_name = QLineEdit()
        self.sender_name.setAccessibleName("Your name")
        self.sender_address = QLineEdit()
        self.sender_address.setAccessibleName("Your email address")
        self.signature = QPlainTextEdit()
        self.signature.setAccessibleName("Signature")
        self.signature.setMaximumHeight(90)
        self.save_sender = QPushButton("Save")
        self.save_sender.clicked.connect(self._save_sender)
        self.sender_note = QLabel("")
        box = QGroupBox("You, in emails")
        form = QFormLayout(box)
        form.addRow("Name:", self.sender_name)
        form.addRow("Address:", self.sender_address)
        form.addRow("Signature:", self.signature)
        row = QHBoxLayout()
        row.addWidget(self.sender_note, 1)
        row.addWidget(self.save_sender)
        form.addRow(row)
        return box

    def _api(self) -> QGroupBox:
        api = self.local_api
        self.api_port = QSpinBox()
        self.api_port.setAccessibleName("Local API port")
        self.api_port.setRange(1024, 65535)
        self.api_port.setMaximumWidth(120)
        self.api_port.setValue(api.port)
        self.api_port.editingFinished.connect(
            lambda: api.set_serving(api.wanted, self.api_port.value())
        )
        self.api_on = QCheckBox("Serve an OpenAI-compatible API to programs on this computer")
        self.api_on.setAccessibleName("Serve the local API")
        self.api_on.clicked.connect(lambda on: api.set_serving(on, self.api_port.value()))
        if self.app.policy.local_api is False:
            self.api_on.setEnabled(False)
            self.api_on.setToolTip(f"Turned off by {self.app.policy.why()}.")
        self.api_address = QLineEdit()
        self.api_address.setAccessibleName("Local API address")
        self.api_address.setReadOnly(True)
        self.api_token = QLineEdit()
        self.api_token.setAccessibleName("Local API token")
        self.api_token.setReadOnly(True)
        self.api_token.setEchoMode(QLineEdit.EchoMode.Password)
        show = QPushButton("Show")
        show.setCheckable(True)
        show.setAccessibleName("Show the token")
        show.toggled.connect(
            lambda on: self.api_token.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        show.toggled.connect(lambda on: show.setText("Hide" if on else "Show"))
        new = QPushButton("New token…")
        new.clicked.connect(self.new_api_token)
        self.api_state = QLabel("")
        self.api_state.setWordWrap(True)
        self.api_state.setTextFormat(Qt.TextFormat.PlainText)
        note = QLabel(
            "Programs send the token as “Authorization: Bearer …”. Their questions take "
            "turns with your own chats on the same model and are not saved. Ask for "
            "answers from a library with the model “library:NAME”. Other computers can "
            "never reach it from here; see “hushdesk serve --help”."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        box = QGroupBox("Local API (for your other programs)")
        form = QFormLayout(box)
        form.addRow(self.api_on)
        form.addRow("Port:", self.api_port)
        form.addRow("Address:", _row(self.api_address, _copy(self.api_address, "address")))
        form.addRow("Token:", _row(self.api_token, show, _copy(self.api_token, "token"), new))
        form.addRow(self.api_state)
        form.addRow(note)
        api.changed.connect(self._show_api)
        self._show_api()
        return box

    def _show_api(self) -> None:
        api = self.local_api
        self.api_on.setChecked(api.wanted)
        self.api_address.setText(api.address)
        self.api_token.setText(api.token())
        states = {
            "on": f"✓ Serving at {api.address}",
            "starting": "Starting…" if api.wanted else "Stopping…",
            "off": "Off.",
            "failed": f"⚠ {api.problem}",
        }
        self.api_state.setText(states[api.state])

    def new_api_token(self) -> None:
        if confirm(
            self,
            "New token",
            "Make a new token? Programs that use the current one will need the new one.",
            "Make a new token",
        ):
            self.local_api.new_token()

    def _data(self) -> QGroupBox:
        box = QGroupBox("Your data (never leaves this computer)")
        form = QFormLayout(box)
        self.folders: dict[str, QLabel] = {}
        for name, label in (
            ("data", "Conversations, documents, models:"),
            ("config", "Settings:"),
            ("logs", "Logs:"),
        ):
            path = QLabel("")
            path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Open")
            button.clicked.connect(lambda _c=False, n=name: self.open_folder(n))
            row = QHBoxLayout()
            row.addWidget(path, 1)
            row.addWidget(button)
            form.addRow(label, row)
            self.folders[name] = path
        return box

    def _privacy(self) -> QGroupBox:
        self.privacy = QLabel("")
        self.privacy.setTextFormat(Qt.TextFormat.PlainText)
        self.privacy.setWordWrap(True)
        self.unlocks = QLabel("")
        self.unlocks.setTextFormat(Qt.TextFormat.PlainText)
        self.unlocks.setWordWrap(True)
        self.lock_after = QComboBox()
        for label, minutes in LOCK_CHOICES:
            self.lock_after.addItem(label, minutes)
        self.lock_after.activated.connect(
            lambda _i: self.set_lock_after(int(self.lock_after.currentData()))
        )
        self.use_keychain = QCheckBox("Keep the key in the system keychain")
        self.use_keychain.clicked.connect(self.set_keychain)
        passphrase = QPushButton("Change passphrase…")
        passphrase.clicked.connect(self.change_passphrase)
        recovery = QPushButton("New recovery key…")
        recovery.clicked.connect(self.new_recovery_key)
        lock = QPushButton("Lock now")
        lock.setToolTip("Ctrl+Shift+L")
        lock.clicked.connect(self.lockRequested)
        wipe = QPushButton("Delete all my data…")
        wipe.setObjectName("danger")
        wipe.clicked.connect(self.confirm_wipe)
        self.privacy_note = QLabel("")
        self.privacy_note.setTextFormat(Qt.TextFormat.PlainText)
        self.privacy_note.setWordWrap(True)
        box = QGroupBox("Privacy")
        form = QFormLayout(box)
        form.addRow(self.unlocks)
        form.addRow("Lock:", self.lock_after)
        form.addRow("", self.use_keychain)
        row = QHBoxLayout()
        for button in (passphrase, recovery, lock):
            row.addWidget(button)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.privacy_note)
        form.addRow(self.privacy)
        rules = self.app.policy
        if rules.any:  # what the firm locked, with its reason, where the user looks
            firm = status_label(f"Locked by {rules.why()}: {'; '.join(rules.describe())}.")
            firm.setAccessibleName("Firm policy")
            form.addRow("Firm policy:", firm)
        form.addRow("", wipe)
        return box

    def _show_lock_state(self) -> None:
        state = self.app.keys.state()
        names = {"keychain": "the system keychain", "passphrase": "your passphrase"}
        ways = [names[m] for m in state.methods if m in names]
        self.unlocks.setText(
            "Everything Hushdesk keeps about you is encrypted on disk. It unlocks with "
            + (" or ".join(ways) or "your recovery key")
            + (
                ", and your recovery key."
                if "recovery" in state.methods
                else ". You have no recovery key yet: make one and keep it on paper."
            )
        )
        self.use_keychain.setChecked("keychain" in state.methods)
        self.use_keychain.setEnabled(state.keychain_available)
        if not state.keychain_available:
            self.use_keychain.setToolTip("This system has no keychain Hushdesk can use.")
        index = self.lock_after.findData(self.preferences.lock_after_min)
        if index < 0:  # a time the firm's policy fixed, not one of the choices
            self.lock_after.addItem(f"After {self.preferences.lock_after_min} min")
            index = self.lock_after.count() - 1
        self.lock_after.setCurrentIndex(index)
        fixed = self.app.policy.lock_after_min is not None
        self.lock_after.setEnabled(not fixed)
        if fixed:
            self.lock_after.setToolTip(f"Set by {self.app.policy.why()}.")

    def set_lock_after(self, minutes: int) -> None:
        self.preferences.set_lock_after(minutes)
        self.lockAfterChanged.emit(minutes)

    def _privacy_change(self, change: Callable[[], object], done: str) -> None:
        """Key changes derive a key (argon2id): off the GUI thread."""

        def finished(result: object) -> None:
            self.privacy_note.setText(done)
            self._show_lock_state()
            if isinstance(result, str):
                RecoveryKeyDialog(result, self).exec()

        def failed(exc: BaseException) -> None:
            self.privacy_note.setText(error_text(exc))
            self._show_lock_state()

        self.privacy_note.setText("Working…")
        self.tasks.run(change, on_result=finished, on_error=failed)

    def set_keychain(self, on: bool) -> None:
        self._privacy_change(
            lambda: self.app.keys.set_keychain(on),
            "The key is in the system keychain." if on else "The keychain no longer holds it.",
        )

    def change_passphrase(self) -> None:
        dialog = PassphraseDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            passphrase = dialog.passphrase
            self._privacy_change(
                lambda: self.app.keys.set_passphrase(passphrase),
                "Passphrase changed. Your data is encrypted under a new key; an old copy of "
                "the key file with the old passphrase opens nothing.",
            )

    def new_recovery_key(self) -> None:
        state = self.app.keys.state()
        passphrase: str | None = None
        if "recovery" in state.methods and "passphrase" in state.methods:
            passphrase = ask_passphrase(
                self,
                "New recovery key",
                "A new recovery key encrypts your data under a new key, and the one you "
                "have now stops working. Type your passphrase to go on:",
            )
            if passphrase is None:
                return
        elif not confirm(
            self,
            "New recovery key",
            "Make a new recovery key? The one you have now stops working.",
            "Make a new key",
        ):
            return
        self._privacy_change(
            lambda: self.app.keys.new_recovery_key(passphrase), "New recovery key made."
        )

    def confirm_wipe(self) -> None:
        if WipeDialog(self).exec() == QDialog.DialogCode.Accepted:
            others = self.app.keys.others_using()
            if others:
                self.privacy_note.setText(others)
                return
            self.wipeRequested.emit()

    # -- state ----------------------------------------------------------------------------

    def refresh(self) -> None:
        preferences, models = self.preferences, self.app.models
        self.theme.setCurrentIndex(max(0, self.theme.findData(preferences.theme)))
        self.model.clear()
        for model in models.installed("llm"):
            self.model.addItem(model.name, model.id)
        self.model.setCurrentIndex(max(0, self.model.findData(models.default_chat())))
        sender = preferences.sender
        self.sender_name.setText(sender.sender_name)
        self.sender_address.setText(sender.sender_address)
        self.signature.setPlainText(sender.signature)
        for name, label in self.folders.items():
            label.setText(str(self._folder(name)))
        guard = privacy.guard_installed()
        offline = all(os.environ.get(k) == v for k, v in privacy.OFFLINE_ENV.items())
        lines = [
            ("✓ " if offline else "⚠ ") + "Offline mode: model libraries never look online.",
            ("✓ " if guard else "⚠ ") + "Network guard: every connection to another computer "
            "is refused.",
            "✓ Document readers, OCR and the model run without network (the system enforces it)."
            if sandbox.enforced_here()
            else "⚠ On this system the document readers and the model are held by the network "
            "guard only.",
            ("✓ " if sandbox.core_dumps_off() else "⚠ ")
            + "No crash writes your data to disk (no core dumps).",
            "The network is used only for a model download you start on the Models page.",
        ]
        self.privacy.setText("\n".join(lines))
        self._show_lock_state()

    def _folder(self, name: str) -> Path:
        return {"data": paths.data_dir, "config": paths.config_dir, "logs": paths.log_dir}[name]()

    def set_theme(self, theme: str) -> None:
        self.preferences.set_theme(theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            from hushdesk.ui.theme import apply_theme

            apply_theme(app, theme)
        self.theme_note.setText(
            "Following the system takes effect at the next start." if theme == "system" else ""
        )

    def set_default_model(self, model_id: str) -> None:
        try:
            self.app.models.set_default(model_id)
        except HushdeskError as exc:
            self.model.setToolTip(error_text(exc))
            return
        self.modelChanged.emit()

    def _save_sender(self) -> None:
        self.preferences.set_sender(
            self.sender_name.text(), self.sender_address.text(), self.signature.toPlainText()
        )
        self.sender_note.setText("Saved: new drafts end with this signature.")

    def open_folder(self, name: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder(name))))
