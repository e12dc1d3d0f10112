"""Rules of the house that a test can hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop" / "hushdesk"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_nothing_outside_ui_imports_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] in ("PySide6", "shiboken6") for name in _imports(path))
    ]
    assert offenders == []


def test_core_imports_without_qt_or_heavy_libraries() -> None:
    code = (
        "import sys, hushdesk.cli, hushdesk.app, hushdesk.services.doctor;"
        "heavy = [m for m in ('PySide6', 'torch', 'chromadb', 'llama_cpp', 'sentence_transformers')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_privacy_is_applied_before_anything_else_in_the_entry_point() -> None:
    source = (PACKAGE / "__main__.py").read_text(encoding="utf-8")
    body = source[source.index("def main") :]
    assert body.index("privacy.apply()") < body.index("import logs")


def test_scripts_outside_the_package_import_what_exists() -> None:
    """bench/, docs/ and packaging/ are not type-checked: a refactor must not leave them
    importing a module or a name that is gone."""
    import importlib

    root = PACKAGE.parents[1]
    missing = []
    for folder in ("bench", "docs", "packaging"):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.module):
                    continue
                if not node.module.startswith("hushdesk"):
                    continue
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            missing.append(f"{path.name}: {node.module}.{alias.name}")
    assert missing == []


def test_rich_text_is_only_made_by_the_safe_classes() -> None:
    """Every text view and rich-text document follows safe_text's resource policy: none
    is built from Qt's own classes elsewhere (they would load any <img> they meet)."""
    offenders = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        if path.name == "safe_text.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = node.func if isinstance(node, ast.Call) else None
            name = getattr(called, "id", getattr(called, "attr", ""))
            bases = [getattr(b, "id", "") for b in getattr(node, "bases", [])]
            if name in ("QTextBrowser", "QTextDocument", "QTextEdit") or {
                "QTextBrowser",
                "QTextDocument",
            } & set(bases):
                offenders.append(f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}")
    assert offenders == []
