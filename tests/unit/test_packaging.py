"""The packaging files agree with each other and with the app (fast; the build itself is
`make dist`)."""

from __future__ import annotations

import configparser
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import pytest

from hushdesk import assets, packaging_info

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def iss() -> str:
    return (ROOT / "installer.iss").read_text()


def test_the_windows_installer_matches_the_build() -> None:
    text = iss()
    assert f"AppId={{{{{packaging_info.WINDOWS_APP_ID}}}" in text
    version = re.search(r'#ifndef Version\s+#define Version "([^"]+)"', text)
    assert version is not None
    assert version.group(1) == VERSION
    assert f'#define AppExe "{packaging_info.EXECUTABLE}.exe"' in text
    assert f'#define BuildDir "dist\\{packaging_info.EXECUTABLE}"' in text
    assert "PrivilegesRequired=lowest" in text  # per user, no admin
    assert "[InstallDelete]" in text
    assert "{autodesktop}" in text
    assert "desktopicon" in text
    files = text.split("[Files]")[1].split("[")[0]
    assert "{localappdata}" not in files
    assert "userappdata" not in files.lower()
    assert "{localappdata}\\Hushdesk" in text  # asked about at uninstall, kept by default
    assert "MB_DEFBUTTON2" in text
    for icon in ("packaging\\windows\\hushdesk.ico",):
        assert icon in text
        assert (ROOT / icon.replace("\\", "/")).is_file()


def test_the_spec_and_build_script_use_the_shared_names() -> None:
    spec = (ROOT / "packaging" / "hushdesk.spec").read_text()
    assert "upx=False" in spec
    assert "upx=True" not in spec
    assert "packaging_info" in spec
    assert '"pyproject.toml"' in spec
    assert (ROOT / "packaging" / "macos" / "hushdesk.icns").is_file()
    assert (ROOT / "packaging" / "entry.py").is_file()


def test_the_linux_desktop_entry() -> None:
    class CaseKept(configparser.ConfigParser):  # keys as written: Exec, not exec
        def optionxform(self, optionstr: str) -> str:
            return optionstr

    entry = CaseKept(interpolation=None)
    entry.read(ROOT / "packaging" / "linux" / "hushdesk.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == packaging_info.EXECUTABLE
    assert desktop["Icon"] == "hushdesk"
    assert desktop["Terminal"] == "false"
    assert desktop["Categories"].endswith(";")


def test_every_app_module_is_bundled() -> None:
    hidden = set(packaging_info.hidden_imports())
    for name in (
        "hushdesk.ui.email_page",
        "hushdesk.engine.worker",
        "hushdesk.library.loaders",
        "hushdesk.assistant.writing",
    ):
        assert name in hidden
    source = {
        p.relative_to(ROOT / "desktop").with_suffix("").as_posix().replace("/", ".")
        for p in (ROOT / "desktop" / "hushdesk").rglob("*.py")
    }
    source = {s.removesuffix(".__init__") for s in source if not s.endswith("__main__")}
    assert source <= hidden


def test_torch_and_what_only_it_needs_stay_out() -> None:
    """The installers run the bundled embedding model prepared at build time, on
    OpenVINO: torch, transformers and the preparation's tools are not frozen."""
    for name in ("torch", "transformers", "sentence_transformers", "nncf", "sympy"):
        assert name in packaging_info.EXCLUDES
    assert not {"torch", "transformers", "sentence-transformers"} & set(packaging_info.METADATA)
    assert packaging_info.bundled("hushdesk/resources/prompts/answer.toml")


@pytest.mark.parametrize("package", packaging_info.DATA_PACKAGES)
def test_the_data_packages_are_installed(package: str) -> None:
    assert importlib.util.find_spec(package) is not None


@pytest.mark.parametrize("package", packaging_info.LIBRARY_PACKAGES)
def test_the_native_library_folders_exist(package: str) -> None:
    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.origin is not None
    folder = Path(spec.origin).parent
    found = [f for name in ("lib", "libs") for f in (folder / name).glob("*.so*")]
    assert found or sys.platform != "linux"


def test_openvino_travels_with_the_reader_of_its_own_format() -> None:
    names = {Path(f).name for f, _ in packaging_info.library_files("openvino")}
    assert any(n.startswith("libopenvino_ir_frontend") for n in names) or sys.platform != "linux"
    assert {d for _, d in packaging_info.library_files("openvino")} <= {"openvino/libs"}


def test_openvino_keeps_its_cpu_plugin_and_own_format_only() -> None:
    assert packaging_info.bundled("openvino/libs/libopenvino_intel_cpu_plugin.so")
    assert packaging_info.bundled("openvino/libs/libopenvino_ir_frontend.so.2641")
    assert not packaging_info.bundled("openvino/libs/libopenvino_onnx_frontend.so.2641")
    assert not packaging_info.bundled("openvino/libs/libopenvino_tensorflow_lite_frontend.so.2641")
    assert not packaging_info.bundled("openvino/libs/libopenvino_intel_gpu_plugin.so")
    assert not packaging_info.bundled("openvino/libs/libopenvino_intel_npu_plugin.so")


@pytest.mark.parametrize("distribution", packaging_info.METADATA)
def test_the_metadata_to_copy_exists(distribution: str) -> None:
    assert importlib.metadata.distribution(distribution)


def test_a_frozen_app_finds_its_resources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assets.root.cache_clear()
    try:
        assert assets.root() == tmp_path / "hushdesk" / "resources"
    finally:
        monkeypatch.delattr(sys, "_MEIPASS")
        assets.root.cache_clear()
    assert (assets.root() / "prompts").is_dir()


def test_the_embedding_models_weights_stay_out_of_the_installers() -> None:
    """It ships prepared for OpenVINO (build.py); its torch weights are trimmed."""
    from hushdesk.models import bundled

    assert bundled.STARTER_EMBEDDING.relative_path + "/" == packaging_info.EMBEDDING_WEIGHTS
    model = bundled.STARTER_EMBEDDING.locate()
    assert model is not None
    for name in packaging_info.EMBEDDING_WEIGHT_FILES:
        assert (model / name).is_file()
        assert not packaging_info.bundled(packaging_info.EMBEDDING_WEIGHTS + name)
    assert packaging_info.bundled(packaging_info.EMBEDDING_WEIGHTS + "tokenizer.json")
    assert not packaging_info.bundled("libopenvino_pytorch_frontend.so.2641")
    assert not packaging_info.bundled("PySide6/Qt/translations/qt_de.qm")
    assert packaging_info.bundled("PySide6/Qt/lib/libQt6Widgets.so.6")
