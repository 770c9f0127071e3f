"""Which uncertain inputs move a scenario's average price most: one-at-a-time sensitivity on
common random numbers (no I/O, no plotting).

For each uncertain input of a scenario (:func:`energysim.variants.uncertain_parameters`) the
scenario is simulated twice, with that input fixed at a low and at a high quantile of its
distribution (default P10 and P90) and every other input left uncertain as in the scenario; for
each disruption that may or may not happen (a probability strictly between 0 and 1), twice more,
with it certain not to happen (probability 0) and certain to happen (probability 1). All runs use
the same paths and seed, so path ``i`` of every run is the same future but for the one input set
(named random streams, :mod:`energysim.sampling`), and the swing

    swing = mean_i(high_i) - mean_i(low_i)

of the horizon average price is a paired difference, with the paired Monte Carlo standard error
of :func:`energysim.compare.summarise_difference`. An input that cannot reach a series (a diesel
margin for Brent) gives exactly zero.

Limits: inputs are moved one at a time, so interactions (a long disruption that is also large)
are not shown, and a swing depends on the quantiles chosen: P5/P95 gives wider swings than
P10/P90.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .compare import summarise_difference
from .errors import ScenarioError
from .inputwords import input_label
from .runview import period_words, series_label, series_unit_text
from .scenario.loader import LoadedScenario
from .scenario.schema import Scenario
from .variants import quantile_value, scenario_of, uncertain_parameters, with_value

__all__ = ["LEVELS", "DEFAULT_PATHS", "COLUMNS", "Variation", "check_levels", "check_series_names",
           "variations", "tornado_table", "happens_label"]

#: The default low and high quantiles at which an input is fixed (P10, P90).
LEVELS = (0.1, 0.9)
#: Monte Carlo paths per run by default (every input costs two runs).
DEFAULT_PATHS = 20_000
#: The columns of :func:`tornado_table`; outcomes, swing, standard error and base are in the
#: series' own unit (column ``unit``), averages over the horizon, means over the paths.
COLUMNS = ["series", "unit", "key", "label", "kind", "low_level", "high_level", "low_value", "high_value",
           "outcome_low", "outcome_high", "swing", "mc_standard_error", "base"]

#: ``kind`` of a row: an input fixed at two quantiles, or a disruption made certain not to / to happen.
QUANTILE, HAPPENS = "quantile", "happens"


@dataclass(frozen=True)
class Variation:
    """One input moved: its key, how (``kind``), the two values it is fixed at and the two
    scenarios that result."""

    key: str
    kind: str
    low_value: float | dt.date
    high_value: float | dt.date
    low: Scenario
    high: Scenario

    @property
    def label(self) -> str:
        units = {k: f.unit for k, f in self.low.fuels.items()}
        return happens_label(self.key) if self.kind == HAPPENS else input_label(self.key, units)


def happens_label(key: str) -> str:
    """``disruptions[pdvsa_transition].probability`` as a "happens or not" row: "PDVSA transition: happens or not"."""
    return input_label(key).split(":")[0] + ": happens or not"


def check_levels(levels: object, key: str = "levels") -> tuple[float, float]:
    """``levels``: two quantiles ``low < high``, each strictly between 0 and 1."""
    try:
        low, high = (float(x) for x in levels)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ScenarioError.at(None, "levels must be two quantiles (low, high), e.g. (0.1, 0.9)", key=key,
                               given=levels) from None
    if not (0 < low < 1 and 0 < high < 1):
        raise ScenarioError.at(None, "the low and high quantiles must each be strictly between 0 and 1 "
                               "(e.g. 0.1 and 0.9 for P10 and P90)", key=key, given=(low, high))
    if not low < high:
        raise ScenarioError.at(None, "the low quantile must be below the high one (e.g. 0.1 and 0.9)", key=key,
                               given=(low, high))
    return low, high


def check_series_names(scenario: Scenario, series: object, key: str = "series") -> list[str]:
    """The series to report: ``series`` (names the scenario's runs have) or, if None, its price series."""
    names = scenario.series_names()
    if series is None:
        return [s for s in names if s != "net_supply_loss_mbd"]
    if isinstance(series, str) or not isinstance(series, Sequence) or not series:
        raise ScenarioError.at(None, "series must be a list of series names, e.g. ['us_gasoline_usd_per_gal']",
                               key=key, given=series)
    out: list[str] = []
    for s in series:
        if s not in names:
            short = {n.split("_usd_per_")[0].removesuffix("_mbd"): n for n in names}  # "brnt" is close to "brent"
            close = difflib.get_close_matches(str(s), [*names, *short], n=1, cutoff=0.5)
            hint = f"did you mean {short.get(close[0], close[0])!r}?" if close else \
                f"this scenario has: {', '.join(names)}"
            raise ScenarioError.at(None, f"unknown series {s!r}; {hint}", key=key)
        if s not in out:
            out.append(s)
    return out


def _may_happen(dist: Any) -> bool:
    lo, hi = dist.support()
    return bool(hi > 0 and lo < 1)


def variations(scenario: Scenario, levels: tuple[float, float] = LEVELS) -> list[Variation]:
    """Every input moved, as :func:`tornado_table` runs them, each variant checked as a scenario
    file is (before any simulation).

    Raises
    ------
    ScenarioError
        If the scenario has no uncertain input and no disruption that may or may not happen, or
        a variant is not a valid scenario.
    """
    low, high = check_levels(levels)
    origin = scenario.horizon.start
    out = []
    for p in uncertain_parameters(scenario):
        lo_v, hi_v = quantile_value(p, low, origin), quantile_value(p, high, origin)
        out.append(Variation(p.key, QUANTILE, lo_v, hi_v, with_value(scenario, p.key, lo_v),
                             with_value(scenario, p.key, hi_v)))
    for d in scenario.disruptions:
        if _may_happen(d.probability):
            key = f"disruptions[{d.name}].probability"
            out.append(Variation(key, HAPPENS, 0.0, 1.0, with_value(scenario, key, 0.0), with_value(scenario, key, 1.0)))
    if not out:
        raise ScenarioError.at(f"scenario {scenario.name!r}", "has no uncertain inputs: every value is fixed and every "
                               "disruption certain or off, so there is nothing to rank; give a value as a "
                               "distribution (e.g. {dist: uniform, low: 0.2, high: 0.6}) to see its effect")
    return out


def tornado_table(loaded: LoadedScenario | Scenario, series: Sequence[str] | None = None, paths: int = DEFAULT_PATHS,
                  seed: int | None = None, levels: tuple[float, float] = LEVELS,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Per series and input, the horizon average price (mean over paths) with the input at its
    low and at its high setting, the swing high - low with its paired Monte Carlo standard error,
    and the scenario's own (``base``), sorted by the size of the swing, largest first.

    Columns: :data:`COLUMNS`. ``low_level``/``high_level`` are the quantiles (NaN for a
    ``happens`` row, whose values are the probabilities 0 and 1). ``df.attrs`` keeps what a
    chart needs to stand alone: ``scenario``, ``title``, ``metadata`` (of the base run),
    ``series_labels``, ``units``, ``period``, ``levels``, ``paths``, ``seed``, ``footer``, ``fuel_units``.

    ``progress(done, total)`` is called after each run (1 + 2 per input).

    Raises
    ------
    ScenarioError
        For an unknown series, levels not two quantiles low < high in (0, 1), a scenario without
        uncertain inputs, a progress that is not a function, or paths/seed out of range; all checked
        before any simulation.
    """
    from .engine import simulate
    from .texts import provenance_lines

    scenario = scenario_of(loaded, "tornado_table")
    chosen = check_series_names(scenario, series)
    low, high = check_levels(levels)
    if progress is not None and not callable(progress):
        raise ScenarioError.at(None, "progress must be a function progress(done, total), or None", key="progress",
                               given=type(progress).__name__)
    n_seed = scenario.simulation.seed if seed is None else seed
    moves = variations(scenario, (low, high))
    total = 1 + 2 * len(moves)
    done = 0

    def run(sc: LoadedScenario | Scenario) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        nonlocal done
        result = simulate(sc, paths=paths, seed=n_seed, keep_paths=False)
        done += 1
        if progress is not None:
            progress(done, total)
        return result.metadata, {s: result.path_mean[s] for s in chosen}

    meta, base = run(loaded)
    rows: list[dict[str, object]] = []
    for v in moves:
        lo_run, hi_run = run(v.low)[1], run(v.high)[1]
        for s in chosen:
            a, b = lo_run[s], hi_run[s]
            diff = summarise_difference(b - a, a, b)
            rows.append({"series": s, "unit": series_unit_text(s), "key": v.key, "label": v.label, "kind": v.kind,
                         "low_level": low if v.kind == QUANTILE else math.nan,
                         "high_level": high if v.kind == QUANTILE else math.nan,
                         "low_value": v.low_value, "high_value": v.high_value,
                         "outcome_low": float(np.mean(a)), "outcome_high": float(np.mean(b)),
                         "swing": diff["mean_difference"], "mc_standard_error": diff["mc_se_paired"],
                         "base": float(np.mean(base[s]))})
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = {s: k for k, s in enumerate(chosen)}
    table = table.assign(_s=table["series"].map(order), _a=-table["swing"].abs()) \
        .sort_values(["_s", "_a"], kind="stable").drop(columns=["_s", "_a"]).reset_index(drop=True)
    table.attrs = {
        "scenario": scenario.name, "title": scenario.title, "metadata": dict(meta),
        "series_labels": {s: series_label(scenario, s) for s in chosen}, "units": {s: series_unit_text(s) for s in chosen},
        "period": period_words(scenario.horizon.start, scenario.horizon.end), "levels": (low, high),
        "paths": int(meta["paths"]), "seed": int(meta["seed"]), "footer": provenance_lines(meta, scenario),
        "fuel_units": {k: f.unit for k, f in scenario.fuels.items()},
    }
    return table
