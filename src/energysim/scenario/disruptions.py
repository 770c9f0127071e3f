"""The events of a scenario: one-off disruptions, recurring hazards (with the window their
incidents can start in), and the fear premium either can carry.
:mod:`energysim.scenario.schema` puts them in ``Scenario`` and exports them.

Volumes are in million barrels per day (``_mbd``), durations and lags in days (``_days``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from . import defaults
from .distributions import Fixed
from .params import DateParam
from .parts import NAME_PATTERN, Any_, NonNegative, Positive, Probability, _Model


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
