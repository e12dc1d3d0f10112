"""The services on fakes: no Qt, no model, no embeddings — the rules themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hushdesk import paths
from hushdesk.app import App
from hushdesk.assistant import personas
from hushdesk.cli import build_parser
from hushdesk.cli.chat import setup_from
from hushdesk.errors import Cancelled, HushdeskError
from hushdesk.jobs import CancelToken, Progress
from hushdesk.library.ingest import FileEvent, IngestReport
from hushdesk.library.store import Library
from hushdesk.services.conversations import ChatSetup
from hushdesk.services.drafts import Request
from hushdesk.services.indexing import Indexing
from hushdesk.services.writing import Task
from tests.fakes import FakeEngine
from tests.keys import TEST_KEY


@pytest.fixture
def app() -> Any:
    made = App(engine=FakeEngine())
    yield made
    made.close()


def system_of(engine: FakeEngine) -> str:
    first = engine.requests[-1][0]
    return first.content if first.role == "system" else ""


# -- conversations --------------------------------------------------------------------


def test_the_system_prompt_rule(app: App) -> None:
    rule = app.conversations.system_prompt
    general = personas.get(personas.DEFAULT).system
    assert rule(ChatSetup()) == general
    assert rule(ChatSetup(persona="translator")) == personas.get("translator").system
    assert rule(ChatSetup(persona="translator", instructions="  Be terse. ")) == "Be terse."
    app.settings.system_prompt = "Always answer in Welsh."
    assert rule(ChatSetup()) == "Always answer in Welsh."  # the user's default instructions
    assert rule(ChatSetup(persona="concise")) == personas.get("concise").system
    assert rule(ChatSetup(instructions="Mine.")) == "Mine."


@pytest.mark.parametrize(
    ("argv", "persona", "instructions"),
    [
        ([], personas.DEFAULT, None),
        (["--persona", "translator"], "translator", None),
        (["--system", "Reply in haiku."], personas.DEFAULT, "Reply in haiku."),
        (["--persona", "concise", "--system", "Be kind."], "concise", "Be kind."),
    ],
)
def test_the_command_line_and_the_app_give_the_same_prompt(
    argv: list[str], persona: str, instructions: str | None
) -> None:
    """``hushdesk ask`` builds its setup from its options; the chat page from its menus
    (persona, then the settings dialog). The model must be told the same thing."""
    prompts = []
    for front_end in ("cli", "gui"):
        engine = FakeEngine()
        app = App(engine=engine)
        app.settings.system_prompt = "House style: plain English."
        conversations = app.conversations
        if front_end == "cli":
            args = build_parser().parse_args(["ask", *argv, "hello"])
            chat = conversations.open(setup=setup_from(args), keep=False)
        else:
            chat = conversations.open()
            conversations.configure(chat, persona=persona)
            if instructions is not None:
                conversations.configure(chat, instructions=instructions)
        conversations.send(chat, "hello").collect()
        prompts.append(engine.requests[-1])
        app.close()
    assert prompts[0] == prompts[1]


def test_a_new_chat_is_saved_with_its_setup_on_the_first_message(app: App) -> None:
    conversations = app.conversations
    chat = conversations.open()
    conversations.configure(chat, persona="translator", sampling={"temperature": 0.2})
    assert chat.id is None
    assert conversations.all() == []
    conversations.send(chat, "Bonjour").collect()
    assert chat.id is not None
    saved = conversations.get(chat.id)
    assert saved is not None
    assert (saved.persona, saved.sampling) == ("translator", {"temperature": 0.2})
    assert saved.title == "Bonjour"
    reopened = conversations.open(chat.id)
    assert [t.content for t in reopened.turns] == ["Bonjour", "echo: Bonjour"]
    assert reopened.session.params.temperature == 0.2


def test_changes_to_a_saved_chat_are_kept_and_used(app: App) -> None:
    engine = app.runtime.engine
    assert isinstance(engine, FakeEngine)
    conversations = app.conversations
    chat = conversations.open()
    conversations.send(chat, "one").collect()
    conversations.configure(chat, instructions="Answer in French.")
    conversations.send(chat, "two").collect()
    assert system_of(engine) == "Answer in French."
    conversations.configure(chat, persona="concise")  # a persona replaces instructions
    assert chat.id is not None
    saved = conversations.get(chat.id)
    assert saved is not None
    assert saved.system_prompt is None
    conversations.toggle_pin(chat.id)
    assert conversations.all()[0].pinned
    conversations.delete(chat.id)
    assert conversations.all() == []
    conversations.undelete(chat.id)
    assert [c.id for c in conversations.all()] == [chat.id]


def test_answers_from_documents_are_greedy_unless_the_chat_says(app: App) -> None:
    conversations = app.conversations
    default = app.runtime.sampling().temperature
    assert default > 0
    chat = conversations.open(setup=ChatSetup(libraries=["Work"]), keep=False)
    assert chat.session.params.temperature == 0.0
    assert chat.session.retry_params is not None
    assert chat.session.retry_params.temperature == default  # Regenerate: another answer
    conversations.set_libraries(chat, [])
    assert chat.session.params.temperature == default
    assert chat.session.retry_params is None
    conversations.set_libraries(chat, ["Work"])
    conversations.configure(chat, sampling={"temperature": 0.5})  # the chat's own: kept
    assert chat.session.params.temperature == 0.5
    assert chat.session.retry_params is None


def test_regenerate_uses_its_own_sampling() -> None:
    from hushdesk.assistant.chat import ChatSession
    from hushdesk.engine.types import SamplingParams

    engine = FakeEngine()
    session = ChatSession(engine, SamplingParams(temperature=0.0))
    session.retry_params = SamplingParams(temperature=0.7)
    session.send("question").collect()
    session.regenerate().collect()
    assert [p.temperature for p in engine.sampling] == [0.0, 0.7]


def test_a_one_off_question_is_not_saved(app: App) -> None:
    conversations = app.conversations
    chat = conversations.open(keep=False)
    conversations.send(chat, "just once").collect()
    assert chat.id is None
    assert conversations.all() == []
    assert chat.turns[-1].content == "echo: just once"


def test_opening_a_conversation_that_is_gone_is_an_error(app: App) -> None:
    with pytest.raises(HushdeskError, match="no longer exists"):
        app.conversations.open(12345)


# -- preferences ----------------------------------------------------------------------


def test_preferences_are_saved_and_checked(app: App) -> None:
    from hushdesk import settings

    app.preferences.set_theme("dark")
    app.preferences.set_sender(name=" Sam ", signature="Sam\nCarter & Co")
    loaded = settings.load()
    assert loaded.ui.theme == "dark"
    assert loaded.email.signature == ""  # personal: not in the clear settings file
    assert "Carter" not in paths.settings_file().read_text()
    loaded.attach_private(app.vault.sealed(paths.profile_file(), "profile"))
    assert (loaded.email.sender_name, loaded.email.signature) == ("Sam", "Sam\nCarter & Co")
    with pytest.raises(HushdeskError, match="Unknown theme"):
        app.preferences.set_theme("purple")


# -- drafts and writing ---------------------------------------------------------------


def test_a_draft_reports_progress_streams_and_is_kept() -> None:
    app = App(engine=FakeEngine(reply="Subject: Notice\n\nThe notice period is 90 days."))
    app.preferences.set_sender(name="Sam Carter")
    seen: list[Progress] = []
    text: list[str] = []
    request = Request(kind="new", points="The notice period is 90 days.")
    draft = app.drafts.draft(request, progress=seen.append, on_text=text.append)
    assert draft.id is not None
    assert draft.subject == "Notice"
    assert draft.body.endswith("Sam Carter")
    assert "".join(text).startswith("Subject: Notice")
    assert seen[0].label in ("Loading the model", "Finding facts in your documents")
    assert [d.id for d, _when in app.drafts.all()] == [draft.id]
    app.close()


def test_writing_tasks_run_on_the_runtime() -> None:
    app = App(engine=FakeEngine(reply="This looks like spam."))
    chosen = app.writing.run(Task("classify", labels=("urgent", "spam")), "Cheap pills!")
    assert getattr(chosen, "label", None) == "spam"
    app.close()


# -- indexing -------------------------------------------------------------------------


class FakeStore:
    def __init__(self, libraries: list[Library]) -> None:
        self._libraries = libraries

    def libraries(self) -> list[Library]:
        return self._libraries

    def library_by_id(self, library_id: int) -> Library | None:
        return next((lib for lib in self._libraries if lib.id == library_id), None)

    def set_watch_folder(self, library: Library, folder: str | None) -> None:
        self._libraries = [
            Library(
                lib.id,
                lib.name,
                lib.embedding_model,
                folder if lib.id == library.id else lib.watch_folder,
            )
            for lib in self._libraries
        ]


class FakeLibrary:
    """Indexes files by name; ``block`` makes a job wait for its token (a long job)."""

    def __init__(self) -> None:
        self.store = FakeStore([Library(1, "A", "m", None), Library(2, "B", "m", None)])
        self.indexed: dict[str, list[str]] = {"A": [], "B": []}
        self.queued: dict[str, list[str]] = {"A": [], "B": []}
        self.dropped: list[str] = []

    def ingest(
        self, library: Library, sources: list[Path], *, cancel: CancelToken, **_: Any
    ) -> IngestReport:
        known = self.queued[library.name] + self.indexed[library.name]
        self.queued[library.name] += [p.name for p in sources if p.name not in known]
        report = IngestReport()
        for name in list(self.queued[library.name]):
            cancel.raise_if_cancelled()
            self.queued[library.name].remove(name)
            self.indexed[library.name].append(name)
            report.events.append(FileEvent(name, "done"))
        return report

    def sync_folder(self, library: Library, folder: Path, **kwargs: Any) -> IngestReport:
        return self.ingest(library, sorted(folder.iterdir()), **kwargs)

    def pending(self) -> list[Library]:
        return [lib for lib in self.store.libraries() if self.queued[lib.name]]

    def drop_unfinished(self, library: Library) -> int:
        dropped, self.queued[library.name] = self.queued[library.name], []
        self.dropped += dropped
        return len(dropped)


def test_indexing_queues_adds_made_during_a_job() -> None:
    library = FakeLibrary()
    indexing = Indexing(library)
    a, b = library.store.libraries()
    first = indexing.add(a, [Path("one.pdf")])
    assert first is not None
    assert indexing.state == "running"
    assert indexing.add(b, [Path("two.pdf")]) is None  # waits for the first
    first.run()
    second = indexing.ended(first)
    assert second is not None
    assert second.libraries == [b]
    second.run()
    assert indexing.ended(second) is None
    assert indexing.state == "idle"
    assert library.indexed == {"A": ["one.pdf"], "B": ["two.pdf"]}


def test_pause_resume_and_cancel() -> None:
    library = FakeLibrary()
    indexing = Indexing(library)
    a, _b = library.store.libraries()
    job = indexing.add(a, [Path("one.pdf"), Path("two.pdf")])
    assert job is not None
    assert indexing.pause()
    with pytest.raises(Cancelled):
        job.run()
    assert indexing.ended(job) is None
    assert indexing.state == "paused"
    assert not indexing.busy
    assert indexing.rescan() is None  # nothing starts by itself while paused
    resumed = indexing.resume()
    assert resumed is not None
    assert resumed.token is not job.token
    indexing.pause()
    with pytest.raises(Cancelled):
        resumed.run()
    indexing.ended(resumed)
    clean_up = indexing.cancel()  # while paused: the clean-up runs at once
    assert clean_up is not None
    assert clean_up.dropping
    assert clean_up.run().dropped == 2
    assert indexing.ended(clean_up) is None
    assert indexing.state == "idle"
    assert library.dropped == ["one.pdf", "two.pdf"]


def test_cancel_while_running_cleans_up_when_the_job_stops() -> None:
    library = FakeLibrary()
    indexing = Indexing(library)
    a, b = library.store.libraries()
    job = indexing.add(a, [Path("one.pdf")])
    assert job is not None
    indexing.add(b, [Path("later.pdf")])
    assert indexing.cancel() is None  # the running job stops first
    assert indexing.state == "cancelling"
    with pytest.raises(Cancelled):
        job.run()
    clean_up = indexing.ended(job)
    assert clean_up is not None
    assert clean_up.dropping
    clean_up.run()
    assert indexing.ended(clean_up) is None  # the queue was dropped with the job
    assert library.indexed["B"] == []


def test_a_rescan_during_a_job_follows_it(tmp_path: Path) -> None:
    library = FakeLibrary()
    indexing = Indexing(library)
    a, b = library.store.libraries()
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "new.pdf").write_text("x")
    indexing.watch_folder(b, folder)
    job = indexing.add(a, [Path("one.pdf")])
    assert job is not None
    assert indexing.rescan() is None  # busy: remembered
    job.run()
    rescan = indexing.ended(job)
    assert rescan is not None
    rescan.run()
    assert library.indexed["B"] == ["new.pdf"]
    folders, _signature = indexing.watched_folders()
    assert folders == [str(folder.resolve())]


# -- documents, summaries, models -----------------------------------------------------


def test_documents_create_delete_and_name_libraries(tmp_path: Path) -> None:
    from hushdesk.library.libraries import DocumentLibrary
    from hushdesk.library.store import DocumentStore
    from hushdesk.services.documents import Documents

    app = App(engine=FakeEngine())
    library = DocumentLibrary(app.registry, DocumentStore(TEST_KEY, tmp_path / "l.sqlite"))
    documents = Documents(library, app.registry)
    lease = documents.library("Lease")
    documents.library("Board")
    assert documents.names() == ["Board", "Lease"]
    state = documents.state(lease)
    assert (state.ready, state.files, state.passages) == (0, [], 0)
    with pytest.raises(HushdeskError, match="no library called 'Nope'"):
        documents.require(["Lease", "Nope"])
    documents.delete(lease)  # records, text and vectors go together
    assert documents.names() == ["Board"]
    assert [m.id for m in documents.embedding_models()] == ["all-minilm-l6-v2"]
    library.close()
    app.close()


def test_summaries_run_list_export_and_delete(tmp_path: Path) -> None:
    app = App(engine=FakeEngine(reply="The committee approved the budget for 2025."))
    summaries = app.summaries
    text = "The committee approved the budget for 2025. " * 20
    source = summaries.from_text(text, "Minutes")
    started: list[int] = []
    saved = summaries.run(source, summaries_options(), on_start=started.append)
    assert started == [saved.id]
    assert saved.status == "done"
    assert saved.summary is not None
    assert [s.id for s in summaries.all()] == [saved.id]
    assert summaries.latest(source=source.key) == saved
    out = summaries.export(saved, tmp_path / "minutes.md")
    assert "budget" in out.read_text(encoding="utf-8")
    summaries.delete(saved.id)
    assert summaries.all() == []
    with pytest.raises(HushdeskError, match="No finished summary"):
        summaries.finished(saved.id)
    app.close()


def summaries_options() -> Any:
    from hushdesk.services.summaries import Options

    return Options(mode="brief", length="short")


def test_models_default_and_settings(app: App) -> None:
    from hushdesk.errors import ModelError
    from hushdesk.settings import ModelOverrides

    models = app.models
    starter = app.runtime.chat_models()[0]
    models.set_default(starter.id)
    assert models.default_chat() == starter.id
    with pytest.raises(ModelError, match="No installed chat model"):
        models.set_default("all-minilm-l6-v2")  # an embedding model
    models.save_settings(starter.id, ModelOverrides(n_ctx=1024, temperature=0.3))
    assert app.runtime.load_spec(starter).n_ctx == 1024
    assert app.runtime.sampling(starter).temperature == 0.3
    bundled = models.catalog.get("smollm2-135m-instruct")
    assert bundled is not None
    assert models.installed_quantizations(bundled) == {f.quantization for f in bundled.files}


# -- downloads ------------------------------------------------------------------------


class FakeModels:
    """Plans and installs without a network; ``stop_with`` pauses or cancels mid-way."""

    def __init__(self) -> None:
        from hushdesk.models import catalog

        self.catalog = catalog.load()
        self.plans = 0
        self.fail = False
        self.discarded: list[str] = []
        self.left: list[Any] = []

    def plan(self, model_id: str, quantization: str | None = None) -> Any:
        from hushdesk.models.download import DownloadJob

        self.plans += 1
        return DownloadJob(f"{model_id}-{quantization}", model_id, "llm", "repo", "main", "/x")

    def install(self, job: Any, *, control: CancelToken, progress: Any = None) -> Any:
        from hushdesk.errors import DownloadError
        from hushdesk.models.registry import InstalledModel

        control.raise_if_cancelled()
        if self.fail:
            raise DownloadError("The hub is not answering.")
        return InstalledModel(job.model_id, job.name, "llm", "/x/model.gguf", "download")

    def unfinished(self) -> list[Any]:
        return self.left

    def discard(self, job: Any) -> None:
        self.discarded.append(job.model_id)


def test_downloads_pause_resume_retry_and_cancel() -> None:
    from hushdesk.services.downloads import Downloads

    models = FakeModels()
    downloads = Downloads(models)
    first = downloads.start("qwen2.5-0.5b-instruct", "Q4_K_M")
    assert first is not None
    assert downloads.start("qwen2.5-0.5b-instruct", "Q4_K_M") is None  # listed already
    downloads.begin(first)
    downloads.pause(first)
    with pytest.raises(Cancelled) as paused:
        downloads.run(first)
    assert downloads.ended(first, paused.value) == "paused"
    assert first.key in downloads.listed
    assert downloads.again("qwen2.5-0.5b-instruct", "Q4_K_M") is first  # asked again: runs
    assert not first.running
    downloads.begin(first)
    installed = downloads.run(first)  # resumes: the plan is kept
    assert downloads.ended(first) == "installed"
    assert models.plans == 1
    assert installed.id == "qwen2.5-0.5b-instruct-Q4_K_M"
    assert downloads.listed == {}

    second = downloads.start("llama-3.2-1b-instruct", "Q4_K_M")
    assert second is not None
    models.fail = True
    downloads.begin(second)
    with pytest.raises(HushdeskError) as failed:
        downloads.run(second)
    assert downloads.ended(second, failed.value) == "failed"
    assert second.job is None  # a retry asks the hub again
    models.fail = False
    downloads.begin(second)
    downloads.run(second)
    assert models.plans == 3

    third = downloads.start("llama-3.2-3b-instruct", "Q4_K_M")
    assert third is not None
    downloads.begin(third)
    downloads.run(third)  # planned, then say it stopped…
    assert downloads.ended(third, Cancelled()) == "cancelled"
    assert "llama-3.2-3b-instruct:Q4_K_M" not in downloads.listed
    fourth = downloads.start("llama-3.2-3b-instruct", "Q5_K_M")
    assert fourth is not None
    fourth.job = models.plan("llama-3.2-3b-instruct", "Q5_K_M")
    assert downloads.cancel(fourth)  # not running: its files go at once
    assert models.discarded == ["llama-3.2-3b-instruct-Q5_K_M"]


# -- the terminal ---------------------------------------------------------------------


def test_untrusted_text_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Model output and file names reach the terminal without their escape sequences:
    no recolouring, cursor moves, title changes or reversed names."""
    import io

    from hushdesk.cli.chat import _stream_to
    from hushdesk.cli.terminal import printable
    from hushdesk.engine.base import ChatStream
    from hushdesk.engine.types import ChatResult

    hostile = "ok\x1b[2J\x1b]0;pwned\x07 \u202etxt.exe\r\nnext\tline\x9b31m"
    assert printable(hostile) == "ok[2J]0;pwned txt.exe\nnext\tline31m"
    out = io.StringIO()
    _stream_to(out, False, ChatStream(iter(["a\x1b[31m", "b\x07"]), ChatResult()))
    assert out.getvalue() == "a[31mb"
    out = io.StringIO()  # an answer from documents: shown once checked, as clean
    checked = ChatResult(text="c\x1b[31md")
    _stream_to(out, True, ChatStream(iter(["raw"]), checked))
    assert out.getvalue() == "c[31md"
