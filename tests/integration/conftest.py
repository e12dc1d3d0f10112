from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hushdesk.engine.local import LocalEngine
from hushdesk.engine.types import LoadSpec


@pytest.fixture(scope="module")
def engine(starter_model: Path) -> Iterator[LocalEngine]:
    eng = LocalEngine()
    eng.load(LoadSpec(str(starter_model), n_ctx=4096))
    yield eng
    eng.close()
