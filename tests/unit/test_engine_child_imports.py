"""The engine child loads llama.cpp's libraries before numpy's: on a CUDA machine every
model load crashed (SIGSEGV) when numpy came first (docs/GPU.md, issue 38)."""

from __future__ import annotations

import subprocess
import sys


def test_the_engine_module_loads_no_numpy_before_llama_cpp() -> None:
    code = (
        "import sys\n"
        "from hushdesk.engine import worker\n"
        "assert 'numpy' not in sys.modules, 'numpy came with the engine module'\n"
        "assert 'llama_cpp' not in sys.modules\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
