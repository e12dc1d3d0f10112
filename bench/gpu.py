"""The GPU, measured (issue 17): our engine against llama.cpp's own tools on an NVIDIA GPU.

Runs on a machine with an NVIDIA GPU and llama.cpp built for CUDA (docs/GPU.md says how;
bench/gpu_prepare.sh here and bench/gpu_device.sh there do all of it):

    python bench/gpu.py model DIR --llama-cpp SRC --bin BIN    # random-weight model, GGUF
    python bench/gpu.py measure DIR/model-Q4_K_M.gguf --bin BIN

``model``: a Llama-architecture model of TinyLlama-1.1B's shape with random weights and a
tokenizer made here (no network), converted with llama.cpp's ``convert_hf_to_gguf.py``
and quantized to Q4_K_M with ``llama-quantize``.

``measure``: one line per figure, ``name: value unit (target …)``, the headline last:
llama-bench's prefill (pp512), decode (tg128) and the same work as our decode figure
(256 tokens at depth 16) with every layer on the GPU; our ``LocalEngine`` with the app's
default layers prefilling ~512 tokens and decoding 256 greedily; their ratios; what
``hardware.detect``, ``recommend`` and "as many layers as fit" make of the machine; and
``llama-server`` with 1, 4 and 16 streaming clients. Medians of several runs.
``--parts`` picks some: hardware, bench (llama-bench), bare (loops without our engine),
whatif (our ``worker.Runner`` with each ``gpu_sampling``: how much of the sampling
runs in the decode; ``fa_off`` adds flash attention off), server, engine, threads (CPU
threads' effect; not default).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))
os.environ.setdefault("HUSHDESK_HOME", tempfile.mkdtemp(prefix="hushdesk-gpu-"))

# TinyLlama-1.1B's shape.
SHAPE = {
    "hidden_size": 2048,
    "num_hidden_layers": 22,
    "num_attention_heads": 32,
    "num_key_value_heads": 4,
    "intermediate_size": 5632,
    "vocab_size": 32000,
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
}
TINY = {  # the same code path in seconds on a CPU, to try the pipeline
    **SHAPE,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 128,
}
# A plain template of our own: the tokenizer has no special tokens beyond <s> and </s>.
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + "
    "'\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)
QUANT = "Q4_K_M"

REPEATS = 5
DECODE_TOKENS = 256
DECODE_DEPTH = 16  # about the prompt our decode figure starts after
PREFILL_TOKENS = 512
SERVER_CLIENTS = (1, 4, 16)
SERVER_TOKENS = 128
SERVER_SLOTS = 16
DECODE_TARGET = 0.95


# -- the model ----------------------------------------------------------------------------


def tokenizer_pieces(size: int) -> list[str]:
    """Ordinary pieces, most frequent first: characters, then pairs and triples of
    lowercase letters with and without the word-start mark, until ``size``."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    chars = ["▁", *lower, *lower.upper(), *"0123456789", *".,;:!?'\"()-_/<>|=+*&%$#@[]{}"]
    pairs = [a + b for a in lower for b in lower]
    triples = [p + c for p in pairs for c in lower]
    pieces = [*chars, *("▁" + c for c in chars[1:]), *pairs, *("▁" + p for p in pairs)]
    pieces += triples + ["▁" + t for t in triples]
    return pieces[:size]


def write_tokenizer(folder: Path, vocab_size: int) -> None:
    """A SentencePiece BPE model (what Llama 1/2 and TinyLlama use), written directly: <unk>,
    <s>, </s>, the 256 byte pieces, then ordinary pieces by descending score."""
    from sentencepiece import sentencepiece_model_pb2 as spm

    proto = spm.ModelProto()
    kind = spm.ModelProto.SentencePiece

    def add(piece: str, type_: int, score: float = 0.0) -> None:
        entry = proto.pieces.add()
        entry.piece, entry.type, entry.score = piece, type_, score

    add("<unk>", kind.UNKNOWN)
    add("<s>", kind.CONTROL)
    add("</s>", kind.CONTROL)
    for byte in range(256):
        add(f"<0x{byte:02X}>", kind.BYTE)
    for rank, piece in enumerate(tokenizer_pieces(vocab_size - len(proto.pieces))):
        add(piece, kind.NORMAL, -float(rank))
    trainer = proto.trainer_spec
    trainer.model_type = spm.TrainerSpec.BPE
    trainer.vocab_size = vocab_size
    trainer.byte_fallback = True
    trainer.unk_id, trainer.bos_id, trainer.eos_id, trainer.pad_id = 0, 1, 2, -1
    normalizer = proto.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    (folder / "tokenizer.model").write_bytes(proto.SerializeToString())
    config = {
        "tokenizer_class": "LlamaTokenizer",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "add_bos_token": True,
        "add_eos_token": False,
        "chat_template": CHAT_TEMPLATE,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=1))


def make_model(folder: Path, llama_cpp_src: Path, bin_dir: Path | None, *, tiny: bool) -> Path:
    """Random weights saved by transformers, converted and quantized by llama.cpp."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    hf = folder / ("random-tiny" if tiny else "random-tinyllama-1.1b")
    hf.mkdir(exist_ok=True)
    shape = TINY if tiny else SHAPE
    started = time.perf_counter()
    write_tokenizer(hf, shape["vocab_size"])
    config = LlamaConfig(**shape, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_default_dtype(torch.float16)
    with torch.device(device):
        model = LlamaForCausalLM(config)
    model.save_pretrained(hf)
    del model
    print(f"model_saved: {time.perf_counter() - started:.1f} s ({device})", flush=True)
    f16 = folder / "model-F16.gguf"
    convert = llama_cpp_src / "convert_hf_to_gguf.py"
    subprocess.run(
        [sys.executable, str(convert), str(hf), "--outfile", str(f16), "--outtype", "f16"],
        check=True,
    )
    print(f"model_converted: {time.perf_counter() - started:.1f} s", flush=True)
    if bin_dir is None:
        return f16
    quantized = folder / f"model-{QUANT}.gguf"
    threads = str(os.cpu_count() or 4)
    subprocess.run(
        [str(bin_dir / "llama-quantize"), str(f16), str(quantized), QUANT, threads], check=True
    )
    print(f"model_quantized: {time.perf_counter() - started:.1f} s", flush=True)
    return quantized


# -- figures ------------------------------------------------------------------------------


def figure(name: str, value: float, unit: str, note: str) -> None:
    shown = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {shown}{' ' + unit if unit else ''} ({note})", flush=True)


def llama_bench(gguf: Path, bin_dir: Path) -> dict[str, float]:
    """Median tok/s of pp512 and tg128, every layer on the GPU, flash attention as
    llama-bench chooses (auto) and off; and the same work as our decode figure
    (``same``): DECODE_TOKENS tokens after a DECODE_DEPTH-token prompt, flash attention
    auto."""
    runs = [
        ["-p", str(PREFILL_TOKENS), "-n", "128", "-fa", "auto,off"],
        ["-p", "0", "-n", str(DECODE_TOKENS), "-d", str(DECODE_DEPTH), "-fa", "auto"],
    ]
    found: dict[str, float] = {}
    for extra in runs:
        out = subprocess.run(
            [str(bin_dir / "llama-bench"), "-m", str(gguf), "-ngl", "99", *extra, "-r", "10",
             "-o", "json"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        for test in json.loads(out):
            tokens = test["n_prompt"] + test["n_gen"]
            rate = statistics.median(tokens / (ns / 1e9) for ns in test["samples_ns"])
            kind = f"pp{test['n_prompt']}" if test["n_prompt"] else f"tg{test['n_gen']}"
            if test.get("n_depth"):
                kind += f"_d{test['n_depth']}"
            fa = "" if str(test["flash_attn"]) in ("auto", "-1", "1", "True") else "_fa_off"
            found[kind + fa] = rate
            print(f"# llama-bench {kind} fa={test['flash_attn']}: {test['samples_ns']}")
    found["same"] = found[f"tg{DECODE_TOKENS}_d{DECODE_DEPTH}"]
    return found


def engine_figures(gguf: Path) -> dict[str, float]:
    """Our engine, every layer on the GPU: decode (greedy, after a short prompt) and
    prefill (~512 prompt tokens, a different start each run so no cache is reused)."""
    from hushdesk.engine.local import LocalEngine
    from hushdesk.engine.types import LoadSpec
    from hushdesk.settings import EngineSettings

    with LocalEngine() as engine:
        auto = EngineSettings().n_gpu_layers  # the app's default: as many layers as fit
        info = engine.load(LoadSpec(str(gguf), n_ctx=4096, n_batch=512, n_gpu_layers=auto))
        print(f"engine_gpu_layers: {info.n_gpu_layers} (n_gpu_layers {auto}, the default)")
        print(f"# engine: n_ctx {info.n_ctx}, load {info.load_s:.2f} s", flush=True)
        return speeds("engine", lambda m, p: engine.chat(m, p).collect().stats, engine.count_tokens)


def runner_figures(gguf: Path, *, flash_attn: bool, sampling: str = "split") -> dict[str, float]:
    """What if: the engine's own loop (``worker.Runner``) in this process, its ``Llama``
    made with flash attention on or off, and ``sampling`` (``Runner.gpu_sampling``):
    how much of the sampling runs inside the decode."""
    from hushdesk.engine import worker
    from hushdesk.engine.types import LoadSpec

    original = llama_cpp_module().Llama.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "flash_attn": flash_attn})

    llama_cpp_module().Llama.__init__ = init
    try:
        runner = worker.Runner(LoadSpec(str(gguf), n_ctx=2048, n_batch=512, n_gpu_layers=-1))
    finally:
        llama_cpp_module().Llama.__init__ = original
    runner.gpu_sampling = sampling
    conn, stop = _NullConn(), threading.Event()
    return speeds(
        f"runner fa={flash_attn} gpu sampling={sampling}",
        lambda m, p: runner.chat(m, p, conn, stop),  # type: ignore[arg-type]
        lambda m: len(runner.prompt_tokens(m)),
    )


def llama_cpp_module() -> Any:
    import llama_cpp

    return llama_cpp


class _NullConn:
    def send(self, _message: object) -> None:
        pass


def speeds(
    label: str, chat: Callable[[Any, Any], Any], count: Callable[[Any], int]
) -> dict[str, float]:
    from hushdesk.engine.types import Message, SamplingParams

    greedy = SamplingParams(temperature=0.0, max_tokens=DECODE_TOKENS, repeat_penalty=1.0)
    one = SamplingParams(temperature=0.0, max_tokens=1, repeat_penalty=1.0)
    text = prompt_text(count, PREFILL_TOKENS)
    for i in range(2):  # warm-up: CUDA graphs, the allocator, the piece cache
        chat([Message("user", f"Warm up {i}.")], greedy)
        chat([Message("user", f"w{i} {text}")], one)
    decode, prefill, ttft, tokens, evaluated, depth = [], [], [], [], [], []
    for i in range(REPEATS):
        stats = chat([Message("user", f"Story {i}: the sea.")], greedy)
        decode.append((stats.completion_tokens - 1) / stats.decode_s)
        ttft.append(stats.ttft_s)
        tokens.append(stats.completion_tokens)
        depth.append(stats.prompt_tokens)
        stats = chat([Message("user", f"r{i} {text}")], one)
        prefill.append(stats.prompt_eval_tokens / stats.prefill_s)
        evaluated.append(stats.prompt_eval_tokens)
    # The app's own sampling settings (temperature 0.7, top-k/p, min-p, repeat penalty 1.1).
    app = SamplingParams(max_tokens=DECODE_TOKENS, seed=1)
    sampled = []
    for i in range(REPEATS):
        stats = chat([Message("user", f"Tale {i}: the sea.")], app)
        sampled.append((stats.completion_tokens - 1) / stats.decode_s)
    plain = SamplingParams(max_tokens=DECODE_TOKENS, seed=1, repeat_penalty=1.0)
    unpenalized = []
    for i in range(REPEATS):
        stats = chat([Message("user", f"Song {i}: the sea.")], plain)
        unpenalized.append((stats.completion_tokens - 1) / stats.decode_s)
    print(f"# {label} decode tok/s {[round(r) for r in decode]}, tokens {tokens}, after {depth}")
    print(f"# {label} prefill tok/s {[round(r) for r in prefill]}, evaluated {evaluated}")
    print(f"# {label} decode with the app's sampling tok/s {[round(r) for r in sampled]}")
    return {
        "sampled": statistics.median(sampled),
        "unpenalized": statistics.median(unpenalized),
        "decode": statistics.median(decode),
        "prefill": statistics.median(prefill),
        "ttft": statistics.median(ttft),
        "tokens": statistics.median(tokens),
        "evaluated": statistics.median(evaluated),
    }


def prompt_text(count: Callable[[list[Any]], int], target: int) -> str:
    """Plain words whose chat prompt is about ``target`` tokens (at most)."""
    from hushdesk.engine.types import Message

    words = ["the", "keeper", "of", "a", "lighthouse", "wrote", "long", "letters", "about", "ships"]
    low, high = 1, target
    while low < high:  # the most words that still fit
        middle = (low + high + 1) // 2
        text = " ".join(words[i % len(words)] for i in range(middle))
        if count([Message("user", f"r0 {text}")]) <= target:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[i % len(words)] for i in range(low))


def bare_figures(gguf: Path, *, flash_attn: bool) -> dict[str, float]:
    """Loops without our engine, for reference: llama-cpp-python's ``generate`` (the
    issue's first measurement), the least Python can do per token (native greedy sampler
    on the CPU, a decode of one token, nothing else), and the same with the greedy
    sampler on the GPU (llama.cpp's backend sampling, ``llama_set_sampler``)."""
    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=str(gguf),
        n_gpu_layers=-1,
        n_ctx=2048,
        n_batch=512,
        flash_attn=flash_attn,
        verbose=False,
    )
    vocab = llm._model.vocab
    prompt = llm.tokenize(b"Tell me a long story about the sea.", add_bos=True)
    generate, floor, backend = [], [], []
    for run in range(REPEATS + 1):
        llm.reset()
        count, first, last = 0, 0.0, 0.0
        for token in llm.generate(prompt, temp=0.0, repeat_penalty=1.0):
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            llm.detokenize([token])
            count += 1
            last = time.perf_counter()
            if count == 1:
                first = last
            if count >= DECODE_TOKENS:
                break
        if run:
            generate.append((count - 1) / (last - first))
        rate = _floor(llm, prompt, on_gpu=False)
        if run:
            floor.append(rate)
        rate = _floor(llm, prompt, on_gpu=True)
        if run:
            backend.append(rate)
    del llm
    return {
        "generate": statistics.median(generate),
        "floor": statistics.median(floor),
        "backend": statistics.median(backend),
    }


def thread_figures(gguf: Path, bin_dir: Path) -> None:
    """Does the CPU thread pool cost time per token when every layer is on the GPU?
    llama-bench's tg128 and the bare loop with 1, 8 (our default) and 16 threads."""
    import llama_cpp

    out = subprocess.run(
        [str(bin_dir / "llama-bench"), "-m", str(gguf), "-ngl", "99", "-p", "0", "-n", "128",
         "-t", "1,8,16", "-r", "10", "-o", "json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for test in json.loads(out):
        rate = statistics.median(128 / (ns / 1e9) for ns in test["samples_ns"])
        figure(f"llama_bench_tg128_t{test['n_threads']}", rate, "tok/s", "fa auto")
    llm = llama_cpp.Llama(
        model_path=str(gguf), n_gpu_layers=-1, n_ctx=2048, n_batch=512, flash_attn=True,
        verbose=False,
    )  # fmt: skip
    prompt = llm.tokenize(b"Tell me a long story about the sea.", add_bos=True)
    ctx = llm._ctx.ctx
    for threads in (8, 1, 16):
        llama_cpp.llama_set_n_threads(ctx, threads, threads)
        cpu = [_floor(llm, prompt, on_gpu=False) for _ in range(REPEATS + 1)][1:]
        gpu = [_floor(llm, prompt, on_gpu=True) for _ in range(REPEATS + 1)][1:]
        note = f"flash attention on, {threads} threads"
        figure(f"bare_ctypes_decode_t{threads}", statistics.median(cpu), "tok/s", note)
        figure(f"bare_backend_decode_t{threads}", statistics.median(gpu), "tok/s", note)
    del llm


def _floor(llm: Any, prompt: list[int], *, on_gpu: bool) -> float:
    import llama_cpp

    ctx = llm._ctx.ctx
    llm.reset()
    llm._ctx.kv_cache_seq_rm(-1, 0, -1)
    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
    # Attached before the prompt's decode: its first token is sampled there too.
    if on_gpu and not llama_cpp.llama_set_sampler(ctx, 0, chain):
        print("# backend sampling refused", flush=True)
    llm.eval(prompt)
    slot = (llama_cpp.llama_token * 1)()
    batch = llama_cpp.llama_batch_get_one(slot, 1)
    started = time.perf_counter()
    for _ in range(DECODE_TOKENS):
        slot[0] = llama_cpp.llama_sampler_sample(chain, ctx, -1)
        llama_cpp.llama_decode(ctx, batch)
    llama_cpp.llama_synchronize(ctx)
    rate = DECODE_TOKENS / (time.perf_counter() - started)
    if on_gpu:
        llama_cpp.llama_set_sampler(ctx, 0, None)
    llama_cpp.llama_sampler_free(chain)
    llm.n_tokens = 0
    return rate


def hardware_figures() -> None:
    from hushdesk.engine import offload
    from hushdesk.models import catalog, hardware
    from hushdesk.settings import EngineSettings

    machine = hardware.detect()
    gib = 1024**3
    print(
        f"hardware_machine: {machine.memory_total / gib:.1f} GiB RAM "
        f"({machine.memory_available / gib:.1f} available), {machine.cpu_cores} cores "
        "(hardware.detect)"
    )
    for gpu in machine.gpus:
        print(
            f"hardware_gpu: {gpu.name}, {gpu.memory_total / gib:.1f} GiB total, "
            f"{gpu.memory_free / gib:.1f} GiB free (hardware.detect via nvidia-smi)"
        )
    if not machine.gpus:
        print("hardware_gpu: none found (hardware.detect)")
    choice = hardware.recommend(catalog.load(), machine)
    if choice is None:
        print("hardware_recommend: nothing (hardware.recommend)")
    else:
        print(
            f"hardware_recommend: {choice.model.name} {choice.file.quantization}, "
            f"{choice.fit.label}, ~{choice.fit.tokens_per_s:.0f} tok/s estimated "
            f"(hardware.recommend: {choice.fit.reason})"
        )
    print(
        f"hardware_gpu_layers: {EngineSettings().n_gpu_layers} (EngineSettings default "
        "n_gpu_layers, what the app offloads unless the user changes it; -2: as many as fit)"
    )
    print(f"hardware_gpu_build: {machine.gpu_build} (offload.gpu_build: a GPU back end)")
    free = machine.best_gpu.memory_free if machine.best_gpu else 0
    for model in catalog.load().models:
        file = model.file()
        for card, room in (("this GPU", free), ("4 GiB free", 4 * gib)):
            layers = offload.layers_that_fit(
                model_bytes=file.size_bytes,
                layers=model.kv.layers,
                kv_bytes_per_token=model.kv.bytes_per_token(),
                n_ctx=4096,
                free_bytes=room,
            )
            shown = "all" if layers == offload.ALL_LAYERS else f"{layers} of {model.kv.layers}"
            print(f"# auto layers, {model.id} {file.quantization}, {card}: {shown}")


# -- llama-server --------------------------------------------------------------------------


@contextlib.contextmanager
def llama_server(gguf: Path, bin_dir: Path, log: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(bin_dir / "llama-server"), "-m", str(gguf), "-ngl", "99",
        "--parallel", str(SERVER_SLOTS), "-c", str(SERVER_SLOTS * 2048), "--cont-batching",
        "--jinja", "--host", "127.0.0.1", "--port", str(port), "--no-webui",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama-server exited ({process.returncode}); see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama-server did not become ready; see {log}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def server_client(base: str) -> tuple[str, Callable[[int], tuple[int, float, float]]]:
    """One streamed request of SERVER_TOKENS: (completion tokens, ttft s, decode s).
    Through our ``RemoteEngine`` when the tree has it, else a small SSE client."""
    try:
        from hushdesk.engine.remote import RemoteEngine
        from hushdesk.engine.server import Endpoint, Remote
        from hushdesk.engine.types import Message, SamplingParams
    except ImportError:
        return "httpx SSE client (no hushdesk.engine.remote)", _sse_client(base)
    remote = Remote(Endpoint("bench", f"{base}/v1", read_timeout_s=300.0))
    name = remote.models()[0].id
    engine = RemoteEngine(remote, name)
    engine.load()
    params = SamplingParams(temperature=0.0, max_tokens=SERVER_TOKENS, repeat_penalty=1.0)

    def one(i: int) -> tuple[int, float, float]:
        stats = engine.chat([Message("user", f"Client {i}: tell me about the sea.")], params)
        result = stats.collect().stats
        return result.completion_tokens, result.ttft_s, result.decode_s

    return "hushdesk.engine.remote.RemoteEngine", one


def _sse_client(base: str) -> Callable[[int], tuple[int, float, float]]:
    import httpx

    def one(i: int) -> tuple[int, float, float]:
        body = {
            "messages": [{"role": "user", "content": f"Client {i}: tell me about the sea."}],
            "max_tokens": SERVER_TOKENS, "temperature": 0.0, "stream": True,
            "stream_options": {"include_usage": True},
        }  # fmt: skip
        started = time.perf_counter()
        first, tokens = 0.0, 0
        with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=300) as r:
            for line in r.iter_lines():
                if not line.startswith("data:") or line.endswith("[DONE]"):
                    continue
                event = json.loads(line[5:])
                if event.get("choices") and not first:
                    first = time.perf_counter()
                if event.get("usage"):
                    tokens = int(event["usage"]["completion_tokens"])
        return tokens, first - started, time.perf_counter() - first

    return one


def server_figures(gguf: Path, bin_dir: Path, log: Path) -> None:
    with llama_server(gguf, bin_dir, log) as base:
        how, one = server_client(base)
        print(f"# llama-server clients: {how}", flush=True)
        for i in range(2):
            one(-i)  # warm-up
        for clients in SERVER_CLIENTS:
            aggregate, per_client, ttfts, counts = [], [], [], []
            for _ in range(3):
                started = time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    results = list(pool.map(one, range(clients)))
                wall = time.perf_counter() - started
                aggregate.append(sum(r[0] for r in results) / wall)
                per_client += [r[0] / (r[1] + r[2]) for r in results if r[0]]
                ttfts += [r[1] for r in results]
                counts += [r[0] for r in results]
            note = (
                f"{clients} streaming clients, {SERVER_TOKENS} tokens asked, median "
                f"{statistics.median(counts):.0f} received, median of 3 rounds; -ngl 99 "
                f"--parallel {SERVER_SLOTS}"
            )
            figure(f"server_c{clients}_aggregate", statistics.median(aggregate), "tok/s", note)
            figure(
                f"server_c{clients}_per_client",
                statistics.median(per_client),
                "tok/s",
                f"tokens ÷ (ttft + stream) per request; median ttft "
                f"{statistics.median(ttfts) * 1000:.0f} ms",
            )


# -- main ---------------------------------------------------------------------------------


def attempt(part: str, run: Callable[[], None]) -> None:
    """One part's failure is reported and the others still run."""
    try:
        run()
    except Exception as exc:
        print(f"# {part} failed: {type(exc).__name__}: {exc}", flush=True)


def measure(args: argparse.Namespace) -> int:
    import llama_cpp  # noqa: F401  (before numpy, as in the engine child: worker.serve)

    gguf, bin_dir = Path(args.gguf), Path(args.bin)
    parts = set(args.parts.split(","))
    tag = f"{args.tag}_" if args.tag else ""
    bench: dict[str, float] = {}
    if "hardware" in parts:
        attempt("hardware", hardware_figures)
    if parts & {"bench", "bare", "whatif", "engine"}:
        bench = llama_bench(gguf, bin_dir)
        figure("llama_bench_pp512", bench["pp512"], "tok/s", "fa auto, median of 10; reference")
        figure("llama_bench_tg128", bench["tg128"], "tok/s", "fa auto, median of 10")
        same = f"-n {DECODE_TOKENS} -d {DECODE_DEPTH}, fa auto, median of 10; reference"
        figure("llama_bench_same_work", bench["same"], "tok/s", same)
        for kind in ("pp512", "tg128"):
            figure(f"llama_bench_{kind}_fa_off", bench[f"{kind}_fa_off"], "tok/s", "fa off")
    if "bare" in parts and bench:

        def bare_part() -> None:
            for fa in (False, True):
                bare = bare_figures(gguf, flash_attn=fa)
                name, ref = ("fa_on", bench["tg128"]) if fa else ("fa_off", bench["tg128_fa_off"])
                note = f"flash attention {'on' if fa else 'off'}"
                figure(
                    f"bare_generate_decode_{name}", bare["generate"], "tok/s", f"{note}; generate"
                )
                figure(f"bare_ctypes_decode_{name}", bare["floor"], "tok/s", f"{note}; CPU greedy")
                figure(
                    f"bare_backend_decode_{name}", bare["backend"], "tok/s", f"{note}; GPU greedy"
                )
                figure(f"bare_generate_ratio_{name}", bare["generate"] / ref, "", "÷ same-fa tg128")

        attempt("bare", bare_part)
    if "threads" in parts:
        attempt("threads", lambda: thread_figures(gguf, bin_dir))
    if "whatif" in parts and bench:

        def whatif_part() -> None:
            variants = [(True, mode) for mode in args.sampling.split(",")]
            for fa, sampling in variants + [(False, "off")] * ("fa_off" in parts):
                ours = runner_figures(gguf, flash_attn=fa, sampling=sampling)
                name = ("fa_on" if fa else "fa_off") + f"_gpu_sampling_{sampling}"
                ref, pref = ("same", "pp512") if fa else ("tg128_fa_off", "pp512_fa_off")
                figure(f"runner_decode_{name}", ours["decode"], "tok/s", "worker.Runner in-process")
                figure(f"runner_decode_app_sampling_{name}", ours["sampled"], "tok/s", "defaults")
                note = f"÷ {ref}; the app's sampling"
                figure(f"runner_sampled_ratio_{name}", ours["sampled"] / bench[ref], "", note)
                note = "defaults but repeat_penalty 1.0"
                figure(f"runner_decode_no_penalty_{name}", ours["unpenalized"], "tok/s", note)
                figure(f"runner_decode_ratio_{name}", ours["decode"] / bench[ref], "", f"÷ {ref}")
                figure(
                    f"runner_prefill_ratio_{name}", ours["prefill"] / bench[pref], "", f"÷ {pref}"
                )

        attempt("whatif", whatif_part)
    if "server" in parts:
        attempt("server", lambda: server_figures(gguf, bin_dir, Path(args.server_log)))
    if "engine" in parts:
        ours = engine_figures(gguf)
        figure(f"{tag}engine_ttft", ours["ttft"] * 1000, "ms", "short prompt, median")
        figure(
            f"{tag}engine_prefill",
            ours["prefill"],
            "tok/s",
            f"LocalEngine, layers as the app offloads them, {ours['evaluated']:.0f} prompt tokens",
        )
        figure(
            f"{tag}engine_decode",
            ours["decode"],
            "tok/s",
            f"LocalEngine, greedy, median {ours['tokens']:.0f} tokens, (tokens-1)/decode_s",
        )
        figure(
            f"{tag}engine_decode_app_sampling",
            ours["sampled"],
            "tok/s",
            "the app's SamplingParams defaults: temperature 0.7, top-k/p, min-p, repeat 1.1",
        )
        figure(
            f"{tag}gpu_prefill_ratio",
            ours["prefill"] / bench["pp512"],
            "",
            "ours ÷ llama-bench pp512 (fa auto); "
            f"÷ fa off: {ours['prefill'] / bench['pp512_fa_off']:.3f}",
        )
        figure(
            f"{tag}gpu_decode_ratio_tg128",
            ours["decode"] / bench["tg128"],
            "",
            "ours ÷ llama-bench tg128 (fa auto; 128 tokens from an empty context)",
        )
        figure(
            f"{tag}engine_decode_app_sampling_ratio",
            ours["sampled"] / bench["same"],
            "",
            "the app's sampling ÷ llama-bench's same work (which samples nothing); "
            f"target ≥ {DECODE_TARGET}",
        )
        figure(
            f"{tag}gpu_decode_ratio",
            ours["decode"] / bench["same"],
            "",
            f"ours ÷ llama-bench on the same work (-n {DECODE_TOKENS} -d {DECODE_DEPTH}, "
            f"fa auto); target ≥ {DECODE_TARGET}",
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    model = sub.add_parser("model", help="make the random-weight GGUF")
    model.add_argument("folder")
    model.add_argument("--llama-cpp", required=True, help="llama.cpp's source folder")
    model.add_argument("--bin", help="llama.cpp's build/bin (llama-quantize); none: F16 only")
    model.add_argument("--tiny", action="store_true", help="a tiny model of the same kind")
    run = sub.add_parser("measure", help="print the figures")
    run.add_argument("gguf")
    run.add_argument("--bin", required=True, help="llama.cpp's build/bin")
    run.add_argument("--parts", default="hardware,bench,bare,whatif,server,engine")
    run.add_argument("--tag", default="", help="a prefix for the engine's figures")
    run.add_argument(
        "--sampling", default="split,all,greedy,off", help="whatif: the Runner's gpu_sampling"
    )
    run.add_argument("--server-log", default=str(Path(tempfile.gettempdir()) / "server.log"))
    args = parser.parse_args()
    if args.command == "model":
        bin_dir = Path(args.bin) if args.bin else None
        path = make_model(Path(args.folder), Path(args.llama_cpp), bin_dir, tiny=args.tiny)
        print(f"model: {path}")
        return 0
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
