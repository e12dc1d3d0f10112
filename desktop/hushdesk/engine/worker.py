"""The engine's child process: owns one llama.cpp model and serves requests over a pipe.

Messages in:  ("load", LoadSpec) · ("chat", [Message], SamplingParams) · ("count", [Message])
              · ("exit",)
Messages out: ("loaded", ModelInfo) · ("chunk", str) … ("done", GenerationStats)
              · ("count", int) · ("error", kind, message, detail)

Stopping uses a shared event instead of a message, so it reaches the generation loop
between two tokens without waiting for the pipe.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import time
import traceback
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from hushdesk.engine import lookup, offload, openings, reasoning, sampler, templates, vision
from hushdesk.engine.outbox import Outbox, StopStrings
from hushdesk.engine.sizing import (
    auto_layers,
    default_threads,
    limit_memory,
    memory_cap,
    read_metadata,
)
from hushdesk.engine.types import (
    FinishReason,
    GenerationStats,
    LoadSpec,
    Message,
    ModelInfo,
    SamplingParams,
)
from hushdesk.errors import ContextOverflow, HushdeskError, ModelError

# Prompt tokens evaluated between two checks of the stop event: small enough that Stop
# is felt within a fraction of a second on a laptop, large enough to keep batching fast.
PREFILL_STEP = 128

FALLBACK_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def serve(conn: Connection, stop: Event, stderr_path: str) -> None:
    """Entry point of the child process."""
    from hushdesk.isolate import child_setup
    from hushdesk.sandbox import engine_sockets

    child_setup(sockets=engine_sockets())  # first: a user namespace needs one thread
    # llama.cpp's libraries are loaded before numpy's (OpenBLAS): on a CUDA machine
    # (docs/GPU.md) loading any model crashed the process when numpy came first. So
    # nothing this module imports loads numpy (engine.lookup imports it where used).
    import llama_cpp  # noqa: F401

    _redirect_native_stderr(stderr_path)
    runner: Runner | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the app went away
        op = request[0]
        if op == "exit":
            return
        try:
            if op == "load":
                runner = None  # free the old model before loading the next
                runner = Runner(request[1], cap_memory=True)
                conn.send(("loaded", runner.info))
            elif runner is None:
                raise ModelError("No model is loaded.")
            elif op == "chat":
                stats = runner.chat(request[1], request[2], conn, stop)
                conn.send(("done", stats))
            elif op == "count":
                conn.send(("count", len(runner.prompt_tokens(request[1]))))
            else:
                raise ModelError(f"Unknown engine request {op!r}.")
        except HushdeskError as exc:
            conn.send(("error", type(exc).__name__, exc.message, exc.detail))
        except Exception as exc:
            conn.send(("error", "ModelError", f"The model failed: {exc}", traceback.format_exc()))


def _redirect_native_stderr(path: str) -> None:
    """llama.cpp prints to fd 2; keep it in a file the app reads when the child dies."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)


class Runner:
    """One loaded model and the state needed to keep its KV cache warm."""

    # With every layer on a GPU, sampling in the decode (bench/gpu.py, docs/GPU.md):
    # "greedy" requests only; "split" also the first top-k of sampled ones; "all" their
    # whole chain; "off" none. "split" measured fastest on an H100 (0.931 of llama-bench
    # with the app's sampling; "greedy" 0.909, "all" 0.855).
    gpu_sampling = "split"
    _attached: tuple[tuple[object, ...], Any] | None = None  # (its settings, chain)

    def __init__(self, spec: LoadSpec, *, cap_memory: bool = False) -> None:
        """``cap_memory``: limit this process's memory to what the model needs (in the
        engine child; not in a test or benchmark that runs a model in its own process)."""
        import llama_cpp

        self._llama_cpp = llama_cpp
        started = time.perf_counter()
        threads = spec.n_threads or default_threads()
        layers = spec.n_gpu_layers
        can_offload = bool(llama_cpp.llama_supports_gpu_offload())
        auto = layers == offload.AUTO_GPU_LAYERS
        info = read_metadata(spec) if auto or cap_memory else None
        if auto:
            layers = auto_layers(spec, info, can_offload)
        self.memory_cap: int | None = None  # bytes of address space, where capped
        if cap_memory:
            cap = memory_cap(spec, info, on_gpu=can_offload and layers != 0)
            self.memory_cap = cap if limit_memory(cap) else None
        try:
            self.llm = llama_cpp.Llama(
                model_path=spec.model_path,
                n_ctx=spec.n_ctx,
                n_batch=spec.n_batch,
                n_threads=threads,
                n_threads_batch=threads,
                n_gpu_layers=layers,
                # On a GPU, flash attention as llama.cpp's own tools use it there (bench/
                # gpu.py: decode 1.27x faster with it, docs/GPU.md); the CPU path is
                # unchanged.
                flash_attn=layers != 0 and bool(llama_cpp.llama_supports_gpu_offload()),
                lora_path=spec.lora_path,
                seed=spec.seed if spec.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            capped = (
                f" (its process may use {self.memory_cap / (1 << 30):.1f} GB of address space)"
                if self.memory_cap
                else ""
            )
            raise ModelError(
                f"llama.cpp could not load {Path(spec.model_path).name}{capped}: {exc}",
                detail=traceback.format_exc(),
            ) from exc
        model = self.llm._model
        self._vocab = model.vocab
        eos, bos = self.llm.token_eos(), self.llm.token_bos()
        self._bos_text = model.token_get_text(bos) if bos != -1 else ""
        template = spec.chat_template or self.llm.metadata.get("tokenizer.chat_template")
        template = template if template and template.strip() else None
        self._template = templates.ChatTemplate(
            template or FALLBACK_TEMPLATE,
            eos=model.token_get_text(eos) if eos != -1 else "",
            bos=self._bos_text,
        )
        self._add_bos = model.add_bos_token()
        self.opens_thinking = False
        self.opening = 0  # the last prompt's tokens up to its system prompt's end
        self.placed: dict[int, vision.Placed] = {}  # the last prompt's images, by position
        self.vision = (
            vision.Vision(spec.mmproj_path, model.model, threads=threads, use_gpu=layers != 0)
            if spec.mmproj_path
            else None
        )
        self._warm_up()
        self.info = ModelInfo(
            path=spec.model_path,
            name=self.llm.metadata.get("general.name") or Path(spec.model_path).stem,
            architecture=self.llm.metadata.get("general.architecture", ""),
            n_ctx=self.llm.n_ctx(),
            n_ctx_train=model.n_ctx_train(),
            n_params=model.n_params(),
            n_threads=threads,
            has_chat_template=bool(template),
            load_s=time.perf_counter() - started,
            n_gpu_layers=self._gpu_layers(),
            reasons=reasoning.template_reasons(self._template.source),
            thinking_switch=self._template.has_thinking_switch,
            vision=self.vision is not None,
        )

    def _warm_up(self) -> None:
        """One batched and one single-token decode: the first answer starts faster, and
        llama.cpp's counters (which report 0 as 1) become exact from here on."""
        tokens = self.llm.tokenize(b"Hello there", add_bos=False) * 2
        self.llm.eval(tokens[:2])
        self.llm.eval(tokens[2:3])
        self.llm.reset()

    def evaluated_tokens(self) -> int:
        """Tokens llama.cpp has decoded in this context so far, by its own count."""
        lib, ctx = self._llama_cpp, self.llm._ctx.ctx
        lib.llama_synchronize(ctx)
        perf = lib.llama_perf_context(ctx)
        return int(perf.n_p_eval) + int(perf.n_eval)

    def prompt_tokens(self, messages: Sequence[Message], thinking: bool | None = None) -> list[int]:
        """The conversation as tokens. Only the template's own scaffolding may produce
        control tokens: message text is tokenized as plain text, so a document, a file
        name or a pasted email that contains "<|im_start|>system" cannot open a turn.
        Rendering is bounded in time and size (``templates.ChatTemplate``). ``thinking``
        turns a reasoning model's thinking on or off where its template has the switch
        (Qwen3's ``enable_thinking``); ``self.opens_thinking`` says whether the prompt
        ends inside a reasoning block the template opened."""
        marked, images = vision.marked(messages)
        if images and self.vision is None:
            raise ModelError(vision.NO_VISION)
        if self.vision is not None:
            self.vision.release()  # the chunks of the prompt before
        try:
            pieces = templates.layout(self._template, marked, thinking=thinking)
        except ModelError as exc:
            text = exc.message.replace("The chat template", "The model's chat template", 1)
            raise ModelError(
                f"{text} Give the model a chat template of your own in its settings.",
                detail=exc.detail,
            ) from None
        self.opens_thinking = pieces[-1][1] and reasoning.opens_thinking(pieces[-1][0])
        first = pieces[0][0]
        add_bos = self._add_bos and not (self._bos_text and first.startswith(self._bos_text))

        def text_tokens(text: str, special: bool, at_start: bool) -> list[int]:
            if not text:
                return [self.llm.token_bos()] if at_start and add_bos else []
            return self.llm.tokenize(text.encode(), add_bos=add_bos and at_start, special=special)

        tokens, self.placed = vision.tokenize(pieces, text_tokens, self.vision, images)
        leading = next((i for i, m in enumerate(marked) if m.role != "system"), len(marked))
        self.opening = openings.opening(pieces, leading, text_tokens, tokens)
        if self.placed and min(self.placed) < self.opening:
            self.opening = 0  # an image in the system prompt: read each time
        return tokens

    def _prefill(
        self, tokens: list[int], stop: Event, conn: Connection, cache: bool = True
    ) -> tuple[int, bool]:
        """Evaluate ``tokens``, reusing the longest cached prefix or a kept opening (none
        with ``cache`` off). Returns (reused, stopped)."""
        llm, lib = self.llm, self._llama_cpp
        keep = self._openings.reused(llm, tokens, cache=cache)
        ids = llm.input_ids
        ctx = llm._ctx.ctx
        step = self._prefill_step()
        images = sorted(self.placed)
        ends = [*images, self.opening]  # a step ends at each, so the opening's copy is exact
        start = keep
        while start < len(tokens):
            if stop.is_set():
                return keep, True
            image = self.placed.get(start)
            if image is not None and self.vision is not None:  # its embeddings, at its place
                after = self.vision.evaluate(ctx, image, start, llm.n_batch)
                ids[start:after] = image.key
                llm.n_tokens = start = after
                continue
            end = min([start + step, *(i for i in ends if i > start)])
            chunk = tokens[start:end]
            array = (lib.llama_token * len(chunk))(*chunk)  # alive until decoded
            # One sequence, positions following the cache, logits for the last token only.
            batch = lib.llama_batch_get_one(array, len(chunk))
            if lib.llama_decode(ctx, batch) != 0:
                self._forget_cache()
                raise ModelError("llama.cpp could not evaluate the prompt.")
            ids[start : start + len(chunk)] = chunk
            llm.n_tokens = start = start + len(chunk)
            if start == self.opening:
                self._openings.keep(llm)
            conn.send(("alive",))
        return keep, False

    def _prefill_step(self) -> int:
        """Prompt tokens per decode call. On the CPU ``PREFILL_STEP``, so that Stop is felt
        between two steps; with every layer on the GPU a whole batch, which takes
        milliseconds there and is several times faster than four small steps."""
        llm = self.llm
        return llm.n_batch if self._offloaded() else min(llm.n_batch, PREFILL_STEP)

    def _offloaded(self) -> bool:
        """Every layer on a GPU, the output layer too."""
        asked, total = self._layers()
        return asked < 0 or asked > total

    def _gpu_layers(self) -> int:
        """The model's repeating layers on a GPU."""
        asked, total = self._layers()
        return total if asked < 0 else min(asked, total)

    def _layers(self) -> tuple[int, int]:
        """(layers asked for on a GPU, 0 when it cannot; the model's layers)."""
        lib, llm = self._llama_cpp, self.llm
        asked = int(llm.model_params.n_gpu_layers) if lib.llama_supports_gpu_offload() else 0
        return asked, int(lib.llama_model_n_layer(llm._model.model))

    def _forget_cache(self) -> None:
        """After a failed decode the KV cache is in an unknown state: start afresh."""
        openings.forget(self.llm)

    @functools.cached_property
    def _openings(self) -> openings.Openings:
        """Copies of the KV of prompts' openings (engine.openings)."""
        return openings.Openings(self._llama_cpp)

    @functools.cached_property
    def _drafts(self) -> lookup.Drafter:
        """Prompt-lookup drafts (its batch made once, with the model)."""
        return lookup.Drafter()

    def _insert(self, text: str) -> str:
        """``text`` put into the context after what the model wrote, as if it had."""
        llm, lib = self.llm, self._llama_cpp
        tokens = llm.tokenize(text.encode(), add_bos=False, special=True)
        array = (lib.llama_token * len(tokens))(*tokens)
        if lib.llama_decode(llm._ctx.ctx, lib.llama_batch_get_one(array, len(tokens))) != 0:
            self._forget_cache()
            raise ModelError("llama.cpp could not evaluate the end of the thinking.")
        llm.input_ids[llm.n_tokens : llm.n_tokens + len(tokens)] = tokens
        llm.n_tokens += len(tokens)
        return text

    def _piece(self, token: int) -> bytes:
        """A token's bytes (control tokens give none), remembered: the vocabulary is fixed."""
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self.llm.detokenize([token])
        return piece

    @functools.cached_property
    def _pieces(self) -> dict[int, bytes]:
        return {}

    def chat(
        self, messages: Sequence[Message], params: SamplingParams, conn: Connection, stop: Event
    ) -> GenerationStats:
        llm = self.llm
        tokens = self.prompt_tokens(messages, params.thinking)
        n_ctx = llm.n_ctx()
        if len(tokens) >= n_ctx - 1:
            raise ContextOverflow(
                f"The conversation ({len(tokens):,} tokens) no longer fits in the model's "
                f"context ({n_ctx:,} tokens). Start a new chat or shorten the message."
            )
        conn.send(("alive",))  # the template rendered: the watchdog knows we move
        if self.opens_thinking:  # the answer begins inside the template's <think>
            conn.send(("chunk", "<think>"))
        stats = GenerationStats(prompt_tokens=len(tokens))
        budget = min(params.max_tokens, n_ctx - len(tokens))
        evaluated_before = self.evaluated_tokens()
        started = time.perf_counter()
        ctx, lib = llm._ctx.ctx, self._llama_cpp
        # With every layer on a GPU a greedy chain runs there, inside each decode: the
        # token comes back instead of 32,000 logits to sort through on the CPU (2-4 %
        # faster there). A sampled one's whole chain there cost as much as it saved
        # (docs/GPU.md); ``gpu_sampling`` "split" runs only its first top-k there.
        where = sampler.in_decode(self.gpu_sampling, params, offloaded=self._offloaded())
        chain = self._attached_chain(params, where) if where else None
        if chain is None:
            self._detach()
            chain = own = sampler.chain(self.llm, self._vocab, params)
        else:
            own = None
        try:
            stats.cached_tokens, stopped = self._prefill(tokens, stop, conn, params.cache_prompt)
            stats.prompt_eval_tokens = self.evaluated_tokens() - evaluated_before
            stats.prefill_s = time.perf_counter() - started
            if stopped:
                stats.finish_reason = "cancelled"
                return stats
            decode_started = time.perf_counter()
            drafting = params.lookup and own is not None and not params.thinking_budget
            finish = self._decode(
                chain, params, stats, budget=budget, started=started, conn=conn, stop=stop,
                drafting=drafting,
            )  # fmt: skip
            stats.decode_s = time.perf_counter() - decode_started
        finally:
            lib.llama_synchronize(ctx)  # nothing left running when the request ends
            if own is not None:
                lib.llama_sampler_free(own)
        stats.finish_reason = finish
        return stats

    def _attached_chain(self, params: SamplingParams, where: str) -> Any:
        """The chain that runs inside the decode, reset for a new answer. Attaching one
        makes llama.cpp plan its graphs again (on machine D of docs/GPU.md, re-attaching
        per answer cut prefill to 0.58 of llama-bench), so it stays attached while the
        settings stay the same. None when llama.cpp cannot run it there."""
        lib = self._llama_cpp
        settings = sampler.settings(params, where)
        if self._attached is not None and self._attached[0] == settings:
            lib.llama_sampler_reset(self._attached[1])
            return self._attached[1]
        self._detach()
        chain = sampler.chain(self.llm, self._vocab, params, gpu=where)
        if not lib.llama_set_sampler(self.llm._ctx.ctx, 0, chain):
            lib.llama_sampler_free(chain)
            return None
        self._attached = (settings, chain)
        return chain

    def _detach(self) -> None:
        if self._attached is not None:
            lib = self._llama_cpp
            lib.llama_set_sampler(self.llm._ctx.ctx, 0, None)
            lib.llama_sampler_free(self._attached[1])
            self._attached = None

    def _decode(
        self,
        chain: Any,
        params: SamplingParams,
        stats: GenerationStats,
        *,
        budget: int,
        started: float,
        conn: Connection,
        stop: Event,
        drafting: bool = False,
    ) -> FinishReason:
        """Sample and evaluate one token at a time until an end-of-generation token, a stop
        string, Stop or the budget; the text goes out through an ``Outbox``."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stopper = StopStrings(params.stop)
        outbox = Outbox(conn)
        llm, lib = self.llm, self._llama_cpp
        ctx, vocab, ids = llm._ctx.ctx, self._vocab, llm.input_ids
        sample, decode, is_eog = lib.llama_sampler_sample, lib.llama_decode, lib.llama_vocab_is_eog
        slot = (lib.llama_token * 1)()
        batch = lib.llama_batch_get_one(slot, 1)  # one token, at the position after the cache
        finish: FinishReason = "length"
        thinking = reasoning.Budget(params.thinking_budget, opened=self.opens_thinking)
        queue: deque[tuple[int, bool]] = deque()  # drawn by a draft's check: (token, cached)
        drafter = self._drafts.fresh() if drafting else None
        while True:
            # sample() waits for the last decode and accepts the token it draws
            token, cached = queue.popleft() if queue else (sample(chain, ctx, -1), False)
            if stats.completion_tokens == 0:
                stats.ttft_s = time.perf_counter() - started
            if is_eog(vocab, token):
                finish = "stop"
                break
            stats.completion_tokens += 1
            room = budget - stats.completion_tokens - 1
            checked = drafter.tokens_after(llm, chain, token, room, stats) if (
                drafter and not cached) else []  # fmt: skip
            queue.extend(checked)
            if not checked and not cached and stats.completion_tokens < budget:
                # The next step is queued before this token's text is handled, so a GPU
                # computes while Python decodes UTF-8, looks for stop strings and sends.
                slot[0] = token
                if decode(ctx, batch) != 0:
                    self._forget_cache()
                    raise ModelError("llama.cpp could not evaluate the next token.")
                ids[llm.n_tokens] = token
                llm.n_tokens += 1
            text, hit = stopper.feed(decoder.decode(self._piece(token)))
            outbox.put(text)
            if hit:
                outbox.flush()
                return "stop"
            if stop.is_set():
                finish = "cancelled"
                break
            if stats.completion_tokens >= budget:
                break
            if thinking.spent(text) and stats.completion_tokens + 8 < budget:  # its end, here
                outbox.put(self._insert(reasoning.CLOSE))
        # Text held back for a stop string that never came.
        outbox.put(stopper.flush(decoder.decode(b"", final=True)))
        outbox.flush()
        return finish
