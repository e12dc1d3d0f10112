"""A library shared through a Chroma server (``chroma run`` on 127.0.0.1), two data
folders playing two colleagues: one ingests, the other searches and asks with
citations; the server stopped leaves the copy working and the library marked; a
library indexed with another embedding model is refused; hostile records on the server
are skipped, and the sync and the questions go on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushdesk import privacy
from tests.integration.test_library import contract
from tests.servers import certificate_authority, free_port, serving

pytestmark = pytest.mark.slow


def test_one_colleague_ingests_the_other_asks_with_citations(
    tmp_path: Path, passphrase_file: Path, hushdesk_cmd: list[str]
) -> None:
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    document = contract(tmp_path / "lease.pdf")
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp_path / "db"),
              "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip

    # As in the installers, which leave out Chroma's local database (packaging_info):
    # the client the app uses never imports it.
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "chromadb_rust_bindings.py").write_text("raise ImportError('not installed')\n")
    path = os.pathsep.join(p for p in (str(shims), os.environ.get("PYTHONPATH")) if p)

    def colleague(who: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, HUSHDESK_HOME=str(tmp_path / who), PYTHONPATH=path,
                   HUSHDESK_PASSPHRASE_FILE=str(passphrase_file))  # fmt: skip
        return subprocess.run([*hushdesk_cmd, *args], env=env, check=False, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    with serving(chroma, f"{server}/api/v2/heartbeat") as process:
        # Ann shares a library she already has: her file is sent, not lost.
        assert colleague("ann", "ingest", "--library", "Smith lease", str(document)).returncode == 0
        made = colleague("ann", "libraries", "add", "Smith lease", "--server", server)
        assert made.returncode == 0, made.stderr
        assert "1 sent" in made.stdout
        again = colleague("ann", "libraries", "sync", "Smith lease")
        assert "0 sent, 0 received, 0 removed" in again.stdout
        assert "(1 documents)" in colleague("ann", "libraries", "list").stdout

        joined = colleague("bob", "libraries", "add", "Smith lease", "--server", server)
        assert joined.returncode == 0, joined.stderr
        assert "1 received" in joined.stdout
        found = colleague("bob", "search", "--library", "Smith lease", "--json", "notice period")
        hits = json.loads(found.stdout)["sources"]
        assert hits[0]["file"].endswith("/lease.pdf")  # shared:HOST/…/lease.pdf
        assert hits[0]["page"] == 3
        assert "ninety days" in hits[0]["passage"]
        asked = colleague("bob", "ask", "--library", "Smith lease", "--json",
                          "How long is the notice period?")  # fmt: skip
        assert asked.returncode == 0, asked.stderr
        sources = json.loads(asked.stdout)["sources"]
        assert any(s["file"].endswith("/lease.pdf") and s["page"] == 3 for s in sources)

        _other_model_library(port)
        refused = colleague("bob", "libraries", "add", "Other model", "--server", server)
        assert refused.returncode == 1
        assert "embedding model another-model" in refused.stderr
        process.terminate()
        process.wait(30)

    offline = colleague("bob", "search", "--library", "Smith lease", "notice period")
    assert offline.returncode == 0
    assert "could not be reached" in offline.stderr
    assert "lease.pdf, page 3" in offline.stdout  # this computer's copy answers
    listed = colleague("bob", "libraries", "list")
    assert "[server unreachable]" in listed.stdout


def test_a_library_behind_the_firms_gateway_needs_its_token_and_ca(
    tmp_path: Path, passphrase_file: Path, hushdesk_cmd: list[str]
) -> None:
    """Chroma behind a gateway with HTTPS from the firm's own CA and a bearer token (how
    a firm runs it: Chroma's server has no authentication of its own)."""
    tls = certificate_authority(tmp_path)
    chroma_port, port = free_port(), free_port()
    server = f"https://127.0.0.1:{port}"
    token, wrong = tmp_path / "token", tmp_path / "wrong"
    token.write_text("firm-gateway-token-42\n")
    wrong.write_text("not-the-token\n")
    document = contract(tmp_path / "lease.pdf")
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp_path / "db"),
              "--host", "127.0.0.1", "--port", str(chroma_port)]  # fmt: skip
    gateway = [sys.executable, "-m", "tests.gateway", "--upstream",
               f"http://127.0.0.1:{chroma_port}", "--port", str(port), "--token-file", str(token),
               "--tls", str(tls)]  # fmt: skip
    ca = ("--ca-file", str(tls / "ca.pem"))

    def colleague(who: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, HUSHDESK_HOME=str(tmp_path / who),
                   HUSHDESK_PASSPHRASE_FILE=str(passphrase_file))  # fmt: skip
        return subprocess.run([*hushdesk_cmd, *args], env=env, check=False, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    with (
        serving(chroma, f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat"),
        serving(gateway, f"{server}/api/v2/heartbeat"),
    ):
        assert colleague("ann", "ingest", "--library", "Firm", str(document)).returncode == 0
        add = ("libraries", "add", "Firm", "--server", server)
        untrusted = colleague("ann", *add, "--token-file", str(token))
        assert untrusted.returncode == 1
        assert "certificate is not trusted by this computer" in untrusted.stderr
        refused = colleague("ann", *add, "--token-file", str(wrong), *ca)
        assert refused.returncode == 1
        assert "refused the token (401)" in refused.stderr
        made = colleague("ann", *add, "--token-file", str(token), *ca)
        assert made.returncode == 0, made.stderr
        assert "1 sent" in made.stdout

        joined = colleague("bob", *add, "--token-file", str(token), *ca)
        assert joined.returncode == 0, joined.stderr
        assert "1 received" in joined.stdout
        found = colleague("bob", "search", "--library", "Firm", "--json", "notice period")
        assert json.loads(found.stdout)["sources"][0]["page"] == 3


def _other_model_library(port: int) -> None:
    """A shared library indexed with an embedding model that is not ours."""
    import chromadb
    from chromadb.config import Settings

    from hushdesk.library.shared import MODEL_KEY, collection_name

    with privacy.reach("127.0.0.1", port):
        client = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
        )
        client.create_collection(
            collection_name("Other model"), metadata={MODEL_KEY: "another-model"}
        )


def test_hostile_records_are_skipped_and_the_library_still_works(
    tmp_path: Path, passphrase_file: Path, hushdesk_cmd: list[str]
) -> None:
    """Records written to the collection directly, as anyone who can reach the server
    could: a passage with a huge page offset (once 3.2 GB at every sync), one with a page
    of the wrong type, a file listing of the wrong type, and a file named to become
    ``C:\\Windows\\System32\\calc.exe``. The sync survives and drops them; what is
    sound is taken, under a plain name."""
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    chroma = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp_path / "db"),
              "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    env = dict(os.environ, HUSHDESK_HOME=str(tmp_path / "bob"),
               HUSHDESK_PASSPHRASE_FILE=str(passphrase_file))  # fmt: skip

    def bob(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hushdesk_cmd, *args], env=env, check=False, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    with serving(chroma, f"{server}/api/v2/heartbeat"):
        _hostile_library(port)
        joined = bob("libraries", "add", "Hostile", "--server", server)
        assert joined.returncode == 0, joined.stderr
        assert "1 received" in joined.stdout
        assert "record(s) from the server were malformed and skipped" in joined.stdout
        again = bob("libraries", "sync", "Hostile")
        assert again.returncode == 0, again.stderr
        assert "0 received" in again.stdout
        found = bob("search", "--library", "Hostile", "--json", "notice period ninety days")
        assert found.returncode == 0, found.stderr
        files = {source["file"] for source in json.loads(found.stdout)["sources"]}
        assert files == {f"shared:127.0.0.1/{'a' * 12}/calc.exe"}
        asked = bob("ask", "--library", "Hostile", "--json", "How long is the notice period?")
        assert asked.returncode == 0, asked.stderr


def _hostile_library(port: int) -> None:
    import chromadb
    import numpy as np
    from chromadb.config import Settings

    from hushdesk.library.libraries import DEFAULT_EMBEDDING
    from hushdesk.library.shared import MODEL_KEY, collection_name

    text = "The notice period is ninety days from the date of the letter."
    file = {"title": "Lease", "kind": "pdf", "pages": 3, "paginated": True}
    records = [  # (id, metadata, text)
        ("a:0", {**file, "sha": "a" * 64, "name": "..\\..\\Windows\\System32\\calc.exe",
                 "count": 2, "n": 0, "page": 3, "start": 0, "end": len(text)}, text),
        ("a:1", {**file, "sha": "a" * 64, "name": "calc.exe", "count": 2, "n": 1,
                 "page": "three", "start": 0, "end": 5}, "ninety"),
        ("b:0", {**file, "sha": "b" * 64, "name": "huge.pdf", "count": 1, "n": 0,
                 "page": 1, "start": 10**12, "end": 10**12 + 60}, "x" * 60),
        ("c:0", {**file, "sha": "c" * 64, "name": "bad.pdf", "count": 1, "n": 0, "page": 1,
                 "start": 0, "end": 5, "pages": "lots"}, "hello"),
    ]  # fmt: skip
    vectors = np.random.default_rng(0).standard_normal((len(records), 384)).astype(np.float32)
    with privacy.reach("127.0.0.1", port):
        client = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
        )
        collection = client.create_collection(
            collection_name("Hostile"),
            metadata={MODEL_KEY: DEFAULT_EMBEDDING, "hushdesk_library": "Hostile"},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        collection.add(
            ids=[r[0] for r in records],
            metadatas=[r[1] for r in records],  # type: ignore[misc]
            documents=[r[2] for r in records],
            embeddings=vectors,
        )
