"""One model shared by every front end: requests take turns in arrival order, each
loads its own model, and each can be stopped alone (on fakes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hushdesk.app import App
from hushdesk.engine.shared import Turns
from hushdesk.engine.types import Message
from hushdesk.services.conversations import ChatSetup
from tests.fakes import FakeEngine


@pytest.fixture
def app() -> Iterator[App]:
    made = App(engine=FakeEngine())
    yield made
    made.close()


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_turns_are_first_come_first_served_and_reentrant() -> None:
    turns = Turns()
    order: list[int] = []
    turns.acquire()
    with turns.turn():  # the holder may take it again
        pass
    waiters = []
    for n in range(5):
        t = threading.Thread(target=lambda n=n: (turns.acquire(), order.append(n), turns.release()))
        t.start()
        _wait_for(lambda n=n: turns.waiting == n + 1)  # queued in this order
        waiters.append(t)
    turns.release()
    for t in waiters:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_that_gives_up_leaves_the_line() -> None:
    turns, give_up = Turns(), threading.Event()
    turns.acquire()
    outcome: list[bool] = []
    quitter = threading.Thread(target=lambda: outcome.append(turns.acquire(give_up.is_set)))
    quitter.start()
    _wait_for(lambda: turns.waiting == 1)
    after = threading.Thread(target=lambda: (turns.acquire(), outcome.append(True)))
    after.start()
    _wait_for(lambda: turns.waiting == 2)
    give_up.set()
    turns.wake()
    quitter.join(5)
    assert outcome == [False]  # gone from the line at once
    assert turns.waiting == 1
    turns.release()
    after.join(5)
    assert outcome == [False, True]  # the next in line got the turn


def test_a_waiting_answer_waits_and_a_stop_ends_only_that_one(app: App) -> None:
    engine = app.runtime.engine
    assert isinstance(engine, FakeEngine)
    engine.reply = "one two three four five"
    first = app.conversations.answer([("user", "first")], ChatSetup())
    second = app.conversations.answer([("user", "second")], ChatSetup())
    assert next(first) == "one"  # the first holds the model…
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.extend(second))
    reader.start()
    _wait_for(lambda: app.runtime.shared.turns.waiting == 1)  # …the second waits its turn
    second.stop()  # stopped while waiting: it ends now, without reaching the model
    reader.join(5)
    assert not reader.is_alive()  # while the first still holds the model
    assert got == []
    assert second.result.stats.finish_reason == "cancelled"
    assert app.runtime.shared.turns.waiting == 0
    assert list(first) == [" two", " three", " four", " five"]  # the first is untouched
    assert [r[-1].content for r in engine.requests] == ["first"]


def test_each_answer_loads_its_own_model(app: App, tmp_path: Any) -> None:
    from hushdesk.models.registry import InstalledModel

    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF")
    model = InstalledModel(id="other", name="other", kind="llm", path=str(other), source="import")
    app.registry.add(model)
    starter = app.runtime.chat_model()
    a = app.runtime.engine_for(starter)
    b = app.runtime.engine_for(model)
    params = app.runtime.sampling()
    a.chat([Message("user", "hi")], params).collect()
    assert app.runtime.loaded is not None
    assert app.runtime.loaded.path == starter.path
    b.chat([Message("user", "hi")], params).collect()
    assert app.runtime.loaded.path == str(other)
    assert a.count_tokens([Message("user", "hi")]) > 0
    assert app.runtime.loaded.path == starter.path
