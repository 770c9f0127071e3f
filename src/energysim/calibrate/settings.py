"""Settings of ``energysim calibrate``: data vintage, windows, hold-out years, bootstrap and
rounding constants, the retail history files, and the location of the shipped data directory."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BRENT_BLOCK_WEEKS", "BRENT_N_BOOT", "BRENT_SEED", "BRENT_SENSITIVITY_WEEKS", "BRENT_START",
    "BRENT_TREND_WEEKS", "DATA_VINTAGE", "FUEL_FILES", "PT_BURN_IN_START", "PT_HAC_LAG_WEEKS",
    "PT_HOLDOUT_YEARS", "PT_RECENT_SENSITIVITY_WEEKS", "PT_RECENT_WEEKS", "PT_ROLLING_YEARS",
    "PT_TAU_BOUNDS_WEEKS", "PT_TRAIN_END_YEAR", "PT_TRAIN_START_YEAR", "SCHEMA_VERSION", "SIG_DIGITS",
    "UNITS_PER_BBL", "data_dir",
]

SCHEMA_VERSION = 1
DATA_VINTAGE = "2025-12-31"

BRENT_START = "2000-01-01"
BRENT_TREND_WEEKS = 104
BRENT_SENSITIVITY_WEEKS = (26, 52, 104, 156)
BRENT_N_BOOT = 400
BRENT_BLOCK_WEEKS = 52
BRENT_SEED = 20260101

PT_BURN_IN_START = "2008-01-01"
PT_TRAIN_START_YEAR = 2010
PT_TRAIN_END_YEAR = 2025
PT_HOLDOUT_YEARS = (2019, 2023, 2025)
PT_TAU_BOUNDS_WEEKS = (0.1, 30.0)
PT_HAC_LAG_WEEKS = 26
PT_RECENT_WEEKS = 104
PT_RECENT_SENSITIVITY_WEEKS = (52, 104)
PT_ROLLING_YEARS = (2019, 2023, 2024, 2025)
UNITS_PER_BBL = 42.0

FUEL_FILES = {
    "us_gasoline": "us_gasoline_regular_weekly.csv",
    "us_diesel": "us_diesel_onhighway_weekly.csv",
}

SIG_DIGITS = 6


def data_dir() -> Path:
    """Directory of the shipped data files (``<project>/data``)."""
    return Path(__file__).resolve().parents[3] / "data"
