"""Regenerate the screenshots in docs/: every page, the welcome (and its offline failure),
a cited answer and its page in the viewer, a running indexing job, a summary, a review
grid, a recording in a library and dictation in the chat box, the speech models, the
actions on selected text, light and dark, on the real starter model; the chat also at
1366×768 and 1024×700; Quick ask over another program (in Xvfb, where it is installed);
a summary's Word export as LibreOffice lays it out (where it is installed).

    .venv/bin/python docs/screenshots.py        (or: make screenshots)

Uses a throw-away data folder and Qt's offscreen platform, so it runs anywhere.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
from tests.keys import use_passphrase_file  # noqa: E402
from tests.servers import free_port, llama_server, serving  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-shots-")
use_passphrase_file()  # a fresh data folder, created encrypted

from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402
from shots import (  # noqa: E402
    OUT,
    image_in_chat,
    quick_ask_over_another_program,
    selection_actions,
    settle,
    shoot,
    summary_in_word,
    thinking,
    wait_for,
)

from hushdesk.app import App  # noqa: E402
from hushdesk.models import bundled  # noqa: E402
from hushdesk.ui.application import create_app  # noqa: E402
from hushdesk.ui.main_window import MainWindow  # noqa: E402
from hushdesk.ui.theme import apply_theme  # noqa: E402
from hushdesk.ui.unlock import UnlockDialog  # noqa: E402
from hushdesk.ui.widgets.document_viewer import DocumentViewer  # noqa: E402
from hushdesk.ui.widgets.matters_dialog import MattersDialog  # noqa: E402
from hushdesk.vault import Vault  # noqa: E402

SERVER_TOKEN = "screenshots-server-token"  # noqa: S105 (a throw-away local server)
CONVERSATIONS = (
    ("List three tips for a job interview.",),
    (
        "Write a Python function that adds two numbers, in a code block.",
        "Thanks! Now explain it in one sentence.",
    ),
)


def documents_page(window: MainWindow, qt: object, library: str, during: str) -> None:
    """A library of generated contracts, shot while it is indexed (``during``), then
    with a search showing its results."""
    sys.path.insert(0, str(OUT.parent))
    from tests.integration.test_library import contract

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-docs-"))
    for name in ("lease-smith", "supplier-acme", "employment-jones"):
        contract(folder / f"{name}.pdf")
    window.go("documents")
    page = window.page("documents")
    page.create_library(library)
    page.add([folder])
    while "%" not in page.runner.bar.label.text():
        qt.processEvents()  # type: ignore[attr-defined]
    shoot(window, during)
    window.tasks.wait(300_000)
    qt.processEvents()  # type: ignore[attr-defined]
    page.finder.query.setText("How long is the notice period?")
    page.search("How long is the notice period?")
    window.tasks.wait()
    qt.processEvents()  # type: ignore[attr-defined]


def summarize_page(window: MainWindow, qt: object, *, during: str | None = None) -> None:
    """A 40-page case file summarized as key points; ``during``: also shoot it running."""
    sys.path.insert(0, str(OUT.parent))
    from tests.documents import case_file

    window.nav.setCurrentRow(2)
    page = window.page("summaries")
    page.open_path(case_file(Path(tempfile.mkdtemp(prefix="hushdesk-sum-")) / "case-file.pdf", 40))
    while page.source is None:
        qt.processEvents()  # type: ignore[attr-defined]
    page.mode.setCurrentIndex(page.mode.findData("key-points"))
    page.summarize()
    if during:
        while "part 3 " not in page.progress_label.text():
            qt.processEvents()  # type: ignore[attr-defined]
        shoot(window, during)
    while page.job is not None:
        qt.processEvents()  # type: ignore[attr-defined]
    window.tasks.wait()
    qt.processEvents()  # type: ignore[attr-defined]


LEASES = (  # a small review: who lets, for how much, until when, and may it be sublet
    ("oak-house", "Ada Moss", "1,250", "31 March 2027", "may sublet with the landlord's consent"),
    ("elm-court", "Ben Okoro", "980", "1 June 2028", "may not sublet any part of the flat"),
    ("ash-mews", "Clara Wu", "1,640", "30 September 2029", "may sublet one room"),
    ("birch-lane", "Dev Patel", "2,100", "14 February 2030", "may not sublet"),
)


def review_page(window: MainWindow, qt: object) -> None:
    """A grid over four leases, answered on the starter model."""
    sys.path.insert(0, str(OUT.parent))
    from tests.documents import pdf

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-leases-"))
    for name, landlord, rent, ends, sublet in LEASES:
        place = name.replace("-", " ").title()
        pdf(folder / f"{name}-lease.pdf", [
            f"Lease of {place}\n\nThis lease is made between {landlord} (the landlord) and the "
            f"tenant named below. The monthly rent is {rent} euros, paid on the first day of "
            f"each month.\n\nThe lease ends on {ends}. The tenant {sublet}.",
        ], title=f"Lease of {place}")  # fmt: skip
    app = window.app
    library = app.documents.library("Leases")
    app.library.ingest(library, [folder])
    questions = [("Who is the landlord?", "text", ()), ("What is the monthly rent?", "amount", ()),
                 ("When does the lease end?", "date", ()),
                 ("May the tenant sublet?", "yes/no", ())]  # fmt: skip
    grid = app.reviews.create("Leases", questions, name="Leases to renew")
    window.go("review")
    page = window.page("review")
    page.refresh(select=grid.id)
    while page.shown is None:
        qt.processEvents()  # type: ignore[attr-defined]
    page.answer()
    while page.job is not None:
        qt.processEvents()  # type: ignore[attr-defined]
    window.tasks.wait()
    qt.processEvents()  # type: ignore[attr-defined]


def review(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The grid: made and answered in the light pass, shown again in the dark one; then
    two versions of the Apache License compared (its edits planted, laid out anew)."""
    if theme == "light":
        review_page(window, qt)
    else:
        window.go("review")
        settle(window, qt)
        window.page("review").saved.setCurrentRow(0)
        settle(window, qt)
    shoot(window, f"screenshot-review-{theme}.png")
    sys.path.insert(0, str(OUT.parent))
    from tests.documents import edited, printed_pdf, real_text, reflowed
    from tests.unit.test_compare import EDITS

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-versions-"))
    licence = real_text("Apache-2.0")
    old = printed_pdf(folder / "apache-sent.pdf", "Apache License 2.0", licence)
    changed = reflowed(edited(licence, [(o, n) for o, n, _ in EDITS]), 62, hyphenate=3)
    new = printed_pdf(folder / "apache-returned.pdf", "Apache License 2.0 (returned)", changed)
    page = window.page("review")
    page.tabs.setCurrentWidget(page.compare)
    page.compare.set_files(old, new)
    page.compare.run()
    while page.compare.job is not None:
        qt.processEvents()
    window.tasks.wait()
    settle(window, qt)
    shoot(window, f"screenshot-compare-{theme}.png")
    page.tabs.setCurrentIndex(0)


def recordings(window: MainWindow, qt: QApplication, theme: str) -> None:
    """A recorded interview (spoken by espeak-ng, as the tests speak) in a library: a
    search finds its words at the time they were said; then dictation in the chat box,
    the words so far shown while a sentence is spoken (the microphone is a recording
    played into it, as in tests/ui/test_dictation.py)."""
    from tests.speech import SCRIPT, PlayedMicrophone, convert, speak

    from hushdesk.speech.audio import decode

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-recordings-"))
    window.go("documents")
    page = window.page("documents")
    if theme == "light":
        speak(SCRIPT, folder / "interview.wav")
        convert(folder / "interview.wav", folder / "tenancy interview.m4a")
        (folder / "interview.wav").unlink()
        page.create_library("Interviews")
        page.add([folder])
        window.tasks.wait(300_000)
    names = [page.side.name_of(page.side.list.item(i)) for i in range(page.side.list.count())]
    page.side.list.setCurrentRow(names.index("Interviews"))
    settle(window, qt)
    question = "Who settles a dispute, and who must consent to pets?"
    page.finder.query.setText(question)
    page.search(question)
    settle(window, qt)
    shoot(window, f"screenshot-recording-{theme}.png")

    speak(("Please send the signed lease to the tenant before the end of the week.",
           "Ask the landlord about the garden."), folder / "said.wav")  # fmt: skip
    PlayedMicrophone.samples = decode(str(folder / "said.wav"), 0, 60)[0]
    window.app.recordings.microphone = PlayedMicrophone
    window.go("chat")
    window.conversation_actions.new_chat()
    chat = window.chat
    chat.dictate.click()
    while "week" not in chat.composer.toPlainText():
        qt.processEvents()
    shoot(window, f"screenshot-dictation-{theme}.png")
    chat.dictate.click()
    settle(window, qt)
    chat.composer.clear()


def email_page(window: MainWindow, qt: object) -> None:
    """A formal reply to a client's question, grounded in the library (after
    ``documents_page``)."""
    sys.path.insert(0, str(OUT.parent))
    from tests.unit.test_email import THREAD

    window.go("email")
    page = window.page("email")
    page.set_signature("Sam Carter", "sam@carter.example", "Sam Carter\nCarter & Co, Solicitors")
    window.tasks.wait()
    qt.processEvents()  # type: ignore[attr-defined]
    page.library.setCurrentIndex(page.library.findData("Client: Smith"))
    page.kind.setCurrentIndex(page.kind.findData("reply"))
    page.thread_text.setPlainText(THREAD)
    page.points.setPlainText("The notice period is in the lease.\nWe can meet on Monday.")
    page.draft_email()
    while page.job is not None:
        qt.processEvents()  # type: ignore[attr-defined]
    window.tasks.wait()
    qt.processEvents()  # type: ignore[attr-defined]


def privacy_settings(window: MainWindow, qt: object) -> None:
    window.go("settings")
    page = window.page("settings")
    qt.processEvents()  # type: ignore[attr-defined]
    scroll = page.findChild(QScrollArea)
    if scroll is not None:  # the Privacy section is the last one
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    qt.processEvents()  # type: ignore[attr-defined]


def local_api_settings(window: MainWindow, qt: QApplication) -> None:
    """Settings → Local API, serving (on a free port: another Hushdesk may use 5417)."""
    page = window.page("settings")
    window.go("settings")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page.api_port.setValue(port)
    page.api_on.click()
    while window.local_api.state not in ("on", "failed"):
        qt.processEvents()
    scroll = page.findChild(QScrollArea)
    if scroll is not None:
        scroll.ensureWidgetVisible(page.api_state, 0, 160)
    settle(window, qt)


def unlock_dialog() -> None:
    """The first-run choice, on a data folder of its own (not the one being shown)."""
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-shots-keys-"))
    dialog = UnlockDialog(Vault(folder / "keys.json"))
    dialog.resize(520, 260)
    dialog.show()
    target = OUT / "screenshot-unlock.png"
    dialog.grab().save(str(target))
    dialog.close()
    print(f"wrote {target}")


def welcome(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The welcome's model step, on this machine's figures."""
    dialog = window.onboarding.welcome()
    while not dialog.download.isEnabled() and dialog.recommendation is None:
        qt.processEvents()
    dialog.go(1)
    qt.processEvents()
    shoot(dialog, f"screenshot-welcome-{theme}.png")
    dialog.reject()


def cited_answer(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The welcome's sample: its question answered with the page it comes from, and that
    page opened in the viewer (its [1] clicked)."""
    window.onboarding.try_sample()
    wait_for(window.chat.answerFinished)
    settle(window, qt)
    shoot(window, f"screenshot-cited-{theme}.png")
    window.open_citation(window.chat.chat.turns[-1].citations[0])
    viewer = window.findChildren(DocumentViewer)[-1]
    while not viewer.page_count:
        qt.processEvents()
    settle(window, qt)
    shoot(viewer, f"screenshot-viewer-{theme}.png")
    viewer.close()


def welcome_offline(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The recommended download asked for with no internet: what the welcome says."""
    os.environ["HUSHDESK_HF_ENDPOINT"] = "https://127.0.0.1:9"  # nothing answers there
    dialog = window.onboarding.welcome()
    while not dialog.download.isEnabled() and dialog.recommendation is None:
        qt.processEvents()
    dialog.go(1)
    dialog.download.click()
    while not dialog.trouble.isVisible():
        qt.processEvents()
    qt.processEvents()
    shoot(dialog, f"screenshot-welcome-offline-{theme}.png")
    dialog.reject()
    window.chat.banner.trouble.hide()
    del os.environ["HUSHDESK_HF_ENDPOINT"]


def sizes(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The chat on a 1366×768 and a 1024×700 screen."""
    for width, height in ((1366, 768), (1024, 700)):
        window.resize(width, height)
        settle(window, qt)
        shoot(window, f"screenshot-chat-{width}x{height}-{theme}.png")
    window.resize(1180, 740)
    settle(window, qt)


def matters(window: MainWindow, qt: QApplication, theme: str) -> None:
    """Manage matters, over the window whose status bar names the open one."""
    app = window.app
    if theme == "light":
        app.matters.add("Smith v Jones — tenancy", instructions="We act for the tenant.")
        app.matters.add("Estate of Brown")
        window.matter_actions.refresh()
    dialog = MattersDialog(app.matters, app.matter.id, window)
    dialog.refresh(app.matters.get("Smith v Jones — tenancy").id)
    dialog.show()
    settle(window, qt)
    shoot(dialog, f"screenshot-matters-{theme}.png")
    dialog.close()


def main() -> int:
    qt = create_app()
    app = App()
    app.settings.sampling.seed = 42
    port = free_port()  # a "firm's server" for Models → Connections: llama-cpp-python's
    url = f"http://127.0.0.1:{port}/v1"
    starter = str(bundled.STARTER_CHAT.locate())
    with serving(llama_server(starter, port, api_key=SERVER_TOKEN), f"{url}/models"):
        app.connections.add("team", url, token=SERVER_TOKEN)
        for theme in ("light", "dark"):
            apply_theme(qt, theme)
            window = MainWindow(app)
            window.resize(1180, 740)
            window.show()
            every_page(window, qt, theme)
            window.close()
    unlock_dialog()
    apply_theme(qt, "light")
    thinking(app, qt)
    image_in_chat(app, qt)
    summary_in_word(app)
    app.close()
    quick_ask_over_another_program()
    return 0


def models_page(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The Models page at its top, then at its speech models."""
    window.go("models")
    settle(window, qt)
    shoot(window, f"screenshot-models-{theme}.png")
    models = window.page("models")
    settle(window, qt)  # the speeds shown, the page at its full height
    catalog_cards(window, qt, theme)
    models.verticalScrollBar().setValue(models.verticalScrollBar().maximum())  # the last box
    settle(window, qt)
    shoot(window, f"screenshot-speech-models-{theme}.png")
    models.verticalScrollBar().setValue(0)
    selection_actions(window, qt, theme)


def catalog_cards(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The catalog at today's models: those that think first, the one that sees images."""
    models = window.page("models")
    models.ensureWidgetVisible(models.cards["gemma-3-4b-it"], 0, 40)
    settle(window, qt)
    shoot(window, f"screenshot-models-catalog-{theme}.png")
    models.verticalScrollBar().setValue(0)


def every_page(window: MainWindow, qt: QApplication, theme: str) -> None:
    """The light pass makes the conversations, the library, the draft and the summary;
    the dark one shows them again."""
    light = theme == "light"
    welcome(window, qt, theme)
    if light:
        for questions in CONVERSATIONS:
            window.conversation_actions.new_chat()
            for question in questions:
                window.chat.composer.setPlainText(question)
                window.chat.send()
                wait_for(window.chat.answerFinished)
    else:
        first = window.conversations.all()[-1].id
        window.conversation_actions.open(first)
        window.sidebar.refresh(select=first)
    settle(window, qt)
    shoot(window, f"screenshot-chat-{theme}.png")
    cited_answer(window, qt, theme)
    models_page(window, qt, theme)
    library = "Client: Smith" if light else "Client: Jones"
    documents_page(window, qt, library, during=f"screenshot-indexing-{theme}.png")
    shoot(window, f"screenshot-documents-{theme}.png")
    if light:
        email_page(window, qt)
        summarize_page(window, qt)
    else:
        window.go("summaries")
        settle(window, qt)  # the saved summaries are listed
        window.page("summaries").saved.setCurrentRow(0)
        settle(window, qt)
    shoot(window, f"screenshot-summarize-{theme}.png")
    review(window, qt, theme)
    recordings(window, qt, theme)
    window.go("email")
    settle(window, qt)
    if not light:
        window.page("email").saved.setCurrentRow(0)
        settle(window, qt)
    shoot(window, f"screenshot-email-{theme}.png")
    privacy_settings(window, qt)
    shoot(window, f"screenshot-privacy-{theme}.png")
    local_api_settings(window, qt)
    shoot(window, f"screenshot-api-{theme}.png")
    window.local_api.set_serving(False)
    window.go("chat")
    matters(window, qt, theme)
    sizes(window, qt, theme)
    welcome_offline(window, qt, theme)


if __name__ == "__main__":
    sys.exit(main())
