"""numpy's SeedSequence and PCG64, compiled: a named stream's key and uniforms without the GIL.

Every draw of a block comes from ``SeedSequence(seed, spawn_key=(stream id, block))``
(:mod:`energysim.sampling`): either as ``Generator(PCG64(seed_sequence)).random(n)`` or as the
64-bit key of the compiled counter-based generator (:mod:`energysim.kernels.rng`). Building a
SeedSequence, a PCG64 and a Generator costs about 45 us of Python a stream, about 100 streams a
chunk, all holding the GIL; the functions here compute the same numbers, bit for bit, in
compiled code (tests/test_draw_kernels.py checks them against numpy on many seeds).

numpy guarantees that both algorithms keep their streams across versions (NEP 19), which is
what makes a copy safe:

- **SeedSequence** (O'Neill's seed_seq design as in numpy's ``bit_generator.pyx``): the
  entropy words (the seed's 32-bit words, zero-padded to the pool size when there is a spawn
  key, then the spawn key's words) are hashed into a pool of four 32-bit words
  (:func:`entropy_pool`), which :func:`generate_words` hashes again into output words.
- **PCG64** (O'Neill 2014, "PCG: a family of simple fast space-efficient statistically good
  algorithms for random number generation"; numpy's ``pcg64.h``): a 128-bit LCG, output by
  XSL-RR, seeded from four 64-bit words of the SeedSequence (state high/low, increment
  high/low). ``Generator.random`` keeps the top 53 bits of each 64-bit output.

The 128-bit arithmetic is done on (high, low) pairs of uint64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["entropy_words", "entropy_pool", "generate_words", "stream_key", "stream_keys", "fill_stream_uniforms",
           "fill_streams_uniforms"]

_M32 = np.uint64(0xFFFFFFFF)
_S16 = np.uint64(16)  # SeedSequence's XSHIFT: half a 32-bit word
_S32 = np.uint64(32)
# SeedSequence's hash constants (numpy bit_generator.pyx)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
POOL_SIZE = 4  # SeedSequence's default pool size [32-bit words]

# PCG64: the default 128-bit multiplier (pcg64.h's PCG_DEFAULT_MULTIPLIER_128), high and low words
_PCG_MULT_HI = np.uint64(2549297995355413924)
_PCG_MULT_LO = np.uint64(4865540595714422341)
_ONE = np.uint64(1)
_S58 = np.uint64(58)  # XSL-RR: the top 6 bits of the state give the rotation
_S11 = np.uint64(11)
_ROT_MASK = np.uint64(63)
_U53 = 1.0 / 9007199254740992.0  # 2**-53, as numpy's next_double


def entropy_words(seed: int, spawn_key: tuple[int, ...]) -> np.ndarray:
    """The entropy words of ``SeedSequence(seed, spawn_key=spawn_key)`` (its assembled entropy),
    uint32: each integer as little-endian 32-bit words (0 as one word), the seed's padded with
    zeros to the pool size when there is a spawn key (numpy >= 1.19)."""

    def words(x: int) -> list[int]:
        if x < 0:
            raise ValueError(f"seed and spawn key must be non-negative integers (given {x})")
        out = [x & 0xFFFFFFFF]
        while x > 0xFFFFFFFF:
            x >>= 32
            out.append(x & 0xFFFFFFFF)
        return out

    run = words(int(seed))
    spawn = [w for k in spawn_key for w in words(int(k))]
    if spawn and len(run) < POOL_SIZE:
        run += [0] * (POOL_SIZE - len(run))
    return np.array(run + spawn, dtype=np.uint32)


@njit(nogil=True, cache=True, inline="always")
def _hashmix(value, hash_const):  # noqa: ANN001, ANN202 - compiled; 32-bit words held in uint64
    """SeedSequence's ``hashmix``: (hashed value, next hash constant)."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _M32
    value = (value * hash_const) & _M32
    return value ^ (value >> _S16), hash_const


@njit(nogil=True, cache=True, inline="always")
def _mix(x, y):  # noqa: ANN001, ANN202
    """SeedSequence's ``mix`` of two 32-bit words."""
    r = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
    return r ^ (r >> _S16)


@njit(nogil=True, cache=True)
def entropy_pool(entropy):  # noqa: ANN001, ANN201
    """SeedSequence's pool (``mix_entropy``) of the uint32 ``entropy`` words: POOL_SIZE words, uint64."""
    pool = np.zeros(POOL_SIZE, np.uint64)
    h = _INIT_A
    for i in range(POOL_SIZE):
        w = np.uint64(entropy[i]) if i < entropy.size else np.uint64(0)
        pool[i], h = _hashmix(w, h)
    for i_src in range(POOL_SIZE):
        for i_dst in range(POOL_SIZE):
            if i_src != i_dst:
                v, h = _hashmix(pool[i_src], h)
                pool[i_dst] = _mix(pool[i_dst], v)
    for i_src in range(POOL_SIZE, entropy.size):
        for i_dst in range(POOL_SIZE):
            v, h = _hashmix(np.uint64(entropy[i_src]), h)
            pool[i_dst] = _mix(pool[i_dst], v)
    return pool


@njit(nogil=True, cache=True)
def generate_words(pool, n_words):  # noqa: ANN001, ANN201
    """SeedSequence's ``generate_state(n_words, np.uint64)`` from its ``pool``: each 64-bit word
    is two consecutive 32-bit outputs, the first one low."""
    out = np.empty(n_words, np.uint64)
    h = _INIT_B
    for i in range(2 * n_words):
        v = pool[i % POOL_SIZE] ^ h
        h = (h * _MULT_B) & _M32
        v = (v * h) & _M32
        v ^= v >> _S16
        if i % 2 == 0:
            out[i // 2] = v
        else:
            out[i // 2] |= v << _S32
    return out


@njit(nogil=True, cache=True)
def stream_key(entropy):  # noqa: ANN001, ANN201
    """``SeedSequence(...).generate_state(1, np.uint64)[0]`` of the ``entropy`` words."""
    return generate_words(entropy_pool(entropy), 1)[0]


@njit(nogil=True, cache=True)
def stream_keys(entropy, starts):  # noqa: ANN001, ANN201
    """:func:`stream_key` of several streams at once: stream ``i``'s entropy words are
    ``entropy[starts[i]:starts[i + 1]]``."""
    out = np.empty(starts.size - 1, np.uint64)
    for i in range(out.size):
        out[i] = stream_key(entropy[starts[i]:starts[i + 1]])
    return out


@njit(nogil=True, cache=True, inline="always")
def _mulhi(a, b):  # noqa: ANN001, ANN202
    """The high 64 bits of the 128-bit product of two uint64 (schoolbook on 32-bit halves)."""
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    t = a1 * b0 + ((a0 * b0) >> _S32)
    w = (t & _M32) + a0 * b1
    return a1 * b1 + (t >> _S32) + (w >> _S32)


@njit(nogil=True, cache=True, inline="always")
def _step(hi, lo, inc_hi, inc_lo):  # noqa: ANN001, ANN202
    """One PCG64 step, ``state * multiplier + increment`` modulo 2**128, on (high, low) words."""
    new_hi = hi * _PCG_MULT_LO + lo * _PCG_MULT_HI + _mulhi(lo, _PCG_MULT_LO)
    new_lo = lo * _PCG_MULT_LO
    lo2 = new_lo + inc_lo
    carry = _ONE if lo2 < new_lo else np.uint64(0)
    return new_hi + inc_hi + carry, lo2


@njit(nogil=True, cache=True)
def fill_stream_uniforms(entropy, out):  # noqa: ANN001, ANN201
    """``out[:]`` = ``Generator(PCG64(seed_sequence)).random(out.size)`` for the SeedSequence of
    the ``entropy`` words: PCG64 seeded as numpy's ``pcg64_set_seed`` (state 0, step, add the
    seed, step), then one XSL-RR output a value, its top 53 bits scaled to [0, 1)."""
    seed = generate_words(entropy_pool(entropy), 4)
    inc_hi = (seed[2] << _ONE) | (seed[3] >> np.uint64(63))  # increment = (initseq << 1) | 1
    inc_lo = (seed[3] << _ONE) | _ONE
    hi, lo = _step(np.uint64(0), np.uint64(0), inc_hi, inc_lo)
    lo2 = lo + seed[1]
    hi = hi + seed[0] + (_ONE if lo2 < lo else np.uint64(0))
    hi, lo = _step(hi, lo2, inc_hi, inc_lo)
    for i in range(out.size):
        hi, lo = _step(hi, lo, inc_hi, inc_lo)
        x = hi ^ lo
        rot = hi >> _S58
        word = (x >> rot) | (x << ((np.uint64(64) - rot) & _ROT_MASK))
        out[i] = float(np.int64(word >> _S11)) * _U53


@njit(nogil=True, cache=True)
def fill_streams_uniforms(entropy, starts, out_starts, out):  # noqa: ANN001, ANN201
    """:func:`fill_stream_uniforms` of several streams at once: stream ``i``'s entropy words are
    ``entropy[starts[i]:starts[i + 1]]``, its uniforms ``out[out_starts[i]:out_starts[i + 1]]``."""
    for i in range(starts.size - 1):
        fill_stream_uniforms(entropy[starts[i]:starts[i + 1]], out[out_starts[i]:out_starts[i + 1]])
