"""The model catalog shipped in resources/catalog.json: what can be downloaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from hushdesk import assets


@dataclass(frozen=True)
class CatalogFile:
    quantization: str
    repo: str
    filename: str
    size_bytes: int
    sha256: str = ""  # pinned: the hub's file must have it too (empty: the hub's is taken)


@dataclass(frozen=True)
class KvLayout:
    layers: int
    kv_heads: int
    head_dim: int

    def bytes_per_token(self, bytes_per_value: int = 2) -> int:
        """Keys and values, every layer, f16 by default (llama.cpp's default cache type)."""
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_value


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    family: str
    parameters: int
    context_length: int
    license: str
    good_for: str
    rank: int
    kv: KvLayout
    files: tuple[CatalogFile, ...]
    bundled: bool = False
    reasons: bool = False  # thinks before it answers (its template can switch it off)
    projector: CatalogFile | None = None  # its vision projector (mmproj): it sees images

    @property
    def vision(self) -> bool:
        return self.projector is not None

    @property
    def traits(self) -> str:
        """What sets it apart in a list ("thinks first · sees images"), or ""."""
        said = ["thinks first"] * self.reasons + ["sees images"] * self.vision
        return " · ".join(said)

    def download_bytes(self, file: CatalogFile) -> int:
        """What downloading ``file`` takes: the file, and the projector that comes with it."""
        return file.size_bytes + (self.projector.size_bytes if self.projector else 0)

    def file(self, quantization: str | None = None) -> CatalogFile:
        """The file for ``quantization``, or the recommended default (Q4_K_M)."""
        wanted = quantization or "Q4_K_M"
        for f in self.files:
            if f.quantization.lower() == wanted.lower():
                return f
        if quantization:
            raise KeyError(f"{self.name} has no {quantization} file")
        return self.files[0]

    @property
    def parameters_label(self) -> str:
        billions = self.parameters / 1e9
        return f"{billions:.1f}B" if billions >= 1 else f"{self.parameters / 1e6:.0f}M"


@dataclass(frozen=True)
class CatalogEmbedding:
    id: str
    name: str
    repo: str
    dimensions: int
    languages: str
    license: str
    good_for: str
    size_bytes: int
    files: tuple[str, ...]
    bundled: bool = False


@dataclass(frozen=True)
class CatalogSpeech:
    """A faster-whisper (CTranslate2) model: a folder of files from one repository."""

    id: str
    name: str
    repo: str
    languages: str
    multilingual: bool
    license: str
    good_for: str
    size_bytes: int
    cpu_cost: float  # transcription time relative to tiny.en on the same CPU
    files: tuple[str, ...]
    bundled: bool = False


@dataclass(frozen=True)
class Catalog:
    models: tuple[CatalogModel, ...]
    embeddings: tuple[CatalogEmbedding, ...]
    speech: tuple[CatalogSpeech, ...] = ()

    def get(self, model_id: str) -> CatalogModel | None:
        return next((m for m in self.models if m.id == model_id), None)

    def get_embedding(self, model_id: str) -> CatalogEmbedding | None:
        return next((m for m in self.embeddings if m.id == model_id), None)

    def get_speech(self, model_id: str) -> CatalogSpeech | None:
        return next((m for m in self.speech if m.id == model_id), None)

    def name_of(self, model_id: str) -> str:
        """The catalog's name for any of its models (the id when it has none)."""
        found = self.get(model_id) or self.get_embedding(model_id) or self.get_speech(model_id)
        return found.name if found is not None else model_id

    def search(self, text: str) -> list[CatalogModel]:
        words = text.casefold().split()
        return [
            m
            for m in self.models
            if all(w in f"{m.id} {m.name} {m.family} {m.good_for}".casefold() for w in words)
        ]


@cache
def load() -> Catalog:
    raw: dict[str, Any] = json.loads(assets.read_text("catalog.json"))
    return Catalog(
        models=tuple(_model(m) for m in raw["models"]),
        embeddings=tuple(_embedding(e) for e in raw["embeddings"]),
        speech=tuple(_speech(s) for s in raw.get("speech", ())),
    )


def _model(m: dict[str, Any]) -> CatalogModel:
    return CatalogModel(
        id=m["id"],
        name=m["name"],
        family=m["family"],
        parameters=int(m["parameters"]),
        context_length=int(m["context_length"]),
        license=m["license"],
        good_for=m["good_for"],
        rank=int(m["rank"]),
        kv=KvLayout(**m["kv"]),
        files=tuple(CatalogFile(**f) for f in m["files"]),
        bundled=bool(m.get("bundled", False)),
        reasons=bool(m.get("reasons", False)),
        projector=CatalogFile(**m["projector"]) if m.get("projector") else None,
    )


def _embedding(e: dict[str, Any]) -> CatalogEmbedding:
    return CatalogEmbedding(
        id=e["id"],
        name=e["name"],
        repo=e["repo"],
        dimensions=int(e["dimensions"]),
        languages=e["languages"],
        license=e["license"],
        good_for=e["good_for"],
        size_bytes=int(e["size_bytes"]),
        files=tuple(e["files"]),
        bundled=bool(e.get("bundled", False)),
    )


def _speech(s: dict[str, Any]) -> CatalogSpeech:
    return CatalogSpeech(
        id=s["id"],
        name=s["name"],
        repo=s["repo"],
        languages=s["languages"],
        multilingual=bool(s["multilingual"]),
        license=s["license"],
        good_for=s["good_for"],
        size_bytes=int(s["size_bytes"]),
        cpu_cost=float(s["cpu_cost"]),
        files=tuple(s["files"]),
        bundled=bool(s.get("bundled", False)),
    )
