"""The synchronous engine core: requests in, `step()` out — schedule, run, sample, detokenize.

Single-threaded by design; `engine.async_engine` drives it from its own thread. Finishing rules
(EOS, stop ids, stop strings, max_tokens, context length) and text deltas live here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import msgspec
import torch

from engine.compiled import CompiledDecode
from engine.config import EngineConfig
from engine.detokenizer import IncrementalDetokenizer, StopMatcher
from engine.grammar import Matcher, fill_bitmasks
from engine.kv_cache_manager import KVCacheManager, freeable_window
from engine.load import kv_bytes_per_block, kv_cache_dtype, new_kv_cache
from engine.lora_registry import LoraRegistry
from engine.models.llama import LlamaForCausalLM
from engine.protocol import GenerateRequest, RequestOutput, TokenLogprob
from engine.runner import ModelRunner
from engine.sampler import apply_bitmask, make_generator, sample, token_logprobs
from engine.scheduler import Scheduler
from engine.sequence import Sequence
from engine.tokenizer import Tokenizer

log = logging.getLogger("hanlin.engine")

# The compile's warm-up cache: batch 3 over 3 blocks each and batch 1 over 2 (engine.compiled).
COMPILE_SCRATCH_BLOCKS = 12


class EngineStats(msgspec.Struct, kw_only=True):
    """A snapshot of the engine's load, for /health and metrics."""

    running: int
    waiting: int
    kv_blocks_total: int
    kv_blocks_free: int
    kv_blocks_cached: int
    num_preemptions: int
    prefix_cache_hit_tokens: int
    prompt_tokens: int
    generated_tokens: int
    steps: int = 0  # engine steps run since start; the clock that aborts are measured against
    weights: str  # what the linears hold: float32, bfloat16 or int4
    kv_cache_dtype: str
    kv_bytes_per_token: int
    kv_capacity_tokens: int
    lora_adapters_loaded: int = 0
    lora_adapter_bytes: int = 0
    compiled_decode: str = "off"  # "building" (steps run eager meanwhile), "ready", "failed"


@dataclass(eq=False)
class _Request:
    seq: Sequence
    detok: IncrementalDetokenizer
    stops: StopMatcher
    generator: torch.Generator
    stop_ids: frozenset[int]
    matcher: Matcher | None = None  # the request's grammar state, advanced with every token
    # Filled by position as prompt chunks are computed (a recompute after preemption refills the
    # same slots); sent with the first delta.
    prompt_logprobs: list[TokenLogprob | None] | None = None
    sent_prompt_logprobs: bool = False


class LLMEngine:
    """Owns scheduler, KV manager, runner and per-request text state."""

    def __init__(self, model: LlamaForCausalLM, tokenizer: Tokenizer, config: EngineConfig,
                 num_blocks: int, max_model_len: int, weights: str | None = None,
                 base_path: Path | None = None) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.max_model_len = max_model_len
        dtype = next(model.parameters()).dtype
        kv_dtype = kv_cache_dtype(config, dtype)
        cache = new_kv_cache(model, config.cache.block_size, num_blocks, kv_dtype)
        per_token = kv_bytes_per_block(model, config.cache.block_size, kv_dtype) // config.cache.block_size
        mc = model.config  # every layer sliding: blocks behind the window are freed as it moves
        window = freeable_window([mc.window(i) for i in range(mc.num_layers)])
        self.kv = KVCacheManager(num_blocks, config.cache.block_size,
                                 config.cache.enable_prefix_caching, window)
        self._format = {"weights": weights or str(dtype).removeprefix("torch."),
                        "kv_cache_dtype": str(kv_dtype).removeprefix("torch."),
                        "kv_bytes_per_token": per_token,
                        "kv_capacity_tokens": self.kv.pool.capacity * config.cache.block_size}
        self.scheduler = Scheduler(config.scheduler, self.kv)
        # base_path: adapters whose manifest names another base model are refused.
        self.adapters = LoraRegistry(model, config.lora.budget_bytes, base_path)
        compiled = None
        if config.compile and model.compile_blocker is not None:
            log.warning("decode steps run eager: the compiled step does not trace %s yet",
                        model.compile_blocker)
        elif config.compile:
            compiled = CompiledDecode(model, Path(config.compile_cache) if config.compile_cache
                                      else None)
        if compiled is not None:  # compiled in the background; steps run eager until it is ready
            compiled.start(new_kv_cache(model, config.cache.block_size, COMPILE_SCRATCH_BLOCKS,
                                        kv_dtype))
        self.runner = ModelRunner(model, cache, self.adapters, compiled)
        self.requests: dict[str, _Request] = {}
        self._counters = {"num_preemptions": 0, "prompt_tokens": 0, "generated_tokens": 0,
                          "steps": 0}

    def add_request(self, req: GenerateRequest) -> None:
        if req.request_id in self.requests:
            raise ValueError(f"duplicate request id {req.request_id!r}")
        if not req.prompt_ids:
            raise ValueError("the prompt is empty")
        if len(req.prompt_ids) >= self.max_model_len:
            raise ValueError(f"prompt of {len(req.prompt_ids)} tokens leaves no room in a "
                             f"context of {self.max_model_len}")
        p = req.sampling
        adapter_id = req.adapter.id if req.adapter is not None else None
        seq = Sequence(req.request_id, list(req.prompt_ids), p, adapter_id, req.tenant)
        stop_ids = set(p.stop_token_ids)
        if not p.ignore_eos:
            stop_ids.update(self.tokenizer.eos_token_ids)
        # Compiled before anything is registered: a bad grammar refuses the request (ValueError).
        matcher = None if p.grammar is None else Matcher(self.tokenizer, p.grammar)
        if req.adapter is not None:  # held until the request finishes (AdapterError: refused)
            self.adapters.retain(req.adapter.id, req.adapter.path)
        self.requests[req.request_id] = _Request(
            seq=seq, detok=IncrementalDetokenizer(self.tokenizer, req.prompt_ids,
                                                  skip_special_tokens=p.skip_special_tokens),
            stops=StopMatcher(p.stop), generator=make_generator(p.seed), stop_ids=frozenset(stop_ids),
            matcher=matcher,
            prompt_logprobs=None if p.prompt_logprobs is None else [None] * len(req.prompt_ids),
        )
        self._counters["prompt_tokens"] += len(req.prompt_ids)
        self.scheduler.add(seq)

    def abort(self, request_id: str) -> RequestOutput | None:
        r = self.requests.pop(request_id, None)
        if r is None:
            return None
        self._finish(r.seq, "abort")
        return self._output(r, [], "", "abort")

    def has_work(self) -> bool:
        return self.scheduler.has_work()

    @property
    def steps(self) -> int:
        """How many times `step()` has run."""
        return self._counters["steps"]

    def step(self) -> list[RequestOutput]:
        self._counters["steps"] += 1
        batch = self.scheduler.schedule()
        self._counters["num_preemptions"] += len(batch.preempted)
        if not batch:
            return []
        out = self.runner.execute(batch)
        for seq, n in batch.items:
            seq.num_computed_tokens += n
            self.kv.cache_full_blocks(seq)
        for request_id, (pos, logits) in out.prompt_logits.items():
            r = self.requests[request_id]
            targets = r.seq.prompt_ids[pos + 1 : pos + 1 + logits.shape[0]]
            k = r.seq.sampling.prompt_logprobs or 0
            r.prompt_logprobs[pos + 1 : pos + 1 + len(targets)] = token_logprobs(logits, targets, k)
        if not out.sample_seqs:
            return []
        seqs = out.sample_seqs
        reqs = [self.requests[s.request_id] for s in seqs]
        params = [s.sampling for s in seqs]
        logits = self._mask(out.logits, reqs)
        tokens = sample(logits, params, [r.generator for r in reqs],
                        [(s.prompt_ids, s.output_ids) for s in seqs])
        logprobs: list[TokenLogprob | None] = [None] * len(seqs)
        wanted = [i for i, p in enumerate(params) if p.logprobs is not None]
        if wanted:
            top = max(params[i].logprobs or 0 for i in wanted)
            lps = token_logprobs(logits[wanted], [tokens[i] for i in wanted], top)
            for i, lp in zip(wanted, lps, strict=True):
                # A token a grammar forbids (-inf) is no alternative: it could not be produced.
                lp.top = [t for t in lp.top[: params[i].logprobs] if t[1] != float("-inf")]
                logprobs[i] = lp
        return [self._append(r, t, lp) for r, t, lp in zip(reqs, tokens, logprobs, strict=True)]

    def _mask(self, logits: torch.Tensor, reqs: list[_Request]) -> torch.Tensor:
        """The logits with every token a request's grammar does not allow next, and every id
        past the tokenizer's vocabulary, at -inf. The logprobs computed from them are those of
        the distribution that was sampled from."""
        vocab = self.tokenizer.vocab_size
        if logits.shape[1] > vocab:
            # Embedding rows past the tokenizer (vocabularies padded to a multiple of 64, or
            # a random test model) name no token: never sample them, as vLLM does.
            logits = logits.clone()  # an inference tensor: not writable out here
            logits[:, vocab:] = float("-inf")
        rows = [i for i, r in enumerate(reqs) if r.matcher is not None]
        if not rows:
            return logits
        left = [self._tokens_left(reqs[i].seq) for i in rows]
        bitmask = fill_bitmasks([reqs[i].matcher for i in rows], self.tokenizer.vocab_size, left)
        if len(rows) == len(reqs):
            return apply_bitmask(logits, bitmask)
        index = torch.tensor(rows)
        return logits.index_copy(0, index, apply_bitmask(logits[index], bitmask))

    def _finish(self, seq: Sequence, reason: str) -> None:
        self.scheduler.finish(seq, reason)
        if seq.adapter_id is not None:
            self.adapters.release(seq.adapter_id)

    def _tokens_left(self, seq: Sequence) -> int:
        """How many tokens this sequence may still generate, this step's included."""
        return min(seq.sampling.max_tokens - seq.num_output_tokens,
                   self.max_model_len - seq.num_tokens)

    def stats(self) -> EngineStats:
        pool = self.kv.pool
        return EngineStats(
            running=len(self.scheduler.running), waiting=len(self.scheduler.waiting),
            kv_blocks_total=pool.capacity, kv_blocks_free=pool.num_free,
            kv_blocks_cached=pool.num_cached_free,
            prefix_cache_hit_tokens=self.scheduler.prefix_hit_tokens, **self._counters,
            **self._format, lora_adapters_loaded=len(self.adapters.loaded),
            lora_adapter_bytes=self.adapters.nbytes,
            compiled_decode=self.compiled_state,
        )

    @property
    def compiled_state(self) -> str:
        """The compiled decode step: off, building (steps run eager meanwhile), ready, failed.
        It changes in the compile's own thread, between steps: read it live."""
        return self.runner.compiled.state if self.runner.compiled else "off"

    def _append(self, r: _Request, token: int, logprob: TokenLogprob | None) -> RequestOutput:
        seq, p = r.seq, r.seq.sampling
        seq.token_ids.append(token)
        self._counters["generated_tokens"] += 1
        reason, text, hit = None, "", False
        if token in r.stop_ids:
            reason = "stop"
        else:
            text, hit = r.stops.feed(r.detok.push([token]))
            reason = "stop" if hit else None
            if r.matcher is not None and reason is None:
                reason = self._advance_grammar(r.matcher, seq.request_id, token)
        if reason is None and (seq.num_output_tokens >= p.max_tokens or seq.num_tokens >= self.max_model_len):
            reason = "length"
        if reason is not None:
            if not hit:
                tail, _ = r.stops.feed(r.detok.flush())
                text += tail + r.stops.flush()
            self.requests.pop(seq.request_id)
            self._finish(seq, reason)
        out = self._output(r, [token], text, reason)
        if logprob is not None:
            if token in r.stop_ids:  # EOS is not part of the answer; legacy completions list it
                out.stop_logprob = logprob
            else:
                out.logprobs = [logprob]
        if r.prompt_logprobs is not None and not r.sent_prompt_logprobs:
            out.prompt_logprobs = r.prompt_logprobs
            r.sent_prompt_logprobs = True
        return out

    @staticmethod
    def _advance_grammar(matcher: Matcher, request_id: str, token: int) -> str | None:
        """"stop" once the grammar is complete (no need to spend a step sampling EOS)."""
        if not matcher.advance(token):
            # The mask allows only what the grammar accepts, so this is a bug, not bad input:
            # end the request visibly rather than let it run on unconstrained.
            log.error("request %s: grammar rejected token %d: %s", request_id, token,
                      matcher.error)
            return "abort"
        return "stop" if matcher.done else None

    @staticmethod
    def _output(r: _Request, token_ids: list[int], text: str, reason: str | None) -> RequestOutput:
        seq = r.seq
        return RequestOutput(
            request_id=seq.request_id, token_ids=token_ids, text=text,
            finished=reason is not None, finish_reason=reason,
            prompt_tokens=seq.num_prompt_tokens, completion_tokens=seq.num_output_tokens,
            cached_tokens=seq.num_cached_tokens,
        )
