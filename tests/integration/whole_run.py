"""One whole session of the app, as a user would have it, for the privacy test to watch:
the window on screen (offscreen), a document, a scanned page (read by OCR) and a
recording (transcribed; spoken beforehand by the test) ingested and transcribed, a
chat answered from its library and read aloud by the offline voice (the speakers a
recorder), a photo sent to a model that sees, a summary, an email draft, the local API
answering a
request, a library trying to download a model on its own (refused: only a download the
user starts may go out) — every one of them carrying a marker word — then a clean quit.

Run as ``python -m tests.integration.whole_run FOLDER`` (under strace, in a network
namespace) by ``tests/integration/test_privacy_at_rest.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hushdesk import logs, privacy

if TYPE_CHECKING:
    from hushdesk.app import App

privacy.apply()
logs.setup()  # the app's own log, as the entry point sets it up
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MARKER = "Quibblewick"
DOCUMENT = (
    f"Lease agreement for the {MARKER} premises.\n\n"
    f"The {MARKER} lease runs for five years from 1 March. Either party may end it with "
    "a notice period of three months, given in writing. The rent is 2,400 euros a month, "
    "paid on the first working day. The tenant keeps the boiler serviced every year.\n"
)


RECORDING = "site visit.wav"
SPOKEN = "The boiler in the cellar was inspected during the site visit."


def main(folder: Path) -> int:
    from hushdesk.app import App
    from hushdesk.assistant.email.request import Request
    from hushdesk.assistant.summarize import Options
    from hushdesk.services.conversations import ChatSetup
    from hushdesk.services.documents import length
    from hushdesk.ui.application import create_app
    from hushdesk.ui.main_window import MainWindow
    from tests.documents import scanned_pdf

    document = folder / f"{MARKER} lease.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    scan = scanned_pdf(folder / f"{MARKER} scan.pdf", f"{MARKER} boiler serviced yearly")
    qt = create_app()
    app = App()
    app.settings.sampling.max_tokens = 48  # the words are the point here, not their number
    window = MainWindow(app)
    window.show()
    qt.processEvents()

    recording = folder / RECORDING
    library = app.documents.library(f"{MARKER} matter")
    job = app.indexing.add(library, [document, scan, recording])
    assert job is not None
    report = job.run()
    assert [e.status for e in report.events].count("done") == 3, report.events
    app.indexing.ended(job)
    found = app.documents.search(library, "boiler serviced yearly").hits
    assert any(h.file.name == scan.name for h in found), "the scanned page was read by OCR"
    heard = app.documents.search(library, "boiler inspected during the site visit").hits
    assert [h.file.name for h in heard[:1]] == [recording.name], "the recording was heard"
    assert heard[0].times is not None
    lengths = {f.name: length(f) for f in app.documents.state(library).files}
    assert lengths[recording.name].startswith("0:0"), lengths  # its length, not its passages
    assert "site visit" in app.recordings.transcribe(recording).text.lower()

    chat = app.conversations.open(setup=ChatSetup(libraries=[library.name]))
    app.conversations.send(chat, f"How long is the notice period of the {MARKER} lease?").collect()
    _read_aloud(app, f"The {MARKER} notice is three months.")
    source = app.summaries.from_file(document)
    app.summaries.run(source, Options(mode="brief", length="short"))
    app.drafts.draft(Request(points=f"Tell the client the {MARKER} notice is three months."))
    app.preferences.set_sender(name=f"Dr {MARKER}")
    _serve_one_request(app)
    _library_download_refused()
    _an_image(app, folder)

    window.chat.open_conversation(chat.id)
    window.sidebar.refresh(select=chat.id)
    qt.processEvents()
    assert MARKER in window.chat.view.toPlainText()
    window.close()
    qt.processEvents()
    app.close()
    print("launched:", sorted(set(privacy.launched())), flush=True)
    print("whole run done", flush=True)
    return 0


def _an_image(app: App, folder: Path) -> None:
    """A photographed receipt sent to the starter model seeing through a projector made
    here (``tests/vision.py``); the PNG the model got is printed for the test to look for
    on disk."""
    from hushdesk.models import bundled
    from hushdesk.services.conversations import ChatSetup
    from tests.vision import picture, tiny_projector

    receipt = folder / f"{MARKER} receipt.png"
    receipt.write_bytes(picture((30, 160, 60)))
    starter = bundled.STARTER_CHAT.locate()
    assert starter is not None
    eyes = app.models.import_file(starter, projector=tiny_projector(folder / "eyes-mmproj.gguf"))
    chat = app.conversations.open(setup=ChatSetup(model_id=eyes.id))
    shown = app.conversations.image(receipt)
    app.conversations.send(chat, f"What does the {MARKER} receipt say?", [shown]).collect()
    assert app.conversations.open(chat.id).turns[0].images == (shown,)
    print("image sent:", shown.hex(), flush=True)


def _read_aloud(app: App, text: str) -> None:
    from tests.speech import RecordedSpeakers

    speakers = RecordedSpeakers()
    app.recordings.speakers = speakers.open
    reading = app.recordings.read_aloud(text)
    reading.wait(60)
    assert not reading.problem, reading.problem
    assert speakers.blocks, "the answer was read aloud"


def _serve_one_request(app: object) -> None:
    """The local API, as the window serves it, answering one client on 127.0.0.1."""
    import httpx

    from hushdesk.api.serving import Background

    token = "whole-run-token-0123456789"
    server = Background(app, _free_port(), token)  # type: ignore[arg-type]
    address = server.start()
    try:
        with privacy.local_service(server.port):
            answer = httpx.post(
                f"{address}/chat/completions",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "model": "default",
                    "max_tokens": 8,
                    "messages": [{"role": "user", "content": f"Say hello to {MARKER}."}],
                },
                timeout=300,
            )
        assert answer.status_code == 200, answer.text[:500]
    finally:
        server.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _library_download_refused() -> None:
    """A dependency fetching a model by itself (no download the user started): refused
    before any name is looked up."""
    from huggingface_hub import hf_hub_download

    try:
        hf_hub_download("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "README.md")
    except Exception as exc:  # offline mode or the guard: either way nothing went out
        print("download refused:", type(exc).__name__, flush=True)
    else:
        raise AssertionError("a library downloaded a file on its own")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
