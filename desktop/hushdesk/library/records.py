"""A library as the document store keeps it: its own module, so the store's parts
(``keywords``, ``vector_rows``) and the store itself share it without an import circle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    id: int
    name: str
    embedding_model: str
    watch_folder: str | None
