"""The time grid of a run, and which months a baseline must cover for it (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

__all__ = ["time_grid", "months_needed", "baseline_gap"]


def time_grid(start: dt.date, end: dt.date, step: str) -> tuple[np.ndarray, np.ndarray]:
    """Step dates and step lengths [days] from ``start`` to ``end`` inclusive."""
    s = np.datetime64(start, "D")
    e = np.datetime64(end, "D")
    if step == "day":
        dates = np.arange(s, e + 1, dtype="datetime64[D]")
        lengths = np.ones(dates.shape[0])
    elif step == "week":
        dates = np.arange(s, e + 1, 7, dtype="datetime64[D]")
        lengths = np.full(dates.shape[0], 7.0)
    else:
        months = np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1, dtype="datetime64[M]")
        day = start.day - 1
        dates = months.astype("datetime64[D]") + np.timedelta64(day, "D")
        dates = dates[(dates >= s) & (dates <= e)]
        prev = np.concatenate([[dates[0] - (dates[1] - dates[0])], dates[:-1]]) if len(dates) > 1 else dates - 30
        lengths = (dates - prev).astype(float)
    return dates, lengths


def months_needed(start: dt.date, end: dt.date, step: str) -> tuple[str, str]:
    """The first and last month (``YYYY-MM``) holding a step date of the horizon."""
    dates, _ = time_grid(start, end, step)
    return str(dates[0].astype("datetime64[M]")), str(dates[-1].astype("datetime64[M]"))


def baseline_gap(months: Iterable[str], start: dt.date, end: dt.date, step: str) -> str | None:
    """Why a monthly baseline (its months ``YYYY-MM``) does not cover the horizon, or None.

    The baseline is interpolated between its months, so only its first and last month count.
    The message quotes the horizon as written (``start`` to ``end``), not the last step date.
    """
    have = sorted(months)
    first, last = months_needed(start, end, step)
    if have[0] <= first and have[-1] >= last:
        return None
    return (f"the baseline covers {have[0]} to {have[-1]}, but the horizon ({start} to {end}) needs every "
            f"month from {first} to {last}")
