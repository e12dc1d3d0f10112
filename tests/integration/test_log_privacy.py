"""The app's log names no library and repeats nothing a server said: a shared library
(on a real Chroma server on 127.0.0.1) whose server turns hostile, asked about from the
command line, leaves only ids, counts and error types in the log."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from hushdesk import logs, paths, privacy
from tests.servers import free_port, serving

pytestmark = pytest.mark.slow

LIBRARY = "Marker Lib QX7"  # a client's name, as a user would call a library
SERVER_SAYS = "MARKERSERVERTEXT"  # what the server sent back


def test_a_session_log_names_no_library_and_repeats_no_server_text(
    tmp_path: Path, hushdesk_home: Path, hushdesk_cmd: list[str]
) -> None:
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    note = tmp_path / "note.txt"
    note.write_text("The notice period is three months.\n", encoding="utf-8")
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp_path / "db"),
              "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip

    def hushdesk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hushdesk_cmd, *args], check=False, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    with serving(chroma, f"{server}/api/v2/heartbeat"):
        assert hushdesk("ingest", "--library", LIBRARY, str(note)).returncode == 0
        shared = hushdesk("libraries", "add", LIBRARY, "--server", server)
        assert shared.returncode == 0, shared.stderr
        _server_claims_another_model(port)
        asked = hushdesk("search", "--library", LIBRARY, "notice period")
        assert asked.returncode == 0, asked.stderr
        assert "three months" in asked.stdout  # the copy here still answers

    written = "".join(p.read_text("utf-8") for p in paths.log_dir().glob("*.log*"))
    assert "hushdesk.shared" in written  # the failure was logged, as a type
    assert LIBRARY.lower() not in written.lower()
    assert SERVER_SAYS.lower() not in written.lower()


def _server_claims_another_model(port: int) -> None:
    """The server's copy now says it was indexed with another model (a name the server
    chose), so the next sync fails with an error that quotes both."""
    import chromadb
    from chromadb.config import Settings

    from hushdesk.library.shared import MODEL_KEY, collection_name

    with privacy.reach("127.0.0.1", port):
        client = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
        )
        collection = client.get_collection(collection_name(LIBRARY))
        collection.modify(metadata={MODEL_KEY: SERVER_SAYS, "hushdesk_library": "x"})


def test_a_traceback_in_the_log_keeps_its_frames_but_not_its_message(tmp_path: Path) -> None:
    handler = logging.FileHandler(tmp_path / "x.log", encoding="utf-8")
    handler.setFormatter(logs._Formatter("%(message)s"))
    log = logging.getLogger("hushdesk.test-log-privacy")
    log.addHandler(handler)
    try:
        try:
            try:
                raise KeyError(LIBRARY)
            except KeyError as inner:
                raise RuntimeError(f"{SERVER_SAYS}: for {LIBRARY}") from inner
        except RuntimeError:
            log.warning("a shared library could not be brought level", exc_info=True)
    finally:
        log.removeHandler(handler)
        handler.close()
    written = (tmp_path / "x.log").read_text("utf-8")
    assert "builtins.KeyError (message not logged)" in written
    assert "builtins.RuntimeError (message not logged)" in written
    assert "test_a_traceback_in_the_log_keeps_its_frames_but_not_its_message" in written
    assert LIBRARY not in written.replace("raise KeyError(LIBRARY)", "")
    assert SERVER_SAYS not in written.replace('raise RuntimeError(f"{SERVER_SAYS}', "")
