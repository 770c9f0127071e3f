"""The compiled draws (kernels.seeding, kernels.draws) against numpy, scipy and the plain way.

- seeding: numpy's SeedSequence and PCG64, bit for bit, on seeds and spawn keys of one and of
  several 32-bit words;
- draws: each inverse CDF against the distribution's numpy ``ppf`` on random uniforms and the
  edge cases (u = 0, the cut of a triangle, 1/2, u close to 1, degenerate shapes); the Poisson
  quantile against scipy; the incidents of a chunk against a plain numpy construction of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import energysim
from energysim import engine, sampling
from energysim.inputs import build_inputs
from energysim.kernels import draws, rng, seeding
from energysim.sampling import ChunkStreams, Streams
from energysim.scenario.distributions import Choice, Fixed, LogNormal, Normal, Pert, Triangular, Uniform

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = [0, 1, 2026, 2**32 - 1, 2**32, 2**64 + 3, 2**130 + 7]  # 1 to 5 words (5: more than the pool)
BLOCKS = [0, 1, 77, 2**32 + 5]  # the last one two words


@pytest.mark.parametrize("seed", SEEDS)
def test_seeding_is_numpys_seed_sequence_and_pcg64(seed: int) -> None:
    for block in BLOCKS:
        for name in ["market.supply_elasticity", "hazards.h.count", ""]:
            spawn = (sampling.stream_id(name), block)
            ss = np.random.SeedSequence(seed, spawn_key=spawn)
            words = seeding.entropy_words(seed, spawn)
            pool = seeding.entropy_pool(words)
            np.testing.assert_array_equal(pool, ss.pool)
            np.testing.assert_array_equal(seeding.generate_words(pool, 7), ss.generate_state(7, np.uint64))
            assert seeding.stream_key(words) == ss.generate_state(1, np.uint64)[0]
            for n in (0, 1, 1001):
                out = np.empty(n)
                seeding.fill_stream_uniforms(words, out)
                np.testing.assert_array_equal(out, np.random.Generator(np.random.PCG64(ss)).random(n))


def test_entropy_words_refuse_negative_integers() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        seeding.entropy_words(-1, (3, 4))


def test_streams_give_numpys_draws_block_by_block() -> None:
    seed, blocks = 2**40 + 11, [(3, 500), (4, 700), (2**32 + 1, 64)]
    cs = ChunkStreams(seed, blocks)
    u = cs.uniforms("a")
    keys = cs.keys("b")
    offsets = np.cumsum([0] + [n for _, n in blocks])
    for i, (block, n) in enumerate(blocks):
        np.testing.assert_array_equal(u[offsets[i]:offsets[i + 1]], sampling.generator(seed, "a", block).random(n))
        assert keys[i] == sampling.seed_sequence(seed, "b", block).generate_state(1, np.uint64)[0]
        one = Streams(seed, block, n)
        np.testing.assert_array_equal(one.uniforms("a"), u[offsets[i]:offsets[i + 1]])
        assert one.key("b") == keys[i]
    with pytest.raises(RuntimeError, match="drawn twice"):
        cs.uniforms("b")


DISTS = [
    Uniform(dist="uniform", low=-3.0, high=7.5),
    Uniform(dist="uniform", low=2.0, high=2.0),
    Triangular(dist="triangular", low=0.02, mode=0.1, high=0.3),
    Triangular(dist="triangular", low=0.0, mode=0.0, high=1.0),  # low == mode
    Triangular(dist="triangular", low=-5.0, mode=2.0, high=2.0),  # mode == high
    Triangular(dist="triangular", low=1.0, mode=1.0, high=1.0),  # a point
    Pert(dist="pert", low=0.2, mode=0.5, high=0.85),
    Pert(dist="pert", low=-0.45, mode=-0.45, high=-0.1),  # mode at a bound: Beta(1, 5)
    Pert(dist="pert", low=0.0, mode=0.7, high=1.0, shape=60.0),  # CDF flat at 0 and 1 over many points
    Choice(dist="choice", values=[240.0, 30.0, 75.0], weights=[0.2, 0.35, 0.45]),
    Choice(dist="choice", values=[1.0, 1.0, -2.0, 5.0], weights=[0.0, 1.0, 2.0, 0.0]),  # ties, empty weights
    Choice(dist="choice", values=[4.0]),
    Fixed(value=3.5),
    Normal(dist="normal", mean=1.0, sd=0.5, low=0.0),
    LogNormal(dist="lognormal", median=2.0, p90=5.0),
]


def _edge_uniforms(dist: object) -> np.ndarray:
    """Random uniforms and the edge cases: 0, the smallest, the triangle's cut and its
    neighbours, 1/2 and its neighbours, the largest below 1."""
    u = [np.random.default_rng(3).random(100_000), [0.0, 5e-324, 1e-300, 1e-12, 0.25, 0.5, 1 - 1e-12, 1 - 2**-53]]
    u.append(np.nextafter(0.5, [0.0, 1.0]))
    if isinstance(dist, Triangular) and dist.high > dist.low:
        cut = (dist.mode - dist.low) / (dist.high - dist.low)
        u.append(np.nextafter(cut, [-1.0, 2.0]))
        u.append([cut])
    if isinstance(dist, Choice):  # on the steps of the CDF (values in increasing order)
        u.append(np.cumsum(dist.probabilities()[np.argsort(dist.values, kind="stable")]))
    return np.clip(np.concatenate(u), 0.0, 1 - 2**-53)


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: f"{type(d).__name__}")
def test_compiled_inverse_cdfs_equal_the_numpy_ppf(dist: object) -> None:
    u = _edge_uniforms(dist)
    want = dist.ppf(u)
    u_before = u.copy()
    got = draws.ppf(dist, u)
    np.testing.assert_array_equal(u, u_before)  # a new array unless asked to work in place
    if isinstance(dist, (Choice, Fixed, Normal, LogNormal)):
        np.testing.assert_array_equal(got, want)  # a selection, a constant, the numpy ppf itself
    else:
        np.testing.assert_array_max_ulp(got, want, maxulp=2)
    in_place = u.copy()
    assert draws.ppf(dist, in_place, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, got)
    lo, hi = dist.support()
    assert np.all((got >= lo) & (got <= hi))
    assert np.all(np.diff(draws.ppf(dist, np.sort(u))) >= 0)  # monotone: coupled draws keep their rank


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: f"{type(d).__name__}")
def test_chunk_draws_are_the_distributions_sample_block_by_block(dist: object) -> None:
    seed, blocks = 7, [(0, 300), (5, 1000)]
    got = ChunkStreams(seed, blocks).draw("x", dist)
    want = np.concatenate([dist.sample(sampling.generator(seed, "x", b), n) for b, n in blocks])
    np.testing.assert_array_max_ulp(got, want, maxulp=2)


def test_pert_outside_the_unit_interval_stays_inside_the_table() -> None:
    """Not a supported input, but it must not read outside the table (no bounds checks)."""
    dist = Pert(dist="pert", low=0.0, mode=0.3, high=1.0)
    got = draws.ppf(dist, np.array([-0.5, -1e300, 1.5, 1e300, np.nan]))
    assert got.shape == (5,)


def test_poisson_kernel_matches_scipy_and_leaves_what_needs_more_terms() -> None:
    r = np.random.default_rng(4)
    u = np.concatenate([np.clip(r.random(50_000), 1e-16, 1 - 1e-16), [1e-16, 0.5, 1 - 1e-16]])
    mean = np.concatenate([r.uniform(0.0, 40.0, 50_000), [0.0, 0.0, 3.0]])
    k = np.empty(u.size, np.int64)
    left = draws.poisson_ppf(u, mean, 200, k)
    want = stats.poisson.ppf(u, mean).astype(np.int64)
    np.testing.assert_array_equal(k[k >= 0], want[k >= 0])
    assert left == np.count_nonzero(k < 0) <= 3  # at most the sums that stall just below 1 - 1e-16
    assert k[-3] == 0 and k[-2] == 0  # mean 0: never an incident
    short = np.empty(u.size, np.int64)
    left = draws.poisson_ppf(u, mean, 5, short)  # too few terms: those past 5 are left at -1
    assert left == np.count_nonzero(want > 5) and np.all(short[want > 5] == -1)
    np.testing.assert_array_equal(short[want <= 5], want[want <= 5])


def test_slot_uniforms_are_the_uniforms_of_each_path_and_slot() -> None:
    r = np.random.default_rng(5)
    path_starts = np.array([0, 40, 40, 130])  # three blocks, the second empty
    counts = r.poisson(2.0, 130)
    keys = r.integers(0, 2**63, (2, 3)).astype(np.uint64)
    rows = np.array([3, 0])
    out = np.full((4, counts.sum()), -1.0)
    draws.slot_uniforms(counts, path_starts, keys, rows, out)
    path = np.repeat(np.arange(130), counts)
    slot = np.concatenate([np.arange(c) for c in counts])
    block = np.searchsorted(path_starts, path, side="right") - 1
    for s, row in enumerate(rows):
        want = np.empty(path.size)
        for b in range(3):
            sel = block == b
            want[sel] = rng.uniforms_at(keys[s, b], path[sel] - path_starts[b], slot[sel])
        np.testing.assert_array_equal(out[row], want)
    assert np.all(out[[1, 2]] == -1.0)  # other rows untouched


def test_scatter_by_path_groups_by_path_in_hazard_then_slot_order() -> None:
    r = np.random.default_rng(6)
    n = 200
    counts = [r.poisson(lam, n) for lam in (1.0, 0.3, 2.5)]
    cols = [r.random((6, c.sum())) for c in counts]
    total = sum(counts)
    ptr = np.concatenate([[0], np.cumsum(total)])
    out = np.full((6, ptr[-1]), np.nan)
    fill = ptr[:-1].copy()
    for c, src in zip(counts, cols):
        draws.scatter_by_path(c, src, fill, out)
    np.testing.assert_array_equal(fill, ptr[1:])
    path = np.concatenate([np.repeat(np.arange(n), c) for c in counts])  # the former way: a stable sort
    np.testing.assert_array_equal(out, np.concatenate(cols, axis=1)[:, np.argsort(path, kind="stable")])


def test_incident_finishing_and_premium_amplitude() -> None:
    r = np.random.default_rng(7)
    u, dur = r.random(1000), r.uniform(0.0, 30.0, 1000)
    peak = np.concatenate([r.uniform(-150.0, 50.0, 996), [-99.0, -100.0, 0.0, np.nan]])
    amp = np.log1p(np.maximum(peak, -99.0) / 100.0)
    start, end, got = u.copy(), dur.copy(), peak.copy()
    draws.finish_incidents(start, end, got, 4.0, 360.0, True)
    np.testing.assert_array_equal(start, 4.0 + 356.0 * u)
    np.testing.assert_array_equal(end, 4.0 + 356.0 * u + dur)
    # NaN stays NaN, -100 % and below clamp at -99 %; the compiled log1p may differ from
    # numpy's by one unit in the last place depending on the CPU's maths library
    np.testing.assert_allclose(got, amp, rtol=1e-15, atol=0.0)
    assert np.isnan(got[-1]) and got[-4] == got[-3] and got[-2] == 0.0
    untouched = peak.copy()
    draws.finish_incidents(u.copy(), dur.copy(), untouched, 4.0, 360.0, False)
    np.testing.assert_array_equal(untouched, peak)
    out = np.empty_like(peak)
    draws.premium_amplitude(peak, out)
    np.testing.assert_array_equal(out, got)  # the same compiled function as above


def _incidents_reference(sc, seed: int, blocks: list[tuple[int, int]]) -> dict[str, np.ndarray]:  # noqa: ANN001
    """A chunk's incidents the plain way: numpy generators and scipy for the counts, (path,
    slot) pairs for the marks' counter-based uniforms, each distribution's numpy ppf, and a
    stable sort by (path, hazard, slot)."""
    origin, parts = sc.horizon.start, []
    for (block, n), off in zip(blocks, np.cumsum([0] + [n for _, n in blocks])):
        for h, hz in enumerate(sc.hazards):
            key = f"hazards.{hz.name}"

            def marks(name: str, dist: object, path: np.ndarray, slot: np.ndarray) -> np.ndarray:
                if dist.is_fixed:
                    return np.full(path.size, dist.center())
                k = sampling.seed_sequence(seed, f"{key}.{name}", block).generate_state(1, np.uint64)[0]  # noqa: B023
                return dist.ppf(rng.uniforms_at(k, path, slot))

            w0, w1 = (hz.window.start, hz.window.end) if hz.window else (sc.horizon.start, sc.horizon.end)
            lo, hi = float((w0 - origin).days), float((w1 - origin).days + 1)  # the last day whole
            rate = (np.full(n, hz.rate_per_year.center()) if hz.rate_per_year.is_fixed
                    else hz.rate_per_year.sample(sampling.generator(seed, key + ".rate_per_year", block), n))
            u = np.clip(sampling.generator(seed, key + ".count", block).random(n), 1e-16, 1 - 1e-16)
            counts = stats.poisson.ppf(u, np.maximum(rate, 0.0) * (hi - lo) / 365.25).astype(np.int64)
            path = np.repeat(np.arange(n), counts)
            slot = np.concatenate([np.arange(c) for c in counts]) if n else np.zeros(0, np.int64)
            start = lo + (hi - lo) * marks("start", Uniform(dist="uniform", low=0.0, high=1.0), path, slot)
            col = {"path": path + off, "hazard": np.full(path.size, h), "slot": slot, "start": start,
                   "end": start + marks("duration_days", hz.duration_days, path, slot),
                   "volume": marks("volume_mbd", hz.volume_mbd, path, slot)}
            rp = hz.risk_premium
            zero = np.zeros(path.size)
            col["amp"] = np.log1p(np.maximum(marks("risk_premium.peak_pct", rp.peak_pct, path, slot), -99.0)
                                  / 100.0) if rp else zero
            col["lead"] = marks("risk_premium.lead_days", rp.lead_days, path, slot) if rp else zero
            col["half_life"] = marks("risk_premium.half_life_days", rp.half_life_days, path, slot) if rp else zero + 1
            parts.append(col)
    flat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((flat["slot"], flat["hazard"], flat["path"]))
    out = {k: v[order] for k, v in flat.items()}
    total = sum(n for _, n in blocks)
    out["ptr"] = np.concatenate([[0], np.cumsum(np.bincount(out["path"], minlength=total))])
    return out


@pytest.mark.parametrize("name", ["maduro_capture", "regional_escalation"])  # one hazard; two, one without premium
def test_chunk_incidents_equal_the_plain_construction(name: str) -> None:
    loaded = energysim.load_scenario(SCENARIOS / f"{name}.yaml")
    sc, inp = loaded.scenario, build_inputs(loaded)
    seed, blocks = 13, [(3, 500), (4, 700), (9, 64)]
    args, _ = engine.chunk_inputs(sc, inp, ChunkStreams(seed, blocks))
    want = _incidents_reference(sc, seed, blocks)
    np.testing.assert_array_equal(args["inc_ptr"], want["ptr"])
    assert want["ptr"][-1] > 1000  # incidents on many paths, several on some
    for col in ("start", "end", "volume", "amp", "lead", "half_life"):
        np.testing.assert_allclose(args[f"inc_{col}"], want[col], rtol=1e-14, atol=1e-14, err_msg=col)


def test_incidents_can_start_on_every_day_of_the_window_and_its_length_counts_them_all() -> None:
    """A window (or the horizon, its default) is whole days: from 00:00 of its first day to the
    end of its last, which the docs call the last day an incident can start. Over a week of
    daily steps, incidents start on all 7 days alike, and their number is Poisson with mean
    rate x 7 days / 365.25 (a window ending at 00:00 of its last day left that day out: 6 days)."""
    sc = energysim.scenario_from_dict({
        "name": "week_of_incidents", "horizon": {"start": "2026-03-02", "end": "2026-03-08", "step": "day"},
        "hazards": [{"name": "h", "rate_per_year": 365.25, "volume_mbd": 0.1, "duration_days": 1}]})
    inp = build_inputs(sc)
    args, _ = engine.chunk_inputs(sc, inp, ChunkStreams(5, [(0, 20000)]))
    start = args["inc_start"]
    assert start.min() >= 0.0 and start.max() < 7.0
    per_day = np.bincount(np.floor(start).astype(np.int64), minlength=7)
    assert per_day.size == 7 and per_day.min() > 0.85 * per_day.mean()  # the last day as likely as the others
    assert start.size / 20000 == pytest.approx(7.0, rel=0.01)  # 7 incidents a path on average


def test_a_uniform_start_date_makes_every_day_of_its_range_equally_likely_the_last_one_too() -> None:
    """``start: {dist: uniform, low: 2026-03-02, high: 2026-03-08}``: any of the 7 dates, each as
    likely (from 00:00 of the first to the end of the last day; the end at 00:00 of the last day
    left that date out)."""
    sc = energysim.scenario_from_dict({
        "name": "uniform_start", "horizon": {"start": "2026-03-01", "end": "2026-03-31", "step": "day"},
        "disruptions": [{"name": "d", "probability": 1.0, "volume_mbd": 0.5, "duration_days": 3,
                         "start": {"dist": "uniform", "low": "2026-03-02", "high": "2026-03-08"}}]})
    args, _ = engine.chunk_inputs(sc, build_inputs(sc), ChunkStreams(3, [(0, 14000)]))
    start = args["d_start"][0]
    assert start.min() >= 1.0 and start.max() < 8.0  # days since 1 March: 2 March .. the end of 8 March
    per_day = np.bincount(np.floor(start).astype(np.int64) - 1, minlength=7)
    assert per_day.size == 7 and per_day.min() > 0.9 * per_day.mean()
