"""The time grid of a run, and which months a baseline must cover for it (pure, no I/O).

A step dated ``D`` covers the days ``[D, D + length)``: a step's date is its first day, and
its values are averages over the step (docs/model.md, "Time grid").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

__all__ = ["time_grid", "step_ends", "step_middles", "step_centres", "month_middles", "months_needed", "baseline_gap"]


def _same_day(months: np.ndarray, day: int) -> np.ndarray:
    """Day ``day`` (0-based) of each month, or the month's last day when it is shorter."""
    first = months.astype("datetime64[D]")
    last = (months + 1).astype("datetime64[D]") - 1
    return np.minimum(first + np.timedelta64(day, "D"), last)


def time_grid(start: dt.date, end: dt.date, step: str) -> tuple[np.ndarray, np.ndarray]:
    """Step dates (each step's first day) and step lengths [days] from ``start`` to ``end``.

    Every day from ``start`` to ``end`` inclusive lies in exactly one step. A daily step is
    its day; a weekly step the 7 days from its date; a monthly step runs from its date to the
    same day of the next month (the month's own length: 31 days for January, 28 for February
    2026), on the day of ``start`` (or the month's last day, for a start on the 29th to the
    31st). The last step keeps its full length, so it may run past ``end`` (up to 6 days for a
    weekly step): a step is never cut short.
    """
    s = np.datetime64(start, "D")
    e = np.datetime64(end, "D")
    if step == "day":
        dates = np.arange(s, e + 1, dtype="datetime64[D]")
        return dates, np.ones(dates.shape[0])
    if step == "week":
        dates = np.arange(s, e + 1, 7, dtype="datetime64[D]")
        return dates, np.full(dates.shape[0], 7.0)
    first, last = np.datetime64(start, "M"), np.datetime64(end, "M")
    bounds = _same_day(np.arange(first, last + 2, dtype="datetime64[M]"), start.day - 1)
    dates = bounds[:-1][bounds[:-1] <= e]
    ends = bounds[1:dates.shape[0] + 1]
    return dates, (ends - dates).astype(float)


def step_ends(start: dt.date, dates: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The end of each step [days since ``start`` at 00:00]: the step dated ``D`` ends at
    ``(D - start) + length`` (the first step ends at its length)."""
    return (dates - np.datetime64(start, "D")).astype(float) + np.asarray(lengths, float)


def step_middles(dates: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The middle day of each step, as a day number (days since 1970-01-01; whole days are
    the days themselves): the day itself for a daily step, the 4th day of a week, the 16th of
    a 31-day month, halfway between the 14th and the 15th of February (14.5)."""
    return dates.astype("datetime64[D]").astype(float) + (np.asarray(lengths, float) - 1.0) / 2.0


def step_centres(dates: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The instant halfway through each step, ``date + length / 2`` (datetime64 in minutes):
    noon of a daily step's day, 12:00 on the 4th day of a week, 00:00 on the 15th of February
    2026, 12:00 on the 16th of a 31-day month. Charts draw a step's average there, the middle of
    the days it averages (:func:`step_middles` is the same point as a day number, whole days
    being the days themselves)."""
    minutes = np.rint(np.asarray(lengths, float) * 720.0).astype("timedelta64[m]")
    return dates.astype("datetime64[m]") + minutes


def month_middles(months: Iterable[str]) -> np.ndarray:
    """The middle day of each month ``YYYY-MM`` as a day number (see :func:`step_middles`):
    a monthly step over that calendar month has the same middle."""
    m = np.array(list(months), dtype="datetime64[M]")
    first = m.astype("datetime64[D]").astype(float)
    last = (m + 1).astype("datetime64[D]").astype(float)
    return (first + last - 1.0) / 2.0


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
