"""Images to send with the next message: the "Attach image" button, and a row of
thumbnails above the message box, each with a remove button. Files chosen, dropped
or pasted are read and re-encoded off the GUI thread (``Conversations.image``: in a
child, capped); what cannot be read is said in the status line, nothing else lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from hushdesk.services.conversations import IMAGE_FILES, Conversations
from hushdesk.ui import file_dialogs
from hushdesk.ui.icons import icon
from hushdesk.ui.messages import warning
from hushdesk.ui.tasks import Tasks

THUMB = 56  # pixels: a thumbnail's height in the row


def png_of(image: QImage) -> bytes:
    """A pasted image's pixels as PNG bytes (then read like any file)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide6 takes str here
    return bytes(data.data())


class Attachments(QWidget):
    """The row of images waiting to be sent; ``button`` goes beside the message box."""

    said = Signal(str)  # a line for the status (why an image was not added)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._images: list[bytes] = []
        self.button = QToolButton()
        self.button.setIcon(icon("paperclip"))
        self.button.setAccessibleName("Attach an image")
        self.button.setToolTip("Attach an image (PNG, JPEG, WebP, a PDF page) — or paste one")
        self.button.clicked.connect(self.choose)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._note = QLabel("")
        self._note.setProperty("role", "muted")
        self._row.addWidget(self._note)
        self._row.addStretch(1)
        self.hide()

    def images(self) -> list[bytes]:
        return list(self._images)

    def set_images(self, images: list[bytes]) -> None:
        """Exactly these (a message that could not be sent gets its images back)."""
        self._images = list(images)
        self._show()

    def clear(self) -> None:
        self.set_images([])

    def choose(self) -> None:
        kinds = "Images (" + " ".join(f"*{suffix}" for suffix in IMAGE_FILES) + ")"
        paths = file_dialogs.open_files(self, "Attach images", "", kinds)
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_file(path)

    def add_file(self, path: Path) -> None:
        self._read(lambda: Conversations.image(path), path.name)

    def add_image(self, image: QImage) -> None:
        """A pasted image."""
        data = png_of(image)
        self._read(lambda: Conversations.image(data, "the pasted image"), "the pasted image")

    def _read(self, work: Callable[[], bytes], name: str) -> None:
        self.said.emit(f"Reading {name}…")
        self.tasks.run(work, on_result=self._add, on_error=self._failed)

    def _add(self, png: object) -> None:
        assert isinstance(png, bytes)
        self._images.append(png)
        self.said.emit("")
        self._show()

    def _failed(self, error: BaseException) -> None:
        self.said.emit(warning(error))

    def _remove(self, index: int) -> None:
        del self._images[index]
        self._show()

    def _show(self) -> None:
        while self._row.count() > 2:  # the note and the stretch stay
            item = self._row.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for n, png in enumerate(self._images):
            thumb = QLabel()
            thumb.setPixmap(
                QPixmap.fromImage(QImage.fromData(png)).scaledToHeight(
                    THUMB, Qt.TransformationMode.SmoothTransformation
                )
            )
            thumb.setAccessibleName(f"Attached image {n + 1}")
            remove = QToolButton()
            remove.setText("×")
            remove.setAutoRaise(True)
            remove.setToolTip("Remove this image")
            remove.setAccessibleName(f"Remove attached image {n + 1}")
            remove.clicked.connect(self._remover(n))
            self._row.insertWidget(2 * n, thumb)
            self._row.insertWidget(2 * n + 1, remove)
        n = len(self._images)
        self._note.setText(f"{'This image goes' if n == 1 else f'These {n} images go'} "
                           "with your next message.")  # fmt: skip
        self.setVisible(bool(self._images))

    def _remover(self, index: int) -> Callable[[], None]:
        return lambda: self._remove(index)
