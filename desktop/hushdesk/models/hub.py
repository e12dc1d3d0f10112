"""The model hub over HTTP (the official one, or a mirror): what a file is (size,
checksum, the commit it is pinned to), requests with retries, proxies and the token
rules. Only a thread that ``privacy.allow_network`` let out may call these."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from hushdesk import privacy
from hushdesk.errors import DownloadError, Offline

log = logging.getLogger("hushdesk.download")

DEFAULT_ENDPOINT = "https://huggingface.co"
RETRIES = 3

TokenProvider = Callable[[], str | None]


@dataclass
class RemoteFile:
    filename: str
    url: str
    size: int
    sha256: str | None = None  # large (LFS) files
    git_sha1: str | None = None  # small files: the git blob id
    commit: str | None = None


def endpoint() -> str:
    return (
        os.environ.get("HUSHDESK_HF_ENDPOINT") or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    ).rstrip("/")


# -- the network --------------------------------------------------------------------------


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def proxy_for(url: str) -> str | None:
    """The user's proxy for ``url`` (set aside by privacy.apply), honouring NO_PROXY."""
    proxies = {k.upper(): v for k, v in privacy.proxies().items()}
    host = (urlsplit(url).hostname or "").lower()
    no_proxy = [h.strip().lstrip(".").lower() for h in proxies.get("NO_PROXY", "").split(",")]
    if privacy.is_local(host) or any(h and (host == h or host.endswith("." + h)) for h in no_proxy):
        return None
    scheme = urlsplit(url).scheme.upper()
    return proxies.get(f"{scheme}_PROXY") or proxies.get("ALL_PROXY")


def http_client(url: str) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": "Hushdesk", "Accept-Encoding": "identity"},
        timeout=httpx.Timeout(20.0, connect=15.0),
        proxy=proxy_for(url),
        trust_env=False,
        follow_redirects=False,
    )


class Interrupted(DownloadError):
    """The connection failed or ended early; worth another try from where it stopped."""


@contextlib.contextmanager
def network(what: str, *, retryable: bool = False) -> Iterator[None]:
    """The guard lets this thread through; network failures become clear messages."""
    try:
        with privacy.allow_network():
            yield
    except httpx.UnsupportedProtocol as exc:
        raise DownloadError(
            f"The download address for {what} is not valid: a mirror set in HF_ENDPOINT must "
            "start with https://.",
            detail=repr(exc),
        ) from exc
    except httpx.ProxyError as exc:
        raise DownloadError(
            f"The proxy refused to download {what}; check its address and login.",
            detail=repr(exc),
        ) from exc
    except (httpx.ConnectError, httpx.TimeoutException) as exc:
        if retryable:
            raise Interrupted(f"The connection failed: {exc}", detail=repr(exc)) from exc
        host = urlsplit(endpoint()).hostname or "the model library"
        how = (
            "stopped answering" if isinstance(exc, httpx.TimeoutException) else "cannot be reached"
        )
        raise Offline(
            f"Could not download {what}: {host} {how}. This computer looks offline, or a "
            "firewall or proxy is in the way.",
            detail=f"{exc!r} (the address comes from HF_ENDPOINT when it is set)",
        ) from exc


def check_status(response: httpx.Response, what: str) -> None:
    code = response.status_code
    if code < 400:
        return
    hub_code = response.headers.get("x-error-code", "")
    if hub_code == "GatedRepo" or (code == 403 and not hub_code):
        raise DownloadError(
            f"{what} is gated: accept its licence on the model's page at huggingface.co and "
            "set an access token (HF_TOKEN), then try again."
        )
    if code in (401, 404) or hub_code in ("RepoNotFound", "EntryNotFound", "RevisionNotFound"):
        raise DownloadError(
            f"{what} was not found on the server. The catalog may be out of "
            "date, the mirror may not have it, or it is private."
        )
    if code == 407:
        raise DownloadError(f"The proxy needs a login to download {what}.")
    if code == 429:
        raise DownloadError(f"The server is rate-limiting downloads of {what}; try again later.")
    raise DownloadError(f"The server refused {what} (HTTP {code}).")


def send(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    token: TokenProvider | None,
    headers: dict[str, str] | None = None,
    stream: bool = False,
) -> httpx.Response:
    """One request; if the official hub answers 401/403 and a token exists, once more with
    it. A token never goes to a mirror, and httpx drops it on redirects to another host."""
    headers = dict(headers or {})
    request = http.build_request(method, url, headers=headers)
    response = http.send(request, stream=stream, follow_redirects=stream)
    if (
        response.status_code in (401, 403)
        and token is not None
        and origin(url) == origin(DEFAULT_ENDPOINT)
    ):
        secret = token()
        if secret:
            response.close()
            headers["Authorization"] = f"Bearer {secret}"
            request = http.build_request(method, url, headers=headers)
            response = http.send(request, stream=stream, follow_redirects=stream)
    return response


def hub_token() -> str | None:
    """The user's Hugging Face token (HF_TOKEN or huggingface_hub's saved login)."""
    from huggingface_hub import get_token

    return get_token()


def resolve(
    repo: str,
    filename: str,
    *,
    revision: str = "main",
    token: TokenProvider | None = hub_token,
    client: httpx.Client | None = None,
) -> RemoteFile:
    """Size, checksum and commit of one file, as the hub states them, without
    downloading it. A file whose checksum the server does not publish is refused."""
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(repo, filename, revision=revision, endpoint=endpoint())
    what = f"{repo}/{filename}"
    http = client or http_client(url)
    try:
        with network(what):
            response = send(http, "HEAD", url, token=token)
            for _ in range(5):
                location = response.headers.get("location", "")
                if response.status_code not in (301, 302, 307, 308) or not location:
                    break
                if "x-linked-size" in response.headers:
                    break  # the hub's answer for a large file; the redirect is to its CDN
                target = urljoin(str(response.url), location)
                if origin(target) != origin(url):
                    break
                response = send(http, "HEAD", target, token=token)  # a renamed repo
            check_status(response, what)
    finally:
        if client is None:
            http.close()
    headers = response.headers
    size = headers.get("x-linked-size") or headers.get("content-length")
    linked = (headers.get("x-linked-etag") or "").removeprefix("W/").strip('"')
    etag = (headers.get("etag") or "").removeprefix("W/").strip('"')
    sha256 = linked if len(linked) == 64 else None
    git_sha1 = etag if not linked and len(etag) == 40 else None
    described = "x-linked-size" in headers or not response.is_redirect
    if not described or not size or not size.isdigit() or not (sha256 or git_sha1):
        raise DownloadError(
            f"The server did not publish the size and checksum of {what}, so Hushdesk cannot "
            "check the download. Use the official hub, or download the file yourself and "
            "import it."
        )
    commit = headers.get("x-repo-commit")
    if commit and commit != revision:  # pin the transfer to what was just described
        url = hf_hub_url(repo, filename, revision=commit, endpoint=endpoint())
    return RemoteFile(filename, url, int(size), sha256, git_sha1, commit)
