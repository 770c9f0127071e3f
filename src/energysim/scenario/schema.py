"""The scenario format: typed, frozen pydantic models. The JSON Schema comes from here.

Units are in the key names at the boundary (``_mbd`` million barrels per day, ``_days``,
``_usd_per_bbl``); fuel prices are in USD per the fuel's own unit (``gal`` or ``litre``).

This module holds the top-level ``Scenario`` and the checks across its parts; the parts are in
:mod:`.parts` and the events in :mod:`.disruptions`. Every name in ``__all__`` is exported from here.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .. import data
from ..timegrid import baseline_gap
from . import defaults
from .disruptions import Disruption, Hazard, RiskPremium, Window
from .distributions import Dist, Fixed
from .parts import (
    NAME_PATTERN,
    UNITS_PER_BBL,
    Baseline,
    CrackSpread,
    Fuel,
    Horizon,
    Market,
    Outputs,
    Responses,
    Simulation,
    SpareCapacity,
    StockRelease,
    _default_thresholds,
    _Model,
)

__all__ = [
    "Scenario", "Horizon", "Simulation", "Baseline", "Market", "RiskPremium", "Disruption",
    "Hazard", "Window", "SpareCapacity", "StockRelease", "Responses", "CrackSpread", "Fuel",
    "Outputs", "NAME_PATTERN", "UNITS_PER_BBL", "with_removed_fuels", "largest_size", "KB_PER_MB",
]

KB_PER_MB = 1000.0  # thousand barrels (kb/d, as many sources quote output) in a million (mb/d, this format)


def _default_fuels() -> dict[str, Any]:
    return {k: defaults.fuel_defaults(k) for k in defaults.DEFAULT_FUELS}


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

    def to_dict(self) -> dict[str, Any]:
        """This scenario as a plain mapping (JSON types: dates as text) that
        :func:`~energysim.scenario.scenario_from_dict` turns back into an equal scenario: every key
        with its value, a shipped fuel it removed written as ``null`` (left out, it would come back
        with its defaults), and without the record of ``extends`` (a mapping cannot inherit; its
        parent's keys are in it already). Change a value in it, then rebuild: the rebuilt scenario
        is checked as a file is."""
        return dict(with_removed_fuels(self.model_dump(mode="json", exclude={"extends"})))

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
