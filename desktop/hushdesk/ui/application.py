"""Application start-up: one instance, a crash dialog, a window on screen fast.

Heavy work (the engine child, loading the model) starts only after the first paint.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from hushdesk import APP_NAME, __version__, assets, paths
from hushdesk.errors import HushdeskError
from hushdesk.ui.message_box import tell
from hushdesk.ui.safe_text import TextPolicy, install_resource_guard
from hushdesk.ui.single_instance import SingleInstance
from hushdesk.ui.theme import apply_theme
from hushdesk.vault import Vault, unlock_without_asking

if TYPE_CHECKING:
    from hushdesk.app import App

log = logging.getLogger("hushdesk.ui")


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    # No display name: Qt would add " — Hushdesk" to every title, after the main
    # window's own "… — Hushdesk" and a dialog's "Welcome to Hushdesk" too.
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("hushdesk")
    icon = assets.path("icons", "hushdesk.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    app.installEventFilter(TextPolicy(app))  # untrusted text never becomes rich text
    install_resource_guard(app)  # no document anywhere loads a file, device or share
    # Qt's own small files (a file dialog's recent folders) go under Hushdesk's config
    # folder, private and removed by a wipe, not into ~/.config/QtProject.conf.
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(paths.config_dir()))
    return app


def install_excepthook(parent: QWidget) -> None:
    """Unexpected errors: logged, shown in a dialog, app kept running.

    Conversations are committed message by message, so nothing is pending to save.
    """
    showing = [False]

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical("unhandled error", exc_info=(kind, value, tb))
        if showing[0] or QApplication.instance() is None:
            return
        showing[0] = True
        try:
            tell(
                parent,
                "Unexpected error",
                "Something went wrong, but your conversations are saved.\n"
                f"Details were written to {paths.log_file()}.",
                "error",
                details="".join(traceback.format_exception(kind, value, tb)),
            )
        finally:
            showing[0] = False

    sys.excepthook = hook


def run(*, show: str = "") -> int:
    """The app; ``show``: with Quick ask ("quick") or the actions on selected text
    ("selection") shown (``hushdesk quick``, ``hushdesk selection``)."""
    qt = create_app()
    from hushdesk import settings as settings_mod

    apply_theme(qt, settings_mod.load().ui.theme)
    instance = SingleInstance(qt)
    if instance.already_running(show.encode() or b"raise"):
        print("Hushdesk is already open; showing its window.", file=sys.stderr)
        return 0
    instance.show_at_start = show

    from hushdesk.services.wipe import in_use

    try:
        hold = in_use()  # for the window's whole life: a wipe elsewhere waits, even while locked
    except HushdeskError as exc:
        tell(None, f"Could not start {APP_NAME}", exc.message, "error")
        return 1
    vault = Vault()
    try:
        unlock_without_asking(vault)  # the passphrase file, or the keychain, at start only
    except HushdeskError as exc:
        log.warning("could not unlock without asking: %s", exc)
    qt.setQuitOnLastWindowClosed(False)  # the unlock dialog comes and goes between windows
    _close_on_signals(qt)
    try:
        while True:
            if not vault.unlocked and not _ask_unlock(vault):
                return 0
            ending, code = _session(qt, instance, vault)
            if ending == "lock":
                vault.lock()
            elif ending == "wipe":
                _wipe(vault)
                return 0
            else:
                return code
    finally:
        instance.close()  # a new launch must not talk to this one while it exits
        hold.release()


def _ask_unlock(vault: Vault) -> bool:
    from hushdesk.ui.unlock import UnlockDialog

    try:
        return UnlockDialog(vault).exec() == QDialog.DialogCode.Accepted
    except HushdeskError as exc:  # e.g. a key file that cannot be read
        tell(None, f"Could not start {APP_NAME}", exc.message, "error")
        return False


def _session(qt: QApplication, instance: SingleInstance, vault: Vault) -> tuple[str, int]:
    """One unlocked session, until it quits, locks or wipes: a window per matter opened
    (switching matters closes the window and opens one on the other matter; the App,
    and the model it has loaded, stay). Everything it opened is closed with it."""
    from hushdesk.app import App
    from hushdesk.ui.matters import SWITCH

    try:
        app = App(vault=vault)
        last = app.preferences.last_matter
        if last != app.matter.id and last in {m.id for m in app.matters.list()}:
            app.open_matter(last)
    except HushdeskError as exc:
        tell(None, f"Could not start {APP_NAME}", exc.message, "error")
        return "quit", 1
    try:
        first = True
        while True:
            ending, code = _window(qt, instance, app, first=first)
            if not ending.startswith(SWITCH):
                return ending, code
            app.open_matter(ending.removeprefix(SWITCH))
            app.preferences.remember_matter(app.matter.id)
            first = False
    finally:
        app.close()


def _window(
    qt: QApplication, instance: SingleInstance, app: App, *, first: bool
) -> tuple[str, int]:
    """The main window on the app's open matter, until it ends."""
    from hushdesk.ui.main_window import MainWindow

    try:
        window = MainWindow(app)
    except HushdeskError as exc:
        tell(None, f"Could not start {APP_NAME}", exc.message, "error")
        return "quit", 1
    ending = ["quit"]

    def ended(why: str) -> None:
        ending[0] = why
        qt.exit(0)

    window.ended.connect(ended)
    install_excepthook(window)
    instance.raiseRequested.connect(window.bring_to_front)
    instance.showRequested.connect(window.show_part)
    probe = os.environ.get("HUSHDESK_STARTUP_PROBE")
    if probe and first:
        _startup_probe(window, float(probe))
    else:
        QTimer.singleShot(0, window.chat.preload)  # after the first paint
        QTimer.singleShot(3000, window.resume_documents)  # indexing left unfinished
        QTimer.singleShot(500, window.local_api.resume)  # the API, if left serving
        QTimer.singleShot(1000, window.apply_retention)  # and once a day after
    window.show()
    if first and instance.show_at_start:
        QTimer.singleShot(0, lambda: window.show_part(instance.show_at_start))
    if first and not app.preferences.welcomed:
        window.onboarding.welcome()  # first launch: painted with the window
    try:
        code = qt.exec()
    finally:
        instance.raiseRequested.disconnect(window.bring_to_front)
        instance.showRequested.disconnect(window.show_part)
        window.shutdown()
        window.deleteLater()  # now, with its timers: nothing of it runs after a lock
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return ending[0], code


def _wipe(vault: Vault) -> None:
    from hushdesk.services.wipe import wipe

    try:
        report = wipe(vault)
    except HushdeskError as exc:  # another Hushdesk has the data open: nothing was deleted
        tell(None, "Delete all my data", f"Nothing was deleted. {exc.message}")
        return
    text = f"All your data was deleted ({report.removed} files); its key is destroyed."
    if report.failed:
        text += "\n\nThese could not be removed:\n" + "\n".join(report.failed[:10])
    tell(None, "Delete all my data", text, "info")


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, settle_s: float) -> None:
        super().__init__(window)
        self.window, self.settle_s = window, settle_s

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint:
            painted = time.time()
            self.window.removeEventFilter(self)
            QTimer.singleShot(int(self.settle_s * 1000), lambda: self._report(painted))
        return False

    def _report(self, painted: float) -> None:
        import psutil

        rss = psutil.Process().memory_info().rss
        shown = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
        report = {"painted_at": painted, "rss_bytes": rss, "windows": shown}
        print(json.dumps(report), flush=True)
        self.window.close()


def _startup_probe(window: QWidget, settle_s: float) -> None:
    """For bench/startup.py and the tests: report when the window first paints, the
    idle memory of this process (no model is loaded) and the windows showing, then quit."""
    window.installEventFilter(_FirstPaint(window, settle_s))


def _close_on_signals(qt: QApplication) -> None:
    """SIGTERM (logout, kill) and Ctrl-C close the windows properly (the main window
    saves its state; the unlock dialog just goes), whichever is showing.

    Python handles signals only when it runs; a wake-up fd watched by Qt makes sure it
    gets to run while the event loop waits.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, qt)

    def drain() -> None:
        try:
            while reader.recv(64):
                pass
        except BlockingIOError:
            pass

    notifier.activated.connect(drain)
    qt._signal_sockets = (reader, writer, notifier)  # type: ignore[attr-defined]
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: QApplication.closeAllWindows())
    if os.name == "nt":  # no wake-up fd for sockets there; a timer lets Python run
        timer = QTimer(qt, interval=250)
        timer.timeout.connect(lambda: None)
        timer.start()
