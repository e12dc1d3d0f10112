"""The chat page's header: title, the libraries answers come from, persona, settings,
model (its menu ends in "Get more models…"); and the meter of how much of the context
the conversation uses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QProgressBar, QToolButton, QWidget

from hushdesk.services.conversations import personas
from hushdesk.ui.icons import icon
from hushdesk.ui.widgets.combo import ElidedCombo
from hushdesk.ui.widgets.elided_label import ElidedLabel

TITLE_CHARACTERS = 14  # the title keeps this much; the menus beside it shorten first
MORE_MODELS = "Get more models…"


class ChatHeader(QHBoxLayout):
    def __init__(self) -> None:
        super().__init__()
        self.title = ElidedLabel("New chat", keep=TITLE_CHARACTERS)
        self.title.setAccessibleName("Conversation title")
        self.title.setProperty("role", "title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # titles come from what was typed
        self.persona = ElidedCombo(10)
        self.persona.setAccessibleName("Persona")
        for p in personas.personas():
            self.persona.addItem(p.name, p.id)
        self.persona.setToolTip("How the assistant behaves in this conversation")
        self.model = ElidedCombo(14)
        self.model.setAccessibleName("Model")
        self.model.setToolTip("The model that answers in this conversation")
        self.meter = ContextMeter()
        self.settings_button = QToolButton()
        self.settings_button.setIcon(icon("sliders-horizontal"))
        self.settings_button.setAccessibleName("Conversation settings")
        self.settings_button.setToolTip("Instructions and sampling for this conversation")
        self.sources = QToolButton()
        self.sources.setAccessibleName("Answer from documents")
        self.sources.setToolTip("Answer from document libraries, with citations")
        self.sources.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sources.setMenu(QMenu(self.sources))
        self.sources.setMaximumWidth(190)
        self.addWidget(self.title, 1)
        for widget in (self.sources, self.persona, self.settings_button, self.model):
            self.addWidget(widget)  # the meter goes under the transcript, by the status

    def end_model_menu(self) -> None:
        """After the models: a line, then "Get more models…", which is no model (it has
        no data) but a way to the Models page."""
        if self.model.count():
            self.model.insertSeparator(self.model.count())
        self.model.addItem(MORE_MODELS, None)
        self.model.setItemData(
            self.model.count() - 1,
            "Download, import or connect a model on the Models page",
            Qt.ItemDataRole.ToolTipRole,
        )

    def more_models(self, index: int) -> bool:
        """Whether the menu's item ``index`` is "Get more models…"."""
        last = self.model.count() - 1
        return index == last and self.model.itemText(last) == MORE_MODELS


class ContextMeter(QWidget):
    """How much of the model's context the conversation uses: a thin bar and its count
    beside it (a count drawn over the fill is unreadable in one theme or the other).
    While an answer streams the count grows with it, marked "≈"; the exact count
    replaces it when the answer ends."""

    def __init__(self) -> None:
        super().__init__()
        self.used, self.n_ctx, self.exact = 0, 0, True
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Context used")
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(90, 6)
        self.bar.setProperty("role", "thin")
        self.count = QLabel("")
        self.count.setProperty("role", "muted")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.count)
        self.setToolTip("How much of the model's context this conversation uses")
        self.setVisible(False)  # until the first count

    def show_usage(self, used: int, n_ctx: int) -> None:
        self.used, self.n_ctx, self.exact = used, n_ctx, True
        self._show()

    def grow(self, tokens: int) -> None:
        """An estimate while an answer is written (about a token for each piece)."""
        if self.n_ctx:
            self.used, self.exact = self.used + tokens, False
            self._show()

    def _show(self) -> None:
        self.bar.setMaximum(self.n_ctx)
        self.bar.setValue(min(self.used, self.n_ctx))
        about = "" if self.exact else "≈ "
        self.count.setText(f"{about}{self.used:,} / {self.n_ctx:,} tokens")
        self.bar.setAccessibleDescription(self.count.text())
        self.setVisible(True)
