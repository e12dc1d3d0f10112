"""The pages of the main window's rail, one row each in ``PAGES``: the name the code uses,
the title, icon and tooltip the rail shows, how the page is built and how it is wired.

A page module is imported in its ``build`` function, so a page nobody opens costs nothing at
start-up. ``build`` and ``connect`` are given the window as a ``Shell``: what the pages are
built from and wired to, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, overload

from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from hushdesk.app import App
from hushdesk.services.conversations import Citation
from hushdesk.ui.chat_page import ChatPage
from hushdesk.ui.local_api import LocalApi
from hushdesk.ui.onboarding import Onboarding
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.unlock import IdleLock
from hushdesk.ui.widgets.conversation_list import ConversationList

if TYPE_CHECKING:
    from hushdesk.ui.email_page import EmailPage
    from hushdesk.ui.library_page import LibraryPage
    from hushdesk.ui.models_page import ModelsPage
    from hushdesk.ui.quick_ask import QuickAccess
    from hushdesk.ui.review_page import ReviewPage
    from hushdesk.ui.settings_page import SettingsPage
    from hushdesk.ui.summarize_page import SummarizePage

PageName = Literal["chat", "documents", "summaries", "review", "email", "models", "settings"]
W = TypeVar("W", bound=QWidget)


class Shell(Protocol):
    """What the pages are built from and wired to (the main window)."""

    app: App
    tasks: Tasks
    local_api: LocalApi
    chat: ChatPage
    sidebar: ConversationList
    idle: IdleLock
    onboarding: Onboarding
    quick: QuickAccess

    def built(self, name: PageName) -> bool: ...
    def go(self, name: PageName) -> None: ...
    @overload
    def page(self, name: Literal["documents"]) -> LibraryPage: ...
    @overload
    def page(self, name: Literal["email"]) -> EmailPage: ...
    def download_model(self, model_id: str, quantization: str) -> None: ...
    def download_failed(self, name: str, error: BaseException) -> None: ...
    def import_models(self, source: str) -> None: ...
    def summarize_document(self, file_id: int) -> None: ...
    def open_citation(self, c: Citation) -> None: ...
    def lock(self) -> None: ...
    def end(self, why: str) -> None: ...


def _nothing(*_args: object) -> None:
    pass


@dataclass(frozen=True)
class Page(Generic[W]):
    """``build`` makes the page's widget; ``connect`` wires it to the window and to the
    pages built before it, once; ``shown`` runs each time the page comes into view."""

    name: PageName
    title: str
    icon: str  # resources/icons/lucide/NAME.svg
    text: str  # the rail's tooltip
    build: Callable[[Shell], W]
    connect: Callable[[Shell, W], None] = _nothing
    shown: Callable[[W], None] = _nothing


def _chat_area(window: Shell) -> QSplitter:
    """The chat page with the conversation list beside it."""
    side = QWidget()
    side.setObjectName("chatSide")
    side.setMinimumWidth(180)
    column = QVBoxLayout(side)
    column.setContentsMargins(8, 8, 4, 8)
    column.addWidget(window.sidebar, 1)
    area = QSplitter()
    area.setObjectName("chatArea")
    area.addWidget(side)
    area.addWidget(window.chat)
    area.setStretchFactor(1, 1)
    area.setSizes([240, 840])
    return area


def _connect_chat(window: Shell, _area: QSplitter) -> None:
    window.chat.modelRequested.connect(window.download_model)
    window.chat.modelsWanted.connect(lambda: window.go("models"))
    window.chat.banner.importRequested.connect(window.import_models)
    window.chat.openCitation.connect(window.open_citation)  # builds the Documents page


def _documents(window: Shell) -> LibraryPage:
    from hushdesk.ui.library_page import LibraryPage

    return LibraryPage(window.app, window.tasks)


def _connect_documents(window: Shell, page: LibraryPage) -> None:
    page.librariesChanged.connect(window.chat.refresh_libraries)
    page.librariesChanged.connect(window.onboarding.sample_indexed)
    page.summarizeRequested.connect(window.summarize_document)
    if window.built("email"):
        page.librariesChanged.connect(window.page("email").refresh)


def _summaries(window: Shell) -> SummarizePage:
    from hushdesk.ui.summarize_page import SummarizePage

    return SummarizePage(window.app, window.tasks)


def _connect_summaries(window: Shell, page: SummarizePage) -> None:
    page.modelsRequested.connect(lambda: window.go("models"))


def _review(window: Shell) -> ReviewPage:
    from hushdesk.ui.review_page import ReviewPage

    return ReviewPage(window.app, window.tasks)


def _connect_review(window: Shell, page: ReviewPage) -> None:
    page.openCitation.connect(window.open_citation)
    if window.built("documents"):
        window.page("documents").librariesChanged.connect(page.refresh)


def _email(window: Shell) -> EmailPage:
    from hushdesk.ui.email_page import EmailPage

    return EmailPage(window.app, window.tasks)


def _connect_email(window: Shell, page: EmailPage) -> None:
    page.modelsRequested.connect(lambda: window.go("models"))
    if window.built("documents"):
        window.page("documents").librariesChanged.connect(page.refresh)


def _models(window: Shell) -> ModelsPage:
    from hushdesk.ui.models_page import ModelsPage

    return ModelsPage(window.app, window.tasks)


def _connect_models(window: Shell, page: ModelsPage) -> None:
    page.modelsChanged.connect(window.chat.refresh_models)
    page.downloadFailed.connect(window.download_failed)


def _settings(window: Shell) -> SettingsPage:
    from hushdesk.ui.settings_page import SettingsPage

    return SettingsPage(window.app, window.tasks, window.local_api, quick=window.quick)


def _connect_settings(window: Shell, page: SettingsPage) -> None:
    page.modelChanged.connect(window.chat.refresh_models)
    page.lockRequested.connect(window.lock)
    page.lockAfterChanged.connect(window.idle.set_minutes)
    page.wipeRequested.connect(lambda: window.end("wipe"))


def _refresh_settings(page: SettingsPage) -> None:
    page.refresh()  # models may have come or gone since it was last shown


PAGES: tuple[Page[Any], ...] = (
    Page(
        "chat",
        "Chat",
        "message-square",
        "Conversations with your model.",
        _chat_area,
        _connect_chat,
    ),
    Page(
        "documents",
        "Documents",
        "file-text",
        "Libraries of your documents: answers cite file and page.",
        _documents,
        _connect_documents,
    ),
    Page(
        "summaries",
        "Summarize",
        "notebook-text",
        "Summaries of documents of any length, with pages.",
        _summaries,
        _connect_summaries,
    ),
    Page(
        "review",
        "Review",
        "table-2",
        "Ask every document of a library the same questions: one table, each answer cited.",
        _review,
        _connect_review,
    ),
    Page(
        "email",
        "Email",
        "mail",
        "Draft replies and new emails, grounded in your documents.",
        _email,
        _connect_email,
    ),
    Page(
        "models",
        "Models",
        "cpu",
        "Browse, download and import models.",
        _models,
        _connect_models,
    ),
    Page(
        "settings",
        "Settings",
        "settings",
        "Appearance, default model, your data and privacy.",
        _settings,
        _connect_settings,
        _refresh_settings,
    ),
)


def index_of(name: PageName) -> int:
    """The page's row on the rail and its place in the window's stack."""
    return next(i for i, page in enumerate(PAGES) if page.name == name)
