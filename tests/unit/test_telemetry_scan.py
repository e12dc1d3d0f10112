"""The telemetry scan finds what a new package would bring (the scan of every installed
package is tests/integration/test_telemetry_scan.py)."""

from __future__ import annotations

from pathlib import Path

from hushdesk import telemetry


def test_a_new_endpoint_is_found_and_not_explained(tmp_path: Path) -> None:
    package = tmp_path / "chatty"
    package.mkdir()
    (package / "__init__.py").write_text('URL = "https://API.Mixpanel.com/track"\n')
    (tmp_path / "libnative.so.1").write_bytes(b"\0\x7fELF...https://ingest.sentry.io/\0")
    hits = telemetry.scan(tmp_path)
    assert [(h.package, h.endpoint) for h in hits] == [
        ("chatty", "api.mixpanel.com"),
        ("libnative.so.1", "ingest.sentry.io"),
    ]
    assert telemetry.unexplained(hits) == hits
    assert telemetry._scan_in_python(tmp_path, ()) == hits  # the same without grep


def test_the_frozen_bundle_is_scanned_but_not_our_own_allow_list(tmp_path: Path) -> None:
    from hushdesk import assets

    internal = tmp_path / "_internal"
    ours = internal / "hushdesk" / "resources" / "privacy"
    ours.mkdir(parents=True)
    ours.joinpath("telemetry.toml").write_bytes(
        assets.path("privacy", "telemetry.toml").read_bytes()
    )
    library = internal / "onnxruntime" / "capi"
    library.mkdir(parents=True)
    library.joinpath("libonnxruntime.so.1.32.0").write_bytes(
        b"\0https://mobile.events.data.microsoft.com/OneCollector/1.0\0"
    )
    hits = telemetry.scan(tmp_path, skip=("hushdesk",))
    assert [(h.package, h.endpoint) for h in hits] == [("onnxruntime", "events.data.microsoft.com")]
    assert telemetry.unexplained(hits) == []
