"""Scenario sweeps: how the horizon's average price moves as one or two assumptions move over a range.

Each variant is the scenario with the swept keys set to fixed values
(:func:`energysim.variants.with_value`, validated as a scenario file is), simulated on the same
paths and seed as the scenario as written. Inputs are drawn from named streams
(:mod:`energysim.sampling`), so path ``i`` of a variant is path ``i`` of the scenario as
written with only the swept values changed: the difference of the horizon averages, path by
path, is paired (common random numbers) and its Monte Carlo error is that of the difference
itself (:func:`energysim.compare.summarise_difference`).

Nothing here reads or writes files (see :mod:`energysim.cli_sweep`) or draws
(:mod:`energysim.charts_sweep`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .compare import summarise_difference
from .errors import ScenarioError
from .results import SimulationResult
from .runview import series_unit_text
from .scenario import LoadedScenario, Scenario
from .sweep_options import MAX_VARIANTS, Value, parse_values, variant_grid
from .variants import Parameter, is_date_key, key_path, quantile_value, scenario_of, value_at, with_value

__all__ = ["sweep_variants", "sweep_table", "key_words", "key_label", "words_of", "written_value"]

#: Keys a sweep does not set: every variant runs on the paths, seed and horizon of the scenario
#: as written (the differences are paired path by path, date by date).
_FIXED_PREFIXES = ("horizon.", "simulation.")

#: Words for the last part of a key (its field), with its unit; fields not listed are spelled
#: out from their names (``ramp_up_days`` -> "ramp up (days)").
_FIELD_WORDS = {
    "volume_mbd": ("volume lost", "mb/d"),
    "probability": ("probability", ""),
    "start": ("start date", ""),
    "end": ("end date", ""),
    "risk_premium.peak_pct": ("peak risk premium", "%"),
    "risk_premium.half_life_days": ("risk premium half-life", "days"),
    "risk_premium.lead_days": ("risk premium lead", "days"),
    "rate_per_year": ("incidents", "per year"),
    "window.start": ("window start", ""),
    "window.end": ("window end", ""),
    "crack_spread.sd": ("crack spread volatility", "USD/gal"),
    "crack_spread.per_mbd_loss": ("crack spread per mb/d lost", "USD/gal per mb/d"),
    "crack_spread.reversion_per_year": ("crack spread reversion", "per year"),
    "taxes": ("taxes", "USD/gal"),
    "margin_and_crack": ("margin and crack", "USD/gal"),
    "tau_up_weeks": ("pass-through of rises", "weeks"),
    "tau_down_weeks": ("pass-through of falls", "weeks"),
    "total_mb": ("total", "mb"),
    "world_demand_mbd": ("world demand", "mb/d"),
    "volatility_annual": ("annual volatility", ""),
    "long_term_volatility_annual": ("long-term annual volatility", ""),
}
_UNIT_SUFFIXES = (("_mbd", "mb/d"), ("_days", "days"), ("_weeks", "weeks"), ("_pct", "%"), ("_per_year", "per year"),
                  ("_mb", "mb"))
_ACRONYMS = {"us", "pdvsa", "opec", "spr", "eu", "uk", "lng", "iea", "uae", "ny", "usgc", "wti"}


def _words(name: str) -> str:
    return " ".join(w.upper() if w in _ACRONYMS else w for w in name.split("_"))


def key_words(key: str, fuel_unit: str = "gal") -> tuple[str, str]:
    """A key in words and its unit: ``disruptions[pdvsa_transition].volume_mbd`` ->
    ("PDVSA transition: volume lost", "mb/d"); ``market.supply_elasticity`` ->
    ("Market: supply elasticity", ""). A fuel's prices are per ``fuel_unit`` (``gal`` or ``litre``)."""
    m = re.fullmatch(r"(\w+)\[([^\]]+)\]\.(.+)", key)
    if m:
        owner, field = m.group(2), m.group(3)
    else:
        head, _, rest = key.partition(".")
        if head in ("fuels", "responses") and "." in rest:  # a fuel or a response names the value's owner
            owner, _, field = rest.partition(".")
        else:
            owner, field = head, rest
    if field in _FIELD_WORDS:
        name, unit = _FIELD_WORDS[field]
    else:
        last = field.rsplit(".", 1)[-1]
        unit = next((u for suffix, u in _UNIT_SUFFIXES if last.endswith(suffix)), "")
        stem = next((last[: -len(s)] for s, u in _UNIT_SUFFIXES if last.endswith(s)), last)
        name = " ".join(_words(p) for p in field.rsplit(".", 1)[:-1]) + (" " if "." in field else "") + _words(stem)
    if key.startswith("fuels."):
        unit = unit.replace("USD/gal", f"USD/{fuel_unit}")
    owner_words = _words(owner)
    return f"{owner_words[:1].upper()}{owner_words[1:]}: {name}", unit


def words_of(table: pd.DataFrame, key: str) -> tuple[str, str]:
    """The words and unit of a swept key as :func:`sweep_table` stored them (in the fuel's own unit)."""
    stored = table.attrs.get("key_words", {}).get(key)
    return (str(stored[0]), str(stored[1])) if stored else key_words(key)


def key_label(key: str, fuel_unit: str = "gal") -> str:
    """A key in words with its unit in brackets: "PDVSA transition: volume lost (mb/d)"."""
    name, unit = key_words(key, fuel_unit)
    return f"{name} ({unit})" if unit else name


def written_value(scenario: Scenario, key: str) -> dict[str, Any]:
    """What the scenario as written says of ``key``: ``{"value": v}`` for a fixed value, or
    ``{"p05": lo, "p50": mid, "p95": hi}`` for a distribution (its 5th, 50th and 95th percentiles)."""
    value = value_at(scenario, key)
    if getattr(value, "dist", None) == "fixed":
        return {"value": value.value}
    if hasattr(value, "dist"):
        origin = scenario.horizon.start
        lo, mid, hi = (quantile_value(Parameter(key, (), value), q, origin) for q in (0.05, 0.5, 0.95))
        return {"p05": lo, "p50": mid, "p95": hi}
    return {"value": value}


def _values_of(scenario: Scenario, key: str, given: object) -> list[Value]:
    """The values of ``key``: a text as ``--set`` takes it, or a list of numbers (dates for a date key)."""
    date = is_date_key(scenario, key)
    if isinstance(given, str):
        return parse_values(key, given, date)
    if not isinstance(given, (Sequence, np.ndarray)) or isinstance(given, bytes):
        given = [given]
    out: list[Value] = []
    for v in given:
        if isinstance(v, str):  # one value or range as --set writes it
            out.extend(parse_values(key, v, date))
            continue
        ok = isinstance(v, dt.date) if date else (isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                                                   and math.isfinite(float(v)))
        if not ok:
            kind = "a date (datetime.date or YYYY-MM-DD)" if date else "a finite number"
            raise ScenarioError.at(None, f"{key}: each value must be {kind}", key="--set", given=v)
        out.append(v if date else float(v))  # type: ignore[arg-type]
    return out


def sweep_variants(loaded: LoadedScenario | Scenario, values: Mapping[str, object],
                   cap: int = MAX_VARIANTS) -> list[tuple[dict[str, Value], Scenario]]:
    """Every combination of the swept values with its scenario, all checked before any
    simulation.

    ``values`` maps a key (as the report's assumptions table names it) to its values: a list,
    or a text as ``--set`` takes it (``"0.2,0.4"``, ``"0.2:0.8:4"``, ``"2026-02-01,2026-05-01"``).

    Raises
    ------
    ScenarioError
        For an unknown key (with the closest one), a horizon or simulation key, a value the key
        cannot take (the scenario's own rule, naming the key and the value), or more than
        ``cap`` combinations.
    """
    scenario = scenario_of(loaded, "a sweep")
    if not isinstance(values, Mapping) or not values:
        raise ScenarioError.at(None, "a sweep needs at least one key and its values, e.g. "
                               "{'market.supply_elasticity': [0.0, 0.05, 0.1]}", key="--set")
    parsed: dict[str, list[Value]] = {}
    for key, given in values.items():
        try:
            key_path(scenario, key)
        except ScenarioError as exc:  # an unknown key: "did you mean", blamed on the option
            raise ScenarioError.at(None, exc.problems[0].rule, key="--set") from None
        if key.startswith(_FIXED_PREFIXES):
            raise ScenarioError.at(None, f"{key} cannot be swept: every variant runs on the horizon, paths and seed "
                                   "of the scenario as written (use --paths and --seed)", key="--set")
        parsed[key] = _values_of(scenario, key, given)
        for v in parsed[key]:  # each value on its own first: the message names the value that is refused
            with_value(scenario, key, v)
    out = []
    for combo in variant_grid(parsed, cap):
        variant = scenario
        for key, v in combo.items():
            variant = with_value(variant, key, v)
        out.append((combo, variant))
    return out


def _rows(result: SimulationResult, base: SimulationResult, series: str) -> dict[str, Any]:
    vals = result.path_mean[series]
    q = result.horizon_mean_quantiles(series)
    month, peak = result.peak_month(series, 0.95)
    unit = series_unit_text(series)
    row: dict[str, Any] = {"series": series, "unit": unit, "avg_p05": q[0.05], "avg_p50": q[0.5],
                           "avg_p95": q[0.95], "avg_mean": float(np.mean(vals)),
                           "avg_mean_mc_se": float(np.std(vals, ddof=1) / math.sqrt(vals.shape[0]))
                           if vals.shape[0] > 1 else 0.0,
                           "riskiest_month": month, "riskiest_month_p95": peak}
    for k, t in enumerate(result.scenario.outputs.thresholds.get(series, []), start=1):
        p, se = result.threshold_probability(series, t)
        row |= {f"threshold_{k}": t, f"p_reach_{k}": p, f"p_reach_{k}_mc_se": se}
    a = base.path_mean[series]
    d = summarise_difference(vals - a, a, vals)
    row |= {"diff_mean": d["mean_difference"], "diff_mc_se_paired": d["mc_se_paired"],
            "diff_mc_se_independent": d["mc_se_independent"]}
    return row


def sweep_table(loaded: LoadedScenario | Scenario, values: Mapping[str, object], paths: int | None = None,
                seed: int | None = None, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Simulate the scenario as written and every variant of the sweep on the same paths and
    seed, and summarise each per series.

    One row per variant and series (the scenario as written first, ``variant`` 0, then the
    variants 1, 2, ...): the swept values (one column per key; the as-written row holds the
    key's fixed value, or nothing for a distribution), the series' unit, the horizon average's
    P5/P50/P95 and mean (with its Monte Carlo standard error), the riskiest month and its P95,
    each threshold with the chance a step's average reaches it (and its error), and the paired
    difference of the horizon average from the scenario as written: its mean over the paths and
    its Monte Carlo standard error (paired, and as independent runs would have it).

    ``paths`` and ``seed`` default to the scenario's. ``progress(done, total)`` is called after
    each run. ``DataFrame.attrs`` holds the keys swept, the scenario as written's value of each
    (:func:`written_value`), the horizon and the run's provenance (for the charts' footer).

    Raises
    ------
    ScenarioError
        As :func:`sweep_variants`, before any simulation.
    """
    from .engine import simulate

    scenario = scenario_of(loaded, "a sweep")
    variants = sweep_variants(scenario, values)
    keys = list(variants[0][0])
    total = len(variants) + 1
    base = simulate(loaded, paths=paths, seed=seed)
    n_paths, n_seed = int(base.metadata["paths"]), int(base.metadata["seed"])
    if progress is not None:
        progress(1, total)
    runs: list[tuple[dict[str, Any], SimulationResult]] = [
        ({k: written_value(scenario, k).get("value", np.nan) for k in keys}, base)]
    for i, (combo, variant) in enumerate(variants, start=2):
        runs.append((dict(combo), simulate(variant, paths=n_paths, seed=n_seed)))
        if progress is not None:
            progress(i, total)
    rows = []
    for number, (combo, result) in enumerate(runs):
        for s in base.series:
            rows.append({"variant": number, **combo, **_rows(result, base, s), "paths": n_paths, "seed": n_seed})
    table = pd.DataFrame(rows)
    h = scenario.horizon
    table.attrs.update({
        "keys": keys, "written": {k: written_value(scenario, k) for k in keys},
        "key_words": {k: key_words(k, _fuel_unit(scenario, k)) for k in keys},
        "horizon": {"start": h.start.isoformat(), "end": h.end.isoformat(), "step": h.step},
        "metadata": dict(base.metadata), "steo_release": scenario.market.baseline.steo_release,
        "labels": {s: _series_label(scenario, s) for s in base.series},
    })
    return table


def _fuel_unit(scenario: Scenario, key: str) -> str:
    """The retail unit of the fuel a ``fuels.<fuel>...`` key belongs to (``gal`` otherwise)."""
    fuel = scenario.fuels.get(key.split(".")[1]) if key.startswith("fuels.") and key.count(".") >= 2 else None
    return fuel.unit if fuel is not None else "gal"


def _series_label(scenario: Scenario, series: str) -> str:
    from .tables import series_label

    return series_label(scenario, series)
