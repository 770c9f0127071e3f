"""The compiled path model and its random numbers against the numpy model functions.

``kernels.paths.path_model`` computes every path step by step; :func:`_reference` computes the
same chunk from the same draws with the whole-array functions of :mod:`energysim.models` (the
documented model). They must agree to rounding. ``kernels.rng`` is checked against the
reference SplitMix64 sequence and the normal distribution; ``kernels.expo`` against numpy's ``exp``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import energysim
from energysim import engine
from energysim.inputs import build_inputs
from energysim.kernels import rng
from energysim.kernels.expo import EXP_ARG_LIMIT, exp_row
from energysim.kernels.paths import path_model
from energysim.models import price as price_model
from energysim.models import retail, supply, tightness
from energysim.sampling import BLOCK_PATHS, ChunkStreams
from energysim.scenario.distributions import Fixed
from energysim.scenario.schema import StockRelease

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ROOT / "scenarios" / "maduro_capture.yaml"
U = np.uint64

def _splitmix64_reference(seed: int, count: int) -> list[int]:
    """Vigna's splitmix64.c, in Python integers: ``x += gamma; z = x; ...; return z``."""
    mask, out, x = (1 << 64) - 1, [], seed
    for _ in range(count):
        x = (x + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


@pytest.mark.parametrize("seed", [0, 1234567, 0xFFFFFFFFFFFFFFFF, 0x243F6A8885A308D3])
def test_splitmix64_is_the_reference_sequence(seed: int) -> None:
    got = [int(rng.splitmix64(U(seed), U(i))) for i in range(1, 6)]
    assert got == _splitmix64_reference(seed, 5)
    # the published first output for seed 0 (splitmix64.c; the seeder of xoshiro's reference code)
    assert int(rng.splitmix64(U(0), U(1))) == 0xE220A8397B1DCDAF


def test_normals_are_standard_independent_and_keyed() -> None:
    z = rng.normals(12345678, 40_000, 53)
    np.testing.assert_array_equal(z, rng.normals(12345678, 40_000, 53))
    flat = z.ravel()
    se = 1 / np.sqrt(flat.size)
    assert abs(flat.mean()) < 5 * se and abs(flat.std() - 1) < 5 * se
    assert abs(stats.skew(flat)) < 10 * se and abs(stats.kurtosis(flat)) < 20 * se
    assert stats.kstest(flat[:500_000], "norm").pvalue > 1e-4
    # the tails, beyond the ziggurat's base strip (r = 3.654: the slow path) included
    for c in (2.0, 3.0, rng.ZIGGURAT_R, 4.0):
        p = 2 * stats.norm.sf(c)
        assert abs(np.mean(np.abs(flat) > c) - p) < 5 * np.sqrt(p / flat.size), c
    assert abs(np.corrcoef(z[:, :-1].ravel(), z[:, 1:].ravel())[0, 1]) < 5 * se  # steps
    assert abs(np.corrcoef(z[:-1].ravel(), z[1:].ravel())[0, 1]) < 5 * se  # paths
    other = rng.normals(12345679, 40_000, 53)  # another stream
    assert abs(np.corrcoef(flat, other.ravel())[0, 1]) < 5 * se
    # a path's numbers do not depend on how many paths or steps are drawn
    np.testing.assert_array_equal(rng.normals(12345678, 10, 7), z[:10, :7])


def _reference(args: dict, inp, n_fuels: int) -> dict[str, np.ndarray]:  # noqa: ANN001
    """The chunk computed from the same draws with the numpy model functions."""
    t, step, dt = args["t1_days"], args["step_days"], args["dt_years"]
    mid = t - 0.5 * step  # the premia are taken at the steps' middles
    n, m = args["sigma"].size, t.size
    starts = args["block_start"]

    def noise(stream: int) -> np.ndarray:
        parts = [rng.normals(int(args["keys"][stream, b]), int(starts[b + 1] - starts[b]), m)
                 for b in range(starts.size - 1)]
        return np.concatenate(parts)

    factor = price_model.ou_factor(noise(0), dt, args["sigma"], args["kappa"])
    factor += price_model.ou_factor(noise(1), dt, args["sigma_long"], 0.0)
    gross = np.zeros((n, m))
    prem = np.zeros((n, m))
    for d in range(args["d_start"].shape[0]):
        gross += supply.trapezoid_step_mean(t, step, args["d_start"][d], args["d_up"][d], args["d_plateau"][d],
                                            args["d_recovery"][d]) * args["d_volume"][d][:, None]
        prem += supply.premium_profile(mid, args["d_start"][d], args["d_lead"][d], args["d_half_life"][d]) \
            * args["d_amp"][d][:, None]
    ptr = args["inc_ptr"]
    for p in range(n):
        for k in range(ptr[p], ptr[p + 1]):
            s, e = args["inc_start"][k:k + 1], args["inc_end"][k:k + 1]
            gross[p] += supply.trapezoid_step_mean(t, step, s, [0.0], e - s, [0.0])[0] * args["inc_volume"][k]
            prem[p] += supply.premium_profile(mid, s, args["inc_lead"][k:k + 1], args["inc_half_life"][k:k + 1])[0] \
                * args["inc_amp"][k]
    spare = supply.spare_response(gross, args["spare_avail"], args["spare_share"], args["spare_lag"])
    net = gross - spare
    inv, demand = args["inv_elasticity"], args["demand"]
    if args["release"]:
        threshold = np.full((n, m), args["trig_loss"])
        if np.isfinite(args["trig_log_price"]):
            unit = price_model.loss_log_impact(np.ones((n, m)), demand, 1.0 / inv, 0.0)
            threshold = np.minimum(threshold, (args["trig_log_price"] - (args["log_baseline"] + factor + prem)) / unit)
        trig = net >= threshold
        released = int(trig.any(axis=1).sum())
        cap = supply.stock_release(trig, t, step, args["rel_rate"], args["rel_total"], args["rel_lag"])
        net = net - np.minimum(cap, np.maximum(net - np.maximum(threshold, 0.0), 0.0))
    tight = tightness.tightness_multiplier(net, args["spare_avail"], spare, demand, step, args["inventory0_days"],
                                           slack=args["slack_mult"], tight=args["tight_mult"])
    impact = price_model.loss_log_impact(net, demand, 1.0 / inv, 0.0, tight)
    brent = price_model.crude_price(args["baseline"], factor, impact, prem)
    out = {"net": net, "brent": brent, "released": released if args["release"] else 0}
    for f in range(n_fuels):
        eff = np.empty((n, m))
        prev = np.full(n, args["f_eff0"][f])
        for j in range(m):  # retail.effective_crude with the engine's per-step shares
            gap = brent[:, j] - prev
            prev = prev + gap * np.where(gap > 0, args["f_up"][f, j], args["f_down"][f, j])
            eff[:, j] = prev
        z = noise(2 + f) if args["f_noisy"][f] else np.zeros((n, m))
        dev = np.empty((n, m))
        u = np.full(n, args["f_dev0"][f])
        for j in range(m):  # retail.crack_deviation with the engine's coefficients
            u = u * args["f_phi"][f, j] + args["f_scale"][f, j] * z[:, j]
            dev[:, j] = u
        dev = dev + args["f_per_loss"][f][:, None] * np.maximum(net, 0.0)
        out[f"fuel{f}"] = retail.retail_price(eff, args["f_intercept"][f], args["f_slope_per_unit"][f], 1.0, dev)
    return out


def _variant(sc, kind: str):  # noqa: ANN001, ANN202
    if kind == "release":  # a stock release on both triggers, low enough that some paths reach them
        rel = StockRelease(trigger_net_loss_mbd=0.3, trigger_price_usd_per_bbl=70.0, rate_mbd=1.0, total_mb=30.0,
                           lag_days=10.0)
        return sc.model_copy(update={"responses": sc.responses.model_copy(update={"stock_release": rel})})
    if kind == "monthly":  # an irregular grid (months of 28 to 31 days)
        return sc.model_copy(update={"horizon": sc.horizon.model_copy(update={"step": "month"})})
    if kind == "quiet_fuel":  # a fuel without crack-spread noise
        key = next(iter(sc.fuels))
        fuels = dict(sc.fuels)
        fuels[key] = fuels[key].model_copy(update={"crack_spread": fuels[key].crack_spread.model_copy(update={"sd": 0.0})})
        return sc.model_copy(update={"fuels": fuels})
    if kind == "one_fuel":  # an odd number of fuels: the last one computed as its own pair
        first = next(iter(sc.fuels))
        one = sc.model_copy(update={"fuels": {first: sc.fuels[first]}})  # and no threshold of the others
        kept = {s: t for s, t in sc.outputs.thresholds.items() if s in one.series_names()}
        return one.model_copy(update={"outputs": sc.outputs.model_copy(update={"thresholds": kept})})
    if kind == "three_fuels":  # a pair and a quiet third fuel
        fuels = dict(sc.fuels)
        last = list(fuels)[-1]
        quiet = fuels[last].crack_spread.model_copy(update={"sd": 0.0})
        fuels["third"] = fuels[last].model_copy(update={"label": "Third", "history_file": None, "start_price": 4.1,
                                                         "crack_spread": quiet})
        return sc.model_copy(update={"fuels": fuels})
    if kind == "short_term_only":  # no long-term factor: the one-factor recursion
        market = sc.market.model_copy(update={"long_term_volatility_annual": Fixed(value=0.0)})
        return sc.model_copy(update={"market": market})
    return sc


@pytest.mark.parametrize("kind", ["headline", "release", "quiet_fuel", "monthly", "one_fuel", "three_fuels",
                                  "short_term_only"])
def test_path_model_equals_the_model_functions(kind: str) -> None:
    loaded = energysim.load_scenario(HEADLINE)
    sc = _variant(loaded.scenario, kind)
    inp = build_inputs(sc)
    args, series = engine.chunk_inputs(sc, inp, ChunkStreams(9, [(4, 400), (5, 300)]))
    if kind == "release":
        assert args["release"] and np.isfinite(args["trig_log_price"])
    assert len(series) == {"one_fuel": 1, "three_fuels": 3}.get(kind, 2)
    assert (kind == "short_term_only") == (not args["sigma_long"].any())
    n, m = args["sigma"].size, inp.n_steps
    net, brent, prices = np.empty((n, m)), np.empty((n, m)), np.empty((len(series), n, m))
    bad = path_model(**args, net_out=net, brent_out=brent, price_out=prices)
    assert not bad.any()
    want = _reference(args, inp, len(series))
    assert np.count_nonzero(want["net"]) > n  # disruptions and incidents happened
    if kind == "release":
        assert 5 < want["released"] < n  # the release fires on some paths, not on all
    np.testing.assert_allclose(net, want["net"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(brent, want["brent"], rtol=1e-11)
    for f in range(len(series)):
        np.testing.assert_allclose(prices[f], want[f"fuel{f}"], rtol=1e-11, err_msg=series[f])


def test_path_model_counts_every_value_that_is_not_a_positive_finite_price() -> None:
    """Brent and each fuel's count: NaN, +-inf, zero and negative values, each once; a tiny
    positive value is a price."""
    loaded = energysim.load_scenario(HEADLINE)
    inp = build_inputs(loaded.scenario)
    args, series = engine.chunk_inputs(loaded.scenario, inp, ChunkStreams(3, [(2, 50)]))
    n, m = args["sigma"].size, inp.n_steps
    baseline = args["baseline"].copy()
    baseline[[1, 2, 3, 4]] = [np.nan, np.inf, 0.0, -1.0]  # every path's Brent at these steps
    baseline[5] = 1e-300  # positive: a price
    args["baseline"] = baseline
    intercept = args["f_intercept"].copy()
    intercept[0, 10] = -1e6  # the first fuel below zero at step 10 (Brent is finite there)
    intercept[1, 11] = np.inf
    args["f_intercept"] = intercept
    net, brent, prices = np.empty((n, m)), np.empty((n, m)), np.empty((len(series), n, m))
    bad = path_model(**args, net_out=net, brent_out=brent, price_out=prices)

    def not_prices(x: np.ndarray) -> int:
        return int(np.count_nonzero(~((x > 0.0) & np.isfinite(x))))

    assert bad.tolist() == [not_prices(brent), *(not_prices(prices[f]) for f in range(len(series)))]
    assert bad[0] == 4 * n  # NaN, inf, 0 and -1 times a positive factor; 1e-300 times it stays positive
    assert bad[1] > n and bad[2] > n  # Brent's bad steps pass through, plus each fuel's own step


def test_exp_row_is_within_two_ulp_of_numpy_exp() -> None:
    x = np.concatenate([np.linspace(-EXP_ARG_LIMIT, EXP_ARG_LIMIT, 400_001),
                        np.random.default_rng(5).uniform(-price_model.LOG_MOVE_LIMIT, price_model.LOG_MOVE_LIMIT,
                                                         200_000),
                        [0.0, -0.0, 5e-324, 0.5 * np.log(2.0), -0.5 * np.log(2.0), price_model.LOG_MOVE_LIMIT,
                         -price_model.LOG_MOVE_LIMIT]])
    out, poly, bits = np.empty_like(x), np.empty_like(x), np.empty(x.size, np.int64)
    exp_row(x, out, poly, bits)
    ref = np.exp(x)
    assert np.max(np.abs(out - ref) / np.spacing(ref)) <= 2.0
    assert out[-7] == 1.0 and out[-6] == 1.0
    in_place = x.copy()
    exp_row(in_place, in_place, poly, bits)
    np.testing.assert_array_equal(in_place, out)
    nan = np.array([np.nan, 1.0])
    exp_row(nan, nan, poly[:2], bits[:2])
    assert np.isnan(nan[0]) and abs(nan[1] - np.e) <= 2 * np.spacing(np.e)


def test_a_chunk_of_blocks_equals_its_blocks_run_alone() -> None:
    loaded = energysim.load_scenario(HEADLINE)
    sc, inp = loaded.scenario, build_inputs(loaded)
    blocks = [(2, BLOCK_PATHS), (3, BLOCK_PATHS), (4, 700)]
    chunk = engine.run_blocks(sc, inp, 5, blocks)
    alone = [engine.run_block(sc, inp, 5, b, n) for b, n in blocks]
    for name, arr in chunk.items():
        assert arr.shape == (2 * BLOCK_PATHS + 700, inp.n_steps) and arr.flags.c_contiguous
        np.testing.assert_array_equal(arr, np.concatenate([a[name] for a in alone]), err_msg=name)


def test_incident_uniforms_are_uniform_and_depend_only_on_their_pair() -> None:
    key = 34
    path = np.repeat(np.arange(20_000), 5)
    slot = np.tile(np.arange(5), 20_000)
    u = rng.uniforms_at(key, path, slot)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / np.sqrt(u.size)  # slot k and k + 1 (same counter)
    # an incident's uniform is the same whatever else is drawn (pairing across scenarios)
    pick = np.array([7, 13, 99_998])
    np.testing.assert_array_equal(rng.uniforms_at(key, path[pick], slot[pick]), u[pick])
    assert not np.array_equal(rng.uniforms_at(35, path, slot), u)
