"""The one way to reach files under ``resources/`` (prompts, catalog, icons, styles).

In a wheel they live in the package ``hushdesk.resources``, in a frozen app in its
``hushdesk/resources`` folder, and in a source checkout in the repository's
``resources/`` folder.
"""

from __future__ import annotations

import sys
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@cache
def root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:  # a PyInstaller build: the spec puts them here
        return Path(frozen) / "hushdesk" / "resources"
    try:
        return Path(str(resources.files("hushdesk.resources")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "resources"


def path(*parts: str) -> Path:
    return root().joinpath(*parts)


def read_text(*parts: str) -> str:
    return path(*parts).read_text(encoding="utf-8")


def read_toml(*parts: str) -> dict[str, Any]:
    return tomllib.loads(read_text(*parts))


@cache
def prompts(*parts: str, family: str = "") -> dict[str, Any]:
    """A prompt file under ``resources/prompts`` (read once): ``prompts("answer.toml")``,
    ``prompts("email", "_common.toml")``. The one loader for prompts as data.

    A file's ``[family.NAME]`` table holds what differs for one model family (see
    ``family_of``): with ``family="NAME"`` its keys replace the file's own."""
    data = read_toml("prompts", *parts)
    own: dict[str, Any] = data.pop("family", {}).get(family, {})
    return data | own


@cache
def family_of(*names: str) -> str:
    """The prompt family of a model known by these names (its name, id, architecture):
    the first family in ``resources/prompts/families.toml`` with a word found in one of
    them, or "" (the prompts as written)."""
    text = " ".join(names).casefold()
    for family, entry in read_toml("prompts", "families.toml").items():
        if any(word in text for word in entry["words"]):
            return family
    return ""


@cache
def prompt_folder(*folder: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every prompt file of a folder under ``resources/prompts`` (see ``toml_files``)."""
    return tuple(toml_files("prompts", *folder))


def toml_files(*folder: str) -> list[tuple[str, dict[str, Any]]]:
    """Every ``.toml`` in a folder as (name without suffix, data), sorted by name; files
    whose name starts with ``_`` hold shared parts and are left out."""
    return [
        (file.stem, tomllib.loads(file.read_text(encoding="utf-8")))
        for file in sorted(path(*folder).glob("*.toml"))
        if not file.name.startswith("_")
    ]
