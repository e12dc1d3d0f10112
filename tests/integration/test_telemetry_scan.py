"""Every telemetry endpoint in the installed packages is neutralised or explained in
one allow-list (resources/privacy/telemetry.toml); a new one fails here first."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from hushdesk import telemetry


def _site_packages() -> list[Path]:
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return [Path(r) for r in sorted(roots) if Path(r).is_dir()]


def test_every_endpoint_in_the_installed_packages_is_explained() -> None:
    hits = [h for root in _site_packages() for h in telemetry.scan(root)]
    assert telemetry.unexplained(hits) == []
    found = {(h.package, h.endpoint) for h in hits}
    stale = [e for e in telemetry.allow_list() if (e.package, e.endpoint) not in found]
    assert stale == []  # an entry for something no longer shipped goes too
    assert all(len(e.why) > 80 for e in telemetry.allow_list())
