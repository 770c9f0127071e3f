"""Counter-based standard normals and uniforms for the compiled kernels: SplitMix64 and a ziggurat.

The noise of a path (Brent's two factors, the crack spread of each fuel) is generated inside
:func:`energysim.kernels.paths.path_model`, where it is used, instead of being drawn into
arrays first: the normals never go through memory, and no generator state is shared, so any
path can be computed on its own.

- **Bits**: SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
  generators", OOPSLA'14; the reference C code is Vigna's ``splitmix64.c``, the seeder of the
  xoshiro generators): the ``i``-th output of a stream seeded ``s`` is ``mix(s + i * gamma)``
  with gamma the odd integer closest to 2**64 / golden ratio and ``mix`` Stafford's variant 13
  of MurmurHash3's finaliser, a bijection of 64-bit words. It passes TestU01's BigCrush. Being
  a function of its index, it is counter-based: any draw can be computed on its own.
- **Streams**: the 64-bit key of a stream comes from ``SeedSequence(seed, spawn_key=(stream id,
  block))`` (:meth:`energysim.sampling.Streams.key`), as for every other draw. Each path of a
  block gets its own SplitMix64 sequence, seeded by output ``path`` of the key's sequence
  (:func:`path_seed`): a path's draws are a hash of the key and the path, so paths are not
  shifted copies of each other. Word ``q`` (from 1) of a path gives the normals of steps
  ``2q - 2`` and ``2q - 1`` (low and high 32 bits).
- **Normals**: the ziggurat of Marsaglia & Tsang (2000, "The ziggurat method for generating
  random variables", J. Stat. Softw. 5(8)) with 256 layers, one 32-bit word a normal on the
  fast path (8 bits of layer, 1 bit of sign, 23 bits of abscissa: float32 resolution, as
  numpy's float32 ziggurat). The rare slow paths (wedges, tail beyond r = 3.654) take fresh
  words of the path's sequence from index 2**32 + step * 2**16 + attempt, which no fast-path
  word uses.

:func:`normals` fills an array with the same numbers, for tests and for reference pipelines.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["splitmix64", "path_seed", "path_normals", "fill_normals", "normals", "slot_uniform", "uniforms_at",
           "ZIGGURAT_R"]

# SplitMix64 (Vigna's splitmix64.c): the Weyl increment and the finaliser's constants
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_MASK = np.uint64(0xFFFFFFFF)
_ONE = np.uint64(1)
_SLOW_BASE = np.uint64(1 << 32)  # slow-path words start here in a path's sequence
_S16 = np.uint64(16)


@njit(nogil=True, cache=True, inline="always")
def splitmix64(seed, i):  # noqa: ANN001, ANN201 - compiled; uint64 arithmetic modulo 2**64
    """Output ``i`` (from 1) of the SplitMix64 sequence seeded ``seed``: ``mix(seed + i * gamma)``."""
    z = seed + i * _GAMMA
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


@njit(nogil=True, cache=True, inline="always")
def path_seed(key, path):  # noqa: ANN001, ANN201
    """The seed of path ``path`` (from 0, uint64) of the stream keyed ``key``."""
    return splitmix64(key, path + _ONE)


#: Ziggurat with 256 layers (Marsaglia & Tsang 2000): the start of the tail, and the area of
#: each layer (base strip with tail included).
ZIGGURAT_R = 3.6541528853610088
_ZIGGURAT_V = 0.00492867323399
_SCALE = float(1 << 23)  # 23 bits of abscissa


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marsaglia & Tsang's ``zigset`` for 256 layers and 23-bit abscissae: acceptance bounds
    ``k`` (int64, compared with int64 abscissae: a signed compare and conversion), widths ``w``
    and densities ``f`` (float64), computed with Python's math."""
    n = 256
    k = np.zeros(n, np.int64)
    w = np.zeros(n)
    f = np.zeros(n)
    dn = tn = ZIGGURAT_R
    q = _ZIGGURAT_V / math.exp(-0.5 * dn * dn)
    k[0] = int(dn / q * _SCALE)
    k[1] = 0
    w[0] = q / _SCALE
    w[n - 1] = dn / _SCALE
    f[0] = 1.0
    f[n - 1] = math.exp(-0.5 * dn * dn)
    for i in range(n - 2, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_ZIGGURAT_V / dn + math.exp(-0.5 * dn * dn)))
        k[i + 1] = int(dn / tn * _SCALE)
        tn = dn
        f[i] = math.exp(-0.5 * dn * dn)
        w[i] = dn / _SCALE
    return k, w, f


_K, _W, _F = _ziggurat_tables()
#: The widths with the sign bit of the word applied, entry ``layer + 256 * sign``: one load
#: instead of computing the sign (3.6 instead of 4.2 ns a normal; the same numbers, as
#: ``x * -w == -(x * w)`` exactly).
_W_SIGNED = np.concatenate([_W, -_W])
_INV_R = 1.0 / ZIGGURAT_R
_U24 = 1.0 / float(1 << 24)
_B8 = np.uint64(8)
_B9 = np.uint64(9)
_LOW8 = np.uint64(0xFF)
_LOW9 = np.uint64(0x1FF)


@njit(nogil=True, cache=True)
def _unit(word):  # noqa: ANN001, ANN202
    """A uniform in (0, 1] from the top 24 bits of a 32-bit word."""
    return float((word >> _B8) + _ONE) * _U24


@njit(nogil=True, cache=True)
def _slow(word, seed, step):  # noqa: ANN001, ANN202
    """The ziggurat's rejection loop for a word that missed the fast path (``seed``: the path's)."""
    idx = np.int64(word & _LOW8)
    negative = (word >> _B8) & _ONE
    rabs = np.int64(word >> _B9)
    attempt = np.uint64(1)
    while True:
        x = float(rabs) * _W[idx]
        u = splitmix64(seed, _SLOW_BASE + (step << _S16) + attempt)
        u0, u1 = u & _MASK, u >> _S32
        attempt += _ONE
        if idx == 0:  # the tail beyond r: Marsaglia's exponential rejection
            xx = -math.log(_unit(u0)) * _INV_R
            yy = -math.log(_unit(u1))
            if yy + yy > xx * xx:
                x = ZIGGURAT_R + xx
                return -x if negative else x
            continue
        if _F[idx] + _unit(u0) * (_F[idx - 1] - _F[idx]) < math.exp(-0.5 * x * x):
            return -x if negative else x
        word = u1  # a new draw
        idx = np.int64(word & _LOW8)
        negative = (word >> _B8) & _ONE
        rabs = np.int64(word >> _B9)
        if rabs < _K[idx]:
            x = float(rabs) * _W[idx]
            return -x if negative else x


@njit(nogil=True, cache=True, inline="always")
def _normal(word, seed, step):  # noqa: ANN001, ANN202
    """The standard normal of the 32-bit ``word`` drawn for ``step`` of the path seeded ``seed``;
    the sign is applied without a branch (it is a coin flip, which a branch predictor gets
    wrong half the time), by the signed width of the layer (bits 0-8 of the word)."""
    idx = np.int64(word & _LOW8)
    rabs = np.int64(word >> _B9)
    if rabs < _K[idx]:
        return float(rabs) * _W_SIGNED[np.int64(word & _LOW9)]
    return _slow(word, seed, np.uint64(step))


@njit(nogil=True, cache=True)
def path_normals(out, path, key):  # noqa: ANN001, ANN201
    """``out[j]`` = the normal of step ``j`` of ``path`` (uint64) in the stream keyed ``key``."""
    m = out.size
    seed = path_seed(key, path)
    for q in range(m // 2):
        w = splitmix64(seed, np.uint64(q + 1))
        out[2 * q] = _normal(w & _MASK, seed, 2 * q)
        out[2 * q + 1] = _normal(w >> _S32, seed, 2 * q + 1)
    if m % 2:
        w = splitmix64(seed, np.uint64(m // 2 + 1))
        out[m - 1] = _normal(w & _MASK, seed, m - 1)


@njit(nogil=True, cache=True)
def fill_normals(out, key):  # noqa: ANN001, ANN201
    """``out[p, j]`` = the normal of path ``p``, step ``j`` of the stream keyed ``key``."""
    for p in range(out.shape[0]):
        path_normals(out[p], np.uint64(p), key)


def normals(key: int, n: int, m: int) -> np.ndarray:
    """(n, m) float64 standard normals of the stream with ``key``, as the path model draws them."""
    out = np.empty((n, m))
    fill_normals(out, np.uint64(key))
    return out


_S11 = np.uint64(11)
_U53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(nogil=True, cache=True, inline="always")
def slot_uniform(seed, slot):  # noqa: ANN001, ANN201
    """The uniform in [0, 1) of ``slot`` (from 0) of the path seeded ``seed``: the top 53 bits
    (as numpy's ``random()``) of word ``slot + 1`` of the path's sequence."""
    w = splitmix64(seed, np.uint64(slot + 1))
    return float(np.int64(w >> _S11)) * _U53


@njit(nogil=True, cache=True)
def fill_uniforms(out, path, slot, key):  # noqa: ANN001, ANN201
    """``out[i]`` = the uniform (:func:`slot_uniform`) of (``path[i]``, ``slot[i]``) in the
    stream keyed ``key``."""
    for i in range(out.size):
        out[i] = slot_uniform(path_seed(key, np.uint64(path[i])), slot[i])


def uniforms_at(key: int | np.uint64, path: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) for the (path, slot) pairs of the stream with ``key``: each depends
    only on the key and its pair, so the marks of an incident stay paired whatever the number
    of incidents drawn around it."""
    out = np.empty(np.shape(path))
    fill_uniforms(out, np.asarray(path, np.int64), np.asarray(slot, np.int64), np.uint64(key))
    return out
