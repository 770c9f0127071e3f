"""The Monte Carlo core: blocks of paths, named random streams, no I/O.

:func:`run_block` computes every output series for one block of paths; :func:`simulate`
cuts the paths into blocks (see :mod:`energysim.sampling`), runs them in chunks on worker
threads (numpy releases the GIL in its array loops) and hands the blocks to a
:class:`~energysim.results.Accumulator`, in block order, so the result does not depend on the
chunk size or the number of workers.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy import stats

from .errors import ScenarioError
from .inputs import RunInputs, build_inputs
from .models import price as price_model
from .models import retail, supply, tightness
from .results import Accumulator, SimulationResult
from .sampling import BLOCK_PATHS, ChunkStreams, Streams
from .scenario.loader import LoadedScenario, content_hash
from .scenario.schema import Scenario

__all__ = ["simulate", "run_block", "BLOCK_PATHS", "estimate_bytes", "available_memory_bytes"]

BRENT = "brent_usd_per_bbl"
LOSS = "net_supply_loss_mbd"


def _occurs(st: ChunkStreams, name: str, probability: Any) -> np.ndarray:
    p = st.draw(name + ".probability", probability)
    out = np.ones(st.n, dtype=bool)
    for part, lo in zip(st.parts, st.offsets):  # per block: a block that surely occurs draws nothing
        pb = p[lo:lo + part.n]
        if np.all(pb >= 1.0):
            part.used.append(name + ".occurs")
        else:
            np.less(part.rng(name + ".occurs").random(part.n), pb, out=out[lo:lo + part.n])
    return out


def _premium(st: ChunkStreams, name: str, rp: Any, t_days: np.ndarray, start: np.ndarray, mask: np.ndarray) -> np.ndarray:
    peak = st.draw(name + ".risk_premium.peak_pct", rp.peak_pct)
    lead = st.draw(name + ".risk_premium.lead_days", rp.lead_days)
    hl = st.draw(name + ".risk_premium.half_life_days", rp.half_life_days)
    shape = supply.premium_profile(t_days, start, lead, hl)
    shape *= (np.log1p(np.maximum(peak, -99.0) / 100.0) * mask)[:, None]
    return shape


def _normals(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """(n, m) independent standard normals, float32, time-major (contiguous per step).

    Box-Muller on one uniform stream: radii ``sqrt(-2 log(1 - u))`` from float64 uniforms (so
    the tails reach 8.6 sd), angles from float32 uniforms; cos and sin of the same angle give
    two independent normals. About 4x cheaper than ``Generator.standard_normal`` (a scalar
    ziggurat loop), because every operation is a vectorised array pass (docs/performance.md).
    """
    total = n * m
    h = (total + 1) // 2
    r = rng.random(h)
    np.log1p(np.negative(r, out=r), out=r)
    r *= -2.0
    np.sqrt(r, out=r)
    r32 = r.astype(np.float32)
    theta = rng.random(h, dtype=np.float32)
    theta *= np.float32(2.0 * np.pi)
    out = np.empty(2 * h, dtype=np.float32)
    np.cos(theta, out=out[:h])
    np.sin(theta, out=out[h:])
    out[:h] *= r32
    out[h:] *= r32
    return out[:total].reshape(m, n).T


def _chunk_normals(st: ChunkStreams, name: str, m: int, need: np.ndarray | None = None) -> np.ndarray:
    """(paths, m) float32 normals of a chunk, time-major: each block's :func:`_normals`
    side by side (zeros, and no draw, for the blocks whose ``need`` is all False)."""
    if len(st.parts) == 1:
        return _normals(st.parts[0].rng(name), st.n, m)
    out = np.empty((m, st.n), np.float32)
    for part, lo in zip(st.parts, st.offsets):
        if need is None or np.any(need[lo:lo + part.n]):
            out[:, lo:lo + part.n] = _normals(part.rng(name), part.n, m).T
        else:
            out[:, lo:lo + part.n] = 0.0
    return out.T


def _poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson quantile (smallest k with CDF(k) >= u) of each ``u``, vectorised over paths.

    Summing the pmf term by term agrees with ``scipy.stats.poisson.ppf`` except where ``u`` is
    within float rounding (1e-15) of a CDF step; large means (where exp(-mean) underflows) and
    the far tail fall back to scipy.
    """
    mean = np.broadcast_to(np.asarray(mean, float), u.shape)
    if u.size == 0 or mean.max() > 100.0:
        return stats.poisson.ppf(u, mean).astype(np.int64)
    p = np.exp(-mean)
    cdf = p.copy()
    k = np.zeros(u.shape, np.int64)
    below = cdf < u
    limit = int(mean.max() + 12.0 * math.sqrt(mean.max()) + 30.0)
    for i in range(1, limit + 1):
        if not below.any():
            break
        k += below
        p *= mean / i
        cdf += p
        below &= cdf < u
    if below.any():
        rows = np.flatnonzero(below)
        k[rows] = stats.poisson.ppf(u[rows], mean[rows]).astype(np.int64)
    return k


def _search(grid: np.ndarray, x: np.ndarray, side: str) -> np.ndarray:
    """``np.searchsorted(grid, x, side)`` for a sorted grid; on an evenly spaced grid by
    arithmetic, corrected to the exact searchsorted answer (5x faster on unsorted ``x``)."""
    m = grid.size
    if m < 3 or x.size < 64:
        return np.searchsorted(grid, x, side)
    step = grid[1] - grid[0]
    if not (step > 0 and np.all(np.diff(grid) == step)):
        return np.searchsorted(grid, x, side)
    with np.errstate(invalid="ignore"):
        j = np.clip(np.ceil((x - grid[0]) / step), 0, m).astype(np.int64)
    # the answer is the number of grid points below x ("left") or at most x ("right")
    if side == "left":
        j += (j < m) & (grid[np.minimum(j, m - 1)] < x)
        j -= (j > 0) & (grid[np.maximum(j - 1, 0)] >= x)
    else:
        j += (j < m) & (grid[np.minimum(j, m - 1)] <= x)
        j -= (j > 0) & (grid[np.maximum(j - 1, 0)] > x)
    return j


def _ranges(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(item, step) pairs for the inclusive step ranges ``first[i]..last[i]`` (empty when last < first)."""
    length = np.maximum(last - first + 1, 0)
    item = np.repeat(np.arange(length.size), length)
    offset = np.cumsum(length) - length
    step = np.arange(item.size) - np.repeat(offset - first, length)
    return item, step


def _gross_loss_and_premium(sc: Scenario, inp: RunInputs, st: ChunkStreams) -> tuple[np.ndarray, np.ndarray]:
    """Gross supply loss [mb/d] and log premium [-], (paths, steps), time-major memory."""
    n, m = st.n, inp.n_steps
    loss = np.zeros((m, n)).T
    prem = np.zeros((m, n)).T
    origin = sc.horizon.start
    for d in sc.disruptions:
        key = f"disruptions.{d.name}"
        occurs = _occurs(st, key, d.probability)
        start = st.draw(key + ".start", d.start.to_days(origin))
        vol = st.draw(key + ".volume_mbd", d.volume_mbd)
        dur = st.draw(key + ".duration_days", d.duration_days)
        up = st.draw(key + ".ramp_up_days", d.ramp_up_days)
        rec = st.draw(key + ".recovery_days", d.recovery_days)
        _add_trapezoid(loss, inp.t_days, inp.step_days, start, up, dur, rec, vol * occurs)
        if d.risk_premium is not None:
            prem += _premium(st, key, d.risk_premium, inp.t_days, start, occurs)
    t1 = inp.t_days
    t0 = t1 - inp.step_days
    # flat index of (path p, step j) in the time-major memory of loss and prem: j * n + p
    loss_flat = loss.T.reshape(-1)
    prem_flat = prem.T.reshape(-1)
    for hz in sc.hazards:
        key = f"hazards.{hz.name}"
        w0, w1 = (hz.window.start, hz.window.end) if hz.window else (sc.horizon.start, sc.horizon.end)
        lo, hi = float((w0 - origin).days), float((w1 - origin).days)
        mean_count = np.maximum(st.draw(key + ".rate_per_year", hz.rate_per_year), 0.0) * (hi - lo) / 365.25
        marks = [("volume_mbd", hz.volume_mbd), ("duration_days", hz.duration_days)]
        if hz.risk_premium is not None:
            rp = hz.risk_premium
            marks += [("risk_premium.peak_pct", rp.peak_pct), ("risk_premium.lead_days", rp.lead_days),
                      ("risk_premium.half_life_days", rp.half_life_days)]
        # The incidents are drawn block by block (their slot layout depends on the block's
        # largest count), then listed together, in path order then slot order.
        cols: list[list[np.ndarray]] = [[] for _ in range(len(marks) + 2)]
        for part, off in zip(st.parts, st.offsets):
            nb = part.n
            # Counts by inverse transform of one uniform per path, and incident marks laid out
            # incident-first: a change of rate or of a mark's distribution keeps the draws paired.
            u = np.clip(part.rng(key + ".count").random(nb), 1e-16, 1.0 - 1e-16)
            counts = _poisson_ppf(u, mean_count[off:off + nb])
            k_max = int(counts.max()) if nb else 0
            slots = max(k_max, 1)
            starts = lo + (hi - lo) * part.rng(key + ".start").random((slots, nb))
            # The incidents (path p, slot k < counts[p]), in path order then slot order.
            path_b, slot_b = _ranges(np.zeros(nb, np.int64), counts - 1)
            cols[0].append(path_b + off)
            cols[1].append(starts[slot_b, path_b])
            for c, (mname, dist) in enumerate(marks):
                cols[c + 2].append(_draw_marks(part, f"{key}.{mname}", dist, nb, slots, slot_b, path_b))
        path, s_i, vol_i, dur_i, *prem_marks = (np.concatenate(c) if len(c) > 1 else c[0] for c in cols)
        e_i = s_i + 0.0 + dur_i
        # Each incident touches only the steps its pulse overlaps (a few): same formula as
        # supply.trapezoid_step_mean with zero ramps, evaluated on those cells only.
        first = _search(t1, s_i, "left")  # first step ending at or after the start
        last = np.minimum(_search(t0, e_i, "left") - 1, m - 1)  # last step starting before the end
        item, j = _ranges(first, last)
        s, e, a, b = s_i[item], e_i[item], t1[j], t0[j]
        up = np.maximum(a - s, 0.0)
        up -= np.maximum(a - e, 0.0)
        down = np.maximum(b - s, 0.0)
        down -= np.maximum(b - e, 0.0)
        up -= down
        up /= a - b
        np.clip(up, 0.0, 1.0, out=up)
        up *= vol_i[item]
        loss_flat += np.bincount(j * n + path[item], up, minlength=m * n)  # sums incidents per cell
        if hz.risk_premium is not None:
            rp = hz.risk_premium
            peak_i, lead_i, hl_i = prem_marks
            amp = np.log1p(np.maximum(peak_i, -99.0) / 100.0)
            rate = -np.log(2.0) / hl_i
            # supply.premium_profile per incident: a linear build-up over the lead (the few
            # steps ending in (start - lead, start)), then exp(-ln 2 (t - start) / half-life).
            if np.any(lead_i > 0):
                first = _search(t1, s_i - np.maximum(lead_i, 0.0), "right")
                last = _search(t1, s_i, "left") - 1
                item, j = _ranges(first, last)
                x, ld = t1[j] - s_i[item], lead_i[item]
                g = np.where(ld > 0, np.clip(1.0 + x / np.where(ld > 0, ld, 1.0), 0.0, 1.0), 0.0) * amp[item]
                prem_flat += np.bincount(j * n + path[item], g, minlength=m * n)
            # The decay as a recursion over steps on the incidents started so far (sorted by
            # their first step): each step multiplies by exp(rate * dt) and adds the incidents
            # per path (a bincount on one step's row), instead of an exp per (incident, step).
            j0 = _search(t1, s_i, "left")
            order = np.argsort(j0.astype(np.int16 if m < 32767 else np.int64), kind="stable")  # radix sort
            j0, p_o, rate_o = j0[order], path[order], rate[order]
            value = np.exp((t1[np.minimum(j0, m - 1)] - s_i[order]) * rate_o)
            value *= amp[order]
            active = np.searchsorted(j0, np.arange(m), "right")
            decay, dt_prev, n_prev = None, None, 0
            for jj in range(m):
                c = int(active[jj])
                if n_prev:
                    dt_j = t1[jj] - t1[jj - 1]
                    if dt_j != dt_prev:
                        decay, dt_prev = np.exp(rate_o * dt_j), dt_j
                    value[:n_prev] *= decay[:n_prev]
                if c:
                    prem_flat[jj * n:(jj + 1) * n] += np.bincount(p_o[:c], value[:c], minlength=n)
                n_prev = c
    return loss, prem


def _add_trapezoid(loss: np.ndarray, t_days: np.ndarray, step_days: np.ndarray, start: np.ndarray, up: np.ndarray,
                   plateau: np.ndarray, recovery: np.ndarray, volume: np.ndarray) -> None:
    """``loss += supply.trapezoid_step_mean(...) * volume[:, None]``, row by row (one step of
    every path at a time, in the caches) when the steps are adjacent: the same operations in
    the same order as :func:`supply.trapezoid_step_mean`, so the same numbers, bitwise."""
    t1 = np.asarray(t_days, float)
    t0 = t1 - np.asarray(step_days, float)
    if not (t1.size > 1 and np.array_equal(t0[1:], t1[:-1])):
        shape = supply.trapezoid_step_mean(t_days, step_days, start, up, plateau, recovery)
        shape *= volume[:, None]
        loss += shape
        return
    start = np.asarray(start, float)
    r = np.asarray(up, float)
    e = start + r + np.asarray(plateau, float)
    c = np.asarray(recovery, float)
    r2 = 2.0 * np.where(r > 0, r, 1.0)
    c2 = 2.0 * np.where(c > 0, c, 1.0)
    n = start.size
    x, xc, y = np.empty(n), np.empty(n), np.empty(n)

    def ramp_int(t: float, origin: np.ndarray, ramp: np.ndarray, twice: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(t, origin, out=out)  # supply._cum_trapezoid's ramp_int, on one row
        np.maximum(out, 0.0, out=xc)
        np.minimum(xc, ramp, out=xc)
        np.multiply(xc, xc, out=xc)
        np.divide(xc, twice, out=xc)
        out -= ramp
        np.maximum(out, 0.0, out=out)
        out += xc
        return out

    prev = ramp_int(t0[0], start, r, r2, np.empty(n))
    prev -= ramp_int(t0[0], e, c, c2, y)
    cur = np.empty(n)
    rows = loss.T  # (steps, paths), contiguous rows
    for j in range(t1.size):
        ramp_int(t1[j], start, r, r2, cur)
        cur -= ramp_int(t1[j], e, c, c2, y)
        np.subtract(cur, prev, out=x)
        x /= t1[j] - t0[j]
        np.maximum(x, 0.0, out=x)
        np.minimum(x, 1.0, out=x)
        x *= volume
        rows[j] += x
        prev, cur = cur, prev


def _draw_marks(st: Streams, name: str, dist: Any, n: int, k: int, slot: np.ndarray, path: np.ndarray) -> np.ndarray:
    """The marks of the incidents (``slot``, ``path``) from a (slots, paths) layout of draws,
    incident-first (slot k of every path, then slot k + 1), as ``dist.sample`` would give them:
    the uniforms of every slot are drawn, the inverse CDF evaluated only for the incidents
    that happen (a third of the slots on a typical path)."""
    if getattr(dist, "is_fixed", False):
        st.used.append(name)
        return np.full(slot.size, dist.center())
    u = st.rng(name).random(n * k).reshape(k, n)  # = dist.sample(rng, n * k): ppf of uniforms
    return np.asarray(dist.ppf(u[slot, path]), float)


def run_block(sc: Scenario, inp: RunInputs, seed: int, block: int, n: int) -> dict[str, np.ndarray]:
    """Every output series for one block of ``n`` paths, shape (n, steps) each. Pure."""
    return run_blocks(sc, inp, seed, [(block, n)])


def run_blocks(sc: Scenario, inp: RunInputs, seed: int, blocks: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Every output series for consecutive blocks ``(block, paths)`` run as one chunk, shape
    (paths, steps) each, time-major memory. Pure. Draws are made per block and every operation
    is per path (or per incident), so each path gets the same numbers as in :func:`run_block`
    of its block alone, whatever the chunk (tests/test_performance.py)."""
    st = ChunkStreams(seed, blocks)
    n = st.n
    mk = sc.market
    m = inp.n_steps
    step_days = inp.step_days
    sigma = st.draw("market.volatility_annual", mk.volatility_annual)
    kappa = st.draw("market.mean_reversion_per_year", mk.mean_reversion_per_year)
    e_s = st.draw("market.supply_elasticity", mk.supply_elasticity)
    e_d = st.draw("market.demand_elasticity", mk.demand_elasticity)
    demand = st.draw("market.world_demand_mbd", mk.world_demand_mbd)
    # Noise in float32, time-major (see docs/performance.md): with zero volatility nothing is
    # drawn and the factor is exactly zero, so the closed-form oracles still hold exactly.
    if np.any(sigma > 0):
        factor = price_model.ou_factor(_chunk_normals(st, "noise.brent", m, sigma > 0), inp.dt_years, sigma, kappa)
    else:
        factor = np.zeros((m, n), np.float32).T
    # Long-term factor (Schwartz & Smith 2000): a random walk of log Brent around the baseline.
    sigma_lt = st.draw("market.long_term_volatility_annual", mk.long_term_volatility_annual)
    if np.any(sigma_lt > 0):
        z_lt = _chunk_normals(st, "noise.brent_long_term", m, sigma_lt > 0)
        factor += price_model.ou_factor(z_lt, inp.dt_years, sigma_lt, 0.0, out=z_lt)

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
        threshold: Any = np.inf  # a scalar unless a price trigger makes it depend on the path and step
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

    out = _prices(sc, inp, st, net, spare, factor, prem, avail, demand, e_s, e_d)
    out[LOSS] = net
    for name, arr in out.items():
        if name != LOSS and not (arr.size == 0 or (arr.min() > 0 and arr.max() < np.inf)):  # NaN fails both
            bad = int(np.count_nonzero(~(np.isfinite(arr) & (arr > 0))))
            raise ScenarioError.at(
                sc.name, f"the model produced {bad} non-positive or non-finite values of {name}; "
                "the inputs are outside what the model can represent (check volumes, elasticities and fuel margins)")
    return out


def _prices(sc: Scenario, inp: RunInputs, st: ChunkStreams, net: np.ndarray, spare: np.ndarray, factor: np.ndarray,
            prem: np.ndarray, avail: np.ndarray, demand: np.ndarray, e_s: np.ndarray, e_d: np.ndarray) -> dict[str, np.ndarray]:
    """Brent and the retail prices from the net loss, in two loops over steps.

    The same operations, in the same order, as ``tightness.tightness_multiplier`` with
    ``price.loss_log_impact`` (first loop), then :func:`price.crude_price` on whole arrays, then
    ``retail.effective_crude``, ``retail.crack_deviation`` and the retail price of every fuel
    (second loop): the same numbers, bitwise (tests/test_engine_fused.py), with each step's rows
    of paths staying in the CPU caches instead of some forty passes over whole (paths, steps)
    arrays, which two threads would compete for in memory bandwidth (docs/performance.md).
    """
    m, n = inp.n_steps, st.n
    tz = sc.market.tightness
    step_days = np.broadcast_to(np.asarray(inp.step_days, float), (m,))
    i0 = np.broadcast_to(np.asarray(tz.inventory_days_vs_normal, float), (n,))
    avail = np.asarray(avail, float)
    demand = np.asarray(demand, float)
    inv = 1.0 / (np.asarray(e_s, float) - np.asarray(e_d, float))
    span = tz.slack_multiplier - tz.tight_multiplier
    impact = np.empty((m, n))  # (steps, paths) memory
    prices: dict[str, np.ndarray] = {}  # the same, returned transposed
    fuels = []
    dt_weeks = step_days / 7.0
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        a_up, a_down = retail.pass_through_shares(dt_weeks, fuel.tau_up_weeks, fuel.tau_down_weeks)
        season, season0 = _seasonal(fuel.seasonal, inp.dates, sc.horizon.start)
        intercept = fuel.taxes + fuel.margin_and_crack + season.astype(np.float64)
        e0 = (fuel.taxes + fuel.margin_and_crack + season0
              + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl)
        cs = fuel.crack_spread
        if cs.sd > 0:
            z = _chunk_normals(st, f"fuels.{key}.crack", m).T  # (steps, paths), float32
        else:
            z = np.zeros((m, 1))  # no noise: the deviation stays float64, exactly its decay
        phi, scale = retail.crack_coefficients(inp.dt_years * np.ones(m), cs.sd, cs.reversion_per_year)
        per_loss = st.draw(f"fuels.{key}.crack_spread.per_mbd_loss", cs.per_mbd_loss)
        eff = np.broadcast_to(np.asarray(inp.brent_before_usd_per_bbl, dtype=np.float64), (n,)).copy()
        dev = np.broadcast_to(np.asarray(fs.start_price - e0, dtype=z.dtype), (n,)).copy()
        price = np.empty((m, n))
        prices[fs.series] = price
        fuels.append((fuel, a_up, a_down, intercept, z, cs.sd > 0, phi.astype(z.dtype), scale.astype(z.dtype), per_loss,
                      bool(np.any(per_loss != 0)), eff, dev, price))
    net_t, spare_t = net.T, spare.T  # contiguous rows (time-major)
    cum, w, head = np.empty(n), np.empty(n), np.empty(n)
    gap, tmp = np.empty(n), np.empty(n)
    rise = np.empty(n, bool)
    ztmp = np.empty(n, np.float32)
    for j in range(m):
        net_j = net_t[j]
        # tightness multiplier: inventories drawn down by the cumulated net loss, headroom left
        np.multiply(net_j, step_days[j], out=w)
        if j:
            cum += w
        else:
            np.copyto(cum, w)
        np.divide(cum, demand, out=w)
        np.subtract(i0, w, out=w)
        np.multiply(demand, w, out=w)
        w /= tightness.ACUTE_DURATION_DAYS
        np.subtract(avail, spare_t[j], out=head)
        np.maximum(head, 0.0, out=head)
        head += w
        head -= np.maximum(net_j, 0.0, out=w)
        np.maximum(head, 0.0, out=head)
        head /= tightness.AMPLE_HEADROOM_MBD
        np.clip(head, 0.0, 1.0, out=head)
        head *= span
        head += tz.tight_multiplier
        # the log impact of the loss (price.loss_log_impact)
        row = impact[j]
        np.divide(net_j, demand, out=row)
        row *= head
        row *= inv
    brent = price_model.crude_price(inp.baseline_usd_per_bbl, factor, impact.T, prem)
    out: dict[str, np.ndarray] = {BRENT: brent}
    brent_t = brent.T
    for j in range(m):
        net_j, row = net_t[j], brent_t[j]
        for fuel, a_up, a_down, intercept, z, noisy, phi, scale, per_loss, with_loss, eff, dev, price in fuels:
            np.subtract(row, eff, out=gap)  # asymmetric pass-through
            np.greater(gap, 0, out=rise)
            gap *= np.where(rise, a_up[j], a_down[j])
            eff += gap
            dev *= phi[j]  # crack-spread deviation
            dev += np.multiply(z[j] if noisy else z[0], scale[j], out=ztmp if noisy else None)
            p = price[j]
            np.multiply(eff, fuel.slope, out=p)
            p /= fuel.units_per_bbl
            p += intercept[j]
            if with_loss:
                np.maximum(net_j, 0.0, out=tmp)
                np.multiply(per_loss, tmp, out=tmp)
                p += np.add(dev, tmp, out=tmp)
            else:
                p += dev
    out.update((name, a.T) for name, a in prices.items())
    return out


#: Bytes per (path, step) that a running chunk holds at peak: run_block's temporaries (measured
#: with tracemalloc on maduro_capture.yaml: 139 B, about 17 float64 arrays) plus the reduction's
#: sorted copy, with a margin (see docs/performance.md).
BLOCK_TEMP_BYTES_PER_CELL = 24 * 8
#: Default target size of a chunk handed to a worker thread [path-steps]: 4 blocks weekly (rows of
#: 32,768 paths, so the per-step loops' numpy calls are long enough to leave the GIL most of the
#: time), 1 block daily (bounded memory). Measured: 4 blocks beat 1, 2 and 8 (docs/performance.md).
CHUNK_CELLS = 4 * BLOCK_PATHS * 53
#: Kept paths are the default only below this [bytes] (and a quarter of the available memory).
KEEP_PATHS_LIMIT = 1024**3


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo [bytes], or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def estimate_bytes(n_series: int, n_steps: int, paths: int, keep_paths: bool, *, n_months: int = 12,
                   n_levels: int = 5, workers: int = 2, chunk_paths: int | None = None) -> int:
    """Peak memory of a run [bytes]: kept paths, per-path reductions, chunks in flight, quantile brackets.
    ``chunk_paths`` defaults to what :func:`simulate` uses."""
    if chunk_paths is None:
        chunk_paths = _default_chunk_blocks(n_steps) * BLOCK_PATHS
    kept = n_series * n_steps * paths * 8 if keep_paths else 0
    per_path = n_series * paths * (2 + n_months) * 8
    in_flight = workers * min(paths, chunk_paths) * n_steps * BLOCK_TEMP_BYTES_PER_CELL
    # values kept inside the quantile brackets: about 6.5 sqrt(paths) per (date, level) at the
    # default levels (results.QuantileSketch), bounded here by 8 sqrt(paths)
    brackets = n_series * n_steps * n_levels * int(8 * math.sqrt(paths) + 64) * 8
    return kept + per_path + in_flight + brackets


def _default_chunk_blocks(n_steps: int) -> int:
    return max(1, CHUNK_CELLS // (BLOCK_PATHS * n_steps))


def _blocks(paths: int) -> Iterator[tuple[int, int]]:
    for b in range(math.ceil(paths / BLOCK_PATHS)):
        yield b, min(BLOCK_PATHS, paths - b * BLOCK_PATHS)


def _gib(x: float) -> str:
    return f"{x / 1024**3:.1f} GiB"


def _plan_memory(sc: Scenario, inp: RunInputs, paths: int, keep_paths: bool | None, workers: int,
                 chunk_paths: int, n_series: int, n_months: int, n_levels: int) -> bool:
    """Decide ``keep_paths`` and refuse a run that cannot fit in the memory the machine has left."""
    m = inp.n_steps
    avail = available_memory_bytes()
    budget = int(avail * 0.8) if avail is not None else None

    def need(keep: bool) -> int:
        return estimate_bytes(n_series, m, paths, keep, n_months=n_months, n_levels=n_levels, workers=workers,
                              chunk_paths=chunk_paths)

    if keep_paths is None:
        limit = KEEP_PATHS_LIMIT if budget is None else min(KEEP_PATHS_LIMIT, budget // 4)
        keep_paths = n_series * m * paths * 8 <= limit
    if budget is not None and need(keep_paths) > budget:
        lean = need(False)
        if keep_paths and lean <= budget:
            hint = "keep_paths=False (quantiles and summaries are still exact) or fewer paths"
        else:
            fit = max(BLOCK_PATHS, int(paths * budget / max(lean, 1)) // BLOCK_PATHS * BLOCK_PATHS)
            hint = (f"at most about {fit:,} paths" + (" or a coarser horizon.step" if sc.horizon.step != "month" else ""))
        raise ScenarioError.at(
            sc.name, f"{paths:,} paths x {m} steps would need about {_gib(need(keep_paths))} of memory"
            + (" with every path kept" if keep_paths else "") + "; "
            f"{_gib(avail or 0)} is available (a run may use 80 % of it); use {hint}", key="simulation.paths", given=paths)
    return keep_paths


_ALLOCATOR_TUNED = False


def _tune_allocator() -> None:
    """Let glibc keep freed large arrays for reuse instead of returning them to the system.

    ``run_block`` allocates a few dozen (paths x steps) temporaries per block; by default
    glibc maps every array above 128 KiB afresh and unmaps it when freed, so each one costs
    its page faults again (about 1 ms per 3.5 MB array, 40 % of a block's time; measured,
    docs/performance.md). Raising the mmap and trim thresholds and using one arena for all
    threads lets the same memory be reused. Process-wide, once, on glibc only; set
    ENERGYSIM_MALLOC_TUNING=0 to leave the allocator alone.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return
    _ALLOCATOR_TUNED = True
    if not sys.platform.startswith("linux") or os.environ.get("ENERGYSIM_MALLOC_TUNING", "1") == "0":
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)  # the largest glibc accepts on 64-bit
    mallopt(m_trim_threshold, 256 << 20)
    mallopt(m_arena_max, 1)


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

    Paths are cut into blocks of :data:`BLOCK_PATHS` (each seeded on its own), blocks into
    chunks run by worker threads; each worker also reduces its chunk (per-path summaries,
    sorted columns for the streamed quantiles), and the main thread merges chunks in block
    order. Results are identical whatever ``workers`` and ``chunk_blocks``.

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
        Keep every path in memory (needed for ``result.paths()``); default when it fits in
        :data:`KEEP_PATHS_LIMIT` and a quarter of the available memory. Quantiles and summaries
        are the same either way.
    progress : callable(done_paths, total_paths), optional
        Called after each chunk.

    Raises
    ------
    ScenarioError
        If the run would need more memory than the machine has available.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else None
    sc = loaded.scenario if loaded else scenario
    if not isinstance(sc, Scenario):
        raise TypeError(f"simulate() needs a loaded scenario, not {type(sc).__name__}")
    paths = sc.simulation.paths if paths is None else int(paths)
    seed = sc.simulation.seed if seed is None else int(seed)
    if paths < 1:
        raise ScenarioError.at(sc.name, "paths must be at least 1", key="simulation.paths", given=paths)
    if seed < 0:
        raise ScenarioError.at(sc.name, "seed must be a non-negative integer", key="simulation.seed", given=seed)
    inp = inputs if inputs is not None else build_inputs(loaded if loaded else sc)
    _tune_allocator()
    series = sc.series_names()
    workers = max(1, workers or min(4, os.cpu_count() or 1))
    chunk_blocks = chunk_blocks or _default_chunk_blocks(inp.n_steps)
    n_months = len(np.unique(inp.dates.astype("datetime64[M]")))
    n_levels = len(set(sc.outputs.quantiles) | {0.05, 0.25, 0.5, 0.75, 0.95})
    keep_paths = _plan_memory(sc, inp, paths, keep_paths, workers, chunk_blocks * BLOCK_PATHS, len(series),
                              n_months, n_levels)
    acc = Accumulator(sc, inp, paths, series, keep_paths)
    blocks = list(_blocks(paths))
    # block 0 runs first, alone: it sets the first quantile brackets (see results.QuantileSketch)
    chunks = [blocks[i:i + chunk_blocks] for i in range(1, len(blocks), chunk_blocks)]

    def run_chunk(chunk: list[tuple[int, int]], brackets: dict[str, Any], paths_only: bool) -> tuple[Any, int]:
        arrays = run_blocks(sc, inp, seed, chunk)  # (paths, steps), time-major memory
        return acc.reduce(chunk[0][0], arrays, brackets, paths_only=paths_only), arrays[series[0]].shape[0]

    def one_pass(first: bool) -> None:
        pilot = run_block(sc, inp, seed, 0, blocks[0][1])
        if first:
            acc.start(pilot)
        br0 = acc.brackets()
        acc.merge(acc.reduce(0, pilot, br0, paths_only=not first), blocks[0][1], br0)
        del pilot
        done = blocks[0][1]
        if progress and first:
            progress(done, paths)
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                br = acc.brackets()
                stats, n = run_chunk(chunk, br, not first)
                acc.merge(stats, n, br)
                done += n
                if progress and first:
                    progress(done, paths)
            return
        # A sliding window of tasks: at most 2 per worker in flight (bounded memory), each
        # started with the brackets as narrowed by the chunks merged so far.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[tuple[Future[tuple[Any, int]], dict[str, Any]]] = deque()
            it = iter(chunks)
            for chunk in it:
                br = acc.brackets()
                pending.append((pool.submit(run_chunk, chunk, br, not first), br))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                fut, br = pending.popleft()
                stats, n = fut.result()
                acc.merge(stats, n, br)
                done += n
                if progress and first:
                    progress(done, paths)
                nxt = next(it, None)
                if nxt is not None:
                    nbr = acc.brackets()
                    pending.append((pool.submit(run_chunk, nxt, nbr, not first), nbr))

    one_pass(True)
    if acc.missed():  # a quantile bracket missed (very rare): rerun the same paths, those brackets open
        acc.restart()
        one_pass(False)
    extra = {"baseline": inp.baseline_usd_per_bbl.round(6).tolist(),
             "fuel_start": {k: round(v.start_price, 6) for k, v in inp.fuels.items()}}
    baseline = _baseline_series(sc, inp)
    return acc.finish(seed=seed, scenario_hash=content_hash(sc, extra), baseline=baseline)


def _seasonal(profile: list[float], dates: np.ndarray, start: Any) -> tuple[np.ndarray, float]:
    """Seasonal retail offset [USD/unit] at each step date, and on the last day before the
    horizon start (where the observed start price was taken, so a run starts at that price)."""
    before = np.array([np.datetime64(start, "D") - 1])
    return retail.seasonal_offset(profile, dates), float(retail.seasonal_offset(profile, before)[0])


def _baseline_series(sc: Scenario, inp: RunInputs) -> dict[str, np.ndarray]:
    """The no-noise, no-disruption path of every price series (reference line in charts)."""
    brent = inp.baseline_usd_per_bbl[None, :]
    out = {BRENT: inp.baseline_usd_per_bbl.copy()}
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        eff = retail.effective_crude(brent, inp.step_days / 7.0, fuel.tau_up_weeks, fuel.tau_down_weeks,
                                     inp.brent_before_usd_per_bbl)
        season, season0 = _seasonal(fuel.seasonal, inp.dates, sc.horizon.start)
        intercept = fuel.taxes + fuel.margin_and_crack + season
        e0 = (fuel.taxes + fuel.margin_and_crack + season0
              + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl)
        dev = retail.crack_deviation(np.zeros_like(brent), inp.dt_years, 0.0, fuel.crack_spread.reversion_per_year,
                                     fs.start_price - e0)
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)[0]
    out[LOSS] = np.zeros(inp.n_steps)
    return out
