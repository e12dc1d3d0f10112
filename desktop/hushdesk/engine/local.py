"""The app's side of the local engine: starts, feeds and watches the llama.cpp child."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hushdesk import errors, paths
from hushdesk.engine import gguf_info, offload
from hushdesk.engine.base import ChatStream, at_once
from hushdesk.engine.types import ChatResult, LoadSpec, Message, ModelInfo, SamplingParams
from hushdesk.engine.worker import serve
from hushdesk.isolate import describe_exit

log = logging.getLogger("hushdesk.engine")

_ctx = multiprocessing.get_context("spawn")
TEMPLATE_CHECK_S = 10.0  # a model's own chat template, tried apart at load


class LocalEngine:
    """Runs one model in a child process that this object owns.

    One request at a time; ``stop()`` may be called from any thread. If the child
    dies (a native abort, the OOM killer, ``kill -9``) the current call raises
    ``EngineCrashed`` and the next call starts a fresh child with the same model.
    """

    def __init__(
        self,
        *,
        load_timeout_s: float = 300.0,
        inspect_timeout_s: float = 30.0,
        stall_timeout_s: float = 120.0,
    ) -> None:
        self._load_timeout_s = load_timeout_s
        self._inspect_timeout_s = inspect_timeout_s
        self._stall_timeout_s = stall_timeout_s
        self._lock = threading.Lock()
        self._stop = _ctx.Event()
        self._current_lock = threading.Lock()
        self._current: _Request | None = None  # the request streaming now
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._spec: LoadSpec | None = None
        self._model: ModelInfo | None = None
        self._stderr_path = paths.engine_log_file(f"{os.getpid()}-{id(self):x}")

    # -- public interface -------------------------------------------------------------

    @property
    def model(self) -> ModelInfo | None:
        return self._model

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def load(self, spec: LoadSpec) -> ModelInfo:
        info = gguf_info.inspect(spec.model_path, timeout_s=self._inspect_timeout_s)
        if info.context_length:
            spec = dataclasses.replace(spec, n_ctx=min(spec.n_ctx, info.context_length))
        if spec.chat_template is None and not info.has_chat_template:
            log.warning("%s has no chat template; using a generic one", Path(spec.model_path).name)
        elif spec.chat_template is None and info.chat_template:
            _try_template(info.chat_template, Path(spec.model_path).name)
        with self._lock:
            self._model = None
            self._spec = None
            self._shutdown()  # a fresh child, its memory capped for this model (worker)
            self._model = self._load_locked(spec)
            self._spec = spec
        log.info("loaded a model in %.2fs (n_ctx=%d)", self._model.load_s, spec.n_ctx)
        return self._model

    def chat(self, messages: Sequence[Message], params: SamplingParams) -> ChatStream:
        # A new request starts un-stopped; a stop() from now on applies to it, even
        # one that comes before the stream has begun.
        self._stop.clear()
        result = ChatResult()
        request = _Request()
        return ChatStream(
            self._stream(list(messages), params, result, request),
            result,
            lambda: self._stop_request(request),
        )

    def _stop_request(self, request: _Request) -> None:
        """Stop one request: now if it is running, else as soon as it starts."""
        with self._current_lock:
            request.stopped = True
            if self._current is request:
                self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    def kill(self) -> None:
        """End the child at once, without waiting for the request in progress (shutdown).

        The request in progress fails with ``EngineCrashed``; the next one restarts.
        """
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    hold = staticmethod(at_once)  # shared, it is a ``SharedEngine`` seat that waits

    def count_tokens(self, messages: Sequence[Message]) -> int:
        with self._lock:
            self._ensure_ready()
            self._send(("count", list(messages)))
            reply = self._receive(timeout_s=self._stall_timeout_s, stall=True)
        return int(reply[1])

    def close(self) -> None:
        with self._lock:
            self._shutdown()
        self._stderr_path.unlink(missing_ok=True)

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- child process management -----------------------------------------------------

    def _alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start(self) -> None:
        self._shutdown()
        offload.prepare_devices()  # the child cannot: it runs with no new privileges
        parent, child = _ctx.Pipe(duplex=True)
        process = _ctx.Process(
            target=serve,
            args=(child, self._stop, str(self._stderr_path)),
            name="hushdesk-engine",
            daemon=True,
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        log.info("engine child started (pid %s)", process.pid)

    def _shutdown(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(("exit",))
            conn.close()
        if process is not None:
            process.join(2)
            if process.is_alive():
                process.kill()
                process.join(2)

    def _load_locked(self, spec: LoadSpec) -> ModelInfo:
        if not self._alive():
            self._start()
        self._send(("load", spec))
        reply = self._receive(timeout_s=self._load_timeout_s, loading=Path(spec.model_path).name)
        info = reply[1]
        assert isinstance(info, ModelInfo)
        return info

    def _ensure_ready(self) -> None:
        """A live child with the model loaded; restarts a dead child transparently."""
        if self._spec is None:
            raise errors.ModelError("No model is loaded.")
        if not self._alive():
            log.warning("engine child is gone; starting a new one")
            self._model = self._load_locked(self._spec)

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self._conn is not None
        try:
            self._conn.send(message)
        except OSError as exc:
            raise self._crashed() from exc

    def _receive(
        self, *, timeout_s: float | None = None, loading: str | None = None, stall: bool = False
    ) -> Any:
        """The child's next message; errors it reports are raised here with their class.
        ``stall``: the wait is the watchdog's (a child that stopped making progress)."""
        assert self._conn is not None
        assert self._process is not None
        ready = multiprocessing.connection.wait([self._conn, self._process.sentinel], timeout_s)
        if not ready:
            self._shutdown()
            if stall:
                raise errors.EngineCrashed(
                    f"The model made no progress for {timeout_s:g} s (a stuck chat template or "
                    "prefill), so it was stopped. Your conversation is kept; the next request "
                    "restarts the model."
                )
            what = f"Loading {loading}" if loading else "The model"
            raise errors.ModelError(f"{what} took longer than {timeout_s:g} s and was stopped.")
        try:
            message = self._conn.recv() if self._conn.poll() else None
        except (EOFError, OSError):
            message = None
        if message is None:
            raise self._crashed(loading)
        if message[0] == "error":
            raise errors.from_wire(*message[1:])
        return message

    def _crashed(self, loading: str | None = None) -> errors.EngineCrashed:
        process = self._process
        if process is not None:
            process.join(2)
        how = describe_exit(process.exitcode if process is not None else None)
        native = _native_reason(self._stderr_path)
        self._shutdown()
        if loading:
            text = f"llama.cpp crashed while loading {loading} ({how})"
            text += f": {native}." if native else ". The file is probably damaged or unsupported."
        else:
            text = f"The model process stopped unexpectedly ({how})"
            text += f": {native}." if native else "."
            text += " Hushdesk is still running; the next request restarts the model."
        return errors.EngineCrashed(text, detail=native)

    # -- streaming --------------------------------------------------------------------

    def _stream(
        self,
        messages: list[Message],
        params: SamplingParams,
        result: ChatResult,
        request: _Request,
    ) -> Iterator[str]:
        with self._lock:
            self._ensure_ready()
            with self._current_lock:
                self._current = request
                if request.stopped:
                    self._stop.set()
            try:
                yield from self._exchange(messages, params, result)
            finally:
                with self._current_lock:
                    self._current = None

    def _exchange(
        self, messages: list[Message], params: SamplingParams, result: ChatResult
    ) -> Iterator[str]:
        """One chat with the child (the engine's lock held)."""
        self._send(("chat", messages, params))
        parts: list[str] = []
        finished = False
        try:
            while True:
                message = self._receive(timeout_s=self._stall_timeout_s, stall=True)
                if message[0] == "alive":  # the child's heartbeat while it prefills
                    continue
                if message[0] == "chunk":
                    parts.append(message[1])
                    yield message[1]
                elif message[0] == "done":
                    finished = True
                    result.stats = message[1]
                    return
        except errors.HushdeskError:
            finished = True
            raise
        finally:
            result.text = "".join(parts)  # kept on stop, error or abandon too
            if not finished:
                self._abandon()

    def _abandon(self) -> None:
        """The consumer stopped reading: end generation and drain the pipe to stay in sync."""
        self._stop.set()
        try:
            while True:
                message = self._receive(timeout_s=10, stall=True)
                if message[0] == "done":
                    return
        except errors.HushdeskError:
            self._shutdown()


@dataclasses.dataclass
class _Request:
    stopped: bool = False


def _try_template(template: str, shown: str) -> None:
    """A model's own chat template is code from the file: tried apart, on conversations
    of every shape the app sends, under a time and memory limit, before the engine child
    runs it (where each rendering is bounded too, but a failure would come mid-chat)."""
    from hushdesk.engine import templates
    from hushdesk.isolate import IsolatedFailure, run_isolated

    try:
        run_isolated(
            templates.check_models_own,
            template,
            timeout_s=TEMPLATE_CHECK_S,
            memory_limit_bytes=1 << 30,
        )
    except (IsolatedFailure, errors.ModelError) as exc:
        raise errors.ModelError(
            f"The chat template inside {shown} does not work ({exc.message}). Give the model "
            "a chat template of your own in its settings, or use another file.",
            detail=exc.detail,
        ) from exc


def _native_reason(path: Path) -> str | None:
    """The most telling line llama.cpp printed before dying, if any."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    keywords = ("GGML_ASSERT", "error", "failed", "abort", "exception")
    for line in reversed(lines):
        if any(word in line.lower() or word in line for word in keywords):
            return line.strip()[:300]
    return None
