"""Time to a cited answer's first word in the real window, against the service path the
window calls, in the same run.

    .venv/bin/python bench/window.py

First the first launch's sample, as a new user meets it: a fresh data folder, the window
up (the model loading, as after the app's first paint), the welcome open and "Try the
sample document" clicked at once, without the seconds a user spends reading the welcome
(the embedding model is made ready meanwhile); printed are the seconds to the first word
of its answer and to the answer being finished (the embedding model is prepared and the
sample indexed on the way). Then, with the sample indexed, each question is asked twice,
alternating: typed into the window's chat, grounded in the sample's library (Send
pressed → the first word of the answer painted in the transcript), and through
``Conversations.send`` with the same setup (→ its first piece). Before each, the model
reads a prompt that shares nothing with the question's, so neither path finds the other's
prompt in its cache. Medians count; ``window_overhead_s`` is what the window adds.
Offscreen Qt, starter model, greedy.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hushdesk import privacy

privacy.apply()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
from tests.keys import use_passphrase_file  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
use_passphrase_file()

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from hushdesk import assets  # noqa: E402
from hushdesk.app import App  # noqa: E402
from hushdesk.engine.types import Message, SamplingParams  # noqa: E402
from hushdesk.services.conversations import ChatSetup  # noqa: E402
from hushdesk.ui.application import create_app  # noqa: E402
from hushdesk.ui.main_window import MainWindow  # noqa: E402

QUESTIONS = (
    "Which law governs the agreement?",
    "How much notice ends the agreement?",
    "What is the fixed fee?",
)
RUNS = 2  # each question this many times on each path
TARGET_OVERHEAD_S = 1.0
GREEDY = {"temperature": 0.0, "max_tokens": 24}


class FirstWord:
    """When the transcript first showed more than the "…" of an answer being awaited."""

    def __init__(self, window: MainWindow) -> None:
        self.at = 0.0
        view = window.chat.view
        original = view.append_answer

        def append(text: str) -> None:
            original(text)
            if not self.at and view.streamed_text.strip():
                self.at = time.perf_counter()

        view.append_answer = append  # type: ignore[method-assign]


def wait(signal: object, timeout_s: float = 600) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()


def first_launch(window: MainWindow) -> tuple[float, float]:
    """(seconds to the first word, seconds to the finished answer) of the sample."""
    first = FirstWord(window)
    dialog = window.onboarding.welcome()
    dialog.go(2)
    started = time.perf_counter()
    dialog.try_sample.click()
    wait(window.chat.answerFinished)
    return first.at - started, time.perf_counter() - started


def forget(app: App) -> None:
    """The model reads something unrelated: nothing of the last prompt stays cached."""
    engine = app.runtime.engine_for(app.runtime.chat_model())
    other = [Message("system", "Z"), Message("user", "x")]
    engine.chat(other, SamplingParams(temperature=0.0, max_tokens=1)).collect()


def in_window(window: MainWindow, library: str, question: str) -> float:
    window.conversation_actions.new_chat()
    chat = window.chat
    window.app.conversations.set_libraries(chat.chat, [library])
    window.app.conversations.configure(chat.chat, sampling=GREEDY)
    chat.refresh_libraries()
    first = FirstWord(window)
    chat.composer.setPlainText(question)
    forget(window.app)
    started = time.perf_counter()
    chat.send()
    wait(chat.answerFinished)
    return first.at - started


def through_services(app: App, library: str, question: str) -> float:
    chat = app.conversations.open(setup=ChatSetup(libraries=[library], sampling=GREEDY), keep=False)
    forget(app)
    started = time.perf_counter()
    answer = app.conversations.send(chat, question)
    first = 0.0
    for piece in answer:
        if not first and piece.strip():
            first = time.perf_counter() - started
    return first


def main() -> int:
    _qt = create_app()
    app = App()
    window = MainWindow(app)
    window.show()
    window.chat.preload()  # as the app does after its first paint
    sample = assets.read_toml("samples", "sample.toml")
    word, answered = first_launch(window)
    windowed, serviced = [], []
    for _ in range(RUNS):
        for question in QUESTIONS:
            windowed.append(in_window(window, sample["library"], question))
            serviced.append(through_services(app, sample["library"], question))
    window.close()
    app.close()
    shown, service = statistics.median(windowed), statistics.median(serviced)
    print(f"questions: {len(windowed)} per path (alternating), starter model, greedy")
    print(f"first_launch_sample_first_word_s: {word:.2f} s (click → first word, cold)")
    print(f"first_launch_sample_answer_s: {answered:.2f} s (click → cited answer, cold)")
    print(f"service_grounded_first_word_s: {service:.2f} s")
    print(f"window_grounded_first_word_s: {shown:.2f} s")
    print(f"window_overhead_s: {shown - service:.2f} s (target <= {TARGET_OVERHEAD_S:g})")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # as bench/ui_latency.py: no Qt teardown at exit
