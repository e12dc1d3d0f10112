"""Images in the chat, through the real binding: the starter model with a vision
projector made here (``tests/vision.py``: random weights, so it proves the path and
says nothing of what a model sees) loaded by llama.cpp's multimodal library; an image
put into the context where it stands, the cache reused across turns up to an image
that changed; a model without vision saying so; images read in a child, re-encoded
and capped; the command line's ``--image``; a conversation that keeps its images."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from hushdesk.engine.local import LocalEngine
from hushdesk.engine.types import LoadSpec, Message, SamplingParams
from hushdesk.errors import DocumentError, ModelError
from hushdesk.services.conversations import Conversations
from tests.vision import picture, tiny_projector

pytestmark = pytest.mark.slow
GREEDY = SamplingParams(temperature=0, max_tokens=8)


def test_an_image_reaches_the_model_through_the_multimodal_library(
    starter_model: Path, tmp_path: Path
) -> None:
    projector = tiny_projector(tmp_path / "mmproj.gguf")
    red, blue = picture((200, 40, 40)), picture((40, 40, 200))
    question = [Message("user", "What is in this picture?", (red,))]
    with LocalEngine() as engine:
        info = engine.load(LoadSpec(str(starter_model), n_ctx=1024, mmproj_path=str(projector)))
        assert info.vision
        plain = engine.chat([Message("user", "What is in this picture?")], GREEDY).collect()
        seen = engine.chat(question, GREEDY).collect()
        assert seen.text.strip()
        assert seen.stats.prompt_tokens >= plain.stats.prompt_tokens + 16  # 16 image tokens
        again = [*question, Message("assistant", seen.text), Message("user", "And now?")]
        follow = engine.chat(again, GREEDY).collect()
        assert follow.stats.cached_tokens >= seen.stats.prompt_tokens - 1  # the image kept
        other = [Message("user", "What is in this picture?", (blue,)), *again[1:]]
        changed = engine.chat(other, GREEDY).collect()
        assert changed.stats.cached_tokens < seen.stats.prompt_tokens - 16  # a new image
    with LocalEngine() as blind:
        blind.load(LoadSpec(str(starter_model), n_ctx=1024))
        with pytest.raises(ModelError, match="does not see images"):
            blind.chat(question, GREEDY).collect()


def test_images_are_read_in_a_child_and_re_encoded(tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "receipt.jpg"
    with io.BytesIO() as raw:
        Image.new("RGB", (3000, 1000), "white").save(raw, format="JPEG", comment=b"GPS here")
        photo.write_bytes(raw.getvalue())
    png = Conversations.image(photo)
    with Image.open(io.BytesIO(png)) as made:
        assert (made.format, made.size) == ("PNG", (1344, 448))  # scaled, no metadata kept
    assert b"GPS here" not in png
    transparent = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(transparent, format="PNG")
    with Image.open(io.BytesIO(Conversations.image(transparent.getvalue(), "pasted"))) as made:
        assert made.getpixel((5, 5)) == (255, 255, 255)  # on white, not black

    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 Mpx in a few KB
    with pytest.raises(DocumentError, match=r"too large|could not be read"):
        Conversations.image(bomb.getvalue(), "bomb.png")
    with pytest.raises(DocumentError, match="could not be read as an image"):
        Conversations.image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(DocumentError, match="not an image Hushdesk reads"):
        Conversations.image(tmp_path / "notes.txt")


def test_the_command_line_sends_an_image_to_a_model_that_sees(
    starter_model: Path, tmp_path: Path, cli_env: dict[str, str], hushdesk_cmd: list[str]
) -> None:
    def hushdesk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hushdesk_cmd, *args], env=cli_env, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip

    image = tmp_path / "form.png"
    image.write_bytes(picture())
    blind = hushdesk("ask", "--image", str(image), "What is this form?")
    assert blind.returncode == 1
    assert "does not see images" in blind.stderr

    projector = tiny_projector(tmp_path / "mmproj-tiny.gguf")
    added = hushdesk("models", "import", str(starter_model), "--projector", str(projector))
    assert added.returncode == 0, added.stderr
    assert "it sees images" in added.stdout
    seeing = re.search(r" as (\S+) \(", added.stdout)
    assert seeing is not None, added.stdout
    said = hushdesk("ask", "--model", seeing.group(1), "--image", str(image), "--json", "Form?")
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["answer"].strip()
    talk = subprocess.run(
        [*hushdesk_cmd, "chat", "--model", seeing.group(1)], env=cli_env, text=True,
        input=f"/image {tmp_path / 'missing.png'}\n/image {image}\nWhat is it?\n/exit\n",
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert talk.returncode == 0, talk.stderr
    assert "could not be read" in talk.stdout  # said; the chat goes on
    assert "form.png goes with your next message" in talk.stdout
