"""Recordings on real parts: speech made here by espeak-ng, encoded by FFmpeg's libraries
(PyAV) to the formats people record in, transcribed offline by the bundled Whisper
tiny.en in a child with no network; a recording added to a library is found by a
search for its words at the time they were spoken, and an answer citing it names that
time."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from hushdesk.errors import Cancelled
from tests.integration.test_matters_cli import run
from tests.speech import SCRIPT, convert, speak, word_error_rate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    wav = tmp_path_factory.mktemp("speech") / "interview.wav"
    return wav, speak(SCRIPT, wav)


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".ogg", ".m4a", ".flac"])
def test_each_format_is_transcribed_within_the_word_error_rate(
    hushdesk_cmd: list[str], cli_env: dict[str, str], spoken: tuple[Path, list[float]],
    suffix: str, tmp_path: Path,
) -> None:  # fmt: skip
    wav, starts = spoken
    recording = wav if suffix == ".wav" else convert(wav, tmp_path / f"interview{suffix}")
    result = json.loads(run(hushdesk_cmd, cli_env, "transcribe", "--json", str(recording)))
    heard = " ".join(s["text"] for s in result["segments"])
    assert word_error_rate(" ".join(SCRIPT), heard) <= 0.25, heard
    assert result["language"] == "en"
    assert abs(result["duration_s"] - (starts[-1] + 4)) < 4
    firsts = [s["start_s"] for s in result["segments"]]
    for start in starts:  # a segment begins where each sentence does
        assert min(abs(start - f) for f in firsts) < 1.5, (start, firsts)


def test_subtitles_and_a_clear_message_for_what_is_not_a_recording(
    hushdesk_cmd: list[str], cli_env: dict[str, str], spoken: tuple[Path, list[float]],
    tmp_path: Path,
) -> None:  # fmt: skip
    wav, _ = spoken
    srt, vtt = tmp_path / "interview.srt", tmp_path / "interview.vtt"
    run(hushdesk_cmd, cli_env, "transcribe", str(wav), "--out", str(srt))
    run(hushdesk_cmd, cli_env, "transcribe", str(wav), "--out", str(vtt))
    assert srt.read_text().startswith("1\n00:00:0")
    assert " --> " in srt.read_text()
    assert "landlord" in srt.read_text()
    assert vtt.read_text().startswith("WEBVTT\n\n00:00:0")
    fake = tmp_path / "notes.mp3"
    fake.write_bytes(b"this is not sound at all" * 100)
    import subprocess

    done = subprocess.run([*hushdesk_cmd, "transcribe", str(fake)], env=cli_env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode != 0
    assert "notes.mp3" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_recording_in_a_library_is_found_and_cited_at_the_time_spoken(
    hushdesk_cmd: list[str], cli_env: dict[str, str], spoken: tuple[Path, list[float]],
    tmp_path: Path,
) -> None:  # fmt: skip
    wav, starts = spoken
    recording = convert(wav, tmp_path / "interview.m4a")
    run(hushdesk_cmd, cli_env, "ingest", "--library", "Interviews", str(recording))
    found = json.loads(run(hushdesk_cmd, cli_env, "search", "--library", "Interviews",
                           "--json", "mediator chosen by both parties"))  # fmt: skip
    best = found["sources"][0]
    assert best["file"].endswith("interview.m4a")
    assert "mediator" in best["passage"]
    assert abs(best["start_s"] - starts[5]) <= 3, (best, starts)
    assert best["end_s"] > best["start_s"]

    answer = json.loads(run(hushdesk_cmd, cli_env, "ask", "--library", "Interviews", "--json",
                            "Who settles a dispute?"))  # fmt: skip
    timed = [s for s in answer["sources"] if "start_s" in s]
    assert timed, answer
    assert any(abs(s["start_s"] - starts[5]) <= 3 for s in timed), (timed, starts)
    assert all(s["where"].startswith("interview.m4a at ") for s in timed)  # "at 0:20–0:25"


def test_windows_cut_at_silence_lose_no_words_and_a_stopped_run_resumes(
    spoken: tuple[Path, list[float]],
) -> None:
    """Windows of 4 s (120 s in the app) over a 25-second script: each sentence once,
    at its time; stopped after its first window, the run resumes from the windows kept
    without hearing them again."""
    from hushdesk.errors import Cancelled
    from hushdesk.jobs import CancelToken
    from hushdesk.speech import models
    from hushdesk.speech.transcribe import Window, transcribe

    wav, starts = spoken
    model = models.starter()
    assert model is not None
    kept: list[Window] = []
    stop = CancelToken()

    def first_only(window: Window) -> None:
        kept.append(window)
        stop.cancel()

    with pytest.raises(Cancelled):
        transcribe(wav, model, window_s=4, cancel=stop, on_window=first_only)
    assert len(kept) == 1
    assert not kept[0].ended
    again: list[Window] = []
    whole = transcribe(wav, model, window_s=4, done=kept, on_window=again.append)
    assert again
    assert again[0].start == kept[0].next_start
    assert len(again) >= 2  # the rest took more than one window
    assert word_error_rate(" ".join(SCRIPT), whole.text.replace("\n", " ")) <= 0.25, whole.text
    firsts = [s.start for s in whole.segments]
    for start in starts:
        assert min(abs(start - f) for f in firsts) < 1.5, (start, firsts)
    assert firsts == sorted(firsts)


def test_indexing_paused_mid_recording_resumes_from_the_windows_kept(
    spoken: tuple[Path, list[float]], hushdesk_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recording being indexed keeps each transcribed window in the encrypted store:
    paused after the first (a quit or a kill stops it the same way), indexing goes on
    from the next window, and once indexed the windows are gone (the text is the
    document's)."""
    from hushdesk.app import App
    from hushdesk.speech import transcribe as transcription

    monkeypatch.setattr(transcription, "WINDOW_S", 4.0)  # several windows in 25 s
    wav, _ = spoken
    app = App()
    try:
        library = app.documents.library("Interviews")
        store = app.library.store
        keep = store.keep_transcript_window
        heard: list[float] = []

        def first_then_pause(sha256: str, model: str, window: transcription.Window) -> None:
            keep(sha256, model, window)
            heard.append(window.start)
            if len(heard) == 1:
                app.indexing.pause()

        monkeypatch.setattr(store, "keep_transcript_window", first_then_pause)
        job = app.indexing.add(library, [wav])
        assert job is not None
        with contextlib.suppress(Cancelled):
            job.run()
        app.indexing.ended(job)
        assert heard == [0.0]
        [kept] = [w for f in store.files(library) for w in store.transcript_windows(
            f.sha256 or "", "whisper-tiny.en")]  # fmt: skip
        again = app.indexing.resume()
        assert again is not None
        again.run()
        app.indexing.ended(again)
        assert heard[1] == kept.next_start  # went on, did not start over
        [record] = store.files(library)
        assert record.status == "done"
        assert store.transcript_windows(record.sha256 or "", "whisper-tiny.en") == []
        found = app.documents.search(library, "first day of each month").hits
        assert found
        assert "first day" in found[0].chunk.text  # the first window's words, kept
    finally:
        app.close()


def test_the_speech_model_chosen_is_the_one_that_hears(
    hushdesk_cmd: list[str], cli_env: dict[str, str], spoken: tuple[Path, list[float]],
    hushdesk_home: Path, tmp_path: Path,
) -> None:  # fmt: skip
    """Settings → Speech: a faster-whisper folder chosen is what transcribes from then on
    (here a copy of the bundled model under another name); a folder that is no speech
    model, or a language an English-only model cannot hear, is refused with the reason."""
    import shutil

    from hushdesk.app import App
    from hushdesk.errors import HushdeskError
    from hushdesk.speech import models

    starter = models.starter()
    assert starter is not None
    mine = tmp_path / "whisper-mine"
    shutil.copytree(starter.path, mine)
    (tmp_path / "not-a-model").mkdir()
    app = App()
    try:
        recordings = app.recordings
        with pytest.raises(HushdeskError, match="not a speech model"):
            recordings.use_speech_model(str(tmp_path / "not-a-model"))
        with pytest.raises(HushdeskError, match="English only"):
            recordings.use_speech_model(str(mine), "de")
        chosen = recordings.use_speech_model(str(mine))
        assert chosen.name == "whisper-mine"
        assert [m.name for m in recordings.speech_models()] == ["whisper-tiny.en", "whisper-mine"]
        assert recordings.hearing().model == str(mine)
    finally:
        app.close()
    wav, _ = spoken
    result = json.loads(run(hushdesk_cmd, cli_env, "transcribe", "--json", str(wav)))
    assert result["model"] == "whisper-mine"  # the setting, read by another process
