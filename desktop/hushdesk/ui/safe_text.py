"""What Qt's rich text may load, and how links leave the app: one policy for all of it.

Model output, document text and names (files, models, templates, conversations) are
untrusted. Qt's rich text would load any ``<img src=…>`` it meets: a local device such
as ``/dev/zero`` (read on the GUI thread: the app hangs, at every start when the answer
is saved), or on Windows ``//host/share/x.png``, an SMB request from native code that
leaks the user's NTLM hash and that no Python-level guard can see. So:

- every text view and rich-text document in the app is a ``SafeTextBrowser`` or a
  ``SafeTextDocument``, which load nothing but ``data:`` and ``qrc:`` resources
  (``tests/unit/test_architecture.py`` checks no other is created);
- every label is plain text unless a widget asks for rich text on purpose
  (``rich_label``, ``message_box.Rich``: their text is built from escaped parts, which
  ``tests/ui/test_rich_text_sites.py`` proves at every call): ``TextPolicy``, installed
  on the application,
  turns Qt's guess ("auto", which treats anything that looks like HTML as HTML) into
  plain text for every label, wherever it is created, and shows tooltips as text;
- a link in an answer or a summary opens only after the user saw the full address and
  said yes (``open_link``);
- behind all of that, ``install_resource_guard`` holds every other ``QTextDocument`` in
  the process (the hidden one inside a rich-text ``QLabel``, a message box's, a
  tooltip's) to the same policy for images: markup that slips past the rules above
  still makes Qt read no file, device or share (``ResourceGuard`` says how, and what it
  cannot cover).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QHelpEvent, QImage, QTextDocument, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTextBrowser,
    QToolTip,
    QWidget,
)

from hushdesk.ui.message_box import confirm

# Before asking a document for an image, Qt looks for ``name@2x.png`` beside it on a
# high-DPI screen: a file-system call that on Windows would reach a share. Qt reads
# this switch once, at its first such look (the window icon's, in create_app), so it is
# set on import, before any QApplication. The app's icons are SVG: they never need it.
os.environ["QT_HIGHDPI_DISABLE_2X_IMAGE_LOADING"] = "1"

ALLOWED_SCHEMES = frozenset({"data", "qrc"})
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})


def allowed(url: QUrl) -> bool:
    return url.scheme().lower() in ALLOWED_SCHEMES


def _guarded(load: Callable[[int, QUrl], object], kind: int, url: QUrl) -> object:
    return load(kind, url) if allowed(url) else _refused(kind)


def _refused(kind: int) -> object:
    """A non-null empty resource: Qt then stops looking (a null one makes it try the
    file system next)."""
    return QImage() if kind == QTextDocument.ResourceType.ImageResource.value else b""


IMAGE = QTextDocument.ResourceType.ImageResource.value
GUARDED = "hushdesk_resource_guard"
WATCHED, OWN_POLICY = "watched", "own policy"


class ResourceGuard(QObject):
    """Installed on the application: every ``QTextDocument`` in the process — the
    hidden one inside a rich-text ``QLabel``, a message box's, a tooltip's — gets an
    empty image for each ``<img>`` (or background image) it holds that is not
    ``data:``/``qrc:``, registered before the document is laid out, so Qt never opens
    the file, device or share it names.

    Qt 6 has a hook made for this, ``QTextDocument.setDefaultResourceProvider``, but
    PySide6 (6.11) does not bind it; it is used where a later PySide6 does. Meanwhile
    the guard hooks each document as it gets its first child (its layout or a frame,
    always before any layout) and after each change: Qt reports a change before it
    lays the new content out. Style sheets (``<link rel=stylesheet>``) are read while
    the HTML is parsed, which nothing outside the document can intercept: only
    escaping (the rules above) keeps those out.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildAdded and isinstance(watched, QTextDocument):
            state = watched.property(GUARDED)
            if state == OWN_POLICY:
                return False
            if _own_policy(watched):
                self._release(watched, state)
                return False
            if not state:
                watched.setProperty(GUARDED, WATCHED)
                watched.contentsChange.connect(self._changed, Qt.ConnectionType.DirectConnection)
            _refuse_images(watched)
        return False

    @Slot(int, int, int)
    def _changed(self, _position: int, _removed: int, _added: int) -> None:
        document = self.sender()  # not captured: a document must stay free to go
        if not isinstance(document, QTextDocument):
            return
        if _own_policy(document):
            self._release(document, WATCHED)
        else:
            _refuse_images(document)

    def _release(self, document: QTextDocument, state: object) -> None:
        """A document of the safe classes refuses resources itself, and may be long (a
        conversation): it is left alone (scanning it at each streamed word would cost)."""
        if state == WATCHED:
            document.contentsChange.disconnect(self._changed)
        document.setProperty(GUARDED, OWN_POLICY)


def _own_policy(document: QTextDocument) -> bool:
    if isinstance(document, SafeTextDocument):
        return True
    control = document.parent()  # a text view's document belongs to its control
    return control is not None and isinstance(control.parent(), SafeTextBrowser)


def _refuse_images(document: QTextDocument) -> None:
    """Register an empty image for each resource the document would load. Formats, not
    text, are scanned: a document has few of them however long it is."""
    for text_format in document.allFormats():
        names = []
        if text_format.isImageFormat():
            names.append(text_format.toImageFormat().name())
        background = text_format.property(QTextFormat.Property.BackgroundImageUrl)
        if background:
            names.append(str(background))
        for name in names:
            url = QUrl(name)
            if allowed(url):
                continue
            for key in (url, document.baseUrl().resolved(url), QUrl.fromLocalFile(name)):
                document.addResource(IMAGE, key, QImage())


def _provide(url: QUrl) -> object:
    """For ``setDefaultResourceProvider``: ``None`` lets Qt load ``data:``/``qrc:``;
    anything else gets an empty image, the one answer Qt's image handler takes as final
    (an empty byte string would make it open the name as a file)."""
    return None if allowed(url) else QImage()


def install_resource_guard(app: QCoreApplication) -> None:
    """Back up the per-widget policy for the whole process (called once at start)."""
    provider = getattr(QTextDocument, "setDefaultResourceProvider", None)
    if provider is not None:
        provider(_provide)
    guard = ResourceGuard(app)
    app.installEventFilter(guard)
    app.setProperty("hushdesk_resource_guard", True)


def guarded() -> bool:
    """Whether ``install_resource_guard`` ran in this process (the tests check it)."""
    app = QCoreApplication.instance()
    return bool(app is not None and app.property("hushdesk_resource_guard"))


class SafeTextBrowser(QTextBrowser):
    """A text browser that loads no resource but ``data:``/``qrc:`` and follows no link
    by itself (the owner decides what a click does)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url)
        if allowed(url):
            return super().loadResource(kind, url)
        return _refused(kind)


class SafeTextDocument(QTextDocument):
    """A rich-text document (item delegates) with the same policy."""

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url)
        if allowed(url):
            return super().loadResource(kind, url)
        return _refused(kind)


class TextPolicy(QObject):
    """Installed on the application:

    - a label left on Qt's "auto" format is made plain text when it joins a window,
      before it is laid out or painted;
    - a tooltip (of a widget, or of an item in a list or table) is shown as the text it
      is: Qt would otherwise render one that looks like HTML as HTML.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildAdded:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QLabel):
                plain(child)
        elif kind == QEvent.Type.Polish and isinstance(watched, QLabel):
            plain(watched)
        elif kind == QEvent.Type.ToolTip and isinstance(watched, QWidget):
            return _tooltip(watched, event)  # type: ignore[arg-type]
        return False


def _tooltip(widget: QWidget, event: QHelpEvent) -> bool:
    text = widget.toolTip()
    view = widget.parent()
    if not text and isinstance(view, QAbstractItemView) and widget is view.viewport():
        text = str(view.indexAt(event.pos()).data(Qt.ItemDataRole.ToolTipRole) or "")
    if "<" not in text and "&" not in text:
        return False  # nothing Qt could take for markup: its own handling is fine
    QToolTip.showText(event.globalPos(), f"<qt>{escaped(text)}</qt>", widget)
    return True


def escaped(text: str) -> str:
    """Untrusted text as rich text that shows it as it is (line breaks kept)."""
    return html.escape(text).replace("\n", "<br>")


def rich_label(html: str = "") -> QLabel:
    """A label that shows rich text on purpose: its text must be built from escaped
    parts (``html.escape`` on every name or message in it)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(html)
    return label


def plain(label: QLabel) -> None:
    if label.textFormat() == Qt.TextFormat.AutoText:
        label.setTextFormat(Qt.TextFormat.PlainText)


def open_link(parent: QWidget, url: QUrl) -> bool:
    """Open a web or mail link from untrusted text, once the user has seen the whole
    address (an injected link could carry their data out in it) and agreed."""
    if url.scheme().lower() not in EXTERNAL_SCHEMES:
        return False
    shown = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    if not confirm(
        parent,
        "Open this link?",
        "This link comes from the model's answer or a document. Open it in your browser? "
        "Anything in the address is sent to that site.",
        "Open link",
        detail=shown,
    ):
        return False
    return QDesktopServices.openUrl(url)
