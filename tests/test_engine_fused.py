"""The engine's fused and chunked kernels give the model functions' numbers, bitwise.

``engine._prices`` re-does tightness, Brent and the retail prices step by step (for speed), and
``engine.run_blocks`` runs several seeding blocks as one chunk; both must equal the plain model
functions and block-by-block runs exactly (see docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import energysim
from energysim import engine
from energysim.inputs import build_inputs
from energysim.models import price as price_model
from energysim.models import retail, tightness
from energysim.sampling import BLOCK_PATHS, ChunkStreams

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ROOT / "scenarios" / "maduro_capture.yaml"
SCENARIO = HEADLINE if HEADLINE.is_file() else ROOT / "scenarios" / "baseline_2026.yaml"


def _reference_prices(sc, inp, st, net, spare, factor, prem, avail, demand, e_s, e_d):  # noqa: ANN001, ANN202
    """The price tail as whole-array calls of the model functions (the engine before fusing)."""
    m, n = inp.n_steps, st.n
    tz = sc.market.tightness
    tight = tightness.tightness_multiplier(net, avail, spare, demand, inp.step_days, tz.inventory_days_vs_normal,
                                           slack=tz.slack_multiplier, tight=tz.tight_multiplier)
    impact = price_model.loss_log_impact(net, demand, e_s, e_d, tight)
    brent = price_model.crude_price(inp.baseline_usd_per_bbl, factor, impact, prem)
    out = {engine.BRENT: brent}
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        eff = retail.effective_crude(brent, inp.step_days / 7.0, fuel.tau_up_weeks, fuel.tau_down_weeks,
                                     inp.brent_before_usd_per_bbl)
        season, season0 = engine._seasonal(fuel.seasonal, inp.dates, sc.horizon.start)
        intercept = fuel.taxes + fuel.margin_and_crack + season
        e0 = (fuel.taxes + fuel.margin_and_crack + season0
              + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl)
        cs = fuel.crack_spread
        zc = engine._chunk_normals(st, f"fuels.{key}.crack", m) if cs.sd > 0 else np.zeros((m, n)).T
        dev = retail.crack_deviation(zc, inp.dt_years, cs.sd, cs.reversion_per_year, fs.start_price - e0)
        per_loss = st.draw(f"fuels.{key}.crack_spread.per_mbd_loss", cs.per_mbd_loss)
        if np.any(per_loss != 0):
            dev = dev + per_loss[:, None] * np.maximum(net, 0.0)
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)
    return out


@pytest.mark.parametrize("no_crack_noise", [False, True])
def test_fused_prices_equal_the_model_functions(no_crack_noise: bool) -> None:
    loaded = energysim.load_scenario(SCENARIO)
    sc = loaded.scenario
    if no_crack_noise:  # a fuel without crack-spread noise takes the float64 branch
        key = next(iter(sc.fuels))
        fuel = sc.fuels[key]
        fuels = dict(sc.fuels)
        fuels[key] = fuel.model_copy(update={"crack_spread": fuel.crack_spread.model_copy(update={"sd": 0.0})})
        sc = sc.model_copy(update={"fuels": fuels})
    inp = build_inputs(loaded)
    m, n = inp.n_steps, 1500
    rng = np.random.default_rng(3)
    # time-major (paths, steps) inputs, as the engine has them; losses with exact zeros and negatives
    net = np.maximum(rng.normal(0.3, 1.0, (m, n)), -0.2).T
    net[: n // 3] = 0.0
    spare = np.abs(rng.normal(0.0, 0.5, (m, n))).T
    factor = rng.normal(0.0, 0.2, (m, n)).astype(np.float32).T
    prem = np.abs(rng.normal(0.0, 0.05, (m, n))).T
    avail, demand = rng.uniform(2.0, 5.0, n), rng.uniform(100.0, 106.0, n)
    e_s, e_d = rng.uniform(0.02, 0.1, n), rng.uniform(-0.3, -0.05, n)
    args = (net, spare, factor, prem, avail, demand, e_s, e_d)
    blocks = [(4, 1000), (5, 500)]
    got = engine._prices(sc, inp, ChunkStreams(9, blocks), *args)
    want = _reference_prices(sc, inp, ChunkStreams(9, blocks), *args)
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        assert got[name].T.flags.c_contiguous  # time-major, like every engine array


def test_a_chunk_of_blocks_equals_its_blocks_run_alone() -> None:
    loaded = energysim.load_scenario(SCENARIO)
    sc, inp = loaded.scenario, build_inputs(loaded)
    blocks = [(2, BLOCK_PATHS), (3, BLOCK_PATHS), (4, 700)]
    chunk = engine.run_blocks(sc, inp, 5, blocks)
    alone = [engine.run_block(sc, inp, 5, b, n) for b, n in blocks]
    for name, arr in chunk.items():
        assert arr.shape == (2 * BLOCK_PATHS + 700, inp.n_steps)
        np.testing.assert_array_equal(arr, np.concatenate([a[name] for a in alone]), err_msg=name)


def test_row_by_row_trapezoid_is_bitwise_the_model_function() -> None:
    from energysim.models.supply import trapezoid_step_mean

    rng = np.random.default_rng(5)
    n = 4000
    start, up = rng.uniform(-40, 380, n), rng.uniform(0, 30, n)
    dur, rec, vol = rng.uniform(0, 200, n), rng.uniform(0, 90, n), rng.uniform(-0.5, 2.0, n)
    up[:500] = 0.0
    rec[250:750] = 0.0
    for t, step in ((np.arange(7.0, 372.0, 7.0), np.full(53, 7.0)), (np.array([5.0, 9.0, 30.0]), np.array([5.0, 2.0, 21.0]))):
        loss = rng.uniform(0, 1, (t.size, n)).T  # time-major, already holding other losses
        want = loss + trapezoid_step_mean(t, step, start, up, dur, rec) * vol[:, None]
        engine._add_trapezoid(loss, t, step, start, up, dur, rec, vol)
        np.testing.assert_array_equal(loss, want)
