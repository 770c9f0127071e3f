"""The worker threads' reduction of a chunk of paths, compiled: quantile-bracket counts and per-path summaries.

For each series of a chunk the accumulator (:mod:`energysim.accumulate`) needs

- for the streamed quantiles (:class:`~energysim.accumulate.QuantileSketch`), per (step, level),
  the numbers of values below the bracket ``[lo, hi]``, equal to ``lo``, equal to ``hi`` and
  above ``hi``, and the values strictly inside;
- per path, the mean over the steps, the maximum and the mean of each calendar month.

numpy did the first by sorting every step's values and searching the bracket edges, the second
in a dozen passes over the chunk, in many calls that each hold the GIL. :func:`reduce_chunk`
reads the chunk once, a tile of paths at a time, in compiled loops that release the GIL, so
worker threads run side by side (the kernels are deliberately not numba-``parallel``: the
engine already runs chunks on its own threads). For each step of a tile:

1. per level, one vectorised pass counts the values below ``lo`` and at most ``hi`` and flags
   those in the closed bracket ``[lo, hi]`` (no sort: a comparison per edge);
2. the flagged values (a few per cent: the brackets are narrow) are copied out once;
3. per level, that copy gives the ties at either edge and the values strictly inside;
4. the per-path sums, maxima and monthly sums are updated from the same values, in cache.

Arrays: a chunk's series is ``rows``, C-contiguous float64, with memory either (steps, paths)
(``path_major=False``: the transpose of a time-major (paths, steps) array, read in place) or
(paths, steps) (``path_major=True``: a C-ordered (paths, steps) array; each tile is transposed
into a small scratch array first). Both give the same numbers, bitwise. Brackets ``lo``,
``hi`` are (steps, levels) float64, ``-inf``/``+inf`` when unbounded, never NaN; counts are
int64. A run's values are never NaN (the engine refuses non-finite values); a NaN would be
counted above every bracket, as the sorted search counted it. The kernels do not check shapes
(numba does not bounds-check): :func:`energysim.accumulate.chunk_stats` does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["reduce_chunk"]

#: Size of a tile's (steps, tile paths) scratch, when the paths must be transposed [bytes]:
#: it stays in the L2 cache while every step and level is counted.
TILE_BYTES = 1 << 18
#: Paths per tile when the chunk is already step-major (rows of a tile are read in place).
TILE_PATHS = 4096


# The helpers take 1-d views and loop from 0 to their size: with an index that the compiler
# cannot prove non-negative (``range(s, e)``), numba's negative-index wraparound costs a select
# per value and the loops run 2-3x slower. Branch-free accumulations are written with int64
# arithmetic: a bool ``&`` of two comparisons compiles to a branch, mispredicted on random data.


@njit(nogil=True, cache=True)
def _count(x: np.ndarray, lo: float, hi: float) -> tuple[int, int]:
    """The numbers of values of ``x`` below ``lo`` and at most ``hi``."""
    below = 0
    le_hi = 0
    for i in range(x.size):
        v = x[i]
        below += v < lo
        le_hi += v <= hi
    return below, le_hi


@njit(nogil=True, cache=True)
def _count_flag(x: np.ndarray, lo: float, hi: float, flag: np.ndarray) -> tuple[int, int]:
    """The numbers of values of ``x`` below ``lo`` and at most ``hi`` (``lo < hi``); ``flag[i]``
    set to 1 where ``x[i]`` is in ``[lo, hi]`` (left as it is elsewhere)."""
    below = 0
    le_hi = 0
    for i in range(x.size):
        v = x[i]
        a = np.int64(v < lo)
        b = np.int64(v <= hi)
        below += a
        le_hi += b
        flag[i] |= b - a
    return below, le_hi


@njit(nogil=True, cache=True)
def _compact(x: np.ndarray, flag: np.ndarray, cand: np.ndarray) -> int:
    """Copy the values ``x[i]`` with ``flag[i] != 0`` to ``cand`` (in order); return their number.

    Branch-free, eight values at a time: each value is stored at its rank among the flagged
    values of the block (a later value overwrites an unflagged one). ``cand`` needs ``x.size + 8``
    slots. (A one-at-a-time loop, ``cand[nc] = x[i]; nc += flag[i]``, is as fast when it runs
    well, but makes every store address wait for the previous flag, and was measured 5x slower
    on some runs.)"""
    nc = 0
    n = x.size
    for b in range(n // 8):
        xb = x[8 * b:8 * b + 8]
        fb = flag[8 * b:8 * b + 8]
        q1 = np.int64(fb[0] != 0)
        q2 = q1 + np.int64(fb[1] != 0)
        q3 = q2 + np.int64(fb[2] != 0)
        q4 = q3 + np.int64(fb[3] != 0)
        q5 = q4 + np.int64(fb[4] != 0)
        q6 = q5 + np.int64(fb[5] != 0)
        q7 = q6 + np.int64(fb[6] != 0)
        out = cand[nc:nc + 8]
        out[0] = xb[0]
        out[q1] = xb[1]
        out[q2] = xb[2]
        out[q3] = xb[3]
        out[q4] = xb[4]
        out[q5] = xb[5]
        out[q6] = xb[6]
        out[q7] = xb[7]
        nc += q7 + np.int64(fb[7] != 0)
    for i in range(n - n % 8, n):
        cand[nc] = x[i]
        nc += np.int64(flag[i] != 0)
    return nc


@njit(nogil=True, cache=True)
def _pick(cand: np.ndarray, lo: float, hi: float, out: np.ndarray) -> tuple[int, int, int]:
    """The numbers of values of ``cand`` equal to ``lo`` and to ``hi``, and of those strictly
    between them, which are copied to the start of ``out`` (branch-free: ``out`` needs
    ``cand.size`` slots)."""
    eq_lo = 0
    eq_hi = 0
    used = 0
    for c in range(cand.size):
        v = cand[c]
        eq_lo += v == lo
        eq_hi += v == hi
        out[used] = v
        used += np.int64(v > lo) * np.int64(v < hi)
    return eq_lo, eq_hi, used


@njit(nogil=True, cache=True)
def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    """``dst[:src.size] = src`` (an explicit loop: numba compiles slice assignment slowly)."""
    for i in range(src.size):
        dst[i] = src[i]


@njit(nogil=True, cache=True)
def _reserve(buf: np.ndarray, used: int, need: int) -> np.ndarray:
    """``buf`` (its first ``used`` values kept) with room for at least ``need`` values."""
    if need <= buf.size:
        return buf
    grown = np.empty(max(2 * buf.size, need))
    _copy(buf[:used], grown)
    return grown


@njit(nogil=True, cache=True)
def _step(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, lens: np.ndarray, flag: np.ndarray,
          cand: np.ndarray, picked: np.ndarray, buf: np.ndarray, used: int) -> tuple[np.ndarray, int]:
    """The values ``x`` of one step (a tile of paths) against each level's bracket ``[lo[k], hi[k]]``.

    Adds to ``counts[:, k]`` the numbers of values below ``lo``, equal to ``lo``, equal to ``hi``
    (none for a point bracket ``lo == hi``, whose ties count as equal to ``lo``) and above ``hi``;
    appends the values strictly inside to ``buf`` from ``used`` on (level by level, each in path
    order; ``buf`` grows when full) and sets their number in ``lens[k]``. Nothing is inside a
    point or an inverted bracket. Returns ``buf`` and the new ``used``. ``flag`` (int64),
    ``cand`` and ``picked`` are scratch arrays of at least ``x.size``, ``x.size + 8`` and ``x.size``."""
    n = x.size
    n_lv = lo.size
    for i in range(n):
        flag[i] = 0
    closed = 0
    for k in range(n_lv):
        lo_k = lo[k]
        hi_k = hi[k]
        lens[k] = 0  # until step 3: the number of values in [lo, hi]
        if lo_k < hi_k:
            below, le_hi = _count_flag(x, lo_k, hi_k, flag)
            counts[0, k] += below
            counts[3, k] += n - le_hi
            lens[k] = le_hi - below
            closed += le_hi - below
        else:  # a point (or an inverted) bracket: the ties, counted per edge; nothing inside
            lt_lo, le_lo = _count(x, lo_k, lo_k)
            counts[0, k] += lt_lo
            counts[1, k] += le_lo - lt_lo
            if lo_k == hi_k:
                counts[3, k] += n - le_lo
            else:
                lt_hi, le_hi = _count(x, hi_k, hi_k)
                counts[2, k] += le_hi - lt_hi
                counts[3, k] += n - le_hi
    if closed == 0:
        return buf, used
    nc = _compact(x, flag, cand)
    for k in range(n_lv):
        if lens[k] == 0:
            continue
        # picked into a scratch row that stays in the cache (its branch-free stores would
        # otherwise stream into the growing buffer), then appended in one copy
        eq_lo, eq_hi, inside = _pick(cand[:nc], lo[k], hi[k], picked)
        counts[1, k] += eq_lo
        counts[2, k] += eq_hi
        lens[k] = inside
        buf = _reserve(buf, used, used + inside)
        _copy(picked[:inside], buf[used:])
        used += inside
    return buf, used


@njit(nogil=True, cache=True)
def _summaries(x: np.ndarray, j: int, m: int, month_index: np.ndarray, month_counts: np.ndarray,
               mean: np.ndarray, peak: np.ndarray, monthly: np.ndarray, q: int) -> None:
    """Add step ``j`` (of ``m``), values ``x``, to the per-path summaries of the same paths
    (``mean``, ``peak`` views; in ``monthly`` (months, run paths) from column ``q``): the sum over
    steps (divided by ``m`` at the last step: the mean), the maximum (``np.maximum``: a NaN would
    propagate, as in ``np.max``), and the sum over the step's month (divided by the month's number
    of steps at its last step). Sums start from the first step's value and run in step order."""
    k = month_index[j]
    month = monthly[k, q:q + x.size]
    if j == 0:
        for i in range(x.size):
            v = x[i]
            mean[i] = v
            peak[i] = v
            month[i] = v
    elif month_index[j - 1] != k:  # first step of a month
        for i in range(x.size):
            v = x[i]
            mean[i] += v
            peak[i] = np.maximum(peak[i], v)
            month[i] = v
    else:
        for i in range(x.size):
            v = x[i]
            mean[i] += v
            peak[i] = np.maximum(peak[i], v)
            month[i] += v
    if j == m - 1 or month_index[j + 1] != k:
        c = month_counts[k]
        for i in range(x.size):
            month[i] /= c
    if j == m - 1:
        for i in range(x.size):
            mean[i] /= m


@njit(nogil=True, cache=True)
def reduce_chunk(rows: np.ndarray, path_major: bool, lo: np.ndarray, hi: np.ndarray, summaries: bool,
                 month_index: np.ndarray, month_counts: np.ndarray, first: int, mean: np.ndarray, peak: np.ndarray,
                 monthly: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What a chunk of one series contributes to its quantile brackets, and (``summaries``) its per-path summaries.

    ``rows``: the chunk's values, (steps, paths) memory, or (paths, steps) if ``path_major``.
    ``lo``, ``hi``: (steps, levels) brackets. Returns, as :func:`energysim.accumulate.chunk_stats`,
    the counts (steps, levels) below ``lo``, equal to ``lo``, equal to ``hi`` (0 when
    ``lo == hi``) and above ``hi``, the values strictly inside (grouped by (step, level) in
    that order, each group in path order) and their number per (step, level).

    With ``summaries``, paths ``first .. first + paths - 1`` of the run are written in place
    (other paths are not touched, so threads may fill disjoint paths at once):

    - ``mean`` (run paths,): the sum of the path's values in step order, divided by the
      number of steps;
    - ``peak`` (run paths,): the path's maximum;
    - ``monthly`` (months, run paths), C-contiguous: per month, the sum of the path's values
      over the month's steps in step order, divided by ``month_counts[month]`` (float64, the
      month's number of steps); ``month_index`` (steps,) int64 gives each step's month, in
      non-decreasing order.
    """
    if path_major:
        n, m = rows.shape
        tile = max(8, min(n, TILE_BYTES // (8 * max(m, 1))))
    else:
        m, n = rows.shape
        tile = TILE_PATHS
    n_lv = lo.shape[1]
    counts = np.zeros((4, m, n_lv), np.int64)  # below lo, equal to lo, equal to hi, above hi
    n_tiles = (n + tile - 1) // tile
    tile_lens = np.zeros((n_tiles, m, n_lv), np.int64)  # inside values per tile, step, level
    scratch = np.empty((m, tile if path_major else 0))
    flag = np.empty(tile, np.int64)
    cand = np.empty(tile + 8)
    picked = np.empty(tile + 8)
    buf = np.empty(4096)
    used = np.int64(0)  # (not a literal 0: the helpers would be compiled for it too)
    for t in range(n_tiles):
        p0 = t * tile
        w = min(tile, n - p0)
        if path_major:  # the tile's paths as contiguous rows per step
            for i in range(w):
                path = rows[p0 + i]
                for j in range(m):
                    scratch[j, i] = path[j]
        for j in range(m):
            x = scratch[j, :w] if path_major else rows[j, p0:p0 + w]
            if summaries:
                q = first + p0
                _summaries(x, j, m, month_index, month_counts, mean[q:q + w], peak[q:q + w], monthly, q)
            buf, used = _step(x, lo[j], hi[j], counts[:, j], tile_lens[t, j], flag, cand, picked, buf, used)
        if t == 0 and n_tiles > 1:  # room for the other tiles as the first one goes, to grow once
            buf = _reserve(buf, used, used * n_tiles + used // 4)
    lt, eq_lo, eq_hi, gt = counts[0], counts[1], counts[2], counts[3]
    lens = np.zeros((m, n_lv), np.int64)
    for t in range(n_tiles):
        for j in range(m):
            for k in range(n_lv):
                lens[j, k] += tile_lens[t, j, k]
    vals = np.empty(used)
    if n_tiles <= 1:
        _copy(buf[:used], vals)
        return lt, eq_lo, eq_hi, gt, vals, lens
    # the buffer holds, tile by tile, each tile's values in (step, level) order: regroup them by
    # (step, level), tiles in order within a group (so each group stays in path order)
    pos = np.empty((m, n_lv), np.int64)
    acc = 0
    for j in range(m):
        for k in range(n_lv):
            pos[j, k] = acc
            acc += lens[j, k]
    src = 0
    for t in range(n_tiles):
        for j in range(m):
            for k in range(n_lv):
                c = tile_lens[t, j, k]
                dst = pos[j, k]
                _copy(buf[src:src + c], vals[dst:])
                pos[j, k] = dst + c
                src += c
    return lt, eq_lo, eq_hi, gt, vals, lens
