"""The Monte Carlo core: blocks of paths, named random streams, no I/O.

:func:`run_block` computes every output series for one block of paths: :func:`chunk_inputs`
makes the draws (numpy, per seeding block; the disruptions and hazard incidents in
:mod:`energysim.events`) and :func:`energysim.kernels.paths.path_model`
computes the paths (compiled, without the GIL). :func:`simulate` cuts the paths into blocks
(see :mod:`energysim.sampling`), runs them in chunks on worker threads and hands the blocks to
a :class:`~energysim.accumulate.Accumulator`, in block order, so the result does not depend on
the chunk size or the number of workers. How much memory a run needs, and whether its paths
are kept, is decided in :mod:`energysim.memory`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from . import events
from .accumulate import Accumulator
from .errors import ScenarioError, a_type
from .inputs import FuelStart, RunInputs, build_inputs
from .memory import default_chunk_blocks, plan_memory, tune_allocator
from .models import retail
from .results import SimulationResult
from .sampling import BLOCK_PATHS, ChunkStreams
from .scenario.loader import LoadedScenario, content_hash, validate_scenario
from .scenario.schema import Scenario

__all__ = ["simulate", "run_block", "BLOCK_PATHS", "MAX_SEED"]

BRENT = "brent_usd_per_bbl"
LOSS = "net_supply_loss_mbd"


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
    args.update(("d_" + k, v) for k, v in events.disruptions(sc, st).items())
    args.update(("inc_" + k, v) for k, v in events.incidents(sc, st).items())

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
        cs = fuel.crack_spread
        out["phi"][i], out["scale"][i] = retail.crack_coefficients(inp.dt_years * np.ones(m), cs.sd,
                                                                   cs.reversion_per_year)
        out["per_loss"][i] = st.draw(f"fuels.{key}.crack_spread.per_mbd_loss", cs.per_mbd_loss)
        out["slope_per_unit"][i] = fuel.slope / fuel.units_per_bbl
        out["eff0"][i] = inp.brent_before_usd_per_bbl
        out["dev0"][i] = _start_gap(fuel, fs, season0, inp.brent_before_usd_per_bbl)
    return out


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
        :data:`energysim.memory.KEEP_PATHS_LIMIT` and a quarter of the available memory.
        Quantiles and summaries are the same either way.
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
    tune_allocator()
    series = sc.series_names()
    chunk_blocks = chunk_blocks or default_chunk_blocks(inp.n_steps)
    n_months = len(np.unique(inp.dates.astype("datetime64[M]")))
    n_levels = len(set(sc.outputs.quantiles) | {0.05, 0.25, 0.5, 0.75, 0.95})
    keep_paths_asked = keep_paths
    keep_paths = plan_memory(sc, inp, paths, keep_paths, workers, chunk_blocks * BLOCK_PATHS, len(series),
                              n_months, n_levels)
    acc = Accumulator(sc, inp, paths, series, keep_paths)
    blocks = list(_blocks(paths))
    # block 0 runs first, alone: it sets the first quantile brackets (see accumulate.QuantileSketch)
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


def _start_gap(fuel: Any, fs: FuelStart, season0: float, brent_before_usd_per_bbl: float) -> float:
    """The crack-spread deviation at the start [USD/unit]: the start price minus the model's price
    on the day before the horizon, with the taxes that were in the start price; so a run starts
    at that price, and a tax change is in full from the first step."""
    model_before = (fs.start_taxes + fuel.margin_and_crack + season0
                    + fuel.slope * brent_before_usd_per_bbl / fuel.units_per_bbl)
    return float(fs.start_price - model_before)


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
        dev = retail.crack_deviation(np.zeros_like(brent), inp.dt_years, 0.0, fuel.crack_spread.reversion_per_year,
                                     _start_gap(fuel, fs, season0, inp.brent_before_usd_per_bbl))
        out[fs.series] = retail.retail_price(eff, intercept, fuel.slope, fuel.units_per_bbl, dev)[0]
    out[LOSS] = np.zeros(inp.n_steps)
    return out
