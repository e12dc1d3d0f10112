"""Screenshots of Hushdesk where the work happens beside it — Quick ask over another
program (in Xvfb), the actions on selected text, a summary's Word export as LibreOffice
lays it out — and of a reasoning model's answer, its thinking folded and open; with the
helpers every screenshot uses. Imported by ``screenshots.py`` (run that)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer, QUrl
from PySide6.QtWidgets import QApplication, QWidget
from tests.servers import free_port, serving

from hushdesk.app import App
from hushdesk.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent


def wait_for(signal: object, timeout_ms: int = 120_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def shoot(widget: QWidget, name: str) -> None:
    target = OUT / name
    widget.grab().save(str(target))
    print(f"wrote {target}")


def settle(window: MainWindow, qt: QApplication) -> None:
    window.tasks.wait()
    qt.processEvents()


def thinking(app: App, qt: QApplication) -> None:
    """A reasoning model's answer (a server on 127.0.0.1 that thinks, as Qwen3 does),
    its thinking folded under one line, then opened."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.mkdtemp(prefix="hushdesk-shots-thinking-")) / "requests.jsonl"
    command = [sys.executable, "-m", "tests.thinking_server", "--port", str(port), "--log",
               str(log)]  # fmt: skip
    with serving(command, f"{url}/models", timeout_s=60):
        app.connections.add("thinker", url)
        window = MainWindow(app)
        window.resize(1180, 740)
        window.show()
        window.conversation_actions.new_chat()
        chat = window.chat
        chat.model.setCurrentIndex(chat.model.findData("thinker/tagged"))
        chat.model.activated.emit(chat.model.currentIndex())  # as a user's choice
        chat.composer.setPlainText("What is six times seven?")
        chat.send()
        wait_for(chat.answerFinished)
        settle(window, qt)
        shoot(window, "screenshot-thinking-folded.png")
        chat.view.anchorClicked.emit(QUrl(f"think:{chat.chat.turns[-1].id}"))
        settle(window, qt)
        shoot(window, "screenshot-thinking-open.png")
        window.close()
        app.connections.remove("thinker")


def image_in_chat(app: App, qt: QApplication) -> None:
    """A photographed receipt sent to a model that sees: the starter model with a vision
    projector made for the tests (random weights: the picture reaches the model, whose
    words about it mean nothing — a real vision model's would)."""
    from PIL import Image, ImageDraw
    from tests.vision import tiny_projector

    from hushdesk.models import bundled

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-shots-image-"))
    receipt = Image.new("RGB", (360, 480), "white")
    draw = ImageDraw.Draw(receipt)
    for n, line in enumerate(["CORNER CAFE", "", "Coffee       3.20", "Croissant    2.80",
                              "Water        1.50", "", "TOTAL        7.50"]):  # fmt: skip
        draw.text((40, 40 + 36 * n), line, fill="black")
    receipt.save(folder / "receipt.png")
    starter = bundled.STARTER_CHAT.locate()
    assert starter is not None
    app.models.import_file(starter, projector=tiny_projector(folder / "mmproj.gguf"))
    window = MainWindow(app)
    window.resize(1180, 740)
    window.show()
    window.conversation_actions.new_chat()
    chat = window.chat
    chat.attachments.add_files([folder / "receipt.png"])
    while not chat.attachments.images():
        qt.processEvents()
    settle(window, qt)
    shoot(window, "screenshot-image-attached.png")
    chat.composer.setPlainText("What is the total on this receipt?")
    chat.send()
    wait_for(chat.answerFinished)
    settle(window, qt)
    shoot(window, "screenshot-image-in-chat.png")
    window.close()


def summary_in_word(app: App) -> None:
    """A summary exported to Word, as Word users see it: the .docx laid out by LibreOffice
    (headless, where it is installed) and its first page drawn by pdfium — its citations
    at the foot of the page."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    finished = [s for s in app.summaries.all() if s.summary is not None]
    if soffice is None or not finished:
        print("skipped screenshot-summary-docx.png: LibreOffice is not installed")
        return
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-shots-word-"))
    word = app.summaries.export(finished[0], folder / "summary.docx")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), str(word)],
        check=True, timeout=180, capture_output=True,
    )  # fmt: skip
    import pypdfium2

    page = pypdfium2.PdfDocument(str(folder / "summary.pdf"))[0]
    target = OUT / "screenshot-summary-docx.png"
    page.render(scale=1.3).to_pil().save(target)
    print(f"wrote {target}")


def quick_ask_over_another_program() -> None:
    """Quick ask over another program, in a real X session (Xvfb): tests/ui/quick_x11.py
    presses the shortcut and shoots the whole screen."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("skipped screenshot-quick-ask.png: xvfb-run is not installed")
        return
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(OUT.parent))
    env["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-shots-quick-")
    target = OUT / "screenshot-quick-ask.png"
    subprocess.run(
        [xvfb, "--auto-servernum", "-s", "-screen 0 1280x800x24", sys.executable, "-m",
         "tests.ui.quick_x11", "--shoot", str(target)],
        env=env, cwd=OUT.parent, check=True, timeout=180,
    )  # fmt: skip
    print(f"wrote {target}")


def selection_actions(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The menu of actions on selected text, as the second shortcut opens it."""
    menu = window.quick.selection.menu("the rent, it is to be paid on the first of the month")
    menu.popup(window.mapToGlobal(window.rect().center()))
    settle(window, qt)
    shoot(menu, f"screenshot-selection-actions-{theme}.png")
    menu.hide()
