"""The main thread's bookkeeping of the streamed quantiles, compiled: regrouping and shrinking.

:class:`energysim.accumulate.QuantileSketch` keeps, for every (step, level) group, the values seen
strictly inside its bracket, as one flat array of the groups one after the other (``sizes``
values each). The operations here run in the main thread while the workers compute the next
chunks; compiled and without the GIL, they do not hold the workers up (as a Python loop
over every group did: about a second of a million-path run).

- :func:`gather` appends the values of chunks (each a flat array grouped the same way, with
  its own sizes) to the groups, each group's values in the order they arrived;
- :func:`shrink` narrows every bracket to the order statistics ``r_lo``, ``r_hi`` of the values
  seen so far (selection, no sort), moves the values that fall outside into the counts and
  keeps those strictly inside, in their order;
- :func:`reclassify` restates a chunk reduced with older (wider) brackets against the current
  ones;
- :func:`order_statistics` gives the values of the ranks a quantile needs, at the end of a run.

Selection is Hoare's quickselect, and for large groups a sample of every :data:`SAMPLE_STEP`-th
value that places two narrow windows around the wanted ranks (exact; tests/test_sketch_kernel.py
checks every kernel against plain numpy).

A group's values are never NaN (the engine refuses non-finite values).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .reduce import _copy

__all__ = ["gather", "shrink", "reclassify", "order_statistics"]

#: Large groups are sampled every this many values to place the windows around wanted ranks.
SAMPLE_STEP = 16


@njit(nogil=True, cache=True)
def gather(vals: np.ndarray, sizes: np.ndarray, new_vals: np.ndarray, new_lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The groups ``vals`` (sizes ``sizes``, (groups,)) with the values of further chunks
    appended: ``new_vals`` is the chunks' flat arrays one after the other, ``new_lens``
    (chunks, groups) their sizes. Returns the new flat array and sizes: each group's values
    as before, then the first chunk's, then the next chunk's."""
    n_groups = sizes.size
    out_sizes = sizes.copy()
    for c in range(new_lens.shape[0]):
        for g in range(n_groups):
            out_sizes[g] += new_lens[c, g]
    write = np.empty(n_groups, np.int64)
    total = 0
    for g in range(n_groups):
        write[g] = total
        total += out_sizes[g]
    out = np.empty(total)
    src = 0
    for g in range(n_groups):
        s = sizes[g]
        _copy(vals[src:src + s], out[write[g]:])
        write[g] += s
        src += s
    src = 0
    for c in range(new_lens.shape[0]):
        for g in range(n_groups):
            s = new_lens[c, g]
            _copy(new_vals[src:src + s], out[write[g]:])
            write[g] += s
            src += s
    return out, out_sizes


@njit(nogil=True, cache=True)
def _select(a: np.ndarray, lo: int, hi: int, k: int) -> float:
    """The ``k``-th smallest value of ``a[lo:hi]`` (``lo <= k < hi``), ``a`` partitioned in
    place around it (Hoare's quickselect, median-of-three pivots, insertion sort below 16
    values): smaller values before ``k``, larger after. 1.5x faster than numba's
    ``np.partition``, which copies, and selects one rank per call."""
    while hi - lo > 16:
        mid = (lo + hi) >> 1
        x, y, z = a[lo], a[mid], a[hi - 1]
        if (x <= y) == (y <= z):  # the median of the three to a[lo]
            a[lo], a[mid] = y, x
        elif (y <= x) != (x <= z):
            a[lo], a[hi - 1] = z, x
        pivot = a[lo]
        i = lo + 1
        j = hi - 1
        while True:
            while i <= j and a[i] < pivot:
                i += 1
            while i <= j and a[j] > pivot:
                j -= 1
            if i >= j:
                break
            a[i], a[j] = a[j], a[i]
            i += 1
            j -= 1
        a[lo], a[j] = a[j], pivot
        if j == k:
            return pivot
        if k < j:
            hi = j
        else:
            lo = j + 1
    for i in range(lo + 1, hi):
        x = a[i]
        j = i - 1
        while j >= lo and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x
    return a[k]


@njit(nogil=True, cache=True)
def _adjacent_ranks(v: np.ndarray, k: int, sub: np.ndarray, ns: int, d: int, buf: np.ndarray) -> tuple[float, float, bool]:
    """:func:`_sampled_ranks` for the ranks ``k`` and ``k + 1`` of ``v``: one window of the
    sample ``sub`` (``ns`` values, every :data:`SAMPLE_STEP`-th of ``v``) holds both, the first is selected
    among the values collected in it and the second is the smallest of those after it."""
    step = SAMPLE_STEP
    lo = -np.inf
    hi = np.inf
    i = k // step
    if i - d >= 0:
        lo = _select(sub, 0, ns, i - d)
    if (k + 1) // step + d < ns:
        hi = _select(sub, 0, ns, (k + 1) // step + d)
    below = 0
    n = 0
    for j in range(v.size):
        x = v[j]
        below += x < lo
        buf[n] = x
        n += np.int64(x >= lo) * np.int64(x <= hi)
    if not (below <= k and k + 1 < below + n):
        return np.nan, np.nan, False
    r = k - below
    x_a = _select(buf, 0, n, r)
    x_b = np.inf
    for j in range(r + 1, n):  # after the selection, the values past rank r are at least x_a
        x_b = min(x_b, buf[j])
    return x_a, x_b, True


@njit(nogil=True, cache=True)
def _sampled_ranks(v: np.ndarray, ka: int, kb: int, want_a: bool, want_b: bool, sub: np.ndarray, buf_a: np.ndarray,
                   buf_b: np.ndarray) -> tuple[float, float, bool]:
    """The values of ranks ``ka <= kb`` of ``v`` (each only if wanted), by Floyd and Rivest's
    idea: the order statistics of a sample of every :data:`SAMPLE_STEP`-th value give, for each rank, two values
    that surely bracket it; one pass counts the values below each window and collects those inside, and a
    selection among the few collected gives the exact value. Returns ``ok`` False (and no
    values) in the unlikely case a window missed its rank (then select on the whole array)."""
    s = v.size
    step = SAMPLE_STEP
    ns = (s + step - 1) // step
    for i in range(ns):
        sub[i] = v[i * step]
    d = int(2.0 * math.sqrt(ns)) + 2  # a window of +- 4 standard deviations of the sample's rank error
    if want_a and want_b and kb == ka + 1:  # adjacent ranks (a quantile's two order statistics): one window
        return _adjacent_ranks(v, ka, sub, ns, d, buf_a)
    lo_a = -np.inf
    hi_a = np.inf
    lo_b = -np.inf
    hi_b = np.inf
    ia = ka // step
    ib = kb // step
    # the sample's order statistics around each rank (selections, not a sort: cheaper, and
    # numba's sort takes seconds to compile)
    if ia - d >= 0:
        lo_a = _select(sub, 0, ns, ia - d)
    if ia + d < ns:
        hi_a = _select(sub, 0, ns, ia + d)
    if ib - d >= 0:
        lo_b = _select(sub, 0, ns, ib - d)
    if ib + d < ns:
        hi_b = _select(sub, 0, ns, ib + d)
    below_a = 0
    below_b = 0
    na = 0
    nb = 0
    for i in range(s):
        x = v[i]
        below_a += x < lo_a
        below_b += x < lo_b
        buf_a[na] = x
        na += np.int64(x >= lo_a) * np.int64(x <= hi_a)
        buf_b[nb] = x
        nb += np.int64(x >= lo_b) * np.int64(x <= hi_b)
    x_a = np.nan
    x_b = np.nan
    if want_a:
        if not (below_a <= ka < below_a + na):
            return x_a, x_b, False
        x_a = _select(buf_a, 0, na, ka - below_a)
    if want_b:
        if not (below_b <= kb < below_b + nb):
            return x_a, x_b, False
        x_b = _select(buf_b, 0, nb, kb - below_b)
    return x_a, x_b, True


@njit(nogil=True, cache=True)
def _ranks(v: np.ndarray, e_lo: int, old_lo: float, old_hi: float, ra: int, rb: int, want_a: bool,
           want_b: bool, scratch: np.ndarray, scratch2: np.ndarray, scratch3: np.ndarray) -> tuple[float, float]:
    """The values of ranks ``ra <= rb`` (from 0; each computed only if wanted, else NaN) among
    ``e_lo`` ties at ``old_lo``, the values ``v`` (all strictly between the edges) and ties at
    ``old_hi``. Large groups whose ranks both fall among ``v`` go through a sample
    (:func:`_sampled_ranks`, 1.4x faster on a million-path run's shrinks); otherwise, or if
    the sample's windows miss, quickselect on a copy. ``scratch*``: three arrays of ``v.size``."""
    s = v.size
    if s >= 1024 and (want_a and e_lo <= ra < e_lo + s) and (want_b and e_lo <= rb < e_lo + s):
        x_a, x_b, ok = _sampled_ranks(v, ra - e_lo, rb - e_lo, want_a, want_b, scratch, scratch2, scratch3)
        if ok:
            return x_a, x_b
    _copy(v, scratch[:s])
    out_a = np.nan
    start = 0
    if want_a:
        if ra < e_lo:
            out_a = old_lo
        elif ra >= e_lo + s:
            out_a = old_hi
        else:
            out_a = _select(scratch, 0, s, ra - e_lo)
            start = ra - e_lo + 1  # larger ranks lie after it now
    out_b = np.nan
    if want_b:
        if rb < e_lo:
            out_b = old_lo
        elif rb >= e_lo + s:
            out_b = old_hi
        elif want_a and rb == ra:
            out_b = out_a
        else:
            out_b = _select(scratch, start, s, rb - e_lo)
    return out_a, out_b


@njit(nogil=True, cache=True)
def shrink(vals: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_lt: np.ndarray,
           n_eq_lo: np.ndarray, n_eq_hi: np.ndarray, n_gt: np.ndarray, skip: np.ndarray, r_lo: np.ndarray,
           r_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Narrow each group's bracket to the ranks ``r_lo[level]`` and ``r_hi[level]`` of every value seen.

    Per group (flat (groups,) arrays, group ``g`` of level ``g % levels``; ``lo``, ``hi`` and
    the counts are updated in place): the values in ``[lo, hi]`` are the ``n_eq_lo`` ties at
    ``lo``, the group's values and the ``n_eq_hi`` ties at ``hi``; ``n_lt`` values were below.
    The new ``lo`` is the value of rank ``r_lo`` among all values seen (the old ``lo`` if that
    rank is below the bracket), the new ``hi`` that of rank ``r_hi`` (the old ``hi`` if above);
    values below, at, at and above the new edges go to the counts (no ties at ``hi`` for a point
    bracket), those strictly inside are kept, in order. Groups flagged in ``skip`` (unbounded for
    good, or point brackets) and those whose ranks cover all their values are left as they are.
    Returns the kept values and their sizes."""
    n_groups = sizes.size
    n_lv = r_lo.size
    out = np.empty(vals.size)
    out_sizes = np.empty(n_groups, np.int64)
    scratch = np.empty(sizes.max() if n_groups else 0)
    scratch2 = np.empty(sizes.max() if n_groups else 0)
    scratch3 = np.empty(sizes.max() if n_groups else 0)
    src = 0
    dst = 0
    for g in range(n_groups):
        s = sizes[g]
        v = vals[src:src + s]
        src += s
        e_lo, e_hi = n_eq_lo[g], n_eq_hi[g]
        size = e_lo + s + e_hi
        a = r_lo[g % n_lv] - n_lt[g]
        b = r_hi[g % n_lv] - n_lt[g]
        if skip[g] or size == 0 or (a <= 0 and b >= size - 1):
            _copy(v, out[dst:])
            out_sizes[g] = s
            dst += s
            continue
        old_lo, old_hi = lo[g], hi[g]
        ra, rb = min(max(a, 0), size - 1), min(max(b, 0), size - 1)
        x_a, x_b = _ranks(v, e_lo, old_lo, old_hi, ra, rb, a > 0, b < size - 1, scratch, scratch2, scratch3)
        new_lo = x_a if a > 0 else old_lo
        new_hi = x_b if b < size - 1 else old_hi
        # the ties at the old edges (never strictly inside the new bracket, which lies within the old)
        lt = e_lo * (old_lo < new_lo) + e_hi * (old_hi < new_lo)
        gt = e_lo * (old_lo > new_hi) + e_hi * (old_hi > new_hi)
        eq_lo = e_lo * (old_lo == new_lo) + e_hi * (old_hi == new_lo)
        eq_hi = e_lo * (old_lo == new_hi) + e_hi * (old_hi == new_hi)
        kept = 0
        for i in range(s):
            x = v[i]
            a_lt = np.int64(x < new_lo)
            a_gt = np.int64(x > new_hi)
            lt += a_lt
            gt += a_gt
            eq_lo += x == new_lo
            eq_hi += x == new_hi
            out[dst + kept] = x
            kept += np.int64(x > new_lo) * np.int64(x < new_hi)
        lo[g], hi[g] = new_lo, new_hi
        n_lt[g] += lt
        n_gt[g] += gt
        n_eq_lo[g] = eq_lo
        n_eq_hi[g] = eq_hi if new_lo < new_hi else 0
        out_sizes[g] = kept
        dst += kept
    return out[:dst].copy(), out_sizes


@njit(nogil=True, cache=True)
def reclassify(vals: np.ndarray, lens: np.ndarray, old_lo: np.ndarray, old_hi: np.ndarray, lo: np.ndarray,
               hi: np.ndarray, lt: np.ndarray, eq_lo: np.ndarray, eq_hi: np.ndarray,
               gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A chunk's statistics computed with the brackets ``old_lo``, ``old_hi`` restated against
    the narrower ``lo``, ``hi`` (flat (groups,) arrays; the counts are updated in place): ties
    at an old edge that moved go below (above) the new one; each value inside the old bracket
    is counted below, at ``lo``, at ``hi`` (not for a point bracket) or above the new one, or
    kept if strictly inside. Returns the kept values (grouped, in order) and their numbers."""
    out = np.empty(vals.size)
    out_lens = np.empty(lens.size, np.int64)
    src = 0
    dst = 0
    for g in range(lens.size):
        l_g, h_g = lo[g], hi[g]
        point = l_g == h_g
        if old_lo[g] < l_g:
            lt[g] += eq_lo[g]
            eq_lo[g] = 0
        if old_hi[g] > h_g:
            gt[g] += eq_hi[g]
            eq_hi[g] = 0
        if point:
            eq_lo[g] += eq_hi[g]
            eq_hi[g] = 0
        kept = 0
        n_lt = 0
        n_eq_lo = 0
        n_eq_hi = 0
        n_gt = 0
        for i in range(src, src + lens[g]):  # without a branch: where a value falls is a coin flip
            x = vals[i]
            n_lt += x < l_g
            n_eq_lo += x == l_g
            n_gt += x > h_g
            n_eq_hi += np.int64(x == h_g) * np.int64(x != l_g)  # a point bracket's ties count at lo
            out[dst + kept] = x
            kept += np.int64(x > l_g) * np.int64(x < h_g)
        lt[g] += n_lt
        eq_lo[g] += n_eq_lo
        eq_hi[g] += n_eq_hi
        gt[g] += n_gt
        src += lens[g]
        out_lens[g] = kept
        dst += kept
    return out[:dst].copy(), out_lens


@njit(nogil=True, cache=True)
def order_statistics(vals: np.ndarray, sizes: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_lt: np.ndarray,
                     n_eq_lo: np.ndarray, k0: np.ndarray, k1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group (flat arrays), the values of overall ranks ``k0`` and ``k1`` (from 0): ranks
    ``k - n_lt`` among the ``n_eq_lo`` ties at ``lo``, the group's values and the ties at ``hi``
    (the brackets must hold them: QuantileSketch.missed)."""
    n_groups = sizes.size
    x0 = np.empty(n_groups)
    x1 = np.empty(n_groups)
    scratch = np.empty(sizes.max() if n_groups else 0)
    scratch2 = np.empty(sizes.max() if n_groups else 0)
    scratch3 = np.empty(sizes.max() if n_groups else 0)
    src = 0
    for g in range(n_groups):
        v = vals[src:src + sizes[g]]
        src += sizes[g]
        x0[g], x1[g] = _ranks(v, n_eq_lo[g], lo[g], hi[g], k0[g] - n_lt[g], k1[g] - n_lt[g], True, True, scratch,
                              scratch2, scratch3)
    return x0, x1
