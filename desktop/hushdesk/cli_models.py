"""``hushdesk models list|search|pull|import|rm|info|default``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hushdesk.core import Core
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import Progress
from hushdesk.models import download, hardware, importers
from hushdesk.terminal import on_ctrl_c

OK, ERROR, INTERRUPTED = 0, 1, 130


def add_parser(sub: Any) -> None:
    models = sub.add_parser("models", help="installed models, the catalog, downloads, imports")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="installed models and unfinished downloads")
    listing.add_argument("--json", action="store_true")

    search = actions.add_parser("search", help="the catalog, with what fits this computer")
    search.add_argument("text", nargs="*", help="words to look for (name, family, use)")
    search.add_argument("--json", action="store_true")

    pull = actions.add_parser("pull", help="download a catalog model (Ctrl-C pauses)")
    pull.add_argument("model", help="catalog id, e.g. llama-3.2-3b-instruct")
    pull.add_argument("--quant", help="quantization, e.g. Q5_K_M (default: Q4_K_M)")
    pull.add_argument("--default", action="store_true", help="make it the default chat model")

    imp = actions.add_parser("import", help="add a .gguf file, or models from Ollama/LM Studio")
    imp.add_argument("path", nargs="?", type=Path, help="a .gguf file")
    imp.add_argument("--copy", action="store_true", help="copy the file into Hushdesk's folder")
    imp.add_argument("--name", help="display name")
    imp.add_argument("--ollama", action="store_true", help="models found in Ollama's store")
    imp.add_argument("--lmstudio", action="store_true", help="models found in LM Studio")

    rm = actions.add_parser("rm", help="remove an installed model")
    rm.add_argument("model")
    rm.add_argument("--yes", action="store_true", help="do not ask")

    info = actions.add_parser("info", help="details of an installed or catalog model")
    info.add_argument("model")
    info.add_argument("--json", action="store_true")

    default = actions.add_parser("default", help="set the default chat model")
    default.add_argument("model")


def run(core: Core, args: argparse.Namespace) -> int:
    handler = {
        "list": _list,
        "search": _search,
        "pull": _pull,
        "import": _import,
        "rm": _rm,
        "info": _info,
        "default": _default,
    }[args.models_command]
    return handler(core, args)


def _list(core: Core, args: argparse.Namespace) -> int:
    models = core.registry.list()
    try:
        default = core.chat_model().id
    except HushdeskError:
        default = None
    pending = download.unfinished()
    if args.json:
        rows = [{**asdict(m), "available": m.available, "default": m.id == default}
                for m in models]  # fmt: skip
        waiting = [
            {"model_id": j.model_id, "name": j.name, "bytes_done": j.bytes_on_disk(),
             "bytes_total": j.total_bytes}
            for j in pending
        ]  # fmt: skip
        print(json.dumps({"installed": rows, "unfinished_downloads": waiting}, indent=2))
        return OK
    if not models:
        print("No models installed. See: hushdesk models search")
    for m in models:
        mark = "*" if m.id == default else " "
        state = "" if m.available else "  [file missing]"
        print(f"{mark} {m.id:34} {m.kind:9} {m.source:8} {m.size_bytes / 1e6:9.1f} MB{state}")
        print(f"  {'':34} {m.path}")
    for job in pending:
        share = job.bytes_on_disk() / job.total_bytes if job.total_bytes else 0
        print(f"  {job.model_id:34} paused at {share:.0%} — resume: hushdesk models pull "
              f"{job.details.get('catalog_id', job.model_id)}")  # fmt: skip
    return OK


def _search(core: Core, args: argparse.Namespace) -> int:
    machine = hardware.detect()
    n_ctx = core.settings.engine.n_ctx
    catalog = core.models.catalog
    models = catalog.search(" ".join(args.text)) if args.text else list(catalog.models)
    rows = []
    for model in sorted(models, key=lambda m: m.parameters):
        file = model.file()
        verdict = hardware.fit(hardware.estimate(model, file, n_ctx), machine)
        rows.append((model, file, verdict))
    suggestion = hardware.recommend(catalog, machine, n_ctx)
    if args.json:
        print(json.dumps([
            {"id": m.id, "name": m.name, "parameters": m.parameters, "license": m.license,
             "context_length": m.context_length, "good_for": m.good_for,
             "quantizations": [f.quantization for f in m.files], "size_bytes": f.size_bytes,
             "fit": v.verdict, "fit_reason": v.reason,
             "recommended": bool(suggestion and suggestion.model.id == m.id)}
            for m, f, v in rows
        ], indent=2))  # fmt: skip
        return OK
    for model, file, verdict in rows:
        star = "★" if suggestion and suggestion.model.id == model.id else " "
        speed = f"~{verdict.tokens_per_s:.0f} tok/s"
        print(f"{star} {model.id:26} {model.parameters_label:>5} {file.size_bytes / 1e9:5.1f} GB "
              f"{verdict.label:10} {speed:>12}  {model.good_for}")  # fmt: skip
    if suggestion:
        print(f"\n★ Recommended: {suggestion.model.id} --quant {suggestion.file.quantization}. "
              f"{suggestion.why}")  # fmt: skip
    print("Download with: hushdesk models pull ID [--quant Q5_K_M]")
    return OK


def _pull(core: Core, args: argparse.Namespace) -> int:
    manager = core.models
    catalog_model = manager.catalog.get(args.model)
    resumed = _unfinished(args.model, args.quant)
    job = resumed or manager.plan(args.model, args.quant)
    if catalog_model is not None:
        need = hardware.estimate(catalog_model, catalog_model.file(args.quant),
                                 core.settings.engine.n_ctx)  # fmt: skip
        verdict = hardware.fit(need, hardware.detect())
        if verdict.verdict != "fits":
            print(f"Note: {verdict.label} — {verdict.reason}", file=sys.stderr)
    control = download.DownloadControl()
    print(f"{'Resuming' if resumed else 'Downloading'} {job.name} "
          f"({job.total_bytes / 1e9:.2f} GB)", file=sys.stderr)  # fmt: skip
    try:
        with on_ctrl_c(control.pause):
            model = manager.install(job, control=control, progress=_show_progress)
    except Cancelled:
        print("\nPaused. Run the same command again to resume.", file=sys.stderr)
        return INTERRUPTED
    print(file=sys.stderr)
    if args.default:
        core.set_default_model(model.id)
    print(f"Installed {model.name} as {model.id}")
    return OK


def _unfinished(model: str, quantization: str | None) -> download.DownloadJob | None:
    for job in download.unfinished():
        if model not in (job.model_id, job.details.get("catalog_id")):
            continue
        quant = str(job.details.get("quantization", ""))
        if quantization is None or quant.lower() == quantization.lower():
            return job
    return None


def _show_progress(progress: Progress) -> None:
    line = progress.label
    if sys.stderr.isatty():
        print(f"\r{line[:110]:<110}", end="", file=sys.stderr, flush=True)
    elif progress.percent is not None and progress.percent % 10 == 0:
        print(line, file=sys.stderr, flush=True)


def _import(core: Core, args: argparse.Namespace) -> int:
    manager = core.models
    if args.ollama or args.lmstudio:
        found = (importers.find_ollama() if args.ollama else []) + (
            importers.find_lmstudio() if args.lmstudio else []
        )
        if not found:
            print("No models found.")
            return OK
        failures = 0
        for item in found:
            try:
                model = manager.import_found(item)
                print(f"Imported {model.name} ({item.size_bytes / 1e9:.1f} GB, not copied)")
            except HushdeskError as exc:
                failures += 1
                print(f"Skipped {item.name}: {exc.message}", file=sys.stderr)
        return ERROR if failures else OK
    if args.path is None:
        print("hushdesk models import: give a .gguf file, --ollama or --lmstudio", file=sys.stderr)
        return 2
    model = manager.import_file(args.path, copy=args.copy, name=args.name)
    how = "copied into Hushdesk's folder" if args.copy else "used where it is"
    print(f"Imported {model.name} as {model.id} ({how})")
    return OK


def _rm(core: Core, args: argparse.Namespace) -> int:
    model = core.registry.get(args.model)
    if model is None:
        print(f"hushdesk: no installed model is called {args.model!r}", file=sys.stderr)
        return ERROR
    if not args.yes:
        if not sys.stdin.isatty():
            print("hushdesk: add --yes to remove without asking", file=sys.stderr)
            return 2
        answer = input(f"Remove {model.name}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            return OK
    core.models.remove(args.model)
    print(f"Removed {model.name}")
    return OK


def _info(core: Core, args: argparse.Namespace) -> int:
    installed = core.registry.get(args.model)
    catalog_model = core.models.catalog.get(args.model)
    data: dict[str, Any]
    if installed is not None:
        data = {**asdict(installed), "available": installed.available}
        if installed.kind == "llm" and installed.available:
            from hushdesk.engine import gguf_info

            meta = gguf_info.inspect(installed.path)
            data["gguf"] = {k: v for k, v in asdict(meta).items() if k != "chat_template"}
    elif catalog_model is not None:
        machine = hardware.detect()
        data = {
            "id": catalog_model.id, "name": catalog_model.name,
            "parameters": catalog_model.parameters, "license": catalog_model.license,
            "context_length": catalog_model.context_length, "good_for": catalog_model.good_for,
            "files": [
                {**asdict(f), "fit": hardware.fit(
                    hardware.estimate(catalog_model, f, core.settings.engine.n_ctx), machine
                ).label}
                for f in catalog_model.files
            ],
        }  # fmt: skip
    else:
        print(f"hushdesk: no model called {args.model!r} (see hushdesk models search)",
              file=sys.stderr)  # fmt: skip
        return ERROR
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        for key, value in data.items():
            print(f"{key:16} {value}")
    return OK


def _default(core: Core, args: argparse.Namespace) -> int:
    core.set_default_model(args.model)
    print(f"Default chat model: {args.model}")
    return OK
