"""The Monte Carlo core: blocks of paths, named random streams, no I/O.

:func:`run_block` computes every output series for one block of paths; :func:`simulate`
cuts the paths into blocks (see :mod:`energysim.sampling`), runs them in chunks on worker
threads (numpy releases the GIL in its array loops) and hands the blocks to a
:class:`~energysim.results.Accumulator`, in block order, so the result does not depend on the
chunk size or the number of workers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .errors import ScenarioError
from .inputs import RunInputs, build_inputs
from .models import price as price_model
from .models import retail, supply
from .results import Accumulator, SimulationResult
from .sampling import BLOCK_PATHS, Streams
from .scenario.loader import LoadedScenario, content_hash
from .scenario.schema import Scenario

__all__ = ["simulate", "run_block", "BLOCK_PATHS", "estimate_bytes"]

BRENT = "brent_usd_per_bbl"
LOSS = "net_supply_loss_mbd"


def _occurs(st: Streams, name: str, probability: Any) -> np.ndarray:
    p = st.draw(name + ".probability", probability)
    if np.all(p >= 1.0):
        st.used.append(name + ".occurs")
        return np.ones(st.n, dtype=bool)
    return st.rng(name + ".occurs").random(st.n) < p


def _premium(st: Streams, name: str, rp: Any, t_days: np.ndarray, start: np.ndarray, mask: np.ndarray) -> np.ndarray:
    peak = st.draw(name + ".risk_premium.peak_pct", rp.peak_pct)
    lead = st.draw(name + ".risk_premium.lead_days", rp.lead_days)
    hl = st.draw(name + ".risk_premium.half_life_days", rp.half_life_days)
    shape = supply.premium_profile(t_days, start, lead, hl)
    return np.log1p(np.maximum(peak, -99.0) / 100.0)[:, None] * shape * mask[:, None]


def _gross_loss_and_premium(sc: Scenario, inp: RunInputs, st: Streams) -> tuple[np.ndarray, np.ndarray]:
    n, m = st.n, inp.n_steps
    loss = np.zeros((n, m))
    prem = np.zeros((n, m))
    origin = sc.horizon.start
    for d in sc.disruptions:
        key = f"disruptions.{d.name}"
        occurs = _occurs(st, key, d.probability)
        start = st.draw(key + ".start", d.start.to_days(origin))
        vol = st.draw(key + ".volume_mbd", d.volume_mbd)
        dur = st.draw(key + ".duration_days", d.duration_days)
        up = st.draw(key + ".ramp_up_days", d.ramp_up_days)
        rec = st.draw(key + ".recovery_days", d.recovery_days)
        shape = supply.trapezoid_step_mean(inp.t_days, inp.step_days, start, up, dur, rec)
        loss += (vol * occurs)[:, None] * shape
        if d.risk_premium is not None:
            prem += _premium(st, key, d.risk_premium, inp.t_days, start, occurs)
    for hz in sc.hazards:
        key = f"hazards.{hz.name}"
        w0, w1 = (hz.window.start, hz.window.end) if hz.window else (sc.horizon.start, sc.horizon.end)
        lo, hi = float((w0 - origin).days), float((w1 - origin).days)
        rate = st.draw(key + ".rate_per_year", hz.rate_per_year)
        counts = st.rng(key + ".count").poisson(np.maximum(rate, 0.0) * (hi - lo) / 365.25)
        k_max = int(counts.max()) if n else 0
        slots = max(k_max, 1)
        starts = lo + (hi - lo) * st.rng(key + ".start").random((n, slots))
        vols = _draw_matrix(st, key + ".volume_mbd", hz.volume_mbd, n, slots)
        durs = _draw_matrix(st, key + ".duration_days", hz.duration_days, n, slots)
        if hz.risk_premium is not None:
            peaks = _draw_matrix(st, key + ".risk_premium.peak_pct", hz.risk_premium.peak_pct, n, slots)
            leads = _draw_matrix(st, key + ".risk_premium.lead_days", hz.risk_premium.lead_days, n, slots)
            hls = _draw_matrix(st, key + ".risk_premium.half_life_days", hz.risk_premium.half_life_days, n, slots)
        zeros = np.zeros(n)
        for k in range(k_max):
            active = counts > k
            if not active.any():
                break
            shape = supply.trapezoid_step_mean(inp.t_days, inp.step_days, starts[:, k], zeros, durs[:, k], zeros)
            loss += (vols[:, k] * active)[:, None] * shape
            if hz.risk_premium is not None:
                g = supply.premium_profile(inp.t_days, starts[:, k], leads[:, k], hls[:, k])
                prem += (np.log1p(np.maximum(peaks[:, k], -99.0) / 100.0) * active)[:, None] * g
    return loss, prem


def _draw_matrix(st: Streams, name: str, dist: Any, n: int, k: int) -> np.ndarray:
    if getattr(dist, "is_fixed", False):
        st.used.append(name)
        return np.full((n, k), dist.center())
    return np.asarray(dist.sample(st.rng(name), n * k), float).reshape(n, k)


def run_block(sc: Scenario, inp: RunInputs, seed: int, block: int, n: int) -> dict[str, np.ndarray]:
    """Every output series for one block of ``n`` paths, shape (n, steps) each. Pure."""
    st = Streams(seed, block, n)
    mk = sc.market
    m = inp.n_steps
    step_days = inp.step_days
    sigma = st.draw("market.volatility_annual", mk.volatility_annual)
    kappa = st.draw("market.mean_reversion_per_year", mk.mean_reversion_per_year)
    e_s = st.draw("market.supply_elasticity", mk.supply_elasticity)
    e_d = st.draw("market.demand_elasticity", mk.demand_elasticity)
    demand = st.draw("market.world_demand_mbd", mk.world_demand_mbd)
    if np.any(sigma > 0):
        z = st.rng("noise.brent").standard_normal((n, m))
        factor = price_model.ou_factor(z, inp.dt_years, sigma, kappa)
    else:
        factor = np.zeros((n, m))

    gross, prem = _gross_loss_and_premium(sc, inp, st)

    sp = sc.responses.spare_capacity
    avail = st.draw("responses.spare_capacity.available_mbd", sp.available_mbd)
    share = st.draw("responses.spare_capacity.share", sp.share)
    lag = np.rint(st.draw("responses.spare_capacity.lag_days", sp.lag_days) / step_days.mean()).astype(int)
    spare = supply.spare_response(gross, avail, share, lag)
    net = gross - spare

    rel = sc.responses.stock_release
    if rel is not None and (rel.trigger_net_loss_mbd is not None or rel.trigger_price_usd_per_bbl is not None):
        rate = st.draw("responses.stock_release.rate_mbd", rel.rate_mbd)
        total = st.draw("responses.stock_release.total_mb", rel.total_mb)
        rlag = st.draw("responses.stock_release.lag_days", rel.lag_days)
        # The release covers the shortfall beyond the trigger level (never more, so a larger
        # loss never ends with a lower price), up to its rate, for total / rate days.
        threshold = np.full((n, m), np.inf)
        if rel.trigger_net_loss_mbd is not None:
            threshold = np.minimum(threshold, rel.trigger_net_loss_mbd)
        if rel.trigger_price_usd_per_bbl is not None:
            unit = price_model.loss_log_impact(np.ones_like(net), demand, e_s, e_d)
            no_loss = np.log(inp.baseline_usd_per_bbl)[None, :] + factor + prem
            threshold = np.minimum(threshold, (np.log(rel.trigger_price_usd_per_bbl) - no_loss) / unit)
        trig = net >= threshold
        if trig.any():
            cap = supply.stock_release(trig, inp.t_days, step_days, rate, total, rlag)
            net = net - np.minimum(cap, np.maximum(net - np.maximum(threshold, 0.0), 0.0))

    impact = price_model.loss_log_impact(net, demand, e_s, e_d)
    brent = price_model.crude_price(inp.baseline_usd_per_bbl, factor, impact, prem)
    out = {BRENT: brent}
    dt_weeks = step_days / 7.0
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        eff = retail.effective_crude(brent, dt_weeks, fuel.tau_up_weeks, fuel.tau_down_weeks,
                                     inp.brent_before_usd_per_bbl)
        intercept = fuel.taxes + fuel.margin_and_crack
        e0 = intercept + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl
        cs = fuel.crack_spread
        if cs.sd > 0:
            zc = st.rng(f"fuels.{key}.crack").standard_normal((n, m))
        else:
            zc = np.zeros((n, m))
        dev = retail.crack_deviation(zc, inp.dt_years, cs.sd, cs.reversion_per_year, fs.start_price - e0)
        per_loss = st.draw(f"fuels.{key}.crack_spread.per_mbd_loss", cs.per_mbd_loss)
        dev = dev + per_loss[:, None] * np.maximum(net, 0.0)
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)
    out[LOSS] = net
    for name, arr in out.items():
        if name != LOSS and not np.all(np.isfinite(arr) & (arr > 0)):
            bad = int(np.count_nonzero(~(np.isfinite(arr) & (arr > 0))))
            raise ScenarioError.at(
                sc.name, f"the model produced {bad} non-positive or non-finite values of {name}; "
                "the inputs are outside what the model can represent (check volumes, elasticities and fuel margins)")
    return out


def estimate_bytes(n_series: int, n_steps: int, paths: int, keep_paths: bool) -> int:
    """Rough peak memory of a run [bytes]: kept paths plus one chunk's temporaries."""
    kept = n_series * n_steps * paths * 4 if keep_paths else 0
    return kept + 40 * n_steps * min(paths, 8 * BLOCK_PATHS) * 8


def _blocks(paths: int) -> Iterator[tuple[int, int]]:
    for b in range(math.ceil(paths / BLOCK_PATHS)):
        yield b, min(BLOCK_PATHS, paths - b * BLOCK_PATHS)


def simulate(
    scenario: LoadedScenario | Scenario,
    paths: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    chunk_blocks: int | None = None,
    keep_paths: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    inputs: RunInputs | None = None,
) -> SimulationResult:
    """Run the Monte Carlo for a scenario.

    Parameters
    ----------
    scenario : LoadedScenario or Scenario
        From :func:`energysim.load_scenario` (or a validated :class:`Scenario`).
    paths, seed : int, optional
        Override ``simulation.paths`` and ``simulation.seed``.
    workers : int, optional
        Worker threads (default: the CPU count, at most 4). Results do not depend on it.
    chunk_blocks : int, optional
        Blocks of :data:`BLOCK_PATHS` paths per task. Results do not depend on it.
    keep_paths : bool, optional
        Keep every path in memory (needed for ``result.paths()``); default when it fits.
    progress : callable(done_paths, total_paths), optional
        Called after each block.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else None
    sc = loaded.scenario if loaded else scenario
    assert isinstance(sc, Scenario)
    paths = sc.simulation.paths if paths is None else int(paths)
    seed = sc.simulation.seed if seed is None else int(seed)
    if paths < 1:
        raise ScenarioError.at(sc.name, "paths must be at least 1", key="simulation.paths", given=paths)
    if seed < 0:
        raise ScenarioError.at(sc.name, "seed must be a non-negative integer", key="simulation.seed", given=seed)
    inp = inputs if inputs is not None else build_inputs(loaded if loaded else sc)
    series = sc.series_names()
    if keep_paths is None:
        keep_paths = estimate_bytes(len(series), inp.n_steps, paths, True) < 2 * 1024**3
    workers = workers or min(4, os.cpu_count() or 1)
    chunk_blocks = chunk_blocks or 2
    acc = Accumulator(sc, inp, paths, series, keep_paths)
    blocks = list(_blocks(paths))
    chunks = [blocks[i:i + chunk_blocks] for i in range(0, len(blocks), chunk_blocks)]

    def run_chunk(chunk: list[tuple[int, int]]) -> list[tuple[int, dict[str, np.ndarray]]]:
        return [(b, run_block(sc, inp, seed, b, n)) for b, n in chunk]

    done = 0
    if workers == 1 or len(chunks) == 1:
        results_iter: Iterator[list[tuple[int, dict[str, np.ndarray]]]] = map(run_chunk, chunks)
        for res in results_iter:
            for b, arrays in res:
                acc.add(b, arrays)
                done += arrays[BRENT].shape[0]
                if progress:
                    progress(done, paths)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for res in pool.map(run_chunk, chunks):
                for b, arrays in res:
                    acc.add(b, arrays)
                    done += arrays[BRENT].shape[0]
                    if progress:
                        progress(done, paths)
    extra = {"baseline": inp.baseline_usd_per_bbl.round(6).tolist(),
             "fuel_start": {k: round(v.start_price, 6) for k, v in inp.fuels.items()}}
    baseline = _baseline_series(sc, inp)
    return acc.finish(seed=seed, scenario_hash=content_hash(sc, extra), baseline=baseline)


def _baseline_series(sc: Scenario, inp: RunInputs) -> dict[str, np.ndarray]:
    """The no-noise, no-disruption path of every price series (reference line in charts)."""
    brent = inp.baseline_usd_per_bbl[None, :]
    out = {BRENT: inp.baseline_usd_per_bbl.copy()}
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        eff = retail.effective_crude(brent, inp.step_days / 7.0, fuel.tau_up_weeks, fuel.tau_down_weeks,
                                     inp.brent_before_usd_per_bbl)
        intercept = fuel.taxes + fuel.margin_and_crack
        e0 = intercept + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl
        dev = retail.crack_deviation(np.zeros_like(brent), inp.dt_years, 0.0, fuel.crack_spread.reversion_per_year,
                                     fs.start_price - e0)
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)[0]
    out[LOSS] = np.zeros(inp.n_steps)
    return out
