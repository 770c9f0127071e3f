"""Reading and aligning the shipped CSV files for the calibration: price series with checks,
weekly Friday closes from the daily Brent, retail prices aligned with the Brent of the Friday
before, and the mask of a recent window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .settings import DATA_VINTAGE, PT_BURN_IN_START

# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _read_series(path: Path, date_col: str, value_col: str) -> pd.Series:
    if not path.is_file():
        raise FileNotFoundError(f"calibrate: data file not found: {path}")
    df = pd.read_csv(path, parse_dates=[date_col])
    missing = {date_col, value_col} - set(df.columns)
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {sorted(missing)}; expected {date_col!r} and "
            f"{value_col!r}, found {list(df.columns)}"
        )
    s = df.set_index(date_col)[value_col].astype("float64").dropna().sort_index()
    if not s.index.is_unique:
        raise ValueError(f"{path}: duplicate dates in column {date_col!r}")
    if (s <= 0).any():
        raise ValueError(f"{path}: non-positive prices in column {value_col!r}")
    return s


def _weekly_friday_close(daily: pd.Series, end: str) -> pd.Series:
    """Last trading-day price of each Friday-ending week, labelled by that Friday."""
    weekly = daily.resample("W-FRI").last().dropna()
    return weekly[weekly.index <= pd.Timestamp(end)]


def _aligned_fuel(ddir: Path, fuel_file: str) -> pd.DataFrame:
    retail = _read_series(ddir / fuel_file, "date", "price_usd_per_gal")
    brent_w = _read_series(ddir / "brent-weekly.csv", "Date", "Price")
    df = pd.DataFrame({"retail_usd_per_gal": retail})
    df = df[(df.index >= pd.Timestamp(PT_BURN_IN_START)) & (df.index <= pd.Timestamp(DATA_VINTAGE))]
    fridays = pd.DatetimeIndex(df.index) - pd.Timedelta(days=3)
    df["brent_usd_per_bbl"] = brent_w.reindex(fridays).to_numpy()
    missing = df.index[df["brent_usd_per_bbl"].isna()]
    if len(missing):
        raise ValueError(
            f"brent-weekly.csv: no weekly Brent for the Friday before retail dates "
            f"{[d.strftime('%Y-%m-%d') for d in missing[:5]]}"
        )
    return df


def _recent_mask(dates: pd.DatetimeIndex, before: str, weeks: int) -> np.ndarray:
    """The last ``weeks`` rows dated before ``before``."""
    idx = np.flatnonzero(dates < pd.Timestamp(before))
    mask = np.zeros(dates.size, dtype=bool)
    mask[idx[-weeks:]] = True
    return mask

