"""Readers for the shipped data files (data/), with provenance. The only place that opens them.

Every default that comes from data is read here: the EIA STEO baseline path, world demand and
OPEC spare capacity for January 2026, the fitted parameters in data/calibration.json, and the
retail histories used to start the pump-price paths and to draw the history in charts.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError

__all__ = [
    "data_dir",
    "DATA_VINTAGE",
    "steo_series",
    "steo_releases",
    "steo_brent_path",
    "steo_mean",
    "calibration",
    "weekly_history",
    "brent_weekly",
]

#: Last date covered by the shipped data (see data/SOURCES.md).
DATA_VINTAGE = "2025-12-31"

STEO_FILE = "eia_steo_key_series_monthly.csv"
CALIBRATION_FILE = "calibration.json"


def data_dir() -> Path:
    """The data folder: ``$ENERGYSIM_DATA_DIR`` if set, else ``data/`` at the project root."""
    env = os.environ.get("ENERGYSIM_DATA_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "data"
    if not path.is_dir():
        raise ScenarioError.at(
            str(path), "data folder not found; run from a clone of energysim or set ENERGYSIM_DATA_DIR"
        )
    return path


def _file(name: str) -> Path:
    path = data_dir() / name
    if not path.is_file():
        raise ScenarioError.at(str(path), "shipped data file is missing; restore it from the repository")
    return path


@cache
def _steo() -> pd.DataFrame:
    return pd.read_csv(_file(STEO_FILE), dtype={"release": str, "month": str})


def steo_series(series_id: str, release: str) -> pd.Series:
    """One STEO series of one edition, indexed by month ``YYYY-MM`` [the series' unit]."""
    df = _steo()
    sel = df[(df["series_id"] == series_id) & (df["release"] == release)]
    if sel.empty:
        releases = sorted(df["release"].unique())
        raise ScenarioError.at(
            str(_file(STEO_FILE)),
            f"no STEO series {series_id!r} in edition {release!r}; editions shipped: {', '.join(releases)}",
        )
    return sel.set_index("month")["value"].astype(float).sort_index()


def steo_releases() -> list[str]:
    """The STEO editions (``YYYY-MM``) of the shipped file, oldest first."""
    return sorted(str(r) for r in _steo()["release"].unique())


def steo_brent_path(release: str = "2026-01") -> dict[str, float]:
    """Monthly Brent path [USD/bbl] of one STEO edition: month ``YYYY-MM`` -> price (a new dict
    each call)."""
    return dict(_steo_brent_items(release))


@cache
def _steo_brent_items(release: str) -> tuple[tuple[str, float], ...]:
    """:func:`steo_brent_path`, read once per edition: every validation of a scenario checks that
    the path covers the horizon (about 5 ms a read, where the rest of a validation takes 1 ms)."""
    return tuple((str(k), float(v)) for k, v in steo_series("BREPUUS", release).items())


def steo_mean(series_id: str, release: str, year: str) -> float:
    """Average of a STEO series over the months of ``year`` in one edition."""
    s = steo_series(series_id, release)
    s = s[s.index.str.startswith(year)]
    return float(s.mean())


@cache
def calibration() -> dict[str, Any]:
    """The fitted parameters written by ``energysim calibrate`` (data/calibration.json)."""
    path = _file(CALIBRATION_FILE)
    try:
        result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError.at(str(path), f"calibration file is not valid JSON ({exc}); rerun 'energysim calibrate'") from None
    return result


@cache
def weekly_history(file_name: str) -> pd.Series:
    """A weekly retail series [USD/unit] indexed by date, from a file in the data folder.

    Accepts the shipped EIA layout (``date, price_usd_per_gal``) or any two-column CSV with a
    date column first and a price column second.
    """
    path = data_dir() / file_name
    if not path.is_file():
        raise ScenarioError.at(str(path), "history file not found")
    df = pd.read_csv(path)
    if df.shape[1] < 2:
        raise ScenarioError.at(str(path), "history file needs a date column and a price column")
    dates = pd.to_datetime(df.iloc[:, 0], errors="coerce")
    values = pd.to_numeric(df.iloc[:, 1], errors="coerce")
    ok = dates.notna() & values.notna()
    return pd.Series(values[ok].to_numpy(float), index=pd.DatetimeIndex(dates[ok])).sort_index()


def brent_weekly() -> pd.Series:
    """Weekly average Brent spot [USD/bbl], EIA series RBRTE."""
    return weekly_history("brent-weekly.csv")


def last_value_before(series: pd.Series, date: np.datetime64 | str) -> float | None:
    """Last observation strictly before ``date``, or None if the series starts later."""
    sel = series[series.index < pd.Timestamp(date)]
    return None if sel.empty else float(sel.iloc[-1])
