"""The first steps: the welcome dialog (at the first launch, and from Help → Welcome) and
the sample document's cited answer in one click.

The welcome only asks; what it asks for (a download, an import, the sample) is done by the
window's pages, reached through the callables given to ``Onboarding``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from hushdesk import assets
from hushdesk.app import App
from hushdesk.ui.chat_page import ChatPage
from hushdesk.ui.tasks import Tasks

if TYPE_CHECKING:
    from hushdesk.ui.library_page import LibraryPage
    from hushdesk.ui.welcome import WelcomeDialog


class Onboarding(QObject):
    """``documents`` returns the Documents page (built on first use), ``show_documents``
    brings it into view, ``download(model_id, quantization)`` and ``import_models(source)``
    go to the Models page, ``new_chat`` opens an empty chat."""

    def __init__(
        self,
        app: App,
        tasks: Tasks,
        chat: ChatPage,
        window: QWidget,
        *,
        documents: Callable[[], LibraryPage],
        show_documents: Callable[[], None],
        download: Callable[[str, str], None],
        import_models: Callable[[str], None],
        new_chat: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.app = app
        self.tasks = tasks
        self.chat = chat
        self._window = window
        self._documents = documents
        self._show_documents = show_documents
        self._download = download
        self._import_models = import_models
        self._new_chat = new_chat
        self._sample: dict[str, Any] | None = None  # the sample to ask, once indexed
        self._dialog: WelcomeDialog | None = None  # while it is open

    def welcome(self) -> WelcomeDialog:
        """The welcome dialog; shown, not waited for."""
        from hushdesk.ui.welcome import WelcomeDialog

        dialog = WelcomeDialog(self.app, self.tasks, self._window)
        # The embedding model made ready while the welcome is read; a lambda, so the
        # libraries' store opens on that thread too. A failure is the first document's to say.
        app = self.app
        prepare = lambda: app.documents.prepare()  # noqa: E731, PLW0108
        self.tasks.run(prepare, pool="ingest", on_error=lambda _e: None)
        dialog.downloadRequested.connect(self._download)
        dialog.importRequested.connect(self._import_models)
        dialog.sampleRequested.connect(self.try_sample)
        dialog.finished.connect(lambda _r: self.app.preferences.set_welcomed())
        dialog.finished.connect(lambda _r: setattr(self, "_dialog", None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self._dialog = dialog
        return dialog

    def download_failed(self, text: str) -> None:
        """The download the welcome asked for failed: the welcome says so, if still open."""
        if self._dialog is not None:
            self._dialog.show_trouble(text)

    def try_sample(self) -> None:
        """A cited answer in one click: the sample document in a library of its own,
        then a new chat grounded in it asks the sample's question."""
        sample = assets.read_toml("samples", "sample.toml")
        page = self._documents()
        self._show_documents()  # its progress shows there while it is indexed
        library = page.create_library(sample["library"])
        self._sample = sample  # asked by sample_indexed: now if it is in, else once it is
        if not self.sample_indexed():
            page.add([assets.path("samples", sample["file"])], library)

    def sample_indexed(self) -> bool:
        """After each indexing run: once the sample is in, ask its question."""
        sample = self._sample
        if sample is None:
            return False
        library = self.app.documents.library(sample["library"])
        if not self.app.documents.ready_file(library, str(assets.path("samples", sample["file"]))):
            return False
        self._sample = None
        self._new_chat()
        self.app.conversations.set_libraries(self.chat.chat, [sample["library"]])
        self.chat.refresh_libraries()
        self.chat.composer.setPlainText(sample["question"])
        self.chat.send()
        return True
