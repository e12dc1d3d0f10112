"""``hushdesk doctor``: check that everything works, offline; exit 1 on any failure."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hushdesk import __version__, paths
from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_ERROR, EXIT_OK
from hushdesk.services.doctor import run_checks


def add_parser(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check that everything works, offline")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--no-generate", action="store_true", help="skip loading the model")


def run(app: App, args: argparse.Namespace) -> int:
    checks = []
    if not args.json:
        print(f"Hushdesk {__version__}")
        for name, path in paths.all_paths().items():
            print(f"  {name:13} {path}")
    for check in run_checks(app.runtime, generate=not args.no_generate):
        checks.append(check)
        if not args.json:
            print(f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}", flush=True)
    ok = all(c.ok for c in checks)
    if args.json:
        report = {
            "ok": ok,
            "version": __version__,
            "paths": {k: str(v) for k, v in paths.all_paths().items()},
            "checks": [c.__dict__ for c in checks],
        }
        print(json.dumps(report, indent=2))
    return EXIT_OK if ok else EXIT_ERROR
