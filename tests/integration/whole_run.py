"""One whole session of the app, as a user would have it, for the privacy test to watch:
the window on screen (offscreen), a document ingested, a chat answered from its library,
a summary, an email draft — every one of them carrying a marker word — then a clean quit.

Run as ``python -m tests.integration.whole_run FOLDER`` (under strace, in a network
namespace) by ``tests/integration/test_privacy_at_rest.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hushdesk import logs, privacy

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


def main(folder: Path) -> int:
    from hushdesk.app import App
    from hushdesk.assistant.email.request import Request
    from hushdesk.assistant.summarize import Options
    from hushdesk.services.conversations import ChatSetup
    from hushdesk.ui.application import create_app
    from hushdesk.ui.main_window import MainWindow

    document = folder / f"{MARKER} lease.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    qt = create_app()
    app = App()
    app.settings.sampling.max_tokens = 48  # the words are the point here, not their number
    window = MainWindow(app)
    window.show()
    qt.processEvents()

    library = app.documents.library(f"{MARKER} matter")
    job = app.indexing.add(library, [document])
    assert job is not None
    report = job.run()
    assert [e.status for e in report.events][-1] == "done", report.events
    app.indexing.ended(job)

    chat = app.conversations.open(setup=ChatSetup(libraries=[library.name]))
    app.conversations.send(chat, f"How long is the notice period of the {MARKER} lease?").collect()
    source = app.summaries.from_file(document)
    app.summaries.run(source, Options(mode="brief", length="short"))
    app.drafts.draft(Request(points=f"Tell the client the {MARKER} notice is three months."))
    app.preferences.set_sender(name=f"Dr {MARKER}")

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


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
