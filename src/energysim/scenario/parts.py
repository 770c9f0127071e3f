"""The parts of a scenario other than its events: horizon, simulation, market (with its baseline
and starting tightness), responses (spare capacity, a stock release), fuels and outputs; with the
base model and the parameter types they share with the events (:mod:`.disruptions`).
:mod:`energysim.scenario.schema` puts them together in ``Scenario`` and exports them.

Units are in the key names at the boundary (``_mbd`` million barrels per day, ``_days``,
``_usd_per_bbl``); fuel prices are in USD per the fuel's own unit (``gal`` or ``litre``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from ..models.tightness import SLACK_MULTIPLIER, TIGHT_MULTIPLIER
from . import defaults
from .distributions import Dist
from .params import Number, OptionalNumber, param

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
UNITS_PER_BBL = {"gal": 42.0, "litre": 158.987294928}
MAX_HORIZON_DAYS = 3 * 366

Probability = param(ge=0, le=1)
NonNegative = param(ge=0)
Positive = param(gt=0)
Any_ = param()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

class Horizon(_Model):
    """The dates simulated."""

    start: dt.date = Field(dt.date(2026, 1, 1), description="First simulated date (YYYY-MM-DD).")
    end: dt.date = Field(dt.date(2026, 12, 31), description="Last simulated date (YYYY-MM-DD), inclusive.")
    step: Literal["day", "week", "month"] = Field(
        "week", description="Time step of the paths; each output date is the first day of the step (a day, 7 days, "
        "a month) whose average it gives.")

    @model_validator(mode="after")
    def _check(self) -> "Horizon":
        if self.end <= self.start:
            raise ValueError(f"end must be after start (given start={self.start}, end={self.end})")
        if (self.end - self.start).days > MAX_HORIZON_DAYS:
            raise ValueError(
                f"horizon longer than {MAX_HORIZON_DAYS} days (given {(self.end - self.start).days} days); "
                "the model is a short-term one: keep it to three years or less"
            )
        if self.step == "month" and (self.end - self.start).days < 60:
            raise ValueError("a monthly step needs a horizon of at least two months")
        return self


class Simulation(_Model):
    """How many Monte Carlo paths and which seed."""

    # strict: true, '100' and 2.0 are refused, not read as 1, 100 and 2
    paths: StrictInt = Field(20_000, ge=1, le=50_000_000, description="Number of Monte Carlo paths.")
    seed: StrictInt = Field(2026, ge=0, le=2**63 - 1, description="Seed of the random streams.")


class Baseline(_Model):
    """The no-disruption crude path: exactly one of the keys (default: the STEO edition)."""

    steo_release: str | None = Field(None, description="EIA STEO edition YYYY-MM of the shipped file.")
    monthly_usd_per_bbl: dict[str, Number] | None = Field(
        None, description="Inline path: month YYYY-MM -> Brent [USD/bbl]."
    )
    csv: str | None = Field(None, description="CSV file (relative to the scenario) with columns month, usd_per_bbl.")
    constant_usd_per_bbl: OptionalNumber = Field(None, gt=0, description="A flat baseline [USD/bbl].")

    @model_validator(mode="after")
    def _one(self) -> "Baseline":
        given = [k for k in ("steo_release", "monthly_usd_per_bbl", "csv", "constant_usd_per_bbl")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of steo_release, monthly_usd_per_bbl, csv, constant_usd_per_bbl"
                + (f" (given: {', '.join(given)})" if given else "")
            )
        if self.monthly_usd_per_bbl is not None:
            if not self.monthly_usd_per_bbl:
                raise ValueError("monthly_usd_per_bbl is empty")
            for month, value in self.monthly_usd_per_bbl.items():
                if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
                    raise ValueError(f"month keys are YYYY-MM (given {month!r})")
                if not value > 0:
                    raise ValueError(f"prices must be positive (given {month}: {value})")
        if self.steo_release is not None and not re.fullmatch(r"\d{4}-\d{2}", self.steo_release):
            raise ValueError(f"steo_release is YYYY-MM (given {self.steo_release!r})")
        return self


def _default_baseline() -> Baseline:
    return Baseline(steo_release=defaults.steo_release)


class Tightness(_Model):
    """The state of the market at the start: how much buffer there is to absorb a loss."""

    inventory_days_vs_normal: Number = Field(
        default_factory=lambda: defaults.inventory_days_vs_normal(), ge=-30, le=30,
        description="World stocks relative to normal [days of world demand]; positive = above normal "
        "(default: the 2025 stock build above its 2022-2024 rate, EIA STEO January 2026).",
    )
    slack_multiplier: Number = Field(
        SLACK_MULTIPLIER, gt=0, le=10,
        description="Multiplier of the loss price with ample buffers (+1...3 % per 1 % lost, docs/references.md §1-2).",
    )
    tight_multiplier: Number = Field(
        TIGHT_MULTIPLIER, gt=0, le=10,
        description="Multiplier of the loss price with buffers exhausted (+6...15 % per 1 % lost); "
        "set both to 1 to switch state dependence off.",
    )

    @model_validator(mode="after")
    def _order(self) -> "Tightness":
        if self.tight_multiplier < self.slack_multiplier:
            raise ValueError(f"tight_multiplier must be at least slack_multiplier (given {self.tight_multiplier} "
                             f"< {self.slack_multiplier})")
        return self


class Market(_Model):
    """World market: baseline, demand, short-term dynamics and elasticities."""

    baseline: Baseline = Field(default_factory=_default_baseline, description="Baseline Brent path.")
    world_demand_mbd: Positive = Field(  # type: ignore[valid-type]
        default_factory=defaults.world_demand_mbd, description="World liquids demand [mb/d]."
    )
    volatility_annual: NonNegative = Field(  # type: ignore[valid-type]
        default_factory=lambda: defaults.brent_dynamics()["volatility_annual"],
        description="Short-term volatility of log Brent [1/sqrt(yr)]; 0 switches the noise off.",
    )
    mean_reversion_per_year: NonNegative = Field(  # type: ignore[valid-type]
        default_factory=lambda: defaults.brent_dynamics()["mean_reversion_per_year"],
        description="Speed at which log Brent reverts to the baseline [1/yr].",
    )
    long_term_volatility_annual: NonNegative = Field(  # type: ignore[valid-type]
        default_factory=lambda: defaults.brent_dynamics()["long_term_volatility_annual"],
        description="Volatility of the long-term random-walk factor of log Brent (Schwartz & Smith 2000) "
        "[1/sqrt(yr)]; 0 switches it off.",
    )
    supply_elasticity: NonNegative = Field(  # type: ignore[valid-type]
        default_factory=lambda: defaults.elasticity("supply"), description="Short-run supply elasticity [-]."
    )
    demand_elasticity: param(le=0) = Field(  # type: ignore[valid-type]
        default_factory=lambda: defaults.elasticity("demand"), description="Short-run demand elasticity [-], negative."
    )
    tightness: Tightness = Field(default_factory=Tightness, description="Starting market tightness.")

    @model_validator(mode="after")
    def _elasticities(self) -> "Market":
        supply: Dist = self.supply_elasticity
        demand: Dist = self.demand_elasticity
        if supply.support()[0] - demand.support()[1] <= 0:
            raise ValueError("supply_elasticity - demand_elasticity must be positive on every draw")
        return self


class SpareCapacity(_Model):
    """OPEC+ spare capacity that responds to a net loss, with a lag, and can run out."""

    available_mbd: NonNegative = Field(  # type: ignore[valid-type]
        default_factory=defaults.spare_capacity_mbd, description="Spare capacity that could be brought on [mb/d]."
    )
    lag_days: NonNegative = Field(  # type: ignore[valid-type]
        {"dist": "triangular", "low": 30, "mode": 60, "high": 90},
        description="Days before spare capacity answers a loss.",
    )
    share: Probability = Field(  # type: ignore[valid-type]
        {"dist": "uniform", "low": 0.3, "high": 0.8},
        description="Share of the gross loss (lag_days earlier) that spare capacity replaces [0-1].",
    )


class StockRelease(_Model):
    """A strategic stock release (SPR / IEA collective action)."""

    trigger_net_loss_mbd: OptionalNumber = Field(
        1.5, gt=0, description="Release when the net loss reaches this [mb/d]; null to disable."
    )
    trigger_price_usd_per_bbl: OptionalNumber = Field(
        None, gt=0, description="Release when Brent reaches this [USD/bbl]; null to disable."
    )
    rate_mbd: Positive = Field(  # type: ignore[valid-type]
        {"dist": "uniform", "low": 1.0, "high": 2.0}, description="Release rate [mb/d]."
    )
    total_mb: Positive = Field(  # type: ignore[valid-type]
        {"dist": "choice", "values": [60, 120, 180]}, description="Total volume [million bbl]."
    )
    lag_days: NonNegative = Field(  # type: ignore[valid-type]
        13.0, description="Days from trigger to barrels on the market (about 13 days for the US SPR, references §4)."
    )


class Responses(_Model):
    spare_capacity: SpareCapacity = Field(default_factory=SpareCapacity)
    stock_release: StockRelease | None = Field(default_factory=StockRelease)


class CrackSpread(_Model):
    """Variability of the refining margin around its mean, in USD per fuel unit."""

    sd: Number = Field(ge=0, description="Stationary standard deviation [USD/unit]; 0 switches it off.")
    reversion_per_year: Number = Field(gt=0, description="Speed of reversion to the mean [1/yr].")
    per_mbd_loss: Any_ = Field(  # type: ignore[valid-type]
        0.0,
        description="Extra crack spread per mb/d of net crude loss [USD/unit per mb/d] (e.g. heavy-sour diesel).",
    )


class Fuel(_Model):
    """A retail fuel market: taxes, margins, pass-through and thresholds. Data, not code."""

    label: str = Field(description="Name shown in charts and tables.")
    unit: Literal["gal", "litre"] = Field("gal", description="Retail unit.")
    taxes: Number = Field(ge=0, description="Taxes per unit [USD/unit].")
    margin_and_crack: Number = Field(description="Distribution, marketing and mean refining margin [USD/unit].")
    slope: Number = Field(gt=0, le=3, description="Share of a crude move per unit reaching retail [-].")
    tau_up_weeks: Number = Field(ge=0, le=52, description="Catch-up time constant for rising crude [weeks].")
    tau_down_weeks: Number = Field(ge=0, le=52, description="Catch-up time constant for falling crude [weeks].")
    crack_spread: CrackSpread
    history_file: str | None = Field(None, description="Weekly retail history in data/ (date, price).")
    start_price: OptionalNumber = Field(
        None, gt=0, description="Retail price before the horizon [USD/unit]; default: last in history_file."
    )
    seasonal: list[Number] = Field(
        default_factory=lambda: [0.0] * 12,
        description="Seasonal offset by calendar month, January first, 12 values [USD/unit] added to the "
        "retail price; the shipped US fuels use the calibrated profile, other fuels default to zeros.",
    )

    @field_validator("seasonal")
    @classmethod
    def _seasonal(cls, v: list[float]) -> list[float]:
        if len(v) != 12:
            raise ValueError(f"seasonal needs exactly 12 values, January to December (given {len(v)})")
        if not all(math.isfinite(x) for x in v):
            raise ValueError(f"seasonal values must be finite numbers (given {v})")
        return [float(x) for x in v]

    @property
    def units_per_bbl(self) -> float:
        return UNITS_PER_BBL[self.unit]


def _default_thresholds() -> dict[str, list[float]]:
    # Round numbers a household reads as a "price shock" line; not model parameters.
    return {
        "brent_usd_per_bbl": [80.0, 100.0],
        "us_gasoline_usd_per_gal": [4.0, 5.0],
        "us_diesel_usd_per_gal": [5.0, 6.0],
    }


class Outputs(_Model):
    quantiles: list[Number] = Field(
        default_factory=lambda: [0.05, 0.25, 0.5, 0.75, 0.95],
        description="Quantiles reported at every date [0-1].",
    )
    thresholds: dict[str, list[Number]] = Field(
        default_factory=_default_thresholds,
        description="Series name -> price levels whose crossing is reported; a series not given keeps its default "
        "levels (those of a fuel that is removed or sold in another unit are dropped), [] reports none for it.",
    )

    @field_validator("quantiles")
    @classmethod
    def _q(cls, v: list[float]) -> list[float]:
        if not v:
            raise ValueError("give at least one quantile")
        if any(not 0 < q < 1 for q in v):
            raise ValueError(f"quantiles must lie strictly between 0 and 1 (given {v})")
        return sorted(set(float(q) for q in v))

    @field_validator("thresholds")
    @classmethod
    def _t(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for series, levels in v.items():
            if any(not x > 0 for x in levels):
                raise ValueError(f"thresholds must be positive prices (given {series}: {levels})")
        return {k: sorted(set(map(float, levels))) for k, levels in v.items()}
