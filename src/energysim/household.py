"""Household fuel budget: plain arithmetic on prices from a run (no I/O, no simulation).

For a household that buys ``amount`` units of a fuel each month (e.g. 50 gallons of gasoline):

- monthly cost at a price [USD/unit] = amount [units/month] x price [USD/unit];
- the *typical* month uses the median of the horizon-average price, the *low* and *high* ends
  its 5th and 95th percentiles (9 futures in 10 lie between them);
- the *bad month* uses the 95th percentile of the riskiest month's average price (the month
  where that percentile is highest);
- the *reserve* is what the high case costs over the horizon beyond the no-disruption outlook
  (:mod:`energysim.reference`): (P95 average price - outlook average price) x amount x months,
  never below zero.

The horizon-average price is the average over all steps; a household's spend over the horizon
is amount x months x (average monthly price), which equals it up to the weighting of steps
within months.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FuelBudget", "fuel_budget", "DEFAULT_GASOLINE_GAL_PER_MONTH"]

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
    months: int  # months in the horizon
    reserve: float  # extra spend over the horizon in the high case, vs baseline [USD]

    @property
    def typical_extra_per_month(self) -> float:
        return self.typical_per_month - self.baseline_per_month

    @property
    def high_extra_per_month(self) -> float:
        return self.high_per_month - self.baseline_per_month


def fuel_budget(amount_per_month: float, average_price: dict[float, float], baseline_price: float,
                worst_month_p95_price: float, months: int) -> FuelBudget:
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
    months : int
        Number of calendar months in the horizon (for the reserve).
    """
    if amount_per_month < 0:
        raise ValueError(f"amount_per_month must be >= 0 (given {amount_per_month})")
    a = float(amount_per_month)
    high = a * average_price[0.95]
    base = a * baseline_price
    return FuelBudget(
        amount_per_month=a, baseline_per_month=base, low_per_month=a * average_price[0.05],
        typical_per_month=a * average_price[0.5], high_per_month=high, bad_month=a * worst_month_p95_price,
        months=int(months), reserve=max(0.0, high - base) * months,
    )
