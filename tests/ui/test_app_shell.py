"""The pieces around the window: background tasks, single instance, crash dialog."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from hushdesk.errors import ModelError
from hushdesk.jobs import CancelToken, Progress, ProgressCallback
from hushdesk.ui.application import SingleInstance, install_excepthook
from hushdesk.ui.tasks import Tasks


def test_emitting_signals_does_not_leak_references() -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit: after a few thousand
    signals (a long answer's chunks, a summary's progress) the app aborted."""
    from hushdesk.ui.tasks import JobSignals

    signals = JobSignals()
    signals.text.connect(lambda _text: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        signals.text.emit("x")
        signals.result.emit(None)
        signals.finished.emit()
    assert abs(sys.getrefcount(True) - before[0]) < 20
    assert abs(sys.getrefcount(None) - before[1]) < 20


def test_results_errors_and_progress_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    tasks = Tasks()
    gui = QThread.currentThread()
    seen: list[object] = []

    def job(*, cancel: CancelToken, progress: ProgressCallback, **_: object) -> str:
        assert QThread.currentThread() is not gui
        progress(Progress(1, 2, "half"))
        return "done"

    def on_progress(p: Progress) -> None:
        assert QThread.currentThread() is gui
        seen.append(p.percent)

    tasks.run(job, job_args=True, on_progress=on_progress, on_result=seen.append)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=5000)  # "finished" was delivered
    assert seen == [50, "done"]

    def fail() -> None:
        raise ModelError("nope")

    errors: list[BaseException] = []
    tasks.run(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=5000)
    assert isinstance(errors[0], ModelError)


def test_streams_are_batched_and_cancel_reaches_the_producer(qtbot: QtBot) -> None:
    tasks = Tasks()
    stop = threading.Event()

    def stream() -> Iterator[str]:
        def pieces() -> Iterator[str]:
            for i in range(10_000):
                if stop.is_set():
                    return
                yield f"{i} "
                if i % 100 == 0:
                    time.sleep(0.002)

        return pieces()

    chunks: list[str] = []
    task = tasks.run(stream, stream=True, on_text=chunks.append, on_cancel=stop.set)
    qtbot.waitUntil(lambda: len(chunks) >= 2, timeout=5000)
    task.cancel()
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=5000)
    text = "".join(chunks)
    assert text.startswith("0 1 2 ")
    assert len(chunks) < text.count(" ") / 20, "pieces were not batched"
    assert task.token.cancelled


def test_model_pool_runs_jobs_side_by_side(qtbot: QtBot) -> None:
    """A chat need not wait for a summary's whole job: the pool runs model jobs side by
    side, and the engine orders their model calls (``engine.shared.Turns``)."""
    tasks = Tasks()
    both = threading.Barrier(2, timeout=10)  # passed only by two jobs running at once
    met: list[bool] = []

    def job() -> None:
        both.wait()
        met.append(True)

    for _ in range(2):
        tasks.run(job, pool="model")
    assert tasks.wait(20_000)
    assert met == [True, True]


def test_a_second_instance_raises_the_first(qtbot: QtBot) -> None:
    first = SingleInstance()
    assert not first.already_running()
    with qtbot.waitSignal(first.raiseRequested, timeout=5000):
        assert SingleInstance().already_running()


def test_unexpected_errors_show_a_dialog_and_keep_running(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    previous = sys.excepthook
    install_excepthook(parent)
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        sys.excepthook = previous
    assert len(shown) == 1
    assert "conversations are saved" in shown[0]


def test_the_window_module_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, hushdesk.ui.main_window, hushdesk.ui.application;"
        "print([m for m in ('torch', 'chromadb', 'llama_cpp', 'sentence_transformers', 'gguf')"
        " if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
