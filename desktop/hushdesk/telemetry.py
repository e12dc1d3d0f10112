"""The telemetry and analytics endpoints known to be compiled into libraries, and what
Hushdesk found of them in what it ships.

ONNX Runtime 1.32 added Microsoft's 1DS telemetry to its Linux build; nothing in our
own code changed, yet the reader child resolved the collector. So a test scans every
installed package (and ``make dist`` the frozen bundle) for these hosts, and each one
found must be listed in ``resources/privacy/telemetry.toml`` with what neutralises it or
why it is harmless: the next dependency that starts phoning home fails the build until
someone has looked at it.

The scan is a fixed-string search (``grep -F``: one pass for every host) over the files as
they are: Python sources and native libraries alike. Compressed archives (the frozen
app's PYZ) are not opened; its Python code is the installed packages' code, scanned there.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hushdesk import assets

# Hosts that receive usage data (telemetry, analytics, crash reports), as they appear in
# code. Documentation links to a vendor's site are not listed: only collectors.
ENDPOINTS = (
    "events.data.microsoft.com",  # 1DS / Aria (ONNX Runtime, VS Code, .NET)
    "vortex.data.microsoft.com",
    "dc.services.visualstudio.com",  # Azure Application Insights
    "applicationinsights.azure.com",
    "google-analytics.com",
    "googletagmanager.com",
    "analytics.google.com",
    "api.segment.io",
    "api.mixpanel.com",
    "api-js.mixpanel.com",
    "ingest.sentry.io",
    "app.getsentry.com",
    "posthog.com",
    "api.amplitude.com",
    "api2.amplitude.com",
    "scarf.sh",
    "notify.bugsnag.com",
    "sessions.bugsnag.com",
    "browser-intake-datadoghq.com",
    "api.statsig.com",
    "featuregates.org",
    "api.honeycomb.io",
    "plausible.io/api",
    "/api/telemetry",  # Hugging Face Hub's, built from its endpoint
    "telemetry.wandb.ai",
    "rudderstack.com",
    "heapanalytics.com",
    "newrelic.com",
)


@dataclass(frozen=True, order=True)
class Hit:
    package: str  # the folder under the scanned root (a top-level package or library)
    endpoint: str
    file: str  # relative to the scanned root


@dataclass(frozen=True)
class Explained:
    package: str
    endpoint: str
    why: str


def allow_list() -> list[Explained]:
    """Every endpoint found in what we ship, each with why it cannot send anything."""
    data = assets.read_toml("privacy", "telemetry.toml")
    return [Explained(e["package"], e["endpoint"], e["why"]) for e in data["found"]]


def scan(root: Path, *, skip: tuple[str, ...] = ()) -> list[Hit]:
    """Every known endpoint in every file under ``root`` (links not followed)."""
    grep = shutil.which("grep")
    if grep is None:
        return _scan_in_python(root, skip)
    run = subprocess.run(
        [grep, "-r", "-F", "-o", "-a", "-i", "-Z", *(f"-e{e}" for e in ENDPOINTS), "."],
        cwd=root,
        capture_output=True,
        timeout=900,
        check=False,
    )
    if run.returncode not in (0, 1):  # 1: nothing found
        raise RuntimeError(run.stderr.decode(errors="replace")[-2000:])
    hits: set[Hit] = set()
    for line in run.stdout.split(b"\n"):
        if b"\0" not in line:
            continue
        name, _, found = line.partition(b"\0")
        hit = _hit(Path(name.decode(errors="replace")), found.decode(errors="replace"), skip)
        if hit is not None:
            hits.add(hit)
    return sorted(hits)


def _hit(relative: Path, found: str, skip: tuple[str, ...]) -> Hit | None:
    parts = [p for p in relative.parts if p not in (".", "_internal")]
    if not parts or parts[0] in skip:
        return None
    return Hit(_package(parts[0]), found.lower(), "/".join(parts))


def _package(top: str) -> str:
    """``onnxruntime``, ``onnxruntime-1.32.0.dist-info`` → ``onnxruntime``; a library
    file (``libfoo.so.1``) stays as it is."""
    if top.endswith((".dist-info", ".data")):
        return top.split("-", 1)[0].lower()
    return top.removesuffix(".py").lower()


def _scan_in_python(root: Path, skip: tuple[str, ...]) -> list[Hit]:
    """Where there is no grep (Windows): slower, the same answer."""
    needles = [e.encode() for e in ENDPOINTS]
    hits: set[Hit] = set()
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes().lower()
        for needle in needles:
            if needle in data:
                hit = _hit(path.relative_to(root), needle.decode(), skip)
                if hit is not None:
                    hits.add(hit)
    return sorted(hits)


def unexplained(hits: list[Hit], allowed: list[Explained] | None = None) -> list[Hit]:
    """The hits no entry of the allow-list explains."""
    known = {(e.package, e.endpoint) for e in (allow_list() if allowed is None else allowed)}
    return [h for h in hits if (h.package, h.endpoint) not in known]
