"""Maps sequences onto blocks: prefix matching, slot allocation, caching full blocks, freeing.

The interface the scheduler sees; it moves block ids on Sequence objects and never touches
tensors. A block's prefix hash covers every token before it and the adapter id, so two requests
share a block only when everything the block's KV depends on is the same. When every layer has a
sliding window, the blocks that slid out of it go back to the pool while the sequence runs.
"""

from __future__ import annotations

import hashlib

from engine.block_pool import NULL_BLOCK, BlockPool
from engine.sequence import Sequence


def block_hash(parent: bytes | None, tokens: list[int], adapter_id: str | None) -> bytes:
    """A collision-resistant chain hash: (parent hash, the block's tokens, adapter)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(parent or b"root")
    h.update((adapter_id or "").encode())
    h.update(b"|")
    h.update(b",".join(str(t).encode() for t in tokens))
    return h.digest()


def freeable_window(windows: list[int | None]) -> int | None:
    """The sliding window to give blocks back by, from each layer's (None: a global layer).
    Only when every layer slides (Mistral): one block table serves all layers, so a model that
    mixes global layers in (Gemma 2/3) keeps every block for them. vLLM frees the sliding layers'
    blocks there too, with a table per kind of layer; we keep all."""
    if not windows or None in windows:
        return None
    return max(w for w in windows if w is not None)


class KVCacheManager:
    """Block bookkeeping for the scheduler (block size in tokens, prefix caching on or off).

    `sliding_window`: every layer's query at position p sees the keys at p - window < k <= p, so
    a running sequence's blocks wholly before its next query's window are freed and their table
    slots hold the pool's null block (reserved for that), which the attention masks."""

    def __init__(self, num_blocks: int, block_size: int, enable_prefix_caching: bool = True,
                 sliding_window: int | None = None) -> None:
        if sliding_window is not None and sliding_window < 1:
            raise ValueError(f"a sliding window covers at least one token, got {sliding_window}")
        self.block_size = block_size
        self.sliding_window = sliding_window
        self.pool = BlockPool(num_blocks, reserve_null=sliding_window is not None)
        self.enable_prefix_caching = enable_prefix_caching

    @property
    def num_free_blocks(self) -> int:
        return self.pool.num_free

    def blocks_needed(self, num_tokens: int) -> int:
        return -(-num_tokens // self.block_size)

    def held_blocks(self, seq: Sequence) -> list[int]:
        """The blocks the sequence holds a reference on (not the null block's placeholders)."""
        return [b for b in seq.block_ids if b != self.pool.null_block]

    def computed_blocks(self, seq: Sequence) -> list[int]:
        """The longest cached prefix of full blocks. The last token is always left to compute,
        because its logits are needed to sample."""
        if not self.enable_prefix_caching:
            return []
        hashes = self._full_block_hashes(seq, (seq.num_tokens - 1) // self.block_size)
        if self.sliding_window is not None:
            return self._window_hits(hashes, self.sliding_window)
        hits = []
        for h in hashes:
            block = self.pool.lookup(h)
            if block is None:
                break
            hits.append(block)
        return hits

    def allocate(self, seq: Sequence, num_new_tokens: int, computed: list[int] | None = None) -> bool:
        """Make room for num_new_tokens more computed tokens; False (and no change but blocks
        freed from behind the window) if the pool is short. `computed` are prefix-hit blocks for a
        sequence that holds none yet."""
        computed = computed or []
        self._free_out_of_window(seq)
        have = len(seq.block_ids) + len(computed)
        start = seq.num_computed_tokens + len(computed) * self.block_size
        need = self.blocks_needed(start + num_new_tokens) - have
        # Hits already behind the first new token's window are not taken (null slots instead).
        skip = min(self._num_skipped_blocks(start), len(computed))
        kept = computed[skip:]
        # Prefix-hit blocks sitting on the free list are not free for this request to take too.
        evictable_hits = sum(1 for b in kept if self.pool.ref_counts[b] == 0)
        if need > self.pool.num_free - evictable_hits:
            return False
        if computed:
            self.pool.touch(kept)
            seq.block_ids.extend([NULL_BLOCK] * skip + kept)
            seq.block_hashes = self._full_block_hashes(seq, len(computed))
        if need > 0:
            seq.block_ids.extend(self.pool.allocate(need) or [])
        return True

    def cache_full_blocks(self, seq: Sequence) -> None:
        """Register the blocks that became full of computed tokens, so later requests reuse them.
        (Called every step: a block is registered before it can slide out of the window.)"""
        if not self.enable_prefix_caching:
            return
        num_full = seq.num_computed_tokens // self.block_size
        start = len(seq.block_hashes)
        if num_full <= start:
            return
        parent = seq.block_hashes[-1] if seq.block_hashes else None
        for i in range(start, num_full):
            tokens = seq.token_ids[i * self.block_size : (i + 1) * self.block_size]
            parent = block_hash(parent, tokens, seq.adapter_id)
            seq.block_hashes.append(parent)
            self.pool.cache(seq.block_ids[i], parent)

    def free(self, seq: Sequence) -> None:
        self.pool.free(seq.block_ids)
        seq.block_ids = []
        seq.block_hashes = []

    def _num_skipped_blocks(self, num_computed: int) -> int:
        """Leading blocks no query from position num_computed on can see: that query's window
        starts at num_computed - window + 1, and a chunk's later queries start later still."""
        if self.sliding_window is None:
            return 0
        return max(0, num_computed - self.sliding_window + 1) // self.block_size

    def _free_out_of_window(self, seq: Sequence) -> None:
        """Give back the blocks that slid out of the window since the last call (vLLM v1's
        remove_skipped_blocks). They keep their prefix hash: their KV is still that prefix's."""
        n = min(self._num_skipped_blocks(seq.num_computed_tokens), len(seq.block_ids))
        freed = []
        for i in range(n - 1, -1, -1):  # back to the slots freed by an earlier call
            if seq.block_ids[i] == NULL_BLOCK:
                break
            freed.append(seq.block_ids[i])
            seq.block_ids[i] = NULL_BLOCK
        self.pool.free(freed[::-1])

    def _window_hits(self, hashes: list[bytes], window: int) -> list[int]:
        """The longest prefix whose last blocks, those the next query's window reaches, are all
        cached; the blocks before them may be evicted already and come back as null blocks
        (vLLM's right-to-left search). A shorter run from the start is a hit too."""
        need = max(1, -(-(window - 1) // self.block_size))  # the query sees window - 1 before it
        run: list[int] = []  # the cached blocks from i on, the rightmost first
        for i in range(len(hashes) - 1, -1, -1):
            block = self.pool.lookup(hashes[i])
            if block is None:
                run = []
                continue
            run.append(block)
            if len(run) == need:
                return [NULL_BLOCK] * i + run[::-1]
        return run[::-1]

    def _full_block_hashes(self, seq: Sequence, n: int) -> list[bytes]:
        hashes: list[bytes] = []
        parent = None
        for i in range(n):
            tokens = seq.token_ids[i * self.block_size : (i + 1) * self.block_size]
            parent = block_hash(parent, tokens, seq.adapter_id)
            hashes.append(parent)
        return hashes
