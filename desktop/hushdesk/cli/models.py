"""``hushdesk models list|search|pull|import|rename|rm|info|default``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    on_ctrl_c,
    printable,
)
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import Progress
from hushdesk.services.models import DownloadControl


def add_parser(sub: Any) -> None:
    models = sub.add_parser("models", help="installed models, the catalog, downloads, imports")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="installed models and unfinished downloads")
    listing.add_argument("--json", action="store_true")

    search = actions.add_parser("search", help="the catalog, with what fits this computer")
    search.add_argument("text", nargs="*", help="words to look for (name, family, use)")
    search.add_argument("--speech", action="store_true", help="speech models (recordings)")
    search.add_argument("--json", action="store_true")

    pull = actions.add_parser("pull", help="download a catalog model (Ctrl-C pauses)")
    pull.add_argument("model", help="catalog id, e.g. llama-3.2-3b-instruct")
    pull.add_argument("--quant", help="quantization, e.g. Q5_K_M (default: Q4_K_M)")
    pull.add_argument("--default", action="store_true", help="make it the default chat model")

    imp = actions.add_parser("import", help="add a .gguf file, or models from Ollama/LM Studio")
    imp.add_argument(
        "path", nargs="?", type=Path, help="a .gguf file, or a faster-whisper model's folder"
    )
    imp.add_argument("--copy", action="store_true", help="copy the file into Hushdesk's folder")
    imp.add_argument("--name", help="display name")
    imp.add_argument(
        "--projector", type=Path, metavar="MMPROJ",
        help="the model's vision projector (mmproj .gguf): it then sees images "
        "(default: the one mmproj file beside the model, if any)",
    )  # fmt: skip
    imp.add_argument("--ollama", action="store_true", help="models found in Ollama's store")
    imp.add_argument("--lmstudio", action="store_true", help="models found in LM Studio")

    rename = actions.add_parser("rename", help="show an installed model under another name")
    rename.add_argument("model", help="its id (see hushdesk models list)")
    rename.add_argument("name", help="the new name (the file and the id stay)")

    rm = actions.add_parser("rm", help="remove an installed model")
    rm.add_argument("model")
    rm.add_argument("--yes", action="store_true", help="do not ask")

    info = actions.add_parser("info", help="details of an installed or catalog model")
    info.add_argument("model")
    info.add_argument("--json", action="store_true")

    default = actions.add_parser(
        "default", help="set the default chat model, or the speech model that hears recordings"
    )
    default.add_argument("model")


def run(app: App, args: argparse.Namespace) -> int:
    handler = {
        "list": _list,
        "search": _search,
        "pull": _pull,
        "import": _import,
        "rename": _rename,
        "rm": _rm,
        "info": _info,
        "default": _default,
    }[args.models_command]
    return handler(app, args)


def _list(app: App, args: argparse.Namespace) -> int:
    models = app.models.installed()
    default = app.models.default_chat()
    pending = app.models.unfinished()
    if args.json:
        rows = [{**asdict(m), "available": m.available, "default": m.id == default} for m in models]
        waiting = [
            {
                "model_id": j.model_id,
                "name": j.name,
                "bytes_done": j.bytes_on_disk(),
                "bytes_total": j.total_bytes,
            }
            for j in pending
        ]
        print(json.dumps({"installed": rows, "unfinished_downloads": waiting}, indent=2))
        return EXIT_OK
    if not models:
        print("No models installed. See: hushdesk models search")
    for m in models:
        mark = "*" if m.id == default else " "
        state = "" if m.available else "  [file missing]"
        print(
            printable(
                f"{mark} {m.id:34} {m.kind:9} {m.source:8} {m.size_bytes / 1e6:9.1f} MB{state}"
            )
        )
        print(printable(f"  {'':34} {m.name} · {m.path}"))
    for m in (m for m in app.runtime.chat_models() if m.remote):
        mark = "*" if m.id == default else " "
        print(printable(f"{mark} {m.id:34} {'chat':9} on {m.where}"))
    for job in pending:
        share = job.bytes_on_disk() / job.total_bytes if job.total_bytes else 0
        print(
            f"  {job.model_id:34} paused at {share:.0%} — resume: hushdesk models pull "
            f"{job.details.get('catalog_id', job.model_id)}"
        )
    return EXIT_OK


def _search(app: App, args: argparse.Namespace) -> int:
    service = app.models
    machine = service.machine()
    if args.speech:
        return _search_speech(app, args)
    rows = [
        (m, m.file(), service.fit(m, None, machine)) for m in service.search(" ".join(args.text))
    ]
    suggestion = service.recommend(machine)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": m.id,
                        "name": m.name,
                        "parameters": m.parameters,
                        "license": m.license,
                        "context_length": m.context_length,
                        "good_for": m.good_for,
                        "reasons": m.reasons,
                        "vision": m.vision,
                        "quantizations": [f.quantization for f in m.files],
                        "size_bytes": m.download_bytes(f),
                        "fit": v.verdict,
                        "fit_reason": v.reason,
                        "recommended": bool(suggestion and suggestion.model.id == m.id),
                    }
                    for m, f, v in rows
                ],
                indent=2,
            )
        )
        return EXIT_OK
    for model, file, verdict in rows:
        star = "★" if suggestion and suggestion.model.id == model.id else " "
        speed = f"~{verdict.tokens_per_s:.0f} tok/s"
        size = model.download_bytes(file) / 1e9
        print(
            f"{star} {model.id:26} {model.parameters_label:>5} {size:5.1f} GB "
            f"{verdict.label:10} {speed:>12}  {model.good_for}"
            + (f" ({model.traits})" if model.traits else "")
        )
    if suggestion:
        print(
            f"\n★ Recommended: {suggestion.model.id} --quant {suggestion.file.quantization}. "
            f"{suggestion.why}"
        )
    print("Download with: hushdesk models pull ID [--quant Q5_K_M]")
    print("Speech models (recordings, dictation): hushdesk models search --speech")
    return EXIT_OK


def _search_speech(app: App, args: argparse.Namespace) -> int:
    words = " ".join(args.text).casefold().split()
    rows = [
        (entry, rtf, installed)
        for entry, rtf, installed in app.models.speech_catalog(app.models.machine())
        if all(w in f"{entry.id} {entry.languages} {entry.good_for}".casefold() for w in words)
    ]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        **asdict(entry),
                        "realtime_factor_here": round(rtf, 3),
                        "installed": installed or entry.bundled,
                    }
                    for entry, rtf, installed in rows
                ],
                indent=2,
            )
        )
        return EXIT_OK
    for entry, rtf, installed in rows:
        state = "bundled" if entry.bundled else "installed" if installed else ""
        print(
            f"  {entry.id:24} {entry.languages:13} {entry.size_bytes / 1e6:6,.0f} MB "
            f"{f'~{rtf * 60:.0f} min':>8} per hour of audio  {state}"
        )
    print("Download with: hushdesk models pull ID; use it with: hushdesk models default ID")
    return EXIT_OK


def _pull(app: App, args: argparse.Namespace) -> int:
    service = app.models
    resumed = {j.model_id for j in service.unfinished()}
    job = service.download_job(args.model, args.quant)
    catalog_model = service.catalog.get(args.model)
    if catalog_model is not None:
        verdict = service.fit(catalog_model, args.quant, service.machine())
        if verdict.verdict != "fits":
            print(f"Note: {verdict.label} — {verdict.reason}", file=sys.stderr)
    control = DownloadControl()
    print(
        f"{'Resuming' if job.model_id in resumed else 'Downloading'} {job.name} "
        f"({job.total_bytes / 1e9:.2f} GB)",
        file=sys.stderr,
    )
    try:
        with on_ctrl_c(control.pause):
            model = service.install(job, control=control, progress=_show_progress)
    except Cancelled:
        print("\nPaused. Run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(file=sys.stderr)
    if args.default:
        service.set_default(model.id)
    print(printable(f"Installed {model.name} as {model.id}"))
    return EXIT_OK


def _show_progress(progress: Progress) -> None:
    line = progress.label
    if sys.stderr.isatty():
        print(f"\r{line[:110]:<110}", end="", file=sys.stderr, flush=True)
    elif progress.percent is not None and progress.percent % 10 == 0:
        print(line, file=sys.stderr, flush=True)


def _import(app: App, args: argparse.Namespace) -> int:
    service = app.models
    if args.ollama or args.lmstudio:
        sources = [s for s, on in (("ollama", args.ollama), ("lmstudio", args.lmstudio)) if on]
        try:
            imported, skipped = service.import_from(*sources)
        except HushdeskError:
            print("No models found.")
            return EXIT_OK
        for model in imported:
            print(printable(f"Imported {model.name} ({model.size_bytes / 1e9:.1f} GB, not copied)"))
        for line in skipped:
            print(printable(f"Skipped {line}"), file=sys.stderr)
        return EXIT_ERROR if skipped else EXIT_OK
    if args.path is None:
        print("hushdesk models import: give a .gguf file, --ollama or --lmstudio", file=sys.stderr)
        return EXIT_USAGE
    if args.path.is_dir():
        model = service.import_speech(args.path, name=args.name)
        print(printable(f"Imported the speech model {model.name} as {model.id} (used where it is)"))
        return EXIT_OK
    model = service.import_file(args.path, copy=args.copy, name=args.name,
                                projector=args.projector)  # fmt: skip
    how = "copied into Hushdesk's folder" if args.copy else "used where it is"
    sees = ", with its vision projector: it sees images" if "mmproj" in model.details else ""
    print(printable(f"Imported {model.name} as {model.id} ({how}{sees})"))
    return EXIT_OK


def _rename(app: App, args: argparse.Namespace) -> int:
    model = app.models.rename(args.model, args.name)
    print(printable(f"{model.id} is now called {model.name}"))
    return EXIT_OK


def _rm(app: App, args: argparse.Namespace) -> int:
    model = app.models.get(args.model)
    if model is None:
        print(f"hushdesk: no installed model is called {args.model!r}", file=sys.stderr)
        return EXIT_ERROR
    if not args.yes:
        if not sys.stdin.isatty():
            print("hushdesk: add --yes to remove without asking", file=sys.stderr)
            return EXIT_USAGE
        answer = input(f"Remove {model.name}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            return EXIT_OK
    app.models.remove(args.model)
    print(printable(f"Removed {model.name}"))
    return EXIT_OK


def _info(app: App, args: argparse.Namespace) -> int:
    service = app.models
    installed = service.get(args.model)
    catalog_model = service.catalog.get(args.model)
    data: dict[str, Any]
    if installed is not None:
        data = {**asdict(installed), "available": installed.available}
        if installed.kind == "llm" and installed.available:
            meta = service.file_info(installed)
            data["gguf"] = {k: v for k, v in asdict(meta).items() if k != "chat_template"}
    elif catalog_model is not None:
        machine = service.machine()
        data = {
            "id": catalog_model.id,
            "name": catalog_model.name,
            "parameters": catalog_model.parameters,
            "license": catalog_model.license,
            "context_length": catalog_model.context_length,
            "good_for": catalog_model.good_for,
            "files": [
                {**asdict(f), "fit": service.fit(catalog_model, f.quantization, machine).label}
                for f in catalog_model.files
            ],
        }
    elif (speech := service.catalog.get_speech(args.model)) is not None:
        rates = {e.id: rtf for e, rtf, _ in service.speech_catalog(service.machine())}
        data = {**asdict(speech), "realtime_factor_here": round(rates[speech.id], 3)}
    else:
        print(
            f"hushdesk: no model called {args.model!r} (see hushdesk models search)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        for key, value in data.items():
            print(printable(f"{key:16} {value}"))
    return EXIT_OK


def _default(app: App, args: argparse.Namespace) -> int:
    installed = app.models.get(args.model)
    if installed is not None and installed.kind == "speech":
        app.recordings.use_installed(installed)
        print(printable(f"Recordings and dictation are heard with {installed.name}"))
        return EXIT_OK
    app.models.set_default(args.model)
    print(f"Default chat model: {args.model}")
    return EXIT_OK
