"""The scenario format: typed, frozen pydantic models. The JSON Schema comes from here.

Units are in the key names at the boundary (``_mbd`` million barrels per day, ``_days``,
``_usd_per_bbl``); fuel prices are in USD per the fuel's own unit (``gal`` or ``litre``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .. import data
from ..models.tightness import SLACK_MULTIPLIER, TIGHT_MULTIPLIER
from ..timegrid import baseline_gap
from . import defaults
from .distributions import Dist, Fixed
from .params import DateParam, Number, OptionalNumber, param

__all__ = [
    "Scenario", "Horizon", "Simulation", "Baseline", "Market", "RiskPremium", "Disruption",
    "Hazard", "Window", "SpareCapacity", "StockRelease", "Responses", "CrackSpread", "Fuel",
    "Outputs", "NAME_PATTERN", "UNITS_PER_BBL", "with_removed_fuels", "largest_size", "KB_PER_MB",
]

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
KB_PER_MB = 1000.0  # thousand barrels (kb/d, as many sources quote output) in a million (mb/d, this format)
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


class RiskPremium(_Model):
    """A fear premium on crude that builds before an event and decays after it.

    ``reference`` fills in whatever is not given from a reference drawn from historical
    episodes (docs/model.md §4): ``threat`` (a loss feared before it happens: 2003, 2022) or
    ``surprise_loss`` (a physical loss with no warning: Libya 2011).
    """

    reference: Literal["threat", "surprise_loss"] | None = Field(
        None, description="Episode-based defaults for the keys not given: threat or surprise_loss."
    )
    peak_pct: Any_ | None = Field(  # type: ignore[valid-type]
        None, description="Peak premium on Brent [% of price]; required unless a reference is given."
    )
    lead_days: NonNegative | None = Field(  # type: ignore[valid-type]
        None, description="Days before the start over which it builds (default 0, or the reference's)."
    )
    half_life_days: Positive | None = Field(  # type: ignore[valid-type]
        None, description="Half-life of its decay after the start [days]; required unless a reference is given."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_reference(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("reference") in defaults.PREMIUM_REFERENCES:
            ref = defaults.PREMIUM_REFERENCES[data["reference"]]
            data = {**{k: v for k, v in ref.items() if k != "source"}, **data}
        if isinstance(data, dict) and data.get("lead_days") is None:
            data = {**data, "lead_days": 0}
        return data

    @model_validator(mode="after")
    def _complete(self) -> "RiskPremium":
        missing = [k for k in ("peak_pct", "half_life_days") if getattr(self, k) is None]
        if missing:
            raise ValueError(
                f"give {' and '.join(missing)}, or a reference (threat or surprise_loss) to take them from"
            )
        return self


class Disruption(_Model):
    """One possible supply event: a loss (or gain, if negative) with a shape in time."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique name (lowercase, digits, _ and -).")
    region: str = Field("", description="Where it happens (free text).")
    description: str = Field("", description="What it is, in plain words.")
    probability: Probability = Field(1.0, description="Chance it happens at all [0-1].")  # type: ignore[valid-type]
    start: DateParam = Field(description="Start date, or a distribution over dates.")
    volume_mbd: Any_ = Field(  # type: ignore[valid-type]
        description="Peak volume lost [mb/d]; negative for a supply gain. At most world demand in size; above "
        f"{defaults.LARGEST_LOSS_ON_RECORD_MBD:g} mb/d, the largest loss on record, it is noted as a possible "
        "kb/d slip.")
    duration_days: NonNegative = Field(  # type: ignore[valid-type]
        description="Days at full volume; may be left out for a pure threat (volume_mbd: 0), where it is 0."
    )
    ramp_up_days: NonNegative = Field(0.0, description="Days from start to full volume.")  # type: ignore[valid-type]
    recovery_days: NonNegative = Field(0.0, description="Days from full volume back to zero.")  # type: ignore[valid-type]
    risk_premium: RiskPremium | None = Field(None, description="Optional fear premium.")

    model_config = ConfigDict(json_schema_extra=lambda schema: _duration_optional_for_threat(schema))

    @model_validator(mode="before")
    @classmethod
    def _pure_threat(cls, data: Any) -> Any:
        """A pure threat (a volume of exactly 0, no barrels lost) has no outage to last: its
        ``duration_days`` defaults to 0 (the premium's timing does not depend on it)."""
        if isinstance(data, dict) and "duration_days" not in data and _is_zero(data.get("volume_mbd")):
            data = {**data, "duration_days": 0}
        return data


def _is_zero(value: Any) -> bool:
    """``0`` written as a number or as a fixed distribution (``{dist: fixed, value: 0}``)."""
    if isinstance(value, dict) and value.get("dist") == "fixed" and set(value) == {"dist", "value"}:
        value = value["value"]
    if isinstance(value, Fixed):
        value = value.value
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


_ZERO_VOLUME_SCHEMA = {"anyOf": [
    {"const": 0},
    {"type": "object", "properties": {"dist": {"const": "fixed"}, "value": {"const": 0}}, "required": ["dist", "value"]},
]}


def _duration_optional_for_threat(schema: dict[str, Any]) -> None:
    """JSON Schema of a disruption: ``duration_days`` is required unless ``volume_mbd`` is 0."""
    schema["required"] = [k for k in schema.get("required", []) if k != "duration_days"]
    schema["if"] = {"properties": {"volume_mbd": _ZERO_VOLUME_SCHEMA}}
    schema["else"] = {"required": ["duration_days"]}


class Window(_Model):
    """The dates between which incidents can start."""

    start: dt.date = Field(description="First day an incident can start (YYYY-MM-DD).")
    end: dt.date = Field(description="Last day an incident can start (YYYY-MM-DD); after start.")

    @model_validator(mode="after")
    def _check(self) -> "Window":
        if self.end <= self.start:
            raise ValueError(f"end must be after start (given start={self.start}, end={self.end})")
        return self


class Hazard(_Model):
    """Recurring incidents arriving at a rate per year inside a window (a marked Poisson process)."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique name.")
    region: str = Field("", description="Where the incidents happen.")
    description: str = Field("", description="What they are, in plain words.")
    rate_per_year: NonNegative = Field(description="Expected incidents per year.")  # type: ignore[valid-type]
    window: Window | None = Field(None, description="When incidents can start (default: the horizon).")
    volume_mbd: Any_ = Field(  # type: ignore[valid-type]
        description="Volume lost per incident [mb/d]. At most world demand in size; above "
        f"{defaults.LARGEST_LOSS_ON_RECORD_MBD:g} mb/d, the largest loss on record, it is noted as a possible "
        "kb/d slip.")
    duration_days: NonNegative = Field(description="Length of each incident [days].")  # type: ignore[valid-type]
    risk_premium: RiskPremium | None = Field(None, description="Fear premium per incident.")


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


def _default_fuels() -> dict[str, Any]:
    return {k: defaults.fuel_defaults(k) for k in defaults.DEFAULT_FUELS}


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


class Scenario(_Model):
    """A scenario file, after inheritance (``extends``) is resolved."""

    # (This docstring is the JSON Schema's description. In Python: built by load_scenario or
    # scenario_from_dict; changed with model_copy(update=...), which does not validate, and
    # validated again by simulate() and validate_scenario(); see energysim.scenario.)

    name: str = Field(pattern=NAME_PATTERN, description="Short id: lowercase letters, digits, _ and -.")
    title: str = Field("", description="One line shown on charts.")
    description: str = Field("", description="What the scenario assumes, in plain words.")
    sources: list[str] = Field(default_factory=list, description="Citations for the assumptions.")
    extends: str | None = Field(None, description="Parent scenario file, relative to this one.")
    horizon: Horizon = Field(default_factory=Horizon)
    simulation: Simulation = Field(default_factory=Simulation)
    market: Market = Field(default_factory=Market)
    disruptions: list[Disruption] = Field(default_factory=list)
    hazards: list[Hazard] = Field(default_factory=list)
    responses: Responses = Field(default_factory=Responses)
    fuels: dict[str, Fuel] = Field(default_factory=_default_fuels)
    outputs: Outputs = Field(default_factory=Outputs)

    @model_validator(mode="before")
    @classmethod
    def _threshold_defaults(cls, data: Any) -> Any:
        """Thresholds given merge over the default ones series by series, as fuels do: a file that
        sets gasoline's levels keeps Brent's and diesel's, and ``[]`` reports none for a series.
        A default for a shipped fuel the scenario removes (``null``) or sells in another unit is
        dropped, so removing a fuel never makes its default thresholds name an unknown series."""
        if not isinstance(data, dict):
            return data
        outputs = data.get("outputs", {})
        given = outputs.get("thresholds", {}) if isinstance(outputs, dict) else None
        if not isinstance(given, dict):
            return data  # the schema reports what is wrong with it
        fuels = data.get("fuels", {})
        fuels = fuels if isinstance(fuels, dict) else {}
        present = {"brent_usd_per_bbl"}
        for key in defaults.DEFAULT_FUELS:
            entry = fuels.get(key, {})
            if entry is None:
                continue
            unit = entry.get("unit", defaults.fuel_defaults(key)["unit"]) if isinstance(entry, dict) else None
            present.add(f"{key}_usd_per_{unit}")
        merged: dict[str, Any] = {s: v for s, v in _default_thresholds().items() if s in present}
        merged.update(given)
        return {**data, "outputs": {**(outputs if isinstance(outputs, dict) else {}), "thresholds": merged}}

    @field_validator("fuels", mode="before")
    @classmethod
    def _fuel_defaults(cls, v: Any) -> Any:
        """The shipped US fuels are always there unless set to null; a partial entry for one of
        them is merged over its calibrated defaults."""
        if not isinstance(v, dict):
            return v
        out: dict[str, Any] = {}
        for key in defaults.DEFAULT_FUELS:
            if key in v and v[key] is None:
                continue
            given = v.get(key, {})
            out[key] = _deep_merge(defaults.fuel_defaults(key), given) if isinstance(given, dict) else given
        for key, value in v.items():
            if key not in out and value is not None:
                out[key] = value
        return out

    @field_validator("fuels")
    @classmethod
    def _fuel_keys(cls, v: dict[str, Fuel]) -> dict[str, Fuel]:
        for key in v:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", key):
                raise ValueError(f"fuel keys are lowercase ids like us_gasoline (given {key!r})")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        seen: set[str] = set()
        events: tuple[tuple[str, Sequence[Disruption | Hazard]], ...] = (
            ("disruptions", self.disruptions), ("hazards", self.hazards))
        for kind, items in events:
            for i, item in enumerate(items):
                if item.name in seen:
                    raise _cross((kind, i, "name"), "disruption and hazard names must be unique; "
                                 "this name is used twice", item.name)
                seen.add(item.name)
        known = set(self.series_names())
        for series in self.outputs.thresholds:
            if series not in known:
                near = ([k for k in sorted(known) if str(series).lower() in k]
                        or difflib.get_close_matches(str(series), sorted(known), n=1, cutoff=0.5))
                hint = f"did you mean {near[0]!r}? " if len(near) == 1 else ""
                raise _cross(("outputs", "thresholds", series),
                             f"unknown series; {hint}known: {', '.join(sorted(known))}", series)
        for i, d in enumerate(self.disruptions):
            lo, hi = d.start.bounds()
            if hi < self.horizon.start or lo > self.horizon.end:
                # Decision (docs/errors.md): an error only when no possible start lies inside the
                # horizon; a range that overlaps it is fine (the draws outside simply miss it).
                raise _cross(
                    ("disruptions", i, "start"),
                    f"disruption {d.name!r} cannot start inside the horizon "
                    f"({self.horizon.start} to {self.horizon.end})",
                    str(lo) if lo == hi else f"{lo} to {hi}")
        for i, hz in enumerate(self.hazards):
            w = hz.window
            if w is not None and (w.end < self.horizon.start or w.start > self.horizon.end):
                # as for a disruption's start: no incident could start inside the horizon
                raise _cross(
                    ("hazards", i, "window"),
                    f"hazard {hz.name!r} cannot start inside the horizon ({self.horizon.start} to "
                    f"{self.horizon.end}): its whole window lies outside it",
                    f"{w.start} to {w.end}")
        volumes: list[tuple[tuple[str | int, ...], Dist]] = [
            ((kind, i, "volume_mbd"), item.volume_mbd) for kind, items in events for i, item in enumerate(items)]
        # the responses' flows are in mb/d too: in kb/d, spare capacity would never run out and a
        # release triggered by a loss would never start
        volumes.append((("responses", "spare_capacity", "available_mbd"), self.responses.spare_capacity.available_mbd))
        release = self.responses.stock_release
        if release is not None:
            volumes.append((("responses", "stock_release", "rate_mbd"), release.rate_mbd))
            if release.trigger_net_loss_mbd is not None:
                volumes.append((("responses", "stock_release", "trigger_net_loss_mbd"),
                                Fixed(value=release.trigger_net_loss_mbd)))
        for key_path, volume in volumes:
            rule = _volume_above_demand(volume, self.market.world_demand_mbd)
            if rule is not None:
                raise _cross(key_path, rule, None)
        self._check_baseline()
        return self

    def _check_baseline(self) -> None:
        """A STEO edition must be shipped, and a STEO or inline baseline must cover the horizon
        (a CSV baseline is checked by the loader, which knows the scenario's folder)."""
        b, h = self.market.baseline, self.horizon
        given_baseline = "market" in self.model_fields_set and "baseline" in self.market.model_fields_set
        if b.steo_release is not None:
            shipped = data.steo_releases()
            if b.steo_release not in shipped:
                raise _cross(("market", "baseline", "steo_release"),
                             f"no STEO edition {b.steo_release!r} is shipped; editions shipped: {', '.join(shipped)}",
                             b.steo_release)
            months: list[str] = list(data.steo_brent_path(b.steo_release))
            key: tuple[str, ...] = ("market", "baseline", "steo_release")
        elif b.monthly_usd_per_bbl is not None:
            months, key = list(b.monthly_usd_per_bbl), ("market", "baseline", "monthly_usd_per_bbl")
        else:
            return
        gap = baseline_gap(months, h.start, h.end, h.step)
        if gap is None:
            return
        if b.steo_release is not None:
            gap = gap.replace("the baseline", f"the baseline (STEO edition {b.steo_release})", 1)
        if not given_baseline:  # the default baseline: the horizon is what the user wrote
            raise _cross(("horizon",), gap.replace("the baseline", "the default baseline", 1)
                         + "; give a market.baseline that does", None)
        raise _cross(key, gap, None)

    def series_names(self) -> list[str]:
        """Output series: Brent, one per fuel, and the net supply loss."""
        return (["brent_usd_per_bbl"] + [fuel_series(k, f) for k, f in self.fuels.items()]
                + ["net_supply_loss_mbd"])


def _cross(key_path: tuple[str | int, ...], rule: str, given: Any) -> PydanticCustomError:
    """A cross-field error that names the key it is about (the loader reports that key's line)."""
    return PydanticCustomError("cross_check", "{rule}", {"rule": rule, "key_path": key_path, "given": given})


def largest_size(volume: Dist) -> tuple[float, str]:
    """The value of largest size a volume [mb/d] can take, and how a message says it: its
    largest value in size over its range, or, for a distribution without bounds (a lognormal,
    an untruncated normal), its central value."""
    lo, hi = volume.support()
    if math.isfinite(lo) and math.isfinite(hi):
        value = hi if abs(hi) >= abs(lo) else lo
        return value, (f"{value:g} mb/d" if lo == hi else f"a range reaching {value:g} mb/d")
    value = volume.center()
    return value, f"a central value of {value:g} mb/d"


def _volume_above_demand(volume: Dist, demand: Dist) -> str | None:
    """Why a volume (a disruption's or hazard's, spare capacity, a stock release's rate or
    trigger) cannot be one of this market, or None.

    A volume (lost, or gained if negative) larger in size than the whole world demand is
    physically impossible; it is almost always kb/d written where mb/d is meant. For a
    distribution the largest size in its range counts (an unbounded one, such as a lognormal or an
    untruncated normal, has no largest value: its central value counts instead), and for an
    uncertain world demand, the upper end of its range.
    """
    value, what = largest_size(volume)
    demand_lo, demand_hi = demand.support()
    if abs(value) <= demand_hi:
        return None
    limit = f"{demand_hi:g} mb/d" if demand_lo == demand_hi else f"at most {demand_hi:g} mb/d"
    size = " in size" if value < 0 else ""
    return (f"{what} is more than world demand ({limit}){size}; volumes are in million barrels per day "
            f"({value:g} kb/d = {value / KB_PER_MB:g})")


def with_removed_fuels(dumped: Any) -> Any:
    """A scenario's ``model_dump`` made to validate as that scenario again: a shipped fuel missing
    from its ``fuels`` was removed (``null``), not left out to take its default, as it would in a file."""
    fuels = dumped.get("fuels") if isinstance(dumped, dict) else None
    if isinstance(fuels, dict):
        dumped = {**dumped, "fuels": {**{k: None for k in defaults.DEFAULT_FUELS if k not in fuels}, **fuels}}
    return dumped


def fuel_series(key: str, fuel: Fuel) -> str:
    return f"{key}_usd_per_{fuel.unit}"


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
