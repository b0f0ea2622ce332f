"""Maps sequences onto blocks: prefix matching, slot allocation, caching full blocks, freeing.

The interface the scheduler sees; it moves block ids on Sequence objects and never touches
tensors. A block's prefix hash covers every token before it and the adapter id, so two requests
share a block only when everything the block's KV depends on is the same.
"""

from __future__ import annotations

import hashlib

from engine.block_pool import BlockPool
from engine.sequence import Sequence


def block_hash(parent: bytes | None, tokens: list[int], adapter_id: str | None) -> bytes:
    """A collision-resistant chain hash: (parent hash, the block's tokens, adapter)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(parent or b"root")
    h.update((adapter_id or "").encode())
    h.update(b"|")
    h.update(b",".join(str(t).encode() for t in tokens))
    return h.digest()


class KVCacheManager:
    """Block bookkeeping for the scheduler (block size in tokens, prefix caching on or off)."""

    def __init__(self, num_blocks: int, block_size: int, enable_prefix_caching: bool = True) -> None:
        self.block_size = block_size
        self.pool = BlockPool(num_blocks)
        self.enable_prefix_caching = enable_prefix_caching

    @property
    def num_free_blocks(self) -> int:
        return self.pool.num_free

    def blocks_needed(self, num_tokens: int) -> int:
        return -(-num_tokens // self.block_size)

    def computed_blocks(self, seq: Sequence) -> list[int]:
        """The longest cached prefix of full blocks. The last token is always left to compute,
        because its logits are needed to sample."""
        if not self.enable_prefix_caching:
            return []
        hashes = self._full_block_hashes(seq, (seq.num_tokens - 1) // self.block_size)
        hits = []
        for h in hashes:
            block = self.pool.lookup(h)
            if block is None:
                break
            hits.append(block)
        return hits

    def allocate(self, seq: Sequence, num_new_tokens: int, computed: list[int] | None = None) -> bool:
        """Make room for num_new_tokens more computed tokens; False (and no change) if the pool is
        short. `computed` are prefix-hit blocks for a sequence that holds none yet."""
        computed = computed or []
        have = len(seq.block_ids) + len(computed)
        total = seq.num_computed_tokens + len(computed) * self.block_size + num_new_tokens
        need = self.blocks_needed(total) - have
        # Prefix-hit blocks sitting on the free list are not free for this request to take too.
        evictable_hits = sum(1 for b in computed if self.pool.ref_counts[b] == 0)
        if need > self.pool.num_free - evictable_hits:
            return False
        if computed:
            self.pool.touch(computed)
            seq.block_ids.extend(computed)
            seq.block_hashes = self._full_block_hashes(seq, len(computed))
        if need > 0:
            seq.block_ids.extend(self.pool.allocate(need) or [])
        return True

    def cache_full_blocks(self, seq: Sequence) -> None:
        """Register the blocks that became full of computed tokens, so later requests reuse them."""
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

    def _full_block_hashes(self, seq: Sequence, n: int) -> list[bytes]:
        hashes: list[bytes] = []
        parent = None
        for i in range(n):
            tokens = seq.token_ids[i * self.block_size : (i + 1) * self.block_size]
            parent = block_hash(parent, tokens, seq.adapter_id)
            hashes.append(parent)
        return hashes
