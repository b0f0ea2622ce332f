"""The pool of KV blocks: a free list in eviction order, reference counts, and the prefix map.

A block whose last user freed it keeps its contents and its prefix hash until it is handed out
again, so a later request with the same prefix can take it back (vLLM v1's design). Block ids
only; no tensors.
"""

from __future__ import annotations

from collections import OrderedDict

NULL_BLOCK = 0  # with `reserve_null`: the placeholder of a block table slot that holds no KV


class BlockPool:
    """Hands out block ids; the least recently freed cached block is evicted first.

    `reserve_null`: block 0 is never handed out, written or freed; it stands in a sequence's block
    table for blocks given back early (slid out of the attention window), and the attention only
    reads it under a mask, as it reads a padded decode table's column."""

    def __init__(self, num_blocks: int, reserve_null: bool = False) -> None:
        if num_blocks < 1 + reserve_null:
            raise ValueError("the KV cache needs at least one block (besides a null block)")
        self.num_blocks = num_blocks  # block ids, the null block included
        self.null_block = NULL_BLOCK if reserve_null else None
        self.capacity = num_blocks - reserve_null  # blocks that can be handed out
        self.ref_counts = [0] * num_blocks
        self.block_hash: list[bytes | None] = [None] * num_blocks
        self.cached: dict[bytes, int] = {}  # prefix hash -> block id
        self.num_cached_free = 0  # free blocks that still hold a reusable prefix
        # Free blocks in eviction order (front first); OrderedDict gives O(1) removal from the middle.
        self._free: OrderedDict[int, None] = OrderedDict.fromkeys(range(reserve_null, num_blocks))

    @property
    def num_free(self) -> int:
        return len(self._free)

    def lookup(self, block_hash: bytes) -> int | None:
        return self.cached.get(block_hash)

    def allocate(self, n: int) -> list[int] | None:
        """n fresh blocks, or None (and nothing taken) when fewer than n are free."""
        if n > len(self._free):
            return None
        ids = []
        for _ in range(n):
            block, _ = self._free.popitem(last=False)
            if self.block_hash[block] is not None:
                self.num_cached_free -= 1
            self._forget(block)
            self.ref_counts[block] = 1
            ids.append(block)
        return ids

    def touch(self, ids: list[int]) -> None:
        """Take a reference on cached blocks (a prefix hit); a free one leaves the free list."""
        for block in ids:
            if self.ref_counts[block] == 0:
                del self._free[block]
                self.num_cached_free -= self.block_hash[block] is not None
            self.ref_counts[block] += 1

    def free(self, ids: list[int]) -> None:
        """Drop a reference; ids are given in order, so the tail of a sequence is evicted first."""
        for block in reversed(ids):
            if block == self.null_block:
                continue
            self.ref_counts[block] -= 1
            if self.ref_counts[block] < 0:
                raise RuntimeError(f"block {block} freed twice")
            if self.ref_counts[block] == 0:
                self._free[block] = None
                self.num_cached_free += self.block_hash[block] is not None

    def cache(self, block: int, block_hash: bytes) -> None:
        """Register a full block under its prefix hash (first writer wins)."""
        if block == self.null_block:
            raise RuntimeError("the null block holds no KV to cache")
        if self.block_hash[block] is None and block_hash not in self.cached:
            self.block_hash[block] = block_hash
            self.cached[block_hash] = block

    def _forget(self, block: int) -> None:
        h = self.block_hash[block]
        if h is not None:
            self.block_hash[block] = None
            if self.cached.get(h) == block:
                del self.cached[h]
