"""Connections: servers the user added, whose models answer like the local ones — an
OpenAI-compatible inference server (vLLM, llama.cpp's ``llama-server``, Ollama, LM Studio,
another Hushdesk's ``serve``). Kept with the protected settings (the token too); for the
Models page and ``hushdesk connect``. Nothing is sent to a server until the user picks
one of its models for a conversation or a command."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hushdesk.endpoints import is_unencrypted, require_allowed
from hushdesk.engine.server import Endpoint, Remote, RemoteModel
from hushdesk.errors import HushdeskError
from hushdesk.services.runtime import ModelRuntime
from hushdesk.settings import ConnectionSettings, Settings

__all__ = ["Connection", "Connections", "RemoteModel"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")


@dataclass(frozen=True)
class Connection:
    name: str
    url: str
    host: str
    has_token: bool
    ca_file: str | None
    models: dict[str, int]  # as last listed: id → context size (0: not said)
    unencrypted: bool = False  # plain http:// to another computer: badged wherever shown


class Connections:
    def __init__(self, settings: Settings, runtime: ModelRuntime) -> None:
        self.settings = settings
        self.runtime = runtime

    def all(self) -> list[Connection]:
        return [self._view(name, c) for name, c in sorted(self.settings.connections.items())]

    def get(self, name: str) -> Connection:
        connection = self.settings.connections.get(name)
        if connection is None:
            raise HushdeskError(f"No server is called {name!r}; see `hushdesk connect list`.")
        return self._view(name, connection)

    def add(
        self,
        name: str,
        url: str,
        *,
        token: str = "",
        ca_file: str | None = None,
        allow_unencrypted: bool = False,
    ) -> list[RemoteModel]:
        """Check the server (its models are listed), then keep it — replacing one of
        the same name. Nothing is kept when it cannot be reached. Plain http:// to
        another computer is refused before anything is sent, unless allowed explicitly
        (``endpoints.require_allowed``)."""
        name = name.strip()
        if not _NAME.match(name):
            raise HushdeskError(
                "Name the server with letters, digits, spaces, '.', '_' or '-' (at most "
                "40), without '/': its models are called NAME/MODEL."
            )
        url = url.strip().rstrip("/")
        if not url.endswith("/v1"):
            url += "/v1"
        require_allowed(url, allow_unencrypted=allow_unencrypted)
        remote = Remote(Endpoint(name, url, token.strip(), ca_file or None))
        try:
            models = remote.models()
        finally:
            remote.close()
        self.settings.connections[name] = ConnectionSettings(
            url,
            token.strip(),
            ca_file or None,
            _listed(models),
            allow_unencrypted and is_unencrypted(url),
        )
        self._saved(name)
        return models

    def test(self, name: str) -> list[RemoteModel]:
        """List the server's models now (and remember them for the model menus)."""
        connection = self.settings.connections.get(name)
        if connection is None:
            raise HushdeskError(f"No server is called {name!r}; see `hushdesk connect list`.")
        require_allowed(connection.url, allow_unencrypted=connection.allow_unencrypted)
        models = self.runtime.remote(name).models()
        connection.models = _listed(models)
        self._saved(name)
        return models

    def remove(self, name: str) -> None:
        if self.settings.connections.pop(name, None) is None:
            raise HushdeskError(f"No server is called {name!r}; see `hushdesk connect list`.")
        if self.settings.default_model and self.settings.default_model.startswith(f"{name}/"):
            self.settings.default_model = None
        self._saved(name)

    def _saved(self, name: str) -> None:
        self.settings.save()
        self.runtime.connections_changed(name)

    @staticmethod
    def _view(name: str, c: ConnectionSettings) -> Connection:
        host = Endpoint(name, c.url).host
        return Connection(
            name, c.url, host, bool(c.token), c.ca_file, dict(c.models), is_unencrypted(c.url)
        )


def _listed(models: list[RemoteModel]) -> dict[str, int]:
    """As kept in the settings: id → the context size the server reported (0: none)."""
    return {m.id: m.n_ctx if m.n_ctx_reported else 0 for m in models}
