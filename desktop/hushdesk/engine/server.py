"""A server the user added, as Hushdesk reaches it: its address (``Endpoint``: only
``https://``, or ``http://`` on this computer), the models it lists and the HTTP client
every request goes through — inside the network guard's ``reach`` for that host and
port only, with timeouts, bounded bodies (``engine.bounds``) and errors a user can
read. The engine over it is ``engine.remote.RemoteEngine``.
"""

from __future__ import annotations

import json
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from hushdesk import errors, privacy
from hushdesk.engine.bounds import (
    Exceeded,
    Limits,
    context_of,
    error_text,
    is_count,
    is_name,
    read_body,
    read_head,
)

log = logging.getLogger("hushdesk.engine.server")

DEFAULT_CONTEXT = 4096  # when the server does not say


@dataclass(frozen=True)
class Endpoint:
    """A server the user added: its name in Hushdesk, base URL (…/v1), token, CA."""

    name: str
    url: str
    token: str = ""
    ca_file: str | None = None  # a firm's own certificate authority (PEM)
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 120.0  # the longest wait for the next words (prefill)
    limits: Limits = field(default_factory=Limits)

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.base)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def root(self) -> str:
        """The server's root (the base without a trailing /v1)."""
        return self.base.removesuffix("/v1")

    def check(self) -> None:
        parts = urlsplit(self.base)
        try:
            parts.port  # noqa: B018 (a port that is not a number raises here)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.ModelError(
                f"{self.url!r} is not a server address; write it as "
                "https://host:port/v1 (or http:// on this computer or a trusted network)."
            )


@dataclass(frozen=True)
class RemoteModel:
    id: str
    n_ctx: int
    n_ctx_reported: bool  # False: DEFAULT_CONTEXT, the server did not say


class Remote:
    """One server: its HTTP client (TLS verified), the guard's permission, clear errors."""

    def __init__(self, endpoint: Endpoint) -> None:
        endpoint.check()
        self.endpoint = endpoint
        verify: ssl.SSLContext | bool = True
        if endpoint.ca_file:
            try:
                verify = ssl.create_default_context(cafile=endpoint.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise errors.ModelError(
                    f"Cannot use the certificate file {endpoint.ca_file}: {exc}."
                ) from exc
        headers = {"Accept-Encoding": "identity"}  # no compressed bodies to inflate
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        self.client = httpx.Client(
            headers=headers,
            verify=verify,
            trust_env=False,  # no proxy from the environment: this server, directly
            timeout=httpx.Timeout(
                endpoint.read_timeout_s, connect=endpoint.connect_timeout_s, pool=30.0
            ),
        )
        self._tokenize: str | None = None  # which endpoint counts tokens ("" : none)

    # -- requests -------------------------------------------------------------------------

    def request(self, method: str, url: str, *, what: str, **kwargs: Any) -> Any:
        """The JSON the server answers (``what`` names it in messages), read within
        the endpoint's limits; a body too large, too slow or not JSON is a ModelError."""
        e, limits = self.endpoint, self.endpoint.limits
        response = self.send(method, url, **kwargs)
        with privacy.reach(e.host, e.port):
            try:
                body = read_body(response, cap=limits.body_bytes, seconds=limits.body_s)
            except Exceeded as exc:
                why = {
                    "bytes": f"larger than {limits.body_bytes // 1024:,} KB",
                    "time": f"too slowly (more than {limits.body_s:g} s)",
                    "encoding": "compressed, though asked not to",
                }[exc.what]
                raise errors.ModelError(
                    f"The server {e.name} sent {what} {why}; Hushdesk stopped reading it. "
                    "Is it an OpenAI-compatible server?"
                ) from exc
            except (httpx.HTTPError, httpx.StreamError, RuntimeError) as exc:
                raise self._unreachable(exc) from exc
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise errors.ModelError(
                f"{e.base} did not answer as an OpenAI-compatible API does (is the "
                "address right, ending in /v1?)."
            ) from exc

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A response whose body is still to be read (within limits): a status of 400
        or more is raised as a ModelError with the start of the server's reason."""
        e = self.endpoint
        with privacy.reach(e.host, e.port):
            try:
                request = self.client.build_request(method, url, **kwargs)
                response = self.client.send(request, stream=True)
            except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: a closed client
                raise self._unreachable(exc) from exc
            if response.status_code >= 400:
                limits = e.limits
                head = read_head(response, cap=limits.error_bytes, seconds=limits.body_s)
                self._raise_for(response.status_code, head)
        return response

    def stream(self, url: str, body: dict[str, Any]) -> httpx.Response:
        return self.send("POST", url, json=body)

    def _unreachable(self, exc: Exception) -> errors.ModelError:
        e = self.endpoint
        if isinstance(exc, httpx.TimeoutException):
            what = (
                f"did not answer within {e.connect_timeout_s:g} s"
                if isinstance(exc, httpx.ConnectTimeout)
                else f"stopped answering (no words for {e.read_timeout_s:g} s)"
            )
            return errors.ModelError(f"The server {e.name} ({e.base}) {what}.")
        reason = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in reason or isinstance(exc.__cause__, ssl.SSLError):
            return errors.ModelError(
                f"The server {e.name} ({e.base}) has a certificate this computer does not "
                "trust. If your firm uses its own certificate authority, add the "
                "connection again with its certificate (--ca-file)."
            )
        return errors.ModelError(
            f"Cannot reach the server {e.name} ({e.base}): {reason}. Is it running, and is "
            "this computer on its network?"
        )

    def _raise_for(self, status: int, body: bytes) -> None:
        e = self.endpoint
        if status in (401, 403):
            raise errors.ModelError(
                f"The server {e.name} refused the token ({status}). Update it: "
                f"`hushdesk connect add {e.name} {e.base} --token-file FILE`."
            )
        detail = error_text(body)
        raise errors.ModelError(
            f"The server {e.name} answered {status}" + (f": {detail}" if detail else ".")
        )

    # -- what the server has --------------------------------------------------------------

    def models(self) -> list[RemoteModel]:
        """The server's models and their context sizes (as far as it says)."""
        data = self.request("GET", f"{self.endpoint.base}/models", what="its model list")
        entries = data.get("data") if isinstance(data, dict) else None
        entries = entries if isinstance(entries, list) else []
        props: int | None = None
        found = []
        for entry in entries[: self.endpoint.limits.max_models]:
            if not isinstance(entry, dict) or not is_name(entry.get("id")):
                continue
            n_ctx = context_of(entry)
            if n_ctx is None:
                props = props if props is not None else self._props_context()
                n_ctx = props or None
            found.append(RemoteModel(entry["id"], n_ctx or DEFAULT_CONTEXT, n_ctx is not None))
        return found

    def _props_context(self) -> int:
        """llama-server's context size (``/props``); 0 when the server has no such page."""
        try:
            props = self.request("GET", f"{self.endpoint.root}/props", what="its settings")
        except errors.ModelError:
            return 0
        settings = props.get("default_generation_settings", {}) if isinstance(props, dict) else {}
        value = settings.get("n_ctx") if isinstance(settings, dict) else None
        return value if is_count(value) else 0

    def count_tokens(self, model: str, text: str) -> int | None:
        """Tokens in ``text`` as the server counts them; None when it cannot."""
        root = self.endpoint.root
        tries = (
            ("llama-server", f"{root}/tokenize", {"content": text}),
            ("llama-cpp-python", f"{root}/extras/tokenize", {"input": text, "model": model}),
        )
        for name, url, body in tries:
            if self._tokenize not in (None, name):
                continue
            try:
                reply = self.request("POST", url, what="a token count", json=body)
            except errors.ModelError:
                continue
            tokens = reply.get("tokens") if isinstance(reply, dict) else None
            if isinstance(tokens, list):
                self._tokenize = name
                return len(tokens)
        self._tokenize = ""
        return None

    def close(self) -> None:
        self.client.close()
