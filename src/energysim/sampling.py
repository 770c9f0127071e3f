"""Random streams: one child stream per named uncertain input and per block of paths.

Streams follow scientific-python SPEC 7: every draw comes from a ``numpy.random.Generator``
built from ``SeedSequence(seed, spawn_key=(stream_id(name), block))``. Paths are cut into
fixed blocks of :data:`BLOCK_PATHS`; a chunk is a whole number of blocks, so results do not
depend on the chunk size or the number of worker threads, and adding an input (a disruption, a
hazard) leaves the draws of every other input unchanged (common random numbers).

The engine's uniforms and keys are computed by a compiled copy of numpy's SeedSequence and
PCG64 (:mod:`energysim.kernels.seeding`: the same numbers, bit for bit, without the Python
cost of building a Generator for every stream and block), and the draws by compiled inverse
CDFs (:func:`energysim.kernels.draws.ppf`).
"""

from __future__ import annotations

import zlib

import numpy as np

from .kernels import draws, seeding

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
    """Hands out the uniforms or the key of a named input for one block of paths."""

    def __init__(self, seed: int, block: int, n_paths: int) -> None:
        self.seed = seed
        self.block = block
        self.n = n_paths
        self.used: list[str] = []
        # The entropy words of stream 0 of this block; a stream's differ only in its id's word
        # (one word: a CRC-32), just before the block's words.
        self._words = seeding.entropy_words(seed, (0, block))
        self._id_at = self._words.size - seeding.entropy_words(block, ()).size - 1

    def _claim(self, name: str) -> None:
        if name in self.used:
            raise RuntimeError(f"stream {name!r} drawn twice in one block")
        self.used.append(name)

    def _entropy(self, name: str) -> np.ndarray:
        """The entropy words of :func:`seed_sequence` (seed, name, block)."""
        words = self._words.copy()
        words[self._id_at] = stream_id(name)
        return words

    def key(self, name: str) -> np.uint64:
        """The 64-bit key of stream ``name`` for this block: the draws made inside the compiled
        kernels (:mod:`energysim.kernels.rng`); ``seed_sequence(...).generate_state(1, np.uint64)[0]``."""
        self._claim(name)
        return np.uint64(seeding.stream_key(self._entropy(name)))

    def uniforms(self, name: str) -> np.ndarray:
        """One uniform per path of stream ``name``: ``generator(seed, name, block).random(n)``,
        computed without building the Generator."""
        self._claim(name)
        out = np.empty(self.n)
        seeding.fill_stream_uniforms(self._entropy(name), out)
        return out

    def draw(self, name: str, dist: object) -> np.ndarray:
        """``n`` draws of a distribution object (a ``Dist``: inverse transform of
        :meth:`uniforms`, as its ``sample``) [float64]."""
        if getattr(dist, "is_fixed", False):
            self.used.append(name)
            return np.full(self.n, dist.center())  # type: ignore[attr-defined]
        u = self.uniforms(name)
        return draws.ppf(dist, u, out=u)


class ChunkStreams:
    """The streams of consecutive blocks run together as one chunk of paths.

    Every draw is still made per block (from that block's stream, as its :class:`Streams` would
    draw it, so it depends only on the seed, the stream name and the block; one compiled call
    fills all the blocks) and the blocks' draws are concatenated along the paths axis; the model then runs once on the whole chunk (fewer, larger array operations)
    and gives each path the same numbers as a run of its block alone.
    """

    def __init__(self, seed: int, blocks: list[tuple[int, int]]) -> None:
        self.parts = [Streams(seed, b, n) for b, n in blocks]
        self.offsets = np.cumsum([0] + [n for _, n in blocks]).tolist()
        self.n = int(self.offsets[-1])
        # The entropy words of stream 0 of each block, one block after the other, and where each
        # block's start and its stream id's word are: a stream's words for the whole chunk.
        self._words = np.concatenate([st._words for st in self.parts])
        self._word_starts = np.cumsum([0] + [st._words.size for st in self.parts])
        self._id_at = self._word_starts[:-1] + np.array([st._id_at for st in self.parts], np.int64)
        self._path_starts = np.array(self.offsets, np.int64)

    def _entropy(self, name: str) -> np.ndarray:
        """The entropy words of stream ``name`` in every block (claimed in each)."""
        for st in self.parts:
            st._claim(name)
        words = self._words.copy()
        words[self._id_at] = stream_id(name)
        return words

    def draw(self, name: str, dist: object) -> np.ndarray:
        """``n`` draws of a distribution object, block by block [float64]."""
        if getattr(dist, "is_fixed", False):
            for st in self.parts:
                st.used.append(name)
            return np.full(self.n, dist.center())  # type: ignore[attr-defined]
        u = self.uniforms(name)
        return draws.ppf(dist, u, out=u)  # elementwise: the same values as block by block

    def keys(self, name: str) -> np.ndarray:
        """The key of stream ``name`` in each block, (blocks,) uint64 (as :meth:`Streams.key`)."""
        return seeding.stream_keys(self._entropy(name), self._word_starts)

    def uniforms(self, name: str) -> np.ndarray:
        """One uniform per path of stream ``name`` (``generator(seed, name, block).random(n)`` in each block)."""
        out = np.empty(self.n)
        seeding.fill_streams_uniforms(self._entropy(name), self._word_starts, self._path_starts, out)
        return out
