"""Counter-based standard normals for the compiled path model: Philox4x32-10 and a ziggurat.

The noise of a path (Brent's two factors, the crack spread of each fuel) is generated inside
:func:`energysim.kernels.paths.path_model`, where it is used, instead of being drawn into
arrays first: the normals never go through memory, and no generator state is shared, so any
path can be computed on its own.

- **Bits**: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as
  easy as 1, 2, 3", SC'11; the generator of Random123, cuRAND and numpy's ``Philox``, here in
  its 4x32 form). It maps a 128-bit counter and a 64-bit key to four 32-bit words; it passes
  TestU01's BigCrush. The key of a stream comes from ``SeedSequence(seed, spawn_key=(stream
  id, block))`` (:meth:`energysim.sampling.Streams.key`), as for every other draw; the counter
  is (path in block, step // 4, 0, 0), so step ``j`` of a path uses word ``j % 4``.
- **Normals**: the ziggurat of Marsaglia & Tsang (2000, "The ziggurat method for generating
  random variables", J. Stat. Softw. 5(8)) with 256 layers, one 32-bit word a normal on the
  fast path (8 bits of layer, 1 bit of sign, 23 bits of abscissa: float32 resolution, as
  numpy's float32 ziggurat). The rare slow paths (wedges, tail beyond r = 3.654) take fresh
  words from the counter (path, step, attempt, 1), which no fast-path counter uses.

:func:`normals` fills an array with the same numbers, for tests and for reference pipelines.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["philox4x32", "path_normals", "normals", "uniforms_at", "ZIGGURAT_R"]

# Philox4x32 constants (Salmon et al. 2011; Random123's philox.h)
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


@njit(nogil=True, cache=True, inline="always")
def _round(c0, c1, c2, c3, k0, k1):  # noqa: ANN001, ANN202
    p0 = _M0 * c0
    p1 = _M1 * c2
    return (p1 >> _S32) ^ c1 ^ k0, p1 & _MASK, (p0 >> _S32) ^ c3 ^ k1, p0 & _MASK


@njit(nogil=True, cache=True)
def philox4x32(c0, c1, c2, c3, k0, k1):  # noqa: ANN001, ANN201 - compiled; uint64 holding 32-bit words
    """Philox4x32-10 of the counter (c0, c1, c2, c3) under the key (k0, k1): four 32-bit words
    (as uint64). Every argument is a uint64 below 2**32. Ten rounds, the key bumped between
    them (written out: a loop of rounds compiles to slower code)."""
    c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    for _ in range(9):
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
        c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    return c0, c1, c2, c3


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
_INV_R = 1.0 / ZIGGURAT_R
_U24 = 1.0 / float(1 << 24)
_ONE = np.uint64(1)
_B8 = np.uint64(8)
_B9 = np.uint64(9)
_LOW8 = np.uint64(0xFF)


@njit(nogil=True, cache=True)
def _unit(word):  # noqa: ANN001, ANN202
    """A uniform in (0, 1] from the top 24 bits of a 32-bit word."""
    return float((word >> _B8) + _ONE) * _U24


@njit(nogil=True, cache=True)
def _slow(word, path, step, k0, k1):  # noqa: ANN001, ANN202
    """The ziggurat's rejection loop for a word that missed the fast path."""
    idx = np.int64(word & _LOW8)
    negative = (word >> _B8) & _ONE
    rabs = np.int64(word >> _B9)
    attempt = np.uint64(1)
    while True:
        x = float(rabs) * _W[idx]
        u = philox4x32(path, step, attempt, _ONE, k0, k1)
        attempt += _ONE
        if idx == 0:  # the tail beyond r: Marsaglia's exponential rejection
            xx = -math.log(_unit(u[0])) * _INV_R
            yy = -math.log(_unit(u[1]))
            if yy + yy > xx * xx:
                x = ZIGGURAT_R + xx
                return -x if negative else x
            continue
        if _F[idx] + _unit(u[0]) * (_F[idx - 1] - _F[idx]) < math.exp(-0.5 * x * x):
            return -x if negative else x
        word = u[1]  # a new draw
        idx = np.int64(word & _LOW8)
        negative = (word >> _B8) & _ONE
        rabs = np.int64(word >> _B9)
        if rabs < _K[idx]:
            x = float(rabs) * _W[idx]
            return -x if negative else x


@njit(nogil=True, cache=True, inline="always")
def _normal(word, path, step, k0, k1):  # noqa: ANN001, ANN202
    """The standard normal of the 32-bit ``word`` drawn for (``path``, ``step``) under key
    (k0, k1); the sign is applied without a branch (it is a coin flip, which a branch predictor
    gets wrong half the time)."""
    idx = np.int64(word & _LOW8)
    rabs = np.int64(word >> _B9)
    if rabs < _K[idx]:
        return float(rabs) * _W[idx] * (1.0 - 2.0 * float(np.int64((word >> _B8) & _ONE)))
    return _slow(word, path, step, k0, k1)


@njit(nogil=True, cache=True)
def path_normals(out, path, k0, k1):  # noqa: ANN001, ANN201
    """``out[j]`` = the normal of step ``j`` of ``path`` (uint64) in the stream keyed (k0, k1)."""
    m = out.size
    zero = np.uint64(0)
    q = 0
    while 4 * q < m:
        w0, w1, w2, w3 = philox4x32(path, np.uint64(q), zero, zero, k0, k1)
        j = 4 * q
        out[j] = _normal(w0, path, np.uint64(j), k0, k1)
        if j + 1 < m:
            out[j + 1] = _normal(w1, path, np.uint64(j + 1), k0, k1)
        if j + 2 < m:
            out[j + 2] = _normal(w2, path, np.uint64(j + 2), k0, k1)
        if j + 3 < m:
            out[j + 3] = _normal(w3, path, np.uint64(j + 3), k0, k1)
        q += 1


@njit(nogil=True, cache=True)
def fill_normals(out, k0, k1):  # noqa: ANN001, ANN201
    """``out[p, j]`` = the normal of path ``p``, step ``j`` of the stream with key (k0, k1)."""
    for p in range(out.shape[0]):
        path_normals(out[p], np.uint64(p), k0, k1)


def normals(key: tuple[int, int], n: int, m: int) -> np.ndarray:
    """(n, m) float64 standard normals of the stream with ``key``, as the path model draws them."""
    out = np.empty((n, m))
    fill_normals(out, np.uint64(key[0]), np.uint64(key[1]))
    return out


_TWO = np.uint64(2)
_B5 = np.uint64(5)
_B6 = np.uint64(6)
_U53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(nogil=True, cache=True)
def fill_uniforms(out, path, slot, k0, k1):  # noqa: ANN001, ANN201
    """``out[i]`` = the uniform in [0, 1) of (``path[i]``, ``slot[i]``) in the stream keyed
    (k0, k1): 53 bits (as numpy's ``random()`` builds a double from 64) of the counter
    (path, slot // 2, 0, 2), words 0-1 for an even slot and 2-3 for an odd one."""
    zero = np.uint64(0)
    for i in range(out.size):
        k = slot[i]
        w = philox4x32(np.uint64(path[i]), np.uint64(k >> 1), zero, _TWO, k0, k1)
        hi, lo = (w[2], w[3]) if k & 1 else (w[0], w[1])
        out[i] = (float(np.int64(hi >> _B5)) * 67108864.0 + float(np.int64(lo >> _B6))) * _U53


def uniforms_at(key: np.ndarray, path: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) for the (path, slot) pairs of the stream with ``key``: each depends
    only on the key and its pair, so the marks of an incident stay paired whatever the number
    of incidents drawn around it."""
    out = np.empty(path.size)
    fill_uniforms(out, np.asarray(path, np.int64), np.asarray(slot, np.int64), np.uint64(key[0]), np.uint64(key[1]))
    return out
