"""Inverse CDFs and the hazard incidents' draws, compiled: the engine's per-chunk draws without the GIL.

Every uncertain input is drawn by inverse transform of one uniform per path (or per incident),
so that two scenarios that share a uniform give values of the same rank (common random
numbers). The numpy ``ppf`` of each distribution (:mod:`energysim.scenario.distributions`)
is the readable reference; the kernels here compute the same values in one pass each, in
place, without temporaries and without the GIL (tests/test_draw_kernels.py):

- :func:`uniform_ppf`, :func:`triangular_ppf`, :func:`choice_ppf`: the same formulas as numpy's;
- :func:`pert_ppf`: numpy's ``interp`` in the same Beta CDF table as :meth:`Pert.ppf
  <energysim.scenario.distributions.Pert.ppf>` (the same values), the table's cell found
  through a guide table over u (Devroye 1986, "Non-Uniform Random Variate Generation",
  section III.2.4: the guide points into the cells, a bisection finishes inside one bucket)
  instead of a bisection of the whole table;
- :func:`poisson_ppf`: the Poisson quantile by summing the pmf (used by :func:`energysim.events.poisson_ppf`);
- :func:`slot_uniforms`, :func:`finish_incidents`, :func:`scatter_by_path`: the incidents of a
  hazard, path by path; :func:`premium_amplitude`: a premium's log-price amplitude.

:func:`ppf` picks the kernel for a distribution object; normal and lognormal keep their numpy
``ppf`` (they need scipy's ``ndtri``).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from ..scenario.distributions import Choice, Fixed, Pert, Triangular, Uniform, beta_table
from .rng import path_seed, slot_uniform

__all__ = ["ppf", "uniform_ppf", "triangular_ppf", "pert_ppf", "choice_ppf", "PertTable", "pert_table",
           "poisson_ppf", "slot_uniforms", "premium_amplitude", "finish_incidents", "scatter_by_path"]


# The uniform and triangular quantiles are computed in place, in one array: with an input and
# an output array that may be the same, the compiled loop checks for overlap at run time and,
# when they are the same (the engine's case), runs one value at a time instead of vectorised
# (3x slower for the triangular).


@njit(nogil=True, cache=True)
def uniform_ppf(a, low, high):  # noqa: ANN001, ANN201 - compiled
    """``a[i]`` = ``low + (high - low) * a[i]``, in place."""
    span = high - low
    for i in range(a.size):
        a[i] = low + span * a[i]


@njit(nogil=True, cache=True)
def triangular_ppf(a, low, mode, high):  # noqa: ANN001, ANN201
    """``a[i]`` = the triangular(low, mode, high) quantile of ``a[i]``, in place, computed as
    :meth:`Triangular.ppf <energysim.scenario.distributions.Triangular.ppf>`."""
    span = high - low
    if span == 0.0:
        a[:] = low
        return
    cut = (mode - low) / span
    for i in range(a.size):  # one square root and selects, no branch: the loop is vectorised
        ui = a[i]
        left = ui < cut
        root = np.sqrt(ui * span * (mode - low) if left else (1.0 - ui) * span * (high - mode))
        a[i] = low + root if left else high - root


@njit(nogil=True, cache=True)
def choice_ppf(u, values, cdf, out):  # noqa: ANN001, ANN201
    """``out[i]`` = the value whose cumulative weight first exceeds ``u[i]`` times the total:
    ``values`` sorted, ``cdf`` their cumulative probabilities (as ``searchsorted(cdf, u *
    cdf[-1], side="right")`` in :meth:`Choice.ppf <energysim.scenario.distributions.Choice.ppf>`)."""
    n = values.size
    total = cdf[n - 1]
    for i in range(u.size):
        key = u[i] * total
        j = 0
        while j < n - 1 and cdf[j] <= key:
            j += 1
        out[i] = values[j]


#: Buckets of the guide table over [0, 1/2] (the half of u each Beta table serves; a power of
#: two, so that a bucket's bounds and a value's bucket are exact in floating point). 4096 keep
#: about two table points a bucket.
GUIDE_BUCKETS = 1 << 12
_GUIDE_SCALE = 2.0 * GUIDE_BUCKETS  # buckets per unit of u


class PertTable(NamedTuple):
    """The inverse CDF tables of :meth:`Pert.ppf <energysim.scenario.distributions.Pert.ppf>`
    for u in [0, 1/2]: Beta(a, b)'s, then the mirrored Beta(b, a)'s (cells ``n:2n``), each
    with the CDF at the grid ``x``, the slope dx/dCDF of each cell (as numpy's ``interp``; 0
    after a table's last point) and its guide (:data:`GUIDE_BUCKETS` + 2 entries): ``guide[k]``
    is the last cell whose CDF is at most ``k / (2 * GUIDE_BUCKETS)``."""

    cdf: np.ndarray
    x: np.ndarray
    slope: np.ndarray
    guide: np.ndarray


@functools.lru_cache(maxsize=64)
def pert_table(a: float, b: float) -> PertTable:
    """The :class:`PertTable` of Beta(a, b), on the grid of :func:`~energysim.scenario.distributions.beta_table`."""
    bounds = np.arange(GUIDE_BUCKETS + 2) / _GUIDE_SCALE
    parts = []
    for i, (p, q) in enumerate([(a, b), (b, a)]):
        cdf, x = beta_table(p, q)
        with np.errstate(divide="ignore", invalid="ignore"):  # equal CDFs (flat cells) are never interpolated
            slope = np.append(np.diff(x) / np.diff(cdf), 0.0)
        guide = np.searchsorted(cdf, bounds, side="right").astype(np.int64) - 1 + i * cdf.size
        parts.append((cdf, x, slope, guide))
    return PertTable(*(np.concatenate(arrays) for arrays in zip(*parts)))


@njit(nogil=True, cache=True)
def pert_ppf(u, low, span, cdf, x, slope, guide, out):  # noqa: ANN001, ANN201
    """``out[i]`` = ``low + span * q`` with q the Beta quantile of ``u[i]`` as :meth:`Pert.ppf
    <energysim.scenario.distributions.Pert.ppf>` computes it, in the :class:`PertTable`
    ``cdf, x, slope, guide``: numpy's ``interp(u, cdf, x)`` in Beta(a, b)'s table for u <= 1/2;
    1 - the same for 1 - u in the mirrored Beta(b, a)'s above (``out`` may be ``u``)."""
    n = cdf.size // 2  # points of each table
    buckets = guide.size // 2
    for i in range(u.size):
        upper = u[i] > 0.5
        v = 1.0 - u[i] if upper else u[i]
        first = n if upper else 0
        # numpy's interp(v, cdf, x): the last point j with cdf[j] <= v (cdf[first] = 0 <= v),
        # bisected inside v's guide bucket, then the line of cell j. (A u outside [0, 1] or
        # NaN gives a meaningless value, but the bucket stays inside the table.)
        k = min(max(int(v * _GUIDE_SCALE), 0), buckets - 2) + (buckets if upper else 0)
        lo, hi = guide[k], guide[k + 1]
        while lo < hi:
            mid = (lo + hi + 1) >> 1
            if cdf[mid] <= v:
                lo = mid
            else:
                hi = mid - 1
        if lo == first + n - 1 or cdf[lo] == v:
            q = x[lo]
        else:
            q = slope[lo] * (v - cdf[lo]) + x[lo]
            if np.isnan(q):  # numpy's fallbacks for a non-finite slope
                q = slope[lo] * (v - cdf[lo + 1]) + x[lo + 1]
                if np.isnan(q) and x[lo] == x[lo + 1]:
                    q = x[lo]
        out[i] = low + span * (1.0 - q if upper else q)


def ppf(dist: Any, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The inverse CDF of a distribution object at the uniforms ``u`` (1-d float64, in [0, 1]),
    written to ``out`` (a new array by default; ``u`` itself to work in place). Compiled for
    fixed, uniform, triangular, PERT and choice; other distributions use their own ``ppf``."""
    u = np.ascontiguousarray(u, dtype=np.float64)
    if out is None:
        out = np.empty_like(u)
    if isinstance(dist, Fixed):
        out[:] = dist.value
    elif isinstance(dist, Uniform):
        if out is not u:
            out[:] = u
        uniform_ppf(out, dist.low, dist.high)
    elif isinstance(dist, Triangular):
        if out is not u:
            out[:] = u
        triangular_ppf(out, dist.low, dist.mode, dist.high)
    elif isinstance(dist, Pert):
        t = pert_table(*dist.beta_shapes())
        pert_ppf(u, dist.low, dist.high - dist.low, t.cdf, t.x, t.slope, t.guide, out)
    elif isinstance(dist, Choice):
        order = np.argsort(dist.values, kind="stable")
        cdf = np.cumsum(dist.probabilities()[order])
        choice_ppf(u, np.asarray(dist.values, np.float64)[order], cdf, out)
    else:
        out[:] = dist.ppf(u)
    return out


@njit(nogil=True, cache=True)
def poisson_ppf(u, mean, limit, out):  # noqa: ANN001, ANN201
    """``out[i]`` = the Poisson(``mean[i]``) quantile of ``u[i]`` (the smallest k with CDF(k) >=
    u), the pmf summed term by term for at most ``limit`` terms; a value that needs more (the
    sum can stall below a u within rounding of 1) is left at -1. Returns how many were left."""
    left = 0
    for i in range(u.size):
        p = np.exp(-mean[i])
        cdf = p
        k = 0
        while cdf < u[i] and k < limit:
            k += 1
            p *= mean[i] / k
            cdf += p
        if cdf < u[i]:
            k = -1
            left += 1
        out[i] = k
    return left


@njit(nogil=True, cache=True)
def slot_uniforms(counts, path_starts, keys, rows, out):  # noqa: ANN001, ANN201
    """The counter-based uniforms of a chunk's incidents (:func:`energysim.kernels.rng.slot_uniform`):
    path ``p`` of the chunk has ``counts[p]`` incidents, slots 0, 1, ...; the chunk's blocks
    start at paths ``path_starts`` (and end at its last entry), and stream ``s`` is keyed
    ``keys[s, b]`` in block ``b``, where a path is numbered from 0. Stream ``s``'s uniforms fill
    ``out[rows[s]]`` path after path. Every stream of a slot is drawn in one pass over the
    paths (a path's variable number of slots is one loop, instead of one per stream: a
    mispredicted loop exit per path and stream cost a quarter of the time)."""
    n_streams = keys.shape[0]
    seeds = np.empty(n_streams, np.uint64)
    i = 0
    for b in range(path_starts.size - 1):
        for p in range(path_starts[b], path_starts[b + 1]):
            c = counts[p]
            if c == 0:
                continue
            for s in range(n_streams):
                seeds[s] = path_seed(keys[s, b], np.uint64(p - path_starts[b]))
            for slot in range(c):
                for s in range(n_streams):
                    out[rows[s], i] = slot_uniform(seeds[s], slot)
                i += 1


@njit(nogil=True, cache=True, inline="always")
def _amplitude(peak):  # noqa: ANN001, ANN202
    """``log(1 + max(peak, -99) / 100)``: the log-price amplitude of a peak premium [%] (one of
    -100 % or below would be no price; NaN stays NaN, as with numpy's ``maximum``)."""
    return np.log1p((-99.0 if peak < -99.0 else peak) / 100.0)


@njit(nogil=True, cache=True)
def premium_amplitude(peak, out):  # noqa: ANN001, ANN201
    """``out[i]`` = the log-price amplitude of the peak premium ``peak[i]`` [%] (``out`` may be ``peak``)."""
    for i in range(peak.size):
        out[i] = _amplitude(peak[i])


@njit(nogil=True, cache=True)
def finish_incidents(start, end, amp, lo, hi, premium):  # noqa: ANN001, ANN201
    """In place, incident by incident: ``start`` (its uniform) becomes ``lo + (hi - lo) * u``, a
    uniform time in the window [lo, hi) (days since the horizon's start); ``end`` (the duration) becomes ``start + duration``;
    with ``premium``, ``amp`` (the peak premium [%]) becomes its log-price amplitude."""
    span = hi - lo
    for i in range(start.size):
        s = lo + span * start[i]
        start[i] = s
        end[i] += s
        if premium:
            amp[i] = _amplitude(amp[i])


@njit(nogil=True, cache=True)
def scatter_by_path(counts, src, fill, dst):  # noqa: ANN001, ANN201
    """Append the columns ``src[:, i]`` of one hazard's incidents (path after path, ``counts[p]``
    of path ``p``) to their paths' rows in ``dst``: path ``p``'s go to ``dst[:, fill[p]:]``, and
    ``fill[p]`` moves past them (it starts at the path's offset; hazards are added in order)."""
    i = 0
    for p in range(counts.size):
        j = fill[p]
        for _ in range(counts[p]):
            for c in range(src.shape[0]):
                dst[c, j] = src[c, i]
            i += 1
            j += 1
        fill[p] = j
