"""Before the window: protect a new data folder, or unlock an existing one; and the
recovery key, shown once with a way to print it.

The key derivation (argon2id: slow on purpose) runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hushdesk import APP_NAME
from hushdesk.passphrases import MIN_PASSPHRASE, check_passphrase
from hushdesk.ui.message_box import confirm
from hushdesk.ui.messages import ask_secret, error_text
from hushdesk.ui.safe_text import SafeTextDocument
from hushdesk.ui.tasks import Tasks
from hushdesk.vault import Vault, WrongKey, keychain_available


class UnlockDialog(QDialog):
    """Unlock with the passphrase, the recovery key or the keychain; or, for a new data
    folder, choose how it is protected."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.creating = not vault.exists()
        self.recovery_key: str | None = None
        self.tasks = Tasks(self)
        self._busy = False
        self.setWindowTitle(f"{'Protect your data' if self.creating else 'Unlock'} — {APP_NAME}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_typed = QCheckBox("Show what I type")
        self.show_typed.toggled.connect(self._show_typed)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setObjectName("error")
        buttons = QDialogButtonBox()
        self.go = buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.clicked.connect(self.reject)
        self.go.clicked.connect(self._go)
        self.keychain = QRadioButton("Use the system keychain (nothing to type at start)")
        self.passphrase = QRadioButton("Use a passphrase I type at every start")
        if self.creating:
            self._build_create(layout, form)
        else:
            self._build_unlock(layout, form)
        form.addRow("", self.show_typed)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.secret.returnPressed.connect(self._go)
        self.again.returnPressed.connect(self._go)

    def _build_create(self, layout: QVBoxLayout, form: QFormLayout) -> None:
        self.intro.setText(
            "Hushdesk encrypts everything it keeps about you (conversations, documents, "
            "summaries, drafts and your details) so that a lost laptop, a backup or another "
            "account on this computer cannot read them. How should it unlock?"
        )
        group = QButtonGroup(self)
        for choice in (self.keychain, self.passphrase):
            group.addButton(choice)
            layout.addWidget(choice)
        has_keychain = keychain_available()
        self.keychain.setEnabled(has_keychain)
        (self.keychain if has_keychain else self.passphrase).setChecked(True)
        if not has_keychain:
            self.keychain.setToolTip("This system has no keychain Hushdesk can use.")
        form.addRow("Passphrase:", self.secret)
        form.addRow("Again:", self.again)
        self.secret.setPlaceholderText(f"at least {MIN_PASSPHRASE} characters")
        self.go.setText("Encrypt and start")
        self.passphrase.toggled.connect(self._choice_changed)
        self._choice_changed()

    def _build_unlock(self, layout: QVBoxLayout, form: QFormLayout) -> None:
        methods = self.vault.methods()
        self.intro.setText(
            "Your data is locked. Type your passphrase, or your recovery key if you forgot it."
            if "passphrase" in methods
            else "Your data is locked. Unlock it with the system keychain, or type your "
            "recovery key."
        )
        form.addRow("Passphrase or recovery key:", self.secret)
        self.again.hide()
        self.go.setText("Unlock")
        if "keychain" in methods:
            use_keychain = QPushButton("Unlock with the keychain")
            use_keychain.clicked.connect(self._unlock_keychain)
            layout.addWidget(use_keychain)

    def _choice_changed(self) -> None:
        typed = self.passphrase.isChecked()
        for field in (self.secret, self.again, self.show_typed):
            field.setEnabled(typed)
        if typed and self.isVisible():
            self.secret.setFocus()  # the next thing to do is to type it

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.secret.isEnabled():
            self.secret.setFocus()  # not a radio button: typing is what comes next

    def _show_typed(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        for field in (self.secret, self.again):
            field.setEchoMode(mode)

    # -- actions --------------------------------------------------------------------------

    def _go(self) -> None:
        if self._busy:
            return
        secret = self.secret.text()
        if self.creating:
            typed = self.passphrase.isChecked()
            if typed:
                try:
                    check_passphrase(secret)
                except WrongKey as exc:
                    self.message.setText(exc.message)
                    return
                if secret != self.again.text():
                    self.message.setText("The two passphrases do not match.")
                    return

            def create() -> None:
                if typed:
                    self.vault.create(passphrase=secret)
                else:
                    self.vault.create(keychain=True)
                self.recovery_key = self.vault.new_recovery_key()

            self._run(create)
        elif secret:
            self._run(lambda: self.vault.unlock_typed(secret))

    def _unlock_keychain(self) -> None:
        def unlock() -> None:
            if not self.vault.unlock_keychain():
                raise WrongKey("The keychain does not hold the key (any more).")

        self._run(unlock)

    def _run(self, work: Callable[[], object]) -> None:
        self.message.setText("Deriving the key…")
        self.go.setEnabled(False)
        self._busy = True
        self.tasks.run(
            work, on_error=lambda exc: self.message.setText(error_text(exc)), on_finished=self._done
        )

    def _done(self) -> None:
        self._busy = False
        self.go.setEnabled(True)
        if self.vault.unlocked:
            self.secret.clear()
            self.again.clear()
            if self.recovery_key:
                RecoveryKeyDialog(self.recovery_key, self).exec()
            self.accept()
        else:
            self.secret.selectAll()
            self.secret.setFocus()
            if self.message.text() == "Deriving the key…":
                self.message.setText("")


class PassphraseDialog(QDialog):
    """A new passphrase, typed twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change passphrase")
        self.passphrase = ""
        self.first, self.second = QLineEdit(), QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText(f"at least {MIN_PASSPHRASE} characters")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("New passphrase:", self.first)
        form.addRow("Again:", self.second)
        form.addRow(self.message)
        form.addRow(buttons)

    def _check(self) -> None:
        try:
            self.passphrase = check_passphrase(self.first.text())
        except WrongKey as exc:
            self.message.setText(exc.message)
            return
        if self.second.text() != self.passphrase:
            self.message.setText("The two passphrases do not match.")
            return
        self.accept()


def ask_passphrase(parent: QWidget, title: str, text: str) -> str | None:
    """The current passphrase, typed once (``None``: cancelled)."""
    return ask_secret(parent, title, text)


class IdleLock(QObject):
    """``idle`` after so many minutes with no key press or click in the app, unless
    work is running (an answer, indexing, a download), which is waited out."""

    idle = Signal()
    INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        }
    )

    def __init__(self, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self._expired)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.timer.stop()
        if minutes > 0:
            self.timer.setInterval(minutes * 60_000)
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT and self.timer.interval() and self.timer.isActive():
            self.timer.start()
        return False

    def _expired(self) -> None:
        if self.tasks.busy():
            self.timer.start()
        else:
            self.idle.emit()


class RecoveryKeyDialog(QDialog):
    """The recovery key, once: copy or print it and keep it away from the laptop."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self.setWindowTitle("Your recovery key")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "If you forget your passphrase or lose the keychain, this key is the only way "
            "back into your data. Print it or write it down and keep it somewhere safe, "
            "away from this computer. It is not shown again."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        shown = QLabel(code)
        shown.setTextFormat(Qt.TextFormat.PlainText)
        shown.setObjectName("recovery-key")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 4)
        shown.setFont(font)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox()
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(code))
        print_ = buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        print_.clicked.connect(self.print_key)
        done = buttons.addButton("I have kept it", QDialogButtonBox.ButtonRole.AcceptRole)
        done.clicked.connect(self.accept)
        done.setDefault(True)
        for widget in (intro, shown):
            layout.addWidget(widget)
        layout.addWidget(buttons)

    def reject(self) -> None:
        """Esc or the window's close button: the key is not shown again, so ask first."""
        if confirm(
            self,
            "Close without the recovery key?",
            "It is not shown again. Without it, a forgotten passphrase means your data "
            "cannot be opened (Settings → Privacy can make a new one while you are in).",
            "Close anyway",
            cancel="Keep it first",
            destructive=True,
            kind="warning",
        ):
            super().reject()

    def print_key(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return
        page = SafeTextDocument()
        page.setPlainText(
            f"{APP_NAME} recovery key\n\n{self.code}\n\n"
            "Keep this page away from the computer. With it, anyone who has the computer "
            "can read your Hushdesk data."
        )
        page.print_(printer)
