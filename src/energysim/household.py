"""Household fuel budget: plain arithmetic on prices from a run (no I/O, no simulation).

For a household that buys ``amount`` units of a fuel each month (e.g. 50 gallons of gasoline):

- monthly cost at a price [USD/unit] = amount [units/month] x price [USD/unit];
- the *typical* month uses the median of the horizon-average price, the *low* and *high* ends
  its 5th and 95th percentiles (9 futures in 10 lie between them);
- the *bad month* uses the 95th percentile of the riskiest month's average price (the month
  where that percentile is highest);
- the *reserve against higher prices* is what the high case costs over the horizon beyond the
  no-disruption outlook (:mod:`energysim.reference`): (P95 average price - outlook average
  price) x amount x months, never below zero. Most of it is the market's ordinary ups and downs,
  which are there without any disruption;
- the *same reserve without the scenario* is that figure for the futures without the scenario's
  disruptions and incidents (their P95 average price instead of the run's), and the reserve's
  *share added by the scenario* the difference of the two (negative when the scenario lowers the
  high case). The two runs share their market noise path by path, so the difference is the
  scenario's, not Monte Carlo noise;
- *months* counts the horizon in calendar months, a partly covered month as the share of its
  days inside the horizon (1 to 20 March: 20/31 of a month), so a short horizon's amounts are
  pro-rated to its length.

The horizon-average price is the average over all steps; a household's spend over the horizon
is amount x months x (average monthly price), which equals it up to the weighting of steps
within months.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass

__all__ = ["FuelBudget", "fuel_budget", "horizon_months", "DEFAULT_GASOLINE_GAL_PER_MONTH"]

#: Default gasoline use of a household [gal/month] (the issue's planning default: about two
#: cars' worth of commuting; users set their own with --gasoline-gal-per-month).
DEFAULT_GASOLINE_GAL_PER_MONTH = 50.0


@dataclass(frozen=True)
class FuelBudget:
    """Monthly cost of one fuel for one household [USD/month], and a reserve [USD]."""

    amount_per_month: float  # [units/month]
    baseline_per_month: float  # at the baseline average price
    low_per_month: float  # at the P5 of the horizon-average price
    typical_per_month: float  # at the P50
    high_per_month: float  # at the P95
    bad_month: float  # at the P95 of the riskiest month's average price
    months: float  # calendar months in the horizon, a partly covered month pro rata
    reserve: float  # extra spend over the horizon in the high case, vs baseline [USD]
    reserve_without_scenario: float  # the same for the futures without the scenario's events [USD]

    @property
    def reserve_added_by_scenario(self) -> float:
        """The reserve's share due to the scenario's disruptions and incidents [USD] (may be < 0)."""
        return self.reserve - self.reserve_without_scenario

    @property
    def typical_extra_per_month(self) -> float:
        return self.typical_per_month - self.baseline_per_month

    @property
    def high_extra_per_month(self) -> float:
        return self.high_per_month - self.baseline_per_month


def horizon_months(start: dt.date, end: dt.date) -> float:
    """Calendar months from ``start`` to ``end`` (inclusive): each month counted as the share
    of its days inside the range, e.g. 12.0 for a calendar year, 20/31 for 1-20 March."""
    total = 0.0
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        days = monthrange(y, m)[1]
        first = max(start, dt.date(y, m, 1))
        last = min(end, dt.date(y, m, days))
        total += ((last - first).days + 1) / days
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return total


def fuel_budget(amount_per_month: float, average_price: dict[float, float], baseline_price: float,
                worst_month_p95_price: float, months: float,
                baseline_p95_price: float | None = None) -> FuelBudget:
    """Monthly fuel cost range against the baseline.

    Parameters
    ----------
    amount_per_month : float
        Fuel bought per month [gal or litre per month], >= 0.
    average_price : dict
        Quantiles of the horizon-average price with keys 0.05, 0.5, 0.95 [USD/unit].
    baseline_price : float
        Average price of the no-disruption outlook [USD/unit].
    worst_month_p95_price : float
        95th percentile of the average price in the riskiest month [USD/unit].
    months : float
        Calendar months in the horizon (:func:`horizon_months`; for the reserves).
    baseline_p95_price : float, optional
        95th percentile of the horizon-average price of the futures without the scenario's
        events [USD/unit]; by default the run's own (a scenario without events).
    """
    if amount_per_month < 0:
        raise ValueError(f"amount_per_month must be >= 0 (given {amount_per_month})")
    a = float(amount_per_month)
    high = a * average_price[0.95]
    base = a * baseline_price
    calm_high = high if baseline_p95_price is None else a * baseline_p95_price
    return FuelBudget(
        amount_per_month=a, baseline_per_month=base, low_per_month=a * average_price[0.05],
        typical_per_month=a * average_price[0.5], high_per_month=high, bad_month=a * worst_month_p95_price,
        months=float(months), reserve=max(0.0, high - base) * months,
        reserve_without_scenario=max(0.0, calm_high - base) * months,
    )
