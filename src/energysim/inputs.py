"""From a validated scenario to the arrays the engine needs: time grid, baseline, start values.

This is the I/O side of a run (it reads the STEO baseline, CSV baselines and the retail
histories); the engine itself only sees the :class:`RunInputs` it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import data
from .scenario import defaults
from .errors import ScenarioError
from .models.retail import seasonal_offset
from .scenario.loader import LoadedScenario, validate_scenario
from .scenario.schema import Baseline, Horizon, Scenario, fuel_series
from .timegrid import baseline_gap, month_middles, step_ends, step_middles, time_grid

__all__ = ["RunInputs", "FuelStart", "time_grid", "build_inputs", "baseline_monthly", "baseline_path",
           "read_baseline_csv"]

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class FuelStart:
    series: str
    start_price: float
    history: pd.Series = field(repr=False)
    #: The taxes [USD/unit] inside ``start_price``: those in force when it was observed (the
    #: shipped ones for a shipped fuel per gallon), or the fuel's own when the model made it.
    start_taxes: float = 0.0


def taxes_in_observed_price(key: str, fuel: Any) -> float:
    """The taxes [USD/unit] inside an observed price of a fuel: for a shipped fuel priced per
    gallon from its shipped history, the taxes in force (the shipped ones,
    ``defaults.TAXES_USD_PER_GAL``); otherwise the fuel's own. A scenario's ``taxes`` that differ
    from them are a tax change from the horizon's first day (docs/model.md §6)."""
    shipped = defaults.TAXES_USD_PER_GAL.get(key)
    if shipped is None or fuel.unit != "gal" or fuel.history_file != defaults.fuel_defaults(key)["history_file"]:
        return float(fuel.taxes)
    return float(shipped)


@dataclass(frozen=True)
class RunInputs:
    """Everything a run needs besides the scenario's parameters; plain arrays."""

    dates: np.ndarray  # datetime64[D], shape (steps,): each step's first day
    t_days: np.ndarray  # days since horizon start (00:00) at each step end: (date - start) + length
    step_days: np.ndarray  # length of each step [days]
    baseline_usd_per_bbl: np.ndarray  # shape (steps,), at each step's middle day
    brent_before_usd_per_bbl: float  # last Brent before the horizon (for pass-through state)
    fuels: dict[str, FuelStart]
    brent_history: pd.Series = field(repr=False)

    @property
    def dt_years(self) -> np.ndarray:
        return self.step_days / DAYS_PER_YEAR

    @property
    def middle_days(self) -> np.ndarray:
        """The middle day of each step, a day number (:func:`energysim.timegrid.step_middles`)."""
        return step_middles(self.dates, self.step_days)

    @property
    def n_steps(self) -> int:
        return int(self.dates.shape[0])


MAX_CSV_BYTES = 1_000_000  # a monthly baseline is a few hundred bytes a year


def read_baseline_csv(path: Path, file: str, line: int | None = None, given: str | None = None) -> dict[str, float]:
    """Read a baseline CSV (columns ``month`` YYYY-MM and ``usd_per_bbl``) into month -> price.

    ``file`` and ``line`` locate the scenario key naming the CSV, ``given`` is its value as
    written there (``path`` is that value resolved against the scenario's folder).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, a folder, wrong columns, a bad month or price (with the CSV
        line), a repeated month, or a gap between the first and the last month.
    """
    key = "market.baseline.csv"
    shown = given if given is not None else str(path)
    if path.is_dir():
        raise ScenarioError.at(file, f"baseline CSV is a folder, not a file: {path}; name a .csv file",
                               line=line, key=key, given=shown)
    if not path.is_file():
        raise ScenarioError.at(file, f"baseline CSV not found: {path}", line=line, key=key, given=shown)
    if path.stat().st_size > MAX_CSV_BYTES:
        raise ScenarioError.at(str(path), f"baseline CSV too large (over {MAX_CSV_BYTES:,} bytes)", key=key)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise ScenarioError.at(str(path), f"cannot read baseline CSV: {reason}", key=key) from None
    df.columns = [str(c).strip() for c in df.columns]
    need = ["month", "usd_per_bbl"]
    if not set(need) <= set(df.columns):
        raise ScenarioError.at(
            str(path), "baseline CSV needs the columns month, usd_per_bbl", line=1, key=key,
            given=", ".join(map(str, df.columns)),
        )
    if df.empty:
        raise ScenarioError.at(str(path), "baseline CSV has no rows", key=key)
    months = df["month"].astype(str).str.strip()
    values = pd.to_numeric(df["usd_per_bbl"].str.strip(), errors="coerce")
    for i, (month, raw, value) in enumerate(zip(months, df["usd_per_bbl"], values)):
        row = i + 2  # line in the file: the header is line 1
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise ScenarioError.at(str(path), "month must be YYYY-MM", line=row, key=key, given=month)
        if not (np.isfinite(value) and value > 0):
            raise ScenarioError.at(str(path), "usd_per_bbl must be a positive number", line=row, key=key, given=raw)
    repeated = months[months.duplicated()]
    if len(repeated):
        row = int(repeated.index[0]) + 2
        raise ScenarioError.at(str(path), "month appears twice", line=row, key=key, given=repeated.iloc[0])
    idx = pd.PeriodIndex(months, freq="M")
    missing = sorted(set(pd.period_range(idx.min(), idx.max(), freq="M")) - set(idx))
    if missing:
        raise ScenarioError.at(
            str(path), "baseline CSV has gaps: every month between the first and last is needed", key=key,
            given=f"missing {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""),
        )
    return dict(zip(months, values.astype(float)))


def baseline_monthly(baseline: Baseline, base_dir: Path, file: str) -> dict[str, float]:
    """The baseline's monthly Brent path [USD/bbl], month ``YYYY-MM`` -> price (reads files);
    a constant baseline has none (empty)."""
    if baseline.constant_usd_per_bbl is not None:
        return {}
    if baseline.steo_release is not None:
        return data.steo_brent_path(baseline.steo_release)
    if baseline.csv is not None:
        return read_baseline_csv(base_dir / baseline.csv, file, given=baseline.csv)
    assert baseline.monthly_usd_per_bbl is not None
    return dict(baseline.monthly_usd_per_bbl)


def baseline_path(baseline: Baseline, horizon: Horizon, days: np.ndarray, base_dir: Path, file: str) -> np.ndarray:
    """Baseline Brent [USD/bbl] at each day number ``days`` (days since 1970-01-01, maybe
    fractional; the steps' middle days): log-linear between the months' middle days, flat
    beyond the ends, so a monthly step over a calendar month gets that month's value.

    The loader already refused a baseline that does not cover the horizon (with the scenario's
    key and line); the check here covers a :class:`Scenario` built in Python with a CSV baseline.
    """
    if baseline.constant_usd_per_bbl is not None:
        return np.full(days.shape[0], float(baseline.constant_usd_per_bbl))
    monthly = baseline_monthly(baseline, base_dir, file)
    gap = baseline_gap(monthly, horizon.start, horizon.end, horizon.step)
    if gap is not None:
        raise ScenarioError.at(file, gap, key="market.baseline")
    months = sorted(monthly)
    logv = np.log([monthly[m] for m in months])
    return np.exp(np.interp(np.asarray(days, float), month_middles(months), logv))


def build_inputs(loaded: LoadedScenario | Scenario) -> RunInputs:
    """Resolve a scenario's data-dependent inputs (reads files).

    The scenario is validated again first (:func:`energysim.scenario.validate_scenario`, about
    1 ms), as one changed with ``model_copy`` was not.

    Raises
    ------
    ScenarioError
        A scenario that breaks a rule of the format, or a baseline that cannot be read or does
        not cover the horizon.
    """
    if isinstance(loaded, Scenario):
        scenario, base_dir, file = loaded, Path.cwd(), "<scenario>"
    else:
        scenario, base_dir, file = loaded.scenario, loaded.base_dir, str(loaded.path)
    scenario = validate_scenario(scenario)
    if not isinstance(loaded, Scenario):
        declared = loaded.origins.get(("market", "baseline", "csv"))
        if declared is not None:  # relative to the file that names it, which may be a parent
            base_dir = Path(declared[0]).parent
    h = scenario.horizon
    dates, lengths = time_grid(h.start, h.end, h.step)
    t_days = step_ends(h.start, dates, lengths)
    base = baseline_path(scenario.market.baseline, h, step_middles(dates, lengths), base_dir, file)
    brent_hist = data.brent_weekly()
    before = data.last_value_before(brent_hist, str(h.start))
    if before is None or (pd.Timestamp(h.start) - brent_hist.index[brent_hist.index < pd.Timestamp(h.start)][-1]).days > 45:
        before = float(base[0])
    fuels: dict[str, FuelStart] = {}
    for key, fuel in scenario.fuels.items():
        hist = data.weekly_history(fuel.history_file) if fuel.history_file else pd.Series(dtype=float)
        start = fuel.start_price
        if start is None and not hist.empty:
            prior = hist[hist.index < pd.Timestamp(h.start)]
            if not prior.empty and (pd.Timestamp(h.start) - prior.index[-1]).days <= 45:
                start = float(prior.iloc[-1])
        taxes = taxes_in_observed_price(key, fuel)
        if start is None:  # no observation: the model's own price, with the scenario's taxes
            season0 = float(seasonal_offset(fuel.seasonal, np.array([np.datetime64(h.start, "D") - 1]))[0])
            start = fuel.taxes + fuel.margin_and_crack + season0 + fuel.slope * before / fuel.units_per_bbl
            taxes = float(fuel.taxes)
        fuels[key] = FuelStart(series=fuel_series(key, fuel), start_price=float(start), history=hist,
                               start_taxes=taxes)
    return RunInputs(dates=dates, t_days=t_days, step_days=lengths, baseline_usd_per_bbl=base,
                     brent_before_usd_per_bbl=float(before), fuels=fuels, brent_history=brent_hist)
