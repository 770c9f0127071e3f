"""``exp`` of a row of bounded arguments, in loops the compiler vectorises.

Brent's price is ``baseline * exp(log move)`` at every path and step, 53 ``exp`` per weekly
path. glibc's ``exp`` is a function call (8.7 ns a value here), so the loop around it runs one
value at a time. :func:`exp_row` computes the same function with arithmetic only, in three
short loops that compile to SIMD instructions (4.7 ns a value, measured in isolation on the
benchmark's 2 GHz processor; docs/performance.md):

1. range reduction (Cody & Waite): ``x = k ln 2 + r`` with ``k`` the integer nearest to
   ``x / ln 2``, found by adding and subtracting 1.5 * 2**52 (the sum's last bits are ``k``),
   and ``ln 2`` split in a high part with trailing zero bits (``k * LN2_HI`` exact for
   ``|k| < 2**11``) and the rest, so that ``|r| <= ln(2) / 2``;
2. ``e**r`` by its Taylor polynomial of degree 13, evaluated in Estrin's scheme (products of
   ``r**2``, ``r**4``, ``r**8`` instead of one long chain of dependent operations), with fused
   multiply-adds; the truncation error is below ``(ln 2 / 2)**14 / 14! < 5e-18``;
3. ``2**k`` built from its bits (exponent field ``k + 1023``) from the integer part of step 1,
   which stays in the sum's bits: no conversion of a double to a 64-bit integer, which has no
   SIMD instruction before AVX-512.

The result is within 2 units in the last place of numpy's ``exp`` (tests/test_kernels.py
checks a dense grid of the domain and random log moves). Arguments must lie in
``[-EXP_ARG_LIMIT, EXP_ARG_LIMIT]`` (so that ``2**k`` is a normal number); the path model
clamps its log moves to :data:`energysim.models.price.LOG_MOVE_LIMIT`, far inside. A NaN
gives NaN.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["exp_row", "EXP_ARG_LIMIT"]

#: The largest argument (in absolute value) :func:`exp_row` accepts: ``2**k`` is a normal
#: number for ``|k| <= 1021``.
EXP_ARG_LIMIT = 700.0

LOG2E = 1.4426950408889634  # 1 / ln 2
#: 1.5 * 2**52: adding it rounds to an integer, held in the low bits of the sum
ROUND_MAGIC = 6755399441055744.0
ROUND_MAGIC_BITS = 0x4338000000000000  # its bits
# ln 2 in two parts (fdlibm's e_exp.c): the high part's last 11 bits are zero
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})
def _exp_reduced(r: float) -> float:
    """``e**r`` for ``|r| <= ln(2) / 2``: Taylor polynomial of degree 13 in Estrin's scheme
    (fused multiply-adds allowed: ``fastmath`` here is contraction only)."""
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    a01 = 1.0 + r
    a23 = 1.0 / 2.0 + r * (1.0 / 6.0)
    a45 = 1.0 / 24.0 + r * (1.0 / 120.0)
    a67 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    a89 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    a1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    a1213 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    return (a01 + r2 * a23) + r4 * (a45 + r2 * a67) + r8 * ((a89 + r2 * a1011) + r4 * a1213)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def exp_row(x: np.ndarray, out: np.ndarray, poly: np.ndarray, scale_bits: np.ndarray) -> None:
    """``out[j] = exp(x[j])`` for a 1-d row ``x`` with ``|x| <= EXP_ARG_LIMIT``.

    ``out`` and ``poly`` are float64 and ``scale_bits`` int64 arrays of ``x.size``, all
    C-contiguous; ``poly`` and ``scale_bits`` are scratch. ``out`` may be ``x`` itself."""
    rounded = out.view(np.int64)  # out holds x / ln 2 + ROUND_MAGIC until the last loop
    scale = scale_bits.view(np.float64)
    for j in range(x.size):
        xj = x[j]
        s = xj * LOG2E + ROUND_MAGIC
        k = s - ROUND_MAGIC
        poly[j] = _exp_reduced((xj - k * LN2_HI) - k * LN2_LO)
        out[j] = s
    for j in range(x.size):
        scale_bits[j] = (rounded[j] - ROUND_MAGIC_BITS + 1023) << 52
    for j in range(x.size):
        out[j] = poly[j] * scale[j]
