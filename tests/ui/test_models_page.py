"""The Models page against a local stand-in for the hub, on real files and widgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hushdesk.app import App
from hushdesk.errors import ModelError
from hushdesk.models import download
from hushdesk.models.hardware import GB, Machine
from hushdesk.settings import ModelOverrides
from hushdesk.ui.models_page import ModelsPage
from hushdesk.ui.tasks import Tasks
from hushdesk.ui.widgets.model_settings import ModelSettingsDialog
from tests.fakes import FakeEngine
from tests.hub import Hub

KEY = "qwen2.5-0.5b-instruct:Q4_K_M"


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[ModelsPage]:
    app = App(engine=FakeEngine())
    tasks = Tasks()
    page = ModelsPage(app, tasks)
    qtbot.addWidget(page)
    yield page
    page.pause_all()
    tasks.wait(30_000)


def test_cards_show_fit_badges_and_the_recommendation(page: ModelsPage) -> None:
    page._show_machine(Machine(16 * GB, 12 * GB, 8))
    card = page.cards["llama-3.2-3b-instruct"]
    assert card.verdict == "fits"
    assert "Fits" in card.badge.text()
    assert "needs about" in card.reason.text().lower()
    assert "Recommended" in page.advice.text()
    page._show_machine(Machine(4 * GB, 1 * GB, 2))
    assert page.cards["mistral-7b-instruct-v0.3"].verdict == "wont_fit"
    page.fits_only.setChecked(True)
    assert page.cards["mistral-7b-instruct-v0.3"].isHidden()
    assert not page.cards["qwen2.5-0.5b-instruct"].isHidden()
    page.filter.setText("gemma")
    assert [k for k, c in page.cards.items() if not c.isHidden()] == []
    page.fits_only.setChecked(False)
    shown = [k for k, c in page.cards.items() if not c.isHidden()]
    assert shown == ["gemma-3-1b-it", "gemma-2-2b-it", "gemma-3-4b-it"]
    assert "sees images" in page.cards["gemma-3-4b-it"].facts.text()


def test_download_pause_resume_and_install(qtbot: QtBot, page: ModelsPage, hub: Hub) -> None:
    hub.delay_per_mb = 0.02
    changed: list[bool] = []
    page.modelsChanged.connect(lambda: changed.append(True))
    page.cards["qwen2.5-0.5b-instruct"].button.click()
    row, _ = page.rows[KEY]
    qtbot.waitUntil(lambda: row.bar.value() > 200, timeout=30_000)
    assert "MB/s" in row.label.text()
    row.pause.click()
    qtbot.waitUntil(lambda: not row.running and "Paused" in row.label.text(), timeout=10_000)
    assert len(download.unfinished()) == 1
    hub.delay_per_mb = 0
    row.pause.click()  # now "Resume"
    qtbot.waitUntil(lambda: KEY not in page.rows, timeout=30_000)
    assert changed
    assert page.models.get("qwen2.5-0.5b-instruct-q4_k_m") is not None
    assert page.cards["qwen2.5-0.5b-instruct"].button.text() == "Installed"
    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert "Qwen2.5 0.5B Instruct (Q4_K_M)" in names


def test_cancel_and_errors(qtbot: QtBot, page: ModelsPage, hub: Hub) -> None:
    hub.delay_per_mb = 0.05
    page.cards["qwen2.5-0.5b-instruct"].button.click()
    row, _ = page.rows[KEY]
    qtbot.waitUntil(lambda: row.bar.value() > 50, timeout=30_000)
    row.stop.click()
    qtbot.waitUntil(lambda: KEY not in page.rows, timeout=10_000)
    assert download.unfinished() == []
    page.cards["llama-3.2-1b-instruct"].button.click()  # not on this hub: 404
    row, _ = page.rows["llama-3.2-1b-instruct:Q4_K_M"]
    qtbot.waitUntil(lambda: "not found" in row.label.text(), timeout=10_000)
    assert row.pause.text() == "Retry"


def test_model_settings_are_checked_before_they_are_kept(
    qtbot: QtBot, tmp_path: Path, starter_model: Path
) -> None:
    app = App(engine=FakeEngine())
    model = app.registry.get("smollm2-135m-instruct")
    assert model is not None
    tasks = Tasks()
    dialog = ModelSettingsDialog(model, app.settings, tasks, app.models.check_template)
    qtbot.addWidget(dialog)

    def tested(template: str) -> str:
        dialog.template.setPlainText(template)
        dialog.test_template()  # off the GUI thread: the dialog says so meanwhile
        assert dialog.template_check.text() == "Checking…"
        qtbot.waitUntil(lambda: dialog.template_check.text() != "Checking…", timeout=30_000)
        return dialog.template_check.text()

    assert "⚠" in tested("{% for m in messages %}{{ m.content }}{% endfor %")
    good = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}<assistant>"
    assert tested(good).startswith("✓")
    # fails in its own process, not in the app
    assert tested("{{ 'x' * 10**11 }}").startswith("⚠")
    dialog.template.setPlainText(good)
    dialog.temperature.setValue(0.3)
    dialog.n_ctx.setValue(2048)
    overrides = dialog.overrides()
    assert overrides.temperature == 0.3
    assert overrides.n_ctx == 2048
    assert overrides.top_p is None  # unchanged stays "use the global value"
    app.models.save_settings(model.id, overrides)
    assert app.runtime.load_spec(model).n_ctx == 2048
    assert app.runtime.sampling(model).temperature == 0.3
    with pytest.raises(ModelError, match="not a LoRA adapter"):
        app.models.save_settings(model.id, ModelOverrides(lora_path=str(starter_model)))
    with pytest.raises(ModelError, match="leaves out"):
        app.models.save_settings(model.id, ModelOverrides(chat_template="{{ 'nothing' }}"))


def test_a_model_is_renamed_from_its_row(
    qtbot: QtBot, page: ModelsPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QLabel

    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    row = names.index("SmolLM2 135M Instruct (starter)")
    page.table.selectRow(row)
    menu = page.row_menu()
    assert [a.text() for a in menu.actions()] == [
        "Set as default",
        "Settings…",
        "Rename…",
        "Remove…",
    ]
    asked: list[tuple[str, str, str]] = []
    typed = ["  <b>Tiny</b> one  "]

    def answer(dialog: QInputDialog) -> int:
        asked.extend(
            (label.textFormat().name, label.text(), dialog.textValue())
            for label in dialog.findChildren(QLabel)
        )
        dialog.setTextValue(typed.pop(0))
        return QInputDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QInputDialog, "exec", answer)
    changed: list[bool] = []
    page.modelsChanged.connect(lambda: changed.append(True))
    next(a for a in menu.actions() if a.text() == "Rename…").trigger()
    assert asked == [
        (
            "PlainText",
            "New name for SmolLM2 135M Instruct (starter):",
            "SmolLM2 135M Instruct (starter)",
        )
    ]
    assert changed
    assert page.table.item(row, 0).text() == "<b>Tiny</b> one"  # a table cell: plain text
    assert page.table.selectedItems()[0].text() == "<b>Tiny</b> one"
    assert "First called SmolLM2 135M Instruct (starter)" in page.table.item(row, 0).toolTip()
    assert page.status.text() == "SmolLM2 135M Instruct (starter) is now called <b>Tiny</b> one."
    starter = page.models.get("smollm2-135m-instruct")
    assert starter is not None
    assert starter.name == "<b>Tiny</b> one"

    typed.append("all-MiniLM-L6-v2 (starter embeddings)")  # another model's name
    page.rename()
    assert "already called" in page.status.text()
    assert page.table.item(row, 0).text() == "<b>Tiny</b> one"


def test_a_speech_model_is_downloaded_and_chosen_on_the_models_page(
    qtbot: QtBot, page: ModelsPage, speech_hub: Hub
) -> None:
    from hushdesk.ui.widgets.speech_settings import SpeechSettings

    box = page.speech_box
    assert box.buttons["whisper-tiny.en"].text() == "Bundled"
    assert not box.buttons["whisper-tiny.en"].isEnabled()
    page._show_machine(Machine(16 * GB, 12 * GB, 8))
    assert "An hour of audio in about" in box.speeds["whisper-base"].text()
    assert all(label.text().endswith("here.") for label in box.speeds.values())
    starter_row = next(
        r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == "speech"
    )
    assert page.table.item(starter_row, 4).text() == "★ speech"  # the bundled one hears
    box.buttons["whisper-base"].click()
    qtbot.waitUntil(lambda: "whisper-base:" not in page.rows, timeout=60_000)
    assert box.buttons["whisper-base"].text() == "Installed"
    assert "Set as default" in page.status.text()
    page._select("whisper-base")
    assert page.row_menu().actions()[0].text() == "Use for speech"
    page.set_default()
    assert "now hears recordings and dictation" in page.status.text()
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text()
               == "Whisper base")  # fmt: skip
    assert page.table.item(row, 4).text() == "★ speech"
    assert page.table.item(starter_row, 4).text() == ""
    speech = SpeechSettings(page.recordings)
    qtbot.addWidget(speech)
    assert speech.model.currentText() == "Whisper base (English)"  # tiny.en's files here
