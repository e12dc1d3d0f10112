"""``hushdesk transcribe FILE``: a recording written out as text with times, offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hushdesk.app import App
from hushdesk.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, interruptible, printable, show_progress
from hushdesk.jobs import CancelToken
from hushdesk.services.recordings import Transcript, clock


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "transcribe",
        help="transcribe a recording offline (WAV, MP3, M4A, OGG, FLAC, MP4 …)",
        description="Transcribe a recording on this computer: nothing is sent anywhere. "
        "Prints the text with the time of each part; --out saves it as text (.txt), "
        "subtitles (.srt, .vtt) or JSON.",
    )
    p.add_argument("file", type=Path, help="the recording")
    p.add_argument(
        "--model",
        metavar="FOLDER",
        help="a faster-whisper model's folder (default: Settings → Speech's, else the "
        "bundled tiny.en)",
    )
    p.add_argument(
        "--language",
        metavar="CODE",
        help="the language spoken, e.g. en, de, fr (default: Settings → Speech's, else detected)",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="save as .txt, .srt, .vtt or .json")
    p.add_argument("--json", action="store_true", help="print the segments as JSON")  # fmt: skip


def run(app: App, args: argparse.Namespace) -> int:
    recordings = app.recordings

    def work(cancel: CancelToken) -> Transcript:
        return recordings.transcribe(
            args.file.expanduser(),
            model=args.model,
            language=args.language,
            progress=show_progress,
            cancel=cancel,
        )

    transcript = interruptible(work)
    if transcript is None:
        return EXIT_INTERRUPTED
    if args.out:
        recordings.write(transcript, args.out.expanduser())
        print(printable(f"Transcript saved to {args.out}"), file=sys.stderr)
    if args.json:
        print(json.dumps(transcript.to_json(), indent=2, ensure_ascii=False))
    elif not args.out:
        for segment in transcript.segments:
            print(f"[{clock(segment.start)}] {printable(segment.text)}")
    if not transcript.segments:
        print("hushdesk: no speech was heard in this recording.", file=sys.stderr)
    return EXIT_OK
