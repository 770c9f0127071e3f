"""The compiled chunk reduction (energysim.kernels.reduce) against plain numpy references.

``chunk_stats`` is compared with the sort-and-search implementation it replaced (copied below):
counts exactly, and the values inside each (step, level) bracket as sorted multisets (the
kernel does not sort them; nothing downstream needs the order). The per-path summaries are
compared with the sums they stand for: each path's values added in step order, starting from
the first step's value, then divided (by the number of steps, or of the month's steps).
"""

from __future__ import annotations

import numpy as np
import pytest

from energysim import accumulate
from energysim.kernels import reduce as kernel

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def reference_chunk_stats(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """The previous implementation of accumulate.chunk_stats (sort each step, search the edges)."""
    srt = np.sort(a.T, axis=1)
    m, n_lv = lo.shape
    nb = srt.shape[1]
    i = np.empty((2, m, 2, n_lv), np.int64)  # [left/right side, step, lo/hi, level]
    edges = np.stack([lo, hi], axis=1)  # (steps, 2, levels)
    for j in range(m):
        i[0, j] = np.searchsorted(srt[j], edges[j], "left")
        i[1, j] = np.searchsorted(srt[j], edges[j], "right")
    lt_lo, lt_hi, le_lo, le_hi = i[0, :, 0], i[0, :, 1], i[1, :, 0], i[1, :, 1]
    point = lo == hi
    lens = np.where(point, 0, np.maximum(lt_hi - le_lo, 0))
    eq_hi = np.where(point, 0, le_hi - lt_hi)
    first = (le_lo + np.arange(m)[:, None] * nb).ravel()
    n_in = lens.ravel()
    offset = np.cumsum(n_in) - n_in
    idx = np.arange(int(n_in.sum())) + np.repeat(first - offset, n_in)
    vals = srt.reshape(-1)[idx]
    return lt_lo, le_lo - lt_lo, eq_hi, nb - le_hi, vals, lens


def assert_same_stats(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    for name, g, w in zip(("below", "at lo", "at hi", "above", "", "inside"), got, want):
        if name:
            assert g.dtype == np.int64, name
            np.testing.assert_array_equal(g, w, err_msg=name)
    vals, lens = got[4], got[5]
    assert vals.dtype == np.float64 and vals.size == lens.sum()
    ends = np.cumsum(lens.ravel())
    for g, (e, c) in enumerate(zip(ends, lens.ravel())):  # each (step, level) as a sorted multiset
        np.testing.assert_array_equal(np.sort(vals[e - c:e]), want[4][e - c:e], err_msg=f"group {g}")


def time_major(a: np.ndarray) -> np.ndarray:
    """``a`` (paths, steps) with the engine's time-major memory."""
    out = np.ascontiguousarray(a.T).T
    assert out.T.flags.c_contiguous
    return out


def pilot_brackets(a: np.ndarray, n_pilot: int) -> tuple[np.ndarray, np.ndarray]:
    """Brackets as QuantileSketch.start sets them from the first ``n_pilot`` paths."""
    sk = accumulate.QuantileSketch(LEVELS, a.shape[0], a.shape[1])
    sk.start(a[:n_pilot])
    return sk.brackets()


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(2026)


def cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(values (paths, steps), lo, hi) for each situation the brackets can be in."""
    n, m = 10_000, 7  # more paths than one tile in either layout: the regrouping of tiles is used
    smooth = rng.lognormal(4.0, 0.3, (n, m))
    ties = np.round(rng.normal(0.0, 1.0, (n, m)), 1)  # about 80 distinct values: ties at every edge
    atom = np.where(rng.random((n, m)) < 0.7, 0.0, rng.exponential(1.0, (n, m)))  # mostly exactly 0.0
    out = {
        "smooth, pilot brackets": (smooth, *pilot_brackets(smooth, 2000)),
        "ties at the edges": (ties, *pilot_brackets(ties, 2000)),
        "atom at zero": (atom, *pilot_brackets(atom, 2000)),
        "unbounded": (smooth, np.full((m, 5), -np.inf), np.full((m, 5), np.inf)),
    }
    lo, hi = pilot_brackets(smooth, 2000)
    lo, hi = lo.copy(), hi.copy()
    lo[:, 0] = -np.inf  # open below
    hi[:, 4] = np.inf  # open above
    lo[1], hi[1] = np.sort(smooth[:, 1])[[3000, 3000]]  # point brackets at a value of the data
    lo[2, 1] = hi[2, 1] = 1e9  # a point bracket above every value
    lo[3, 2], hi[3, 2] = 1.0, 1.5  # an empty bracket, below every value
    lo[4, 3], hi[4, 3] = hi[4, 3], lo[4, 3]  # an inverted bracket (never made by the sketch)
    out["open, point, empty and inverted brackets"] = (smooth, lo, hi)
    zlo = np.zeros((m, 5))
    out["point brackets on the atom"] = (atom, zlo, zlo.copy())
    zhi = zlo.copy()
    zhi[:, 3:] = 0.5
    out["bracket starting at the atom"] = (atom, zlo, zhi)
    return out


@pytest.mark.parametrize("layout", ["time-major", "C-ordered", "strided"])
def test_chunk_stats_equal_the_sorting_reference(rng: np.random.Generator, layout: str) -> None:
    for name, (a, lo, hi) in cases(rng).items():
        if layout == "time-major":
            x = time_major(a)
        elif layout == "C-ordered":
            x = np.ascontiguousarray(a)
        else:  # neither: every other path of a larger array
            x = np.repeat(a, 2, axis=0)[::2]
        want = reference_chunk_stats(a, lo, hi)
        got = accumulate.chunk_stats(x, lo, hi)
        try:
            assert_same_stats(got, want)
        except AssertionError as e:
            raise AssertionError(f"{name} ({layout}): {e}") from e


def test_counts_add_up_and_small_chunks(rng: np.random.Generator) -> None:
    """Every value is counted once (for brackets lo <= hi), whatever the number of paths (1, a few, a tile's worth)."""
    for n in (1, 7, 8, 9, 4096, 4097):
        a = rng.normal(size=(n, 3))
        lo = np.quantile(a, [0.1, 0.4, 0.7], axis=0).T.copy()
        hi = np.quantile(a, [0.3, 0.6, 0.9], axis=0).T.copy()
        got = accumulate.chunk_stats(time_major(a), lo, hi)
        assert_same_stats(got, reference_chunk_stats(a, lo, hi))
        lt, eq_lo, eq_hi, gt, _, lens = got
        np.testing.assert_array_equal(lt + eq_lo + lens + eq_hi + gt, n)


def test_bracket_shape_is_checked() -> None:
    a = np.zeros((10, 4))
    with pytest.raises(ValueError, match="brackets"):
        accumulate.chunk_stats(a, np.zeros((3, 5)), np.ones((3, 5)))


def sequential_summaries(a: np.ndarray, month_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path: the mean (values added in step order from the first, divided by the number of
    steps), the max, and per month the mean (the month's values added in step order, divided
    by the month's number of steps), as (paths, months)."""
    n, m = a.shape
    total = a[:, 0].copy()
    for j in range(1, m):
        total += a[:, j]
    months = int(month_index.max()) + 1
    monthly = np.empty((n, months))
    for k in range(months):
        steps = np.flatnonzero(month_index == k)
        acc = a[:, steps[0]].copy()
        for j in steps[1:]:
            acc += a[:, j]
        monthly[:, k] = acc / steps.size
    return total / m, a.max(axis=1), monthly


@pytest.mark.parametrize("layout", ["time-major", "C-ordered"])
def test_per_path_summaries(rng: np.random.Generator, layout: str) -> None:
    """The mean, max and monthly means written in place for the chunk's paths only, equal to
    the sequential sums; the same whichever the layout (and the same quantile statistics)."""
    n, m, first, total = 9000, 11, 500, 10_000
    a = rng.lognormal(4.0, 0.5, (n, m))
    month_index = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 4], np.int64)
    month_counts = np.bincount(month_index).astype(float)
    mean, peak = np.full(total, -1.0), np.full(total, -1.0)
    monthly = np.full((month_counts.size, total), -1.0)  # month-major, as the accumulator's
    lo, hi = pilot_brackets(a, 1000)
    x = time_major(a) if layout == "time-major" else np.ascontiguousarray(a)
    stats = accumulate._reduce(x, lo, hi, (month_index, month_counts, first, mean, peak, monthly))
    assert_same_stats(stats, reference_chunk_stats(a, lo, hi))
    want_mean, want_max, want_monthly = sequential_summaries(a, month_index)
    rows = slice(first, first + n)
    np.testing.assert_array_equal(mean[rows], want_mean)
    np.testing.assert_array_equal(peak[rows], want_max)
    np.testing.assert_array_equal(monthly[:, rows].T, want_monthly)
    untouched = np.r_[0:first, first + n:total]
    assert (mean[untouched] == -1).all() and (peak[untouched] == -1).all() and (monthly[:, untouched] == -1).all()


def test_kernel_compiles_for_one_signature(rng: np.random.Generator) -> None:
    """Both layouts and both uses (quantile statistics only, or with summaries) share one
    compiled version: consistent dtypes, no recompilation per call."""
    a = rng.normal(size=(100, 4))
    lo, hi = np.full((4, 2), -0.5), np.full((4, 2), 0.5)
    accumulate.chunk_stats(time_major(a), lo, hi)
    accumulate.chunk_stats(np.ascontiguousarray(a), lo, hi)
    assert len(kernel.reduce_chunk.signatures) == 1
