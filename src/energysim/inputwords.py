"""Scenario keys in readers' words, for charts and tables (pure).

A key as the report's assumptions table names it, ``disruptions[pdvsa_transition].volume_mbd``,
becomes "PDVSA transition: volume lost (mb/d)": the named item (or section) before the colon,
the value in words after it, its unit in brackets. Keys not listed in :data:`_WHAT` fall back to
their own name with underscores as spaces and the unit taken from the suffix, so a new schema
key still reads sensibly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

__all__ = ["InputWords", "input_words", "input_label", "value_text"]

#: Words kept in capitals in an item's name (``pdvsa_transition`` -> "PDVSA transition").
_ACRONYMS = {"pdvsa", "opec", "us", "usa", "uk", "eu", "iea", "eia", "spr", "lng", "uae", "ngl", "wti"}

#: (section, last part of the key) -> (the value in words, its unit); "" for no unit.
_WHAT: dict[tuple[str, str], tuple[str, str]] = {
    ("disruptions", "probability"): ("chance it happens", ""),
    ("disruptions", "start"): ("start date", ""),
    ("disruptions", "volume_mbd"): ("volume lost", "mb/d"),
    ("disruptions", "duration_days"): ("duration", "days"),
    ("disruptions", "ramp_up_days"): ("ramp-up", "days"),
    ("disruptions", "recovery_days"): ("recovery", "days"),
    ("disruptions", "peak_pct"): ("risk premium peak", "% of price"),
    ("disruptions", "half_life_days"): ("risk premium half-life", "days"),
    ("disruptions", "lead_days"): ("risk premium lead", "days"),
    ("hazards", "rate_per_year"): ("incidents per year", ""),
    ("hazards", "volume_mbd"): ("volume lost per incident", "mb/d"),
    ("hazards", "duration_days"): ("incident duration", "days"),
    ("hazards", "peak_pct"): ("risk premium peak", "% of price"),
    ("hazards", "half_life_days"): ("risk premium half-life", "days"),
    ("market", "supply_elasticity"): ("supply elasticity", ""),
    ("market", "demand_elasticity"): ("demand elasticity", ""),
    ("spare_capacity", "lag_days"): ("delay", "days"),
    ("spare_capacity", "share"): ("share of the loss replaced", ""),
    ("stock_release", "rate_mbd"): ("release rate", "mb/d"),
    ("stock_release", "total_mb"): ("total released", "million bbl"),
    ("stock_release", "lag_days"): ("delay", "days"),
    ("crack_spread", "per_mbd_loss"): ("refining margin rise per mb/d lost", "USD per fuel unit"),
    ("crack_spread", "sd"): ("refining margin variability", "USD per fuel unit"),
}

#: Unit suffixes of key names (longest first) -> the unit in brackets.
_SUFFIXES = (("_usd_per_bbl", "USD/bbl"), ("_per_year", "per year"), ("_days", "days"), ("_mbd", "mb/d"),
             ("_pct", "%"), ("_mb", "million bbl"))

_ITEM = re.compile(r"^(\w+)\[([^\]]+)\]$")


class InputWords(tuple[str, str, str]):
    """(name, what, unit) of a key: ``("PDVSA transition", "volume lost", "mb/d")``."""

    @property
    def name(self) -> str:
        return self[0]

    @property
    def what(self) -> str:
        return self[1]

    @property
    def unit(self) -> str:
        return self[2]


def _name(identifier: str) -> str:
    """``pdvsa_transition`` -> "PDVSA transition", ``us_diesel`` -> "US diesel"."""
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in identifier.replace("-", "_").split("_") if w]
    if words and words[0] == words[0].lower():
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) or identifier


def _fallback(part: str) -> tuple[str, str]:
    for suffix, unit in _SUFFIXES:
        if part.endswith(suffix) and len(part) > len(suffix):
            return part[: -len(suffix)].replace("_", " "), unit
    return part.replace("_", " "), ""


def input_words(key: str, fuel_units: Mapping[str, str] | None = None) -> InputWords:
    """The parts of ``key`` in words: whose value it is, what it is, and its unit ("" if none).

    ``disruptions[pdvsa_transition].volume_mbd`` -> ("PDVSA transition", "volume lost", "mb/d");
    ``responses.stock_release.total_mb`` -> ("Stock release", "total released", "million bbl");
    ``fuels.us_diesel.crack_spread.per_mbd_loss`` -> ("US diesel", "refining margin rise per mb/d
    lost", "USD per fuel unit"), or "USD/gal" given ``fuel_units`` ``{"us_diesel": "gal"}``."""
    parts = key.split(".")
    head = _ITEM.match(parts[0])
    section = head.group(1) if head else parts[0]
    named_below = not head and section in ("fuels", "responses") and len(parts) > 2
    if head:
        name = _name(head.group(2))
    elif named_below:
        name = _name(parts[1])
    else:
        name = _name(section)
    last = parts[-1]
    context = parts[-2] if len(parts) > 1 else section
    found = _WHAT.get((context, last)) or _WHAT.get((section, last))
    if found:
        what, unit = found
    else:
        what, unit = _fallback(last)
        middle = parts[2:-1] if named_below else parts[1:-1]
        what = " ".join([*(_fallback(m)[0] for m in middle), what])
    if unit == "USD per fuel unit" and named_below and fuel_units and parts[1] in fuel_units:
        unit = f"USD/{fuel_units[parts[1]]}"
    return InputWords((name, what, unit))


def input_label(key: str, fuel_units: Mapping[str, str] | None = None) -> str:
    """``key`` as a chart labels it: "PDVSA transition: volume lost (mb/d)"."""
    w = input_words(key, fuel_units)
    return f"{w.name}: {w.what}" + (f" ({w.unit})" if w.unit else "")


def value_text(value: float | dt.date) -> str:
    """A value of an input, short: a date as "16 Jan 2026", a number with 3 significant digits
    (whole numbers from 100 up, thousands separated)."""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"
