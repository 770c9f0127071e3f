"""The compiled bookkeeping of the streamed quantiles (kernels.sketch) against plain numpy."""

from __future__ import annotations

import numpy as np
import pytest

from energysim.kernels import sketch


@pytest.mark.parametrize("seed", range(6))
def test_select_gives_the_order_statistic_and_partitions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(1, 400))
        a = np.round(rng.normal(size=n), int(rng.integers(0, 3)))  # ties, many of them when rounded
        k = int(rng.integers(0, n))
        work = a.copy()
        got = sketch._select(work, 0, n, k)
        assert got == np.sort(a)[k]
        assert work[k] == got and np.all(work[:k] <= got) and np.all(work[k + 1:] >= got)
        np.testing.assert_array_equal(np.sort(work), np.sort(a))  # a permutation


def _shrink_reference(v, lo, hi, n_lt, e_lo, e_hi, r_lo, r_hi):  # noqa: ANN001, ANN202
    """One group shrunk the plain way: every value in [lo, hi] materialised and partitioned."""
    full = np.concatenate([np.full(e_lo, lo), v, np.full(e_hi, hi)])
    size = full.size
    a, b = r_lo - n_lt, r_hi - n_lt
    if size == 0 or (a <= 0 and b >= size - 1):
        return v, lo, hi, n_lt, e_lo, e_hi, 0
    srt = np.sort(full)
    new_lo = srt[min(max(a, 0), size - 1)] if a > 0 else lo
    new_hi = srt[min(max(b, 0), size - 1)] if b < size - 1 else hi
    kept = full[(full > new_lo) & (full < new_hi)]
    eq_hi = int(np.sum(full == new_hi)) if new_lo < new_hi else 0
    return (kept, new_lo, new_hi, n_lt + int(np.sum(full < new_lo)), int(np.sum(full == new_lo)), eq_hi,
            int(np.sum(full > new_hi)))


@pytest.mark.parametrize("seed", range(4))
def test_shrink_matches_the_plain_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_lv, n_groups = 3, 30
    groups, lo, hi, n_lt, e_lo, e_hi = [], [], [], [], [], []
    for _ in range(n_groups):
        lo_g, hi_g = sorted(np.round(rng.normal(size=2), 1))
        size = int(rng.integers(0, 300))
        v = np.round(rng.uniform(lo_g, hi_g, size), int(rng.integers(1, 4)))
        groups.append(v[(v > lo_g) & (v < hi_g)])
        lo.append(lo_g)
        hi.append(hi_g)
        n_lt.append(int(rng.integers(0, 100)))
        e_lo.append(int(rng.integers(0, 20)) * int(rng.integers(0, 2)))
        e_hi.append(int(rng.integers(0, 20)) * int(rng.integers(0, 2)))
    r_lo = rng.integers(0, 150, n_lv)
    r_hi = r_lo + rng.integers(0, 200, n_lv)
    skip = rng.random(n_groups) < 0.1
    sizes = np.array([g.size for g in groups], np.int64)
    arrays = [np.array(x, dtype=t) for x, t in ((lo, float), (hi, float), (n_lt, np.int64), (e_lo, np.int64),
                                                 (e_hi, np.int64), (np.zeros(n_groups), np.int64))]
    vals, new_sizes = sketch.shrink(np.concatenate(groups), sizes, *arrays, skip, r_lo, r_hi)
    got = np.split(vals, np.cumsum(new_sizes)[:-1])
    for g in range(n_groups):
        if skip[g]:
            np.testing.assert_array_equal(got[g], groups[g])
            continue
        kept, new_lo, new_hi, lt, eq_lo, eq_hi, gt = _shrink_reference(
            groups[g], lo[g], hi[g], n_lt[g], e_lo[g], e_hi[g], int(r_lo[g % n_lv]), int(r_hi[g % n_lv]))
        np.testing.assert_array_equal(got[g], kept)
        assert (arrays[0][g], arrays[1][g]) == (new_lo, new_hi)
        assert (arrays[2][g], arrays[3][g], arrays[4][g], arrays[5][g]) == (lt, eq_lo, eq_hi, gt)


def test_gather_appends_chunks_group_by_group() -> None:
    vals, sizes = np.array([1.0, 2.0, 3.0]), np.array([2, 0, 1], np.int64)
    new_vals = np.array([10.0, 11.0, 12.0, 20.0, 21.0])  # chunk 1: groups (1, 1, 1); chunk 2: (0, 2, 0)
    new_lens = np.array([[1, 1, 1], [0, 2, 0]], np.int64)
    out, out_sizes = sketch.gather(vals, sizes, new_vals, new_lens)
    np.testing.assert_array_equal(out_sizes, [3, 3, 2])
    np.testing.assert_array_equal(out, [1.0, 2.0, 10.0, 11.0, 20.0, 21.0, 3.0, 12.0])


@pytest.mark.parametrize("seed", range(3))
def test_ranks_of_large_groups_through_the_sample_are_exact(seed: int) -> None:
    """Groups of 1024 values or more go through a sorted sample and two windows; the answer is
    the exact order statistic, with ties, at any ranks (windows that miss fall back)."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(1024, 6000))
        v = np.round(rng.normal(size=n), int(rng.integers(0, 4)))  # from a handful of values to none tied
        e_lo, e_hi = int(rng.integers(0, 50)), int(rng.integers(0, 50))
        full = np.sort(np.concatenate([np.full(e_lo, -10.0), v, np.full(e_hi, 10.0)]))
        ra, rb = sorted(int(r) for r in rng.integers(0, full.size, 2))
        scratch = [np.empty(n) for _ in range(3)]
        assert sketch._ranks(v, e_lo, -10.0, 10.0, ra, rb, True, True, *scratch) == (full[ra], full[rb])
    # windows placed from a sample of sorted data (the worst order for a strided sample) still hold
    v = np.sort(rng.normal(size=4096))
    got = sketch._sampled_ranks(v, 100, 4000, True, True, np.empty(4096), np.empty(4096), np.empty(4096))
    assert got[2] is False or got[:2] == (v[100], v[4000])


def _reclassify_reference(vals, lens, old_lo, old_hi, lo, hi, lt, eq_lo, eq_hi, gt):  # noqa: ANN001, ANN202
    """The numpy restatement of a chunk's statistics against narrower brackets (flat groups)."""
    point = lo == hi
    lt = lt + np.where(old_lo < lo, eq_lo, 0)
    eq_lo_new = np.where(old_lo < lo, 0, eq_lo)
    gt = gt + np.where(old_hi > hi, eq_hi, 0)
    eq_hi_new = np.where(old_hi > hi, 0, eq_hi)
    eq_lo_new = eq_lo_new + np.where(point, eq_hi_new, 0)
    eq_hi_new = np.where(point, 0, eq_hi_new)
    gid = np.repeat(np.arange(lens.size), lens)
    lo_v, hi_v = lo[gid], hi[gid]
    below, at_lo = vals < lo_v, vals == lo_v
    above, at_hi = vals > hi_v, (vals == hi_v) & (lo_v < hi_v)
    inside = ~(below | at_lo | above | at_hi)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(gid[mask], minlength=lens.size)

    return (vals[inside], count(inside), lt + count(below), eq_lo_new + count(at_lo), eq_hi_new + count(at_hi),
            gt + count(above))


@pytest.mark.parametrize("seed", range(4))
def test_reclassify_matches_the_plain_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_groups = 40
    old_lo = np.round(rng.normal(-1.0, 0.3, n_groups), 1)
    old_hi = old_lo + np.round(rng.uniform(0.5, 2.0, n_groups), 1)
    # narrower brackets: often the same edge, sometimes a point, never wider
    lo = np.where(rng.random(n_groups) < 0.3, old_lo, old_lo + np.round(rng.uniform(0, 0.4, n_groups), 1))
    hi = np.where(rng.random(n_groups) < 0.3, old_hi, np.maximum(lo, old_hi - np.round(rng.uniform(0, 0.4, n_groups), 1)))
    hi = np.where(rng.random(n_groups) < 0.1, lo, hi)
    lens = rng.integers(0, 50, n_groups)
    vals = np.concatenate([np.round(rng.uniform(a, b, k), 1) for a, b, k in zip(old_lo, old_hi, lens)])
    keep = np.concatenate([(v > a) & (v < b) for v, a, b in
                           zip(np.split(vals, np.cumsum(lens)[:-1]), old_lo, old_hi)])  # strictly inside the old
    gid = np.repeat(np.arange(n_groups), lens)[keep]
    vals = vals[keep]
    lens = np.bincount(gid, minlength=n_groups)
    counts = [rng.integers(0, 9, n_groups) for _ in range(4)]
    want = _reclassify_reference(vals, lens, old_lo, old_hi, lo, hi, *counts)
    got_counts = [c.astype(np.int64).copy() for c in counts]
    got_vals, got_lens = sketch.reclassify(vals, lens.astype(np.int64), old_lo, old_hi, lo, hi, *got_counts)
    np.testing.assert_array_equal(got_vals, want[0])
    np.testing.assert_array_equal(got_lens, want[1])
    for g, w in zip(got_counts, want[2:]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", range(3))
def test_adjacent_ranks_of_large_groups_are_exact(seed: int) -> None:
    """A quantile needs ranks k and k + 1: one window of the sample, then the smallest value
    after the first; exact with ties, at the ends of a group, and when the window misses."""
    rng = np.random.default_rng(seed)
    for _ in range(80):
        n = int(rng.integers(1024, 8000))
        v = np.round(rng.normal(size=n), int(rng.integers(0, 4)))
        srt = np.sort(v)
        k = int(rng.choice([0, 1, n - 2, int(rng.integers(0, n - 1))]))
        scratch = [np.empty(n) for _ in range(3)]
        assert sketch._ranks(v, 0, -10.0, 10.0, k, k + 1, True, True, *scratch) == (srt[k], srt[k + 1])
    v = np.sort(rng.normal(size=4096))  # sorted data: the strided sample's worst case
    got = sketch._sampled_ranks(v, 2000, 2001, True, True, np.empty(4096), np.empty(4096), np.empty(4096))
    assert got[2] is False or got[:2] == (v[2000], v[2001])


def test_order_statistics_with_ties_at_both_edges() -> None:
    rng = np.random.default_rng(3)
    groups = [np.round(rng.normal(size=int(n)), 2) for n in (0, 5, 2000, 40)]
    groups = [g[(g > -1.5) & (g < 1.5)] for g in groups]
    e_lo = np.array([3, 0, 17, 2], np.int64)
    e_hi = np.array([1, 4, 9, 0], np.int64)
    n_lt = np.array([10, 0, 400, 7], np.int64)
    lo, hi = np.full(4, -1.5), np.full(4, 1.5)
    full = [np.sort(np.concatenate([np.full(a, -1.5), g, np.full(b, 1.5)])) for g, a, b in zip(groups, e_lo, e_hi)]
    k0 = n_lt + np.array([0, 1, 600, full[3].size - 1])  # group 2: ranks inside the values, through the sample
    k1 = np.minimum(k0 + 1, n_lt + np.array([x.size for x in full]) - 1)
    x0, x1 = sketch.order_statistics(np.concatenate(groups), np.array([g.size for g in groups], np.int64), lo, hi,
                                     n_lt, e_lo, k0, k1)
    for g in range(4):
        assert (x0[g], x1[g]) == (full[g][k0[g] - n_lt[g]], full[g][k1[g] - n_lt[g]])
