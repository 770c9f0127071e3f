"""The Monte Carlo core: blocks of paths, named random streams, no I/O.

:func:`run_block` computes every output series for one block of paths: :func:`chunk_inputs`
makes the draws (numpy, per seeding block) and :func:`energysim.kernels.paths.path_model`
computes the paths (compiled, without the GIL). :func:`simulate` cuts the paths into blocks
(see :mod:`energysim.sampling`), runs them in chunks on worker threads and hands the blocks to
a :class:`~energysim.results.Accumulator`, in block order, so the result does not depend on
the chunk size or the number of workers.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
import numbers
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from .errors import ScenarioError, a_type
from .inputs import RunInputs, build_inputs
from .kernels import draws
from .models import retail
from .results import Accumulator, SimulationResult
from .sampling import BLOCK_PATHS, ChunkStreams
from .scenario.loader import LoadedScenario, content_hash, validate_scenario
from .scenario.schema import Scenario

__all__ = ["simulate", "run_block", "BLOCK_PATHS", "estimate_bytes", "available_memory_bytes", "MAX_SEED"]

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
            np.less(part.uniforms(name + ".occurs"), pb, out=out[lo:lo + part.n])
    return out


def _poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson quantile (smallest k with CDF(k) >= u) of each ``u`` (1-d), vectorised over paths.

    Summing the pmf term by term (:func:`energysim.kernels.draws.poisson_ppf`, at most ``limit``
    terms) agrees with ``scipy.stats.poisson.ppf`` except where ``u`` is within float rounding
    (1e-15) of a CDF step; large means (where exp(-mean) underflows) and the far tail fall back
    to scipy.
    """
    mean = np.ascontiguousarray(np.broadcast_to(np.asarray(mean, float), u.shape))
    if u.size == 0:
        return np.empty(u.shape, np.int64)
    if mean.max() > 100.0:
        return _scipy_poisson_ppf(u, mean)
    limit = int(mean.max() + 12.0 * math.sqrt(mean.max()) + 30.0)
    k = np.empty(u.shape, np.int64)
    if draws.poisson_ppf(np.ascontiguousarray(u, dtype=float), mean, limit, k):
        rows = np.flatnonzero(k < 0)
        k[rows] = _scipy_poisson_ppf(u[rows], mean[rows])
    return k


def _scipy_poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``scipy.stats.poisson.ppf`` as int64: the fallback of :func:`_poisson_ppf`, imported only
    when needed (importing scipy.stats takes about 0.9 s)."""
    from scipy import stats

    return np.asarray(stats.poisson.ppf(u, mean)).astype(np.int64)


def _disruptions(sc: Scenario, st: ChunkStreams) -> dict[str, np.ndarray]:
    """The drawn timing, volume and premium of every disruption, arrays (disruptions, paths)."""
    n, origin = st.n, sc.horizon.start
    keys = ("start", "up", "plateau", "recovery", "volume", "amp", "lead", "half_life")
    out = {k: np.zeros((len(sc.disruptions), n)) for k in keys}
    out["half_life"][:] = 1.0
    for i, d in enumerate(sc.disruptions):
        key = f"disruptions.{d.name}"
        occurs = _occurs(st, key, d.probability)
        out["start"][i] = st.draw(key + ".start", d.start.to_days(origin))
        out["volume"][i] = st.draw(key + ".volume_mbd", d.volume_mbd) * occurs
        out["plateau"][i] = st.draw(key + ".duration_days", d.duration_days)
        out["up"][i] = st.draw(key + ".ramp_up_days", d.ramp_up_days)
        out["recovery"][i] = st.draw(key + ".recovery_days", d.recovery_days)
        if d.risk_premium is not None:
            rp = d.risk_premium
            peak = st.draw(key + ".risk_premium.peak_pct", rp.peak_pct)
            out["lead"][i] = st.draw(key + ".risk_premium.lead_days", rp.lead_days)
            out["half_life"][i] = st.draw(key + ".risk_premium.half_life_days", rp.half_life_days)
            draws.premium_amplitude(peak, peak)  # in place
            out["amp"][i] = peak * occurs
    return out


#: The columns of the hazard incidents (path_model's ``inc_*`` arguments), rows of one array.
_INCIDENT_COLUMNS = ("start", "end", "volume", "amp", "lead", "half_life")
_START, _END, _VOLUME, _AMP, _LEAD, _HALF_LIFE = range(len(_INCIDENT_COLUMNS))


def _incidents(sc: Scenario, st: ChunkStreams) -> dict[str, np.ndarray]:
    """Every hazard incident of the chunk, grouped by path (path ``p`` owns the incidents
    ``ptr[p]:ptr[p + 1]``, in hazard order, then slot order): start and end [days], volume
    [mb/d], premium amplitude ``log(1 + peak)`` (0 without premium), lead and half-life [days]."""
    per_hazard = [_hazard_incidents(sc, st, hz) for hz in sc.hazards]
    counts = sum((c for c, _ in per_hazard), np.zeros(st.n, np.int64))
    ptr = np.zeros(st.n + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    if len(per_hazard) == 1:
        cols = per_hazard[0][1]
    else:  # group by path, keeping hazard then slot order
        cols = np.empty((len(_INCIDENT_COLUMNS), int(ptr[-1])))
        fill = ptr[:-1].copy()
        for c, hz_cols in per_hazard:
            draws.scatter_by_path(c, hz_cols, fill, cols)
    out = dict(zip(_INCIDENT_COLUMNS, cols))
    out["ptr"] = ptr
    return out


def _hazard_incidents(sc: Scenario, st: ChunkStreams, hz: Any) -> tuple[np.ndarray, np.ndarray]:
    """One hazard's incidents in the chunk, path after path and slot after slot within a path:
    each path's number of incidents, (paths,), and their columns, (columns, incidents) in the
    order of :data:`_INCIDENT_COLUMNS`."""
    origin = sc.horizon.start
    key = f"hazards.{hz.name}"
    w0, w1 = (hz.window.start, hz.window.end) if hz.window else (sc.horizon.start, sc.horizon.end)
    lo, hi = float((w0 - origin).days), float((w1 - origin).days)
    mean_count = np.maximum(st.draw(key + ".rate_per_year", hz.rate_per_year), 0.0) * (hi - lo) / 365.25
    # Counts by inverse transform of one uniform per path; the start and marks of incident k
    # of a path from counter-based uniforms of (path, k) (kernels.rng.slot_uniform): a change
    # of rate or of a mark's distribution keeps every other draw paired.
    u = st.uniforms(key + ".count")
    np.clip(u, 1e-16, 1.0 - 1e-16, out=u)
    counts = np.empty(st.n, np.int64)
    for part, off in zip(st.parts, st.offsets):
        counts[off:off + part.n] = _poisson_ppf(u[off:off + part.n], mean_count[off:off + part.n])

    # Each mark's stream fills its row: uniforms, then their inverse CDF in place.
    rp = hz.risk_premium
    marks = [("volume_mbd", hz.volume_mbd, _VOLUME), ("duration_days", hz.duration_days, _END)]
    if rp is not None:
        marks += [("risk_premium.peak_pct", rp.peak_pct, _AMP), ("risk_premium.lead_days", rp.lead_days, _LEAD),
                  ("risk_premium.half_life_days", rp.half_life_days, _HALF_LIFE)]
    drawn = [(f"{key}.{mname}", dist, row) for mname, dist, row in marks if not dist.is_fixed]
    fixed = [(f"{key}.{mname}", dist, row) for mname, dist, row in marks if dist.is_fixed]
    cols = np.empty((len(_INCIDENT_COLUMNS), int(counts.sum())))
    if rp is None:
        cols[_AMP], cols[_LEAD], cols[_HALF_LIFE] = 0.0, 0.0, 1.0
    for part in st.parts:
        part.used.extend(name for name, _, _ in fixed)
    for _, dist, row in fixed:
        cols[row] = dist.center()
    keys = np.stack([st.keys(name) for name, _, _ in drawn] + [st.keys(key + ".start")])
    rows = np.array([row for _, _, row in drawn] + [_START], np.int64)
    draws.slot_uniforms(counts, np.asarray(st.offsets, np.int64), keys, rows, cols)
    for _, dist, row in drawn:
        draws.ppf(dist, cols[row], out=cols[row])
    # the start's uniforms become days, the durations ends, the peaks amplitudes log(1 + peak)
    draws.finish_incidents(cols[_START], cols[_END], cols[_AMP], lo, hi, rp is not None)
    return counts, cols


def run_block(sc: Scenario, inp: RunInputs, seed: int, block: int, n: int) -> dict[str, np.ndarray]:
    """Every output series for one block of ``n`` paths, shape (n, steps) each. Pure."""
    return run_blocks(sc, inp, seed, [(block, n)])


def run_blocks(sc: Scenario, inp: RunInputs, seed: int, blocks: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Every output series for consecutive blocks ``(block, paths)`` run as one chunk, shape
    (paths, steps) each, C-ordered. Pure.

    The draws are made by :func:`chunk_inputs`, per block (so each depends only on the seed, its
    stream name and its block); the model runs in :func:`energysim.kernels.paths.path_model`,
    path by path, so each path gets the same numbers whatever the chunk (tests/test_kernels.py).
    """
    from .kernels.paths import path_model  # compiled on first use (and cached on disk)

    args, fuel_series = chunk_inputs(sc, inp, ChunkStreams(seed, blocks))
    n, m = args["sigma"].size, inp.n_steps
    net = np.empty((n, m))
    brent = np.empty((n, m))
    prices = np.empty((len(fuel_series), n, m))
    bad = path_model(**args, net_out=net, brent_out=brent, price_out=prices)
    out = {BRENT: brent}
    out.update((name, prices[f]) for f, name in enumerate(fuel_series))
    out[LOSS] = net
    for name, count in zip([BRENT, *fuel_series], bad.tolist()):
        if count:
            raise ScenarioError.at(
                sc.name, f"the model produced {count} non-positive or non-finite values of {name}; "
                "the inputs are outside what the model can represent (check volumes, elasticities and fuel margins)")
    return out


def chunk_inputs(sc: Scenario, inp: RunInputs, st: ChunkStreams) -> tuple[dict[str, Any], list[str]]:
    """Every draw of a chunk, and the time grid, as the arguments of
    :func:`energysim.kernels.paths.path_model` (named as there); and the fuels' series names."""
    n, m = st.n, inp.n_steps
    mk = sc.market
    step_days = np.ascontiguousarray(np.broadcast_to(np.asarray(inp.step_days, float), (m,)))
    args: dict[str, Any] = {
        "t1_days": np.asarray(inp.t_days, float), "step_days": step_days,
        "dt_years": np.ascontiguousarray(np.broadcast_to(inp.dt_years, (m,))),
        "baseline": np.asarray(inp.baseline_usd_per_bbl, float),
        "log_baseline": np.log(np.asarray(inp.baseline_usd_per_bbl, float)),
        "block_start": np.asarray(st.offsets, np.int64),
        # The noise is generated inside the path model from a key per stream and block; a
        # path with zero volatility generates none, so the closed-form oracles hold exactly.
        "keys": np.stack([st.keys(name) for name in
                          ["noise.brent", "noise.brent_long_term", *(f"fuels.{key}.crack" for key in sc.fuels)]]),
        "sigma": st.draw("market.volatility_annual", mk.volatility_annual),
        "kappa": st.draw("market.mean_reversion_per_year", mk.mean_reversion_per_year),
        # Long-term factor (Schwartz & Smith 2000): a random walk of log Brent around the baseline.
        "sigma_long": st.draw("market.long_term_volatility_annual", mk.long_term_volatility_annual),
    }
    e_s = st.draw("market.supply_elasticity", mk.supply_elasticity)
    e_d = st.draw("market.demand_elasticity", mk.demand_elasticity)
    args["demand"] = st.draw("market.world_demand_mbd", mk.world_demand_mbd)
    args["inv_elasticity"] = 1.0 / (e_s - e_d)
    tz = mk.tightness
    args.update(inventory0_days=float(tz.inventory_days_vs_normal), slack_mult=float(tz.slack_multiplier),
                tight_mult=float(tz.tight_multiplier))
    args.update(("d_" + k, v) for k, v in _disruptions(sc, st).items())
    args.update(("inc_" + k, v) for k, v in _incidents(sc, st).items())

    sp = sc.responses.spare_capacity
    args["spare_avail"] = st.draw("responses.spare_capacity.available_mbd", sp.available_mbd)
    args["spare_share"] = st.draw("responses.spare_capacity.share", sp.share)
    lag_days = st.draw("responses.spare_capacity.lag_days", sp.lag_days)
    args["spare_lag"] = np.rint(lag_days / step_days.mean()).astype(np.int64)

    rel = sc.responses.stock_release
    release = rel is not None and (rel.trigger_net_loss_mbd is not None or rel.trigger_price_usd_per_bbl is not None)
    args.update(release=release, rel_rate=np.ones(n), rel_total=np.ones(n), rel_lag=np.ones(n),
                trig_loss=np.inf, trig_log_price=np.inf)
    if release and rel is not None:
        args["rel_rate"] = st.draw("responses.stock_release.rate_mbd", rel.rate_mbd)
        args["rel_total"] = st.draw("responses.stock_release.total_mb", rel.total_mb)
        args["rel_lag"] = st.draw("responses.stock_release.lag_days", rel.lag_days)
        if rel.trigger_net_loss_mbd is not None:
            args["trig_loss"] = float(rel.trigger_net_loss_mbd)
        if rel.trigger_price_usd_per_bbl is not None:
            args["trig_log_price"] = float(np.log(rel.trigger_price_usd_per_bbl))

    fuels = _fuel_inputs(sc, inp, st)
    series = fuels.pop("series")
    args.update(("f_" + k, v) for k, v in fuels.items())
    return args, series


def _fuel_inputs(sc: Scenario, inp: RunInputs, st: ChunkStreams) -> dict[str, Any]:
    """Per fuel: pass-through shares, intercept, crack-spread coefficients, start state."""
    m, n = inp.n_steps, st.n
    keys = list(sc.fuels)
    f = len(keys)
    out: dict[str, Any] = {"series": [inp.fuels[k].series for k in keys]}
    for name in ("up", "down", "intercept", "phi", "scale"):
        out[name] = np.zeros((f, m))
    out["slope_per_unit"], out["eff0"], out["dev0"] = np.zeros(f), np.zeros(f), np.zeros(f)
    out["noisy"] = np.array([sc.fuels[k].crack_spread.sd > 0 for k in keys], dtype=np.bool_)
    out["per_loss"] = np.zeros((f, n))
    dt_weeks = np.broadcast_to(np.asarray(inp.step_days, float), (m,)) / 7.0
    for i, key in enumerate(keys):
        fuel, fs = sc.fuels[key], inp.fuels[key]
        a_up, a_down = retail.pass_through_shares(dt_weeks, fuel.tau_up_weeks, fuel.tau_down_weeks)
        out["up"][i], out["down"][i] = a_up[:, 0], a_down[:, 0]
        season, season0 = _seasonal(fuel.seasonal, inp.middle_days, sc.horizon.start)
        out["intercept"][i] = fuel.taxes + fuel.margin_and_crack + season.astype(np.float64)
        e0 = (fuel.taxes + fuel.margin_and_crack + season0
              + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl)
        cs = fuel.crack_spread
        out["phi"][i], out["scale"][i] = retail.crack_coefficients(inp.dt_years * np.ones(m), cs.sd,
                                                                   cs.reversion_per_year)
        out["per_loss"][i] = st.draw(f"fuels.{key}.crack_spread.per_mbd_loss", cs.per_mbd_loss)
        out["slope_per_unit"][i] = fuel.slope / fuel.units_per_bbl
        out["eff0"][i] = inp.brent_before_usd_per_bbl
        out["dev0"][i] = fs.start_price - e0
    return out


#: Bytes per (path, step) that a running chunk holds at peak: its four output series (32 B) and
#: the draws and reduction scratch (measured with tracemalloc on maduro_capture.yaml, weekly and
#: daily: 40 B), with a margin (see docs/performance.md).
BLOCK_TEMP_BYTES_PER_CELL = 6 * 8
#: Default target size of a chunk handed to a worker thread [path-steps]: 4 blocks weekly (32,768
#: paths: the per-chunk Python work of the draws is spread over more paths), 1 block daily.
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


def _chunks(blocks: list[tuple[int, int]], chunk_blocks: int, workers: int) -> list[list[tuple[int, int]]]:
    """Consecutive blocks cut into chunks of ``chunk_blocks``; with several workers the last
    ``workers`` chunks' blocks run one at a time, so that the workers finish together (a whole
    chunk left to one worker at the end kept the other idle for up to a chunk's time)."""
    chunks = [blocks[i:i + chunk_blocks] for i in range(0, len(blocks), chunk_blocks)]
    if workers > 1 and chunk_blocks > 1:
        tail = [[b] for chunk in chunks[-workers:] for b in chunk]
        chunks = chunks[:-workers] + tail
    return chunks


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

    Every chunk allocates its output arrays, draws and reduction scratch afresh; by default
    glibc maps every array above 128 KiB afresh and unmaps it when freed, so each one costs
    its page faults again (about 1 ms per 3.5 MB array; measured, docs/performance.md; without
    the tuning, two threads reducing at once ran up to twice as slow). Raising the mmap and trim thresholds and using one arena for all
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


#: The largest seed, as in scenario files and on the command line (a seed is a signed 64-bit integer).
MAX_SEED = 2**63 - 1


def _whole_arg(name: str, value: object, least: int, most: int | None = None) -> int:
    """An integer argument of :func:`simulate`, from ``least`` to ``most``: booleans, floats (even
    2.0) and text are refused, not truncated."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ScenarioError.at(None, f"simulate() needs a whole number (an int) for {name}, not {a_type(value)}",
                               key=name, given=value)
    whole = int(value)
    if whole < least:
        raise ScenarioError.at(None, f"simulate() needs {name} of at least {least}", key=name, given=value)
    if most is not None and whole > most:
        limit = "2^63 - 1" if most == MAX_SEED else f"{most:,}"
        raise ScenarioError.at(None, f"simulate() needs {name} of at most {limit} ({most:,}), as in a scenario file",
                               key=name, given=value)
    return whole


def _keep_paths_arg(value: object) -> bool | None:
    """``keep_paths`` of :func:`simulate`: True, False or None (text such as ``"no"`` is not read as True)."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise ScenarioError.at(None, "simulate() needs True, False or None (decided by the memory it takes) for "
                           f"keep_paths, not {a_type(value)}", key="keep_paths", given=value)


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
        From :func:`energysim.load_scenario`, or a :class:`Scenario` (validated again here).
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

    The scenario is validated again first, with the rules of :func:`energysim.load_scenario`
    (:func:`energysim.validate_scenario`): a scenario changed in code with
    ``model_copy(update=...)``, which does not validate, is checked before any work, e.g.::

        d = sc.disruptions[0]
        edited = sc.model_copy(update={"disruptions": [d.model_copy(update={"probability": 0.9})]})
        simulate(edited)   # runs; a probability of 1.5 would raise ScenarioError

    Raises
    ------
    ScenarioError
        If the scenario breaks a rule of the scenario format (``scenario 'name': key path: rule``);
        if ``paths``, ``seed``, ``workers`` or ``chunk_blocks`` is not an integer (a bool, a
        float or text) or is out of range (``seed`` from 0 to 2^63 - 1, the others at least 1);
        if ``keep_paths`` is not True, False or None, or ``progress`` not callable; or if the run
        would need more memory than the machine has available.
    TypeError
        If ``scenario`` is neither a :class:`LoadedScenario` nor a :class:`Scenario`.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else None
    sc = loaded.scenario if loaded else scenario
    if not isinstance(sc, Scenario):
        hint = (f"; load the file first: energysim.simulate(energysim.load_scenario({os.fspath(sc)!r}))"
                if isinstance(sc, (str, os.PathLike)) else "")
        raise TypeError(f"simulate() needs a loaded scenario, not {type(sc).__name__}{hint}")
    paths = None if paths is None else _whole_arg("paths", paths, 1)
    seed = None if seed is None else _whole_arg("seed", seed, 0, MAX_SEED)
    workers = min(4, os.cpu_count() or 1) if workers is None else _whole_arg("workers", workers, 1)
    chunk_blocks = None if chunk_blocks is None else _whole_arg("chunk_blocks", chunk_blocks, 1)
    keep_paths = _keep_paths_arg(keep_paths)
    if progress is not None and not callable(progress):
        raise ScenarioError.at(None, "simulate() needs a function progress(done_paths, total_paths) or None for "
                               f"progress, not {a_type(progress)}", key="progress", given=progress)
    sc = validate_scenario(sc)
    paths = sc.simulation.paths if paths is None else paths
    seed = sc.simulation.seed if seed is None else seed
    inp = inputs if inputs is not None else build_inputs(dataclasses.replace(loaded, scenario=sc) if loaded else sc)
    _tune_allocator()
    series = sc.series_names()
    chunk_blocks = chunk_blocks or _default_chunk_blocks(inp.n_steps)
    n_months = len(np.unique(inp.dates.astype("datetime64[M]")))
    n_levels = len(set(sc.outputs.quantiles) | {0.05, 0.25, 0.5, 0.75, 0.95})
    keep_paths_asked = keep_paths
    keep_paths = _plan_memory(sc, inp, paths, keep_paths, workers, chunk_blocks * BLOCK_PATHS, len(series),
                              n_months, n_levels)
    acc = Accumulator(sc, inp, paths, series, keep_paths)
    blocks = list(_blocks(paths))
    # block 0 runs first, alone: it sets the first quantile brackets (see results.QuantileSketch)
    chunks = _chunks(blocks[1:], chunk_blocks, workers)

    def one_pass(first: bool) -> None:
        # The accumulator's memory is faulted in on a thread of its own (first pass only) while
        # block 0 and the first chunks' models run; every reduction (which writes the per-path
        # summaries) waits for it.
        toucher = ThreadPoolExecutor(max_workers=1) if first else None
        try:
            touched = toucher.submit(acc.touch) if toucher else None
            run_pass(first, touched)
        except BaseException:  # Ctrl-C or an error: the memory is not needed any more
            acc.cancel_touch()
            raise
        finally:
            if toucher:
                toucher.shutdown(wait=True)

    def reduced(first_block: int, arrays: dict[str, np.ndarray], brackets: dict[str, Any], paths_only: bool,
                touched: Future[None] | None) -> tuple[Any, int]:
        if touched is not None:
            touched.result()
        return acc.reduce(first_block, arrays, brackets, paths_only=paths_only), arrays[series[0]].shape[0]

    def run_pass(first: bool, touched: Future[None] | None) -> None:
        pilot = run_block(sc, inp, seed, 0, blocks[0][1])
        if first:
            acc.start(pilot)  # block 0 sets the first brackets
        br0 = acc.brackets()
        done = 0

        def merged(stats: Any, n: int, br: dict[str, Any]) -> None:
            nonlocal done
            acc.merge(stats, n, br)
            done += n
            if progress and first:
                progress(done, paths)

        def run_chunk(chunk: list[tuple[int, int]], brackets: dict[str, Any]) -> tuple[Any, int]:
            arrays = run_blocks(sc, inp, seed, chunk)  # (paths, steps), C-ordered
            return reduced(chunk[0][0], arrays, brackets, not first, touched)

        if workers == 1 or len(chunks) <= 1:
            merged(*reduced(0, pilot, br0, not first, touched), br0)
            del pilot
            for chunk in chunks:
                br = acc.brackets()
                merged(*run_chunk(chunk, br), br)
            return
        # A sliding window of tasks: at most 2 per worker in flight (bounded memory), each
        # started with the brackets as narrowed by the chunks merged so far; block 0's
        # reduction is the first task.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[tuple[Future[tuple[Any, int]], dict[str, Any]]] = deque()
            try:
                pending.append((pool.submit(reduced, 0, pilot, br0, not first, touched), br0))
                del pilot
                it = iter(chunks)
                for chunk in it:
                    br = acc.brackets()
                    pending.append((pool.submit(run_chunk, chunk, br), br))
                    if len(pending) >= 2 * workers:
                        break
                while pending:
                    fut, br = pending.popleft()
                    merged(*fut.result(), br)
                    nxt = next(it, None)
                    if nxt is not None:
                        nbr = acc.brackets()
                        pending.append((pool.submit(run_chunk, nxt, nbr), nbr))
            except BaseException:  # Ctrl-C or an error: the pool's exit waits only for running chunks
                acc.cancel_touch()
                for fut, _ in pending:
                    fut.cancel()
                raise

    one_pass(True)
    if acc.missed(workers):  # a quantile bracket missed (very rare): rerun the same paths, those brackets open
        acc.restart()
        one_pass(False)
    extra = {"baseline": inp.baseline_usd_per_bbl.round(6).tolist(),
             "fuel_start": {k: round(v.start_price, 6) for k, v in inp.fuels.items()}}
    baseline = _baseline_series(sc, inp)
    result = acc.finish(seed=seed, scenario_hash=content_hash(sc, extra), baseline=baseline, workers=workers)
    result.keep_paths_asked = keep_paths_asked
    return result


def _seasonal(profile: list[float], middle_days: np.ndarray, start: Any) -> tuple[np.ndarray, float]:
    """Seasonal retail offset [USD/unit] at each step's middle day (a step's price is its
    average), and on the last day before the horizon start (where the observed start price was
    taken, so a run starts at that price)."""
    before = np.array([np.datetime64(start, "D") - 1])
    return retail.seasonal_offset(profile, middle_days), float(retail.seasonal_offset(profile, before)[0])


def _baseline_series(sc: Scenario, inp: RunInputs) -> dict[str, np.ndarray]:
    """The no-noise, no-disruption path of every price series (reference line in charts)."""
    brent = inp.baseline_usd_per_bbl[None, :]
    out = {BRENT: inp.baseline_usd_per_bbl.copy()}
    for key, fuel in sc.fuels.items():
        fs = inp.fuels[key]
        eff = retail.effective_crude(brent, inp.step_days / 7.0, fuel.tau_up_weeks, fuel.tau_down_weeks,
                                     inp.brent_before_usd_per_bbl)
        season, season0 = _seasonal(fuel.seasonal, inp.middle_days, sc.horizon.start)
        intercept = fuel.taxes + fuel.margin_and_crack + season
        e0 = (fuel.taxes + fuel.margin_and_crack + season0
              + fuel.slope * inp.brent_before_usd_per_bbl / fuel.units_per_bbl)
        dev = retail.crack_deviation(np.zeros_like(brent), inp.dt_years, 0.0, fuel.crack_spread.reversion_per_year,
                                     fs.start_price - e0)
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)[0]
    out[LOSS] = np.zeros(inp.n_steps)
    return out
