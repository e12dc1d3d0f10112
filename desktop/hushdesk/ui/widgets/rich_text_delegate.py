"""Item views whose items carry a little rich text (bold titles, marked search words).

An item keeps its plain text as DisplayRole (what screen readers, keyboard search and
tests see) and, when it has one, the HTML to paint under RICH_TEXT_ROLE.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from hushdesk.ui.safe_text import SafeTextDocument

RICH_TEXT_ROLE = Qt.ItemDataRole.UserRole + 10
Index = QModelIndex | QPersistentModelIndex


class RichTextDelegate(QStyledItemDelegate):
    """Paints RICH_TEXT_ROLE as Qt rich text, wrapped to the view's width, in the
    style's colours (selected items included); other items are painted as usual."""

    def _document(self, html: str, option: QStyleOptionViewItem) -> QTextDocument:
        document = SafeTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(3)
        document.setHtml(html)
        view = option.widget
        width = option.rect.width()
        if isinstance(view, QAbstractItemView) and width <= 0:
            width = view.viewport().width()
        document.setTextWidth(max(width, 80))
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        html = index.data(RICH_TEXT_ROLE)
        if not html:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""  # the background and focus only
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        document = self._document(str(html), item)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, item.palette.color(role))
        painter.save()
        painter.translate(item.rect.topLeft())
        painter.setClipRect(item.rect.translated(-item.rect.topLeft()))
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        html = index.data(RICH_TEXT_ROLE)
        if not html:
            return super().sizeHint(option, index)
        document = self._document(str(html), option)
        return QSize(int(document.textWidth()), int(document.size().height()))
