"""Build Hushdesk for this computer's OS: freeze, smoke-test, package.

    .venv/bin/python packaging/build.py            (or: make dist)
    .venv/bin/python packaging/build.py --reuse    (package the last frozen build again)

1. Prepare the bundled embedding model for OpenVINO (int8) into build/prepared/, then
   freeze with PyInstaller (packaging/hushdesk.spec) into dist/hushdesk/: the app ships
   that preparation and no torch (packaging_info.EXCLUDES).
2. Smoke-test the frozen app headless, from an empty folder, with a clean environment
   (no source tree, no .venv on any path) and a temporary data folder: `hushdesk doctor`
   and one `ask` on the starter model. Anything unexpected on stderr fails the build.
3. Package: Linux → dist/hushdesk_VERSION_ARCH.deb, installed with dpkg when run as
   root and tested again from the installed copy; Windows → Inno Setup (installer.iss)
   when ISCC is found; macOS → packaging/macos/make_dmg.sh.

Prints one line per figure: build time, bundle size, package size, frozen start times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
PREPARED = ROOT / "build" / "prepared"  # the spec ships it as resources/embedding/prepared
sys.path.insert(0, str(ROOT / "desktop"))

from hushdesk import packaging_info, telemetry  # noqa: E402

# stderr lines a healthy run may print (Qt's offscreen plugin notes, llama.cpp is quiet).
EXPECTED_STDERR = ("This plugin does not support propagateSizeHints",)
DEB_DEPENDS = (
    "libc6 (>= 2.31), libgl1, libegl1, libfontconfig1, libdbus-1-3, libxkbcommon0, "
    "libxkbcommon-x11-0, libxcb-cursor0, libglib2.0-0 | libglib2.0-0t64"
)


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def prepare_embedding() -> None:
    """The bundled embedding model prepared here (it needs torch and NNCF, which the
    frozen app leaves out), for the spec to ship (``openvino_embedder.shipped_folder``)."""
    from hushdesk.library.openvino_embedder import OpenVINOEmbedder, shipped_key
    from hushdesk.models import bundled

    model = bundled.STARTER_EMBEDDING.locate()
    if model is None:
        raise SystemExit("the bundled embedding model is not installed")
    if PREPARED.exists():
        shutil.rmtree(PREPARED)
    with tempfile.TemporaryDirectory(prefix="hushdesk-prepare-") as cache:
        embedder = OpenVINOEmbedder(str(model), "bundled", fallback=_no_fallback, cache=Path(cache))
        made = embedder.prepared_folder()
        meta = json.loads((made / "meta.json").read_text())
        if not meta["int8"]:
            raise SystemExit("the embedding model was not quantized (is NNCF installed?)")
        key = shipped_key(model, embedder.quantize, leave_out=packaging_info.EMBEDDING_WEIGHT_FILES)
        shutil.copytree(made, PREPARED / key)


def _no_fallback() -> Any:
    raise SystemExit("OpenVINO could not take the bundled embedding model")


def freeze() -> Path:
    prepare_embedding()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(WORK),
            str(ROOT / "packaging" / "hushdesk.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    bundle = DIST / packaging_info.EXECUTABLE
    if sys.platform.startswith("linux") and shutil.which("strip") and shutil.which("readelf"):
        strip_debug(bundle)
    return bundle


def strip_debug(bundle: Path) -> None:
    """Debug information out of the native libraries that carry much of it (``strip
    --strip-debug``: symbols stay). Some wheels ship it: ctranslate2's extension went
    from 64 MiB to 1 MiB, uvloop's from 12 to 1 (measured once, by hand). Only those:
    strip rewrites a file, and it broke numpy's OpenBLAS (which auditwheel had edited,
    like everything in a ``*.libs`` folder) though it had no debug information to lose.
    PyInstaller's own ``strip`` option does that to every file, and removes their
    symbols as well."""
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.parent.name.endswith(".libs"):
            continue
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        if debug_bytes(path) >= 2**20:
            subprocess.run(["strip", "--strip-debug", str(path)], check=True)


def debug_bytes(path: Path) -> int:
    """The size of an ELF file's ``.debug_*`` sections (``readelf -S``)."""
    listing = subprocess.run(
        ["readelf", "-SW", str(path)], capture_output=True, text=True, check=False
    ).stdout
    total = 0
    for line in listing.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[1].startswith(".debug_"):
            total += int(fields[5], 16)  # [Nr] Name Type Address Off Size ...
    return total


def executable(bundle: Path) -> Path:
    name = packaging_info.EXECUTABLE + (".exe" if os.name == "nt" else "")
    return bundle / name


def smoke(command: list[str], label: str) -> dict[str, float]:
    """`doctor` and one `ask`, headless, from an empty folder with a clean environment."""
    timings = {}
    with tempfile.TemporaryDirectory(prefix="hushdesk-smoke-") as folder:
        passphrase = Path(folder) / "passphrase"  # the data is encrypted: a script's unlock
        passphrase.write_text("smoke test passphrase\n")
        passphrase.chmod(0o600)  # a passphrase file others can read is refused
        env = {
            "PATH": os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir()),
            "HOME": folder,
            "HUSHDESK_HOME": str(Path(folder) / "data"),
            "HUSHDESK_PASSPHRASE_FILE": str(passphrase),
            "QT_QPA_PLATFORM": "offscreen",
            "LANG": "C.UTF-8",
        }
        if os.name == "nt":
            env = {
                **os.environ,
                "HUSHDESK_HOME": env["HUSHDESK_HOME"],
                "HUSHDESK_PASSPHRASE_FILE": str(passphrase),
                "QT_QPA_PLATFORM": "offscreen",
            }
        notes = Path(folder) / "notes.md"
        notes.write_text("# Lease\n\nThe notice period is ninety days, given in writing.\n")
        steps = (
            ["--version"],
            ["doctor"],
            ["ask", "--max-tokens", "24", "--seed", "1", "Say hello in five words."],
            ["ingest", "--library", "Smoke", str(notes)],  # a reader child, embeddings
            ["search", "--library", "Smoke", "How long is the notice period?"],
        )
        for args in steps:
            started = time.perf_counter()
            done = subprocess.run(
                [*command, *args],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            timings[args[0]] = time.perf_counter() - started
            unexpected = [
                line
                for line in done.stderr.splitlines()
                if line.strip() and not line.startswith(EXPECTED_STDERR)
            ]
            if done.returncode != 0 or unexpected:
                raise SystemExit(
                    f"{label}: `{' '.join(args)}` failed (exit {done.returncode})\n"
                    f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
                )
            if args[0] == "doctor" and "runs on openvino" not in done.stdout:
                # OpenVINO's plugins and the fork server that prepares the model, frozen
                raise SystemExit(f"{label}: embeddings fell back to torch:\n{done.stdout}")
            if args[0] == "ask" and not done.stdout.strip():
                raise SystemExit(f"{label}: `ask` printed nothing")
            if args[0] == "search" and "notes.md" not in done.stdout:
                raise SystemExit(f"{label}: `search` did not find the passage:\n{done.stdout}")
    return timings


def first_paint(command: list[str]) -> float:
    """Launch → first painted main window of the frozen GUI (offscreen), in seconds; the
    app reports it itself (HUSHDESK_STARTUP_PROBE, as bench/startup.py uses)."""
    with tempfile.TemporaryDirectory(prefix="hushdesk-start-") as folder:
        passphrase = Path(folder) / "passphrase"  # else the window waits for one
        passphrase.write_text("smoke test passphrase\n")
        passphrase.chmod(0o600)  # a passphrase file others can read is refused
        env = {
            **os.environ,
            "HUSHDESK_HOME": str(Path(folder) / "data"),
            "HUSHDESK_PASSPHRASE_FILE": str(passphrase),
            "HUSHDESK_STARTUP_PROBE": "1.0",
            "QT_QPA_PLATFORM": "offscreen",
        }
        paints = []
        for _ in range(3):  # the first run also warms the disk cache
            started = time.time()
            done = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=folder,
            )
            reports = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not reports:
                raise SystemExit(f"the frozen app did not open its window:\n{done.stderr}")
            paints.append(json.loads(reports[-1])["painted_at"] - started)
    return min(paints[1:])


def deb(bundle: Path) -> Path:
    """A .deb: the bundle in /opt/hushdesk, `hushdesk` on PATH, a desktop entry, an icon."""
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    stage = ROOT / "build" / "deb" / f"hushdesk_{version()}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    shutil.copytree(bundle, stage / "opt" / "hushdesk", symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / "hushdesk").symlink_to("/opt/hushdesk/hushdesk")
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / "linux" / "hushdesk.desktop", applications)
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "hushdesk.svg", icons)
    pixmaps = stage / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps"
    pixmaps.mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / "linux" / "hushdesk.png", pixmaps)
    size_kib = sum(f.stat().st_size for f in stage.rglob("*") if f.is_file()) // 1024
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: hushdesk\nVersion: {version()}\nSection: utils\nPriority: optional\n"
        f"Architecture: {arch}\nInstalled-Size: {size_kib}\nDepends: {DEB_DEPENDS}\n"
        "Maintainer: Hushdesk <team@hushdesk.invalid>\n"
        "Description: private offline assistant\n"
        " Chat with a local language model, ask questions of your own documents with\n"
        " cited answers, summarize long files and draft emails. Nothing leaves the\n"
        " computer.\n"
    )
    target = DIST / f"{stage.name}.deb"
    subprocess.run(
        # xz, as Debian's own packages: 18 % smaller than gzip here (634 → 517 MiB before
        # this trimming, measured once), about four minutes on 2 cores, not one
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target


def installed_test(package: Path) -> dict[str, float]:
    """Install the .deb with dpkg (root only), run it from PATH, remove it."""
    subprocess.run(
        ["dpkg", "--force-depends", "-i", str(package)], check=True, stdout=subprocess.DEVNULL
    )
    try:
        return smoke(["/usr/bin/hushdesk"], "installed .deb")
    finally:
        subprocess.run(
            ["dpkg", "-r", "hushdesk"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="skip freezing: use dist/hushdesk")
    args = parser.parse_args()
    started = time.perf_counter()
    bundle = DIST / packaging_info.EXECUTABLE if args.reuse else freeze()
    frozen_s = time.perf_counter() - started
    # our own files name the endpoints (the allow-list): not a dependency phoning home
    phoning_home = telemetry.unexplained(telemetry.scan(bundle, skip=("hushdesk",)))
    if phoning_home:
        for hit in phoning_home:
            print(f"telemetry endpoint not explained: {hit.endpoint} in {hit.file}")
        print("List each in resources/privacy/telemetry.toml with what neutralises it.")
        return 1
    print("telemetry_endpoints: every one found is neutralised (resources/privacy/telemetry.toml)")
    timings = smoke([str(executable(bundle))], "frozen app")
    print(f"freeze_time: {frozen_s:.0f} s")
    print(f"bundle_size: {size_mib(bundle):.0f} MiB ({bundle})")
    print(f"frozen_version_start: {timings['--version']:.1f} s")
    print(f"frozen_doctor: {timings['doctor']:.1f} s")
    print(f"frozen_ask: {timings['ask']:.1f} s")
    print(f"frozen_ingest: {timings['ingest']:.1f} s (reader child + embeddings)")
    print(f"frozen_first_paint: {first_paint([str(executable(bundle))]):.2f} s (warm)")
    if sys.platform.startswith("linux"):
        package = deb(bundle)
        print(f"deb_size: {size_mib(package):.0f} MiB ({package})")
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("dpkg"):
            installed = installed_test(package)
            print(f"installed_ask: {installed['ask']:.1f} s (dpkg -i, run from PATH)")
    elif os.name == "nt":
        iscc = shutil.which("ISCC") or shutil.which("iscc")
        if iscc:
            subprocess.run(
                [iscc, f"/DVersion={version()}", str(ROOT / "installer.iss")], check=True
            )
        else:
            print("installer: Inno Setup's ISCC not found; installer.iss not compiled")
    elif sys.platform == "darwin":
        subprocess.run(
            ["bash", str(ROOT / "packaging" / "macos" / "make_dmg.sh"), version()], check=True
        )
    print(f"build_total: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
