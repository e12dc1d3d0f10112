"""Watched folders, as the GUI follows them: Qt's watcher for instant news, and a
light poll of the folders' signature for what it misses (network shares, systems out
of inotify watches). Asks for a rescan when something changed."""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from hushdesk.services.indexing import Indexing
from hushdesk.ui.tasks import Tasks

POLL_MS = 30_000  # watched folders are also checked this often


class FolderWatch(QObject):
    rescanRequested = Signal()

    def __init__(self, indexing: Indexing, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.indexing, self.tasks = indexing, tasks
        self.watcher = QFileSystemWatcher(self)
        self._soon = QTimer(self, singleShot=True, interval=2000)
        self._soon.timeout.connect(self.rescanRequested)
        self.watcher.directoryChanged.connect(lambda _p: self._soon.start())
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.update)
        self._signature: object = None  # of the watched folders, as last listed
        self._listing = 0  # the newest listing asked for
        self._rescan_after = False  # a listing was asked to end with a rescan

    def update(self, *, then_rescan: bool = False) -> None:
        """List the watched trees (off the GUI thread) and watch them; ask for a rescan
        if they changed since the last listing (or when ``then_rescan``). Listings can
        finish out of order: only the newest is applied, and it does what an older,
        overtaken one was asked to do."""
        self._listing += 1
        listing = self._listing
        self._rescan_after = self._rescan_after or then_rescan
        # Results reach a bound method: Qt drops them once this object is gone.
        self.tasks.run(lambda: (listing, self.indexing.watched_folders()), on_result=self._listed)

    def _listed(self, result: tuple[int, tuple[list[str], object]]) -> None:
        listing, (folders, signature) = result
        if listing != self._listing:
            return  # a newer listing is on its way
        if set(self.watcher.directories()) != set(folders):
            if self.watcher.directories():
                self.watcher.removePaths(self.watcher.directories())
            if folders:
                self.watcher.addPaths(folders)
        if not folders:
            self._poll.stop()
        elif not self._poll.isActive():
            self._poll.start()
        changed = self._signature is not None and signature != self._signature
        self._signature = signature
        rescan, self._rescan_after = self._rescan_after or (changed and bool(folders)), False
        if rescan:
            self.rescanRequested.emit()
