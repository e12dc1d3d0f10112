"""One exception hierarchy. Every error carries a message written for the user.

``detail`` holds what a developer needs (paths, exit codes, native output); it goes to
the log, not the dialog.
"""

from __future__ import annotations


class HushdeskError(Exception):
    """Base of every error Hushdesk raises on purpose."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ModelError(HushdeskError):
    """A model file cannot be used, or the engine that runs it failed."""


class EngineCrashed(ModelError):
    """The child process running the model died; the next request starts a fresh one."""


class ContextOverflow(ModelError):
    """The prompt does not fit in the model's context window."""


class DownloadError(HushdeskError):
    """A model download failed."""


class Offline(DownloadError):
    """A download could not reach its server at all: no connection, or one blocked."""


class DocumentError(HushdeskError):
    """A document could not be read or indexed."""


class EncryptedDocument(DocumentError):
    """The file needs a password (the app can ask for one and try again)."""


class StoreError(HushdeskError):
    """A local database or index could not be read or written."""


class Cancelled(HushdeskError):
    """The user cancelled a long job."""

    def __init__(self, message: str = "Cancelled.", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class NetworkBlocked(HushdeskError, ConnectionError):
    """A connection to a non-local address was refused by the privacy guard.

    It is also a ``ConnectionError`` so that libraries which retry or give up on
    network errors treat it as one instead of crashing.
    """


def from_wire(kind: str, message: str, detail: str | None = None) -> HushdeskError:
    """Rebuild an error a child process reported as (class name, message, detail)."""
    cls = globals().get(kind)
    if not (isinstance(cls, type) and issubclass(cls, HushdeskError)):
        cls = HushdeskError
    return cls(message, detail=detail)
