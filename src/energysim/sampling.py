"""Random streams: one child stream per named uncertain input and per block of paths.

Streams follow scientific-python SPEC 7: every draw comes from a ``numpy.random.Generator``
built from ``SeedSequence(seed, spawn_key=(stream_id(name), block))``. Paths are cut into
fixed blocks of :data:`BLOCK_PATHS`; a chunk is a whole number of blocks, so results do not
depend on the chunk size or the number of worker threads, and adding an input (a disruption, a
hazard) leaves the draws of every other input unchanged (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["BLOCK_PATHS", "stream_id", "seed_sequence", "generator", "Streams"]

#: Paths per seeding block. A run of N paths uses blocks 0..ceil(N / BLOCK_PATHS) - 1.
BLOCK_PATHS = 8192


def stream_id(name: str) -> int:
    """Stable 32-bit id of a named stream (CRC-32 of its UTF-8 name)."""
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(seed: int, name: str, block: int) -> np.random.SeedSequence:
    """The seed of stream ``name`` for block ``block``."""
    return np.random.SeedSequence(seed, spawn_key=(stream_id(name), block))


def generator(seed: int, name: str, block: int) -> np.random.Generator:
    """The generator of stream ``name`` for block ``block``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, name, block)))


class Streams:
    """Hands out the generator of a named input for one block of paths."""

    def __init__(self, seed: int, block: int, n_paths: int) -> None:
        self.seed = seed
        self.block = block
        self.n = n_paths
        self.used: list[str] = []

    def _claim(self, name: str) -> None:
        if name in self.used:
            raise RuntimeError(f"stream {name!r} drawn twice in one block")
        self.used.append(name)

    def rng(self, name: str) -> np.random.Generator:
        self._claim(name)
        return generator(self.seed, name, self.block)

    def key(self, name: str) -> np.uint64:
        """The 64-bit key of stream ``name`` for this block: the draws made inside the compiled
        kernels (:mod:`energysim.kernels.rng`)."""
        self._claim(name)
        return seed_sequence(self.seed, name, self.block).generate_state(1, np.uint64)[0]

    def draw(self, name: str, dist: object) -> np.ndarray:
        """``n`` draws of a distribution object (anything with ``sample(rng, n)``) [float64]."""
        if getattr(dist, "is_fixed", False):
            self.used.append(name)
            return np.full(self.n, dist.center())  # type: ignore[attr-defined]
        return np.asarray(dist.sample(self.rng(name), self.n), dtype=np.float64)  # type: ignore[attr-defined]


class ChunkStreams:
    """The streams of consecutive blocks run together as one chunk of paths.

    Every draw is still made per block (from that block's :class:`Streams`, so it depends only on
    the seed, the stream name and the block) and the blocks' draws are concatenated along the
    paths axis; the model then runs once on the whole chunk (fewer, larger array operations)
    and gives each path the same numbers as a run of its block alone.
    """

    def __init__(self, seed: int, blocks: list[tuple[int, int]]) -> None:
        self.parts = [Streams(seed, b, n) for b, n in blocks]
        self.offsets = np.cumsum([0] + [n for _, n in blocks]).tolist()
        self.n = int(self.offsets[-1])

    def draw(self, name: str, dist: object) -> np.ndarray:
        """``n`` draws of a distribution object, block by block [float64]."""
        if len(self.parts) == 1:
            return self.parts[0].draw(name, dist)
        if getattr(dist, "is_fixed", False):
            for st in self.parts:
                st.used.append(name)
            return np.full(self.n, dist.center())  # type: ignore[attr-defined]
        return np.concatenate([st.draw(name, dist) for st in self.parts])

    def keys(self, name: str) -> np.ndarray:
        """The key of stream ``name`` in each block, (blocks,) uint64."""
        return np.array([st.key(name) for st in self.parts], dtype=np.uint64)

    def uniforms(self, name: str) -> np.ndarray:
        """One uniform per path of stream ``name`` (``rng.random(n)`` in each block)."""
        if len(self.parts) == 1:
            return self.parts[0].rng(name).random(self.n)
        return np.concatenate([st.rng(name).random(st.n) for st in self.parts])
