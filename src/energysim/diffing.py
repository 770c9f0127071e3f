"""The assumptions that differ between two scenarios, after inheritance is resolved.

Both scenarios are compared in their resolved, validated form (``Scenario.model_dump``), so a
default that one file states explicitly and the other inherits is not a difference, and a value
a child overrides is. Named lists (``disruptions``, ``hazards``) are matched by name, not by
position; a distribution is shown whole (``pert(low=0.2, mode=0.5, high=0.85)``) rather than
key by key, so a change of distribution family reads as one change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .scenario.schema import Scenario

__all__ = ["Difference", "ABSENT", "flatten", "scenario_diff", "format_value", "META_KEYS"]

#: Keys that describe a scenario rather than assume anything; left out unless asked for.
META_KEYS = ("name", "title", "description", "sources", "extends")

#: Shown where a key exists in one scenario only.
ABSENT = "(absent)"

_NAMED_LISTS = ("disruptions", "hazards")


@dataclass(frozen=True)
class Difference:
    """One assumption that differs: its key path and its value in A and in B (display strings)."""

    key: str
    a: str
    b: str


def format_value(value: Any) -> str:
    """A short display form: distributions as ``family(k=v, ...)``, fixed ones as their value."""
    if isinstance(value, dict) and "dist" in value:
        params = {k: v for k, v in value.items() if k != "dist" and v is not None}
        if value["dist"] == "fixed" and set(params) == {"value"}:
            return format_value(params["value"])
        return f"{value['dist']}(" + ", ".join(f"{k}={format_value(v)}" for k, v in params.items()) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if value is None:
        return "null"
    return str(value)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a resolved scenario mapping, keyed by dotted path; distributions stay whole."""
    out: dict[str, Any] = {}
    if isinstance(value, dict) and "dist" not in value and value:
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if path in _NAMED_LISTS and isinstance(sub, list):
                for item in sub:
                    out.update(flatten({k: v for k, v in item.items() if k != "name"}, f"{path}[{item['name']}]"))
            else:
                out.update(flatten(sub, path))
    else:
        out[prefix] = value
    return out


def scenario_diff(a: Scenario, b: Scenario, *, include_meta: bool = False) -> list[Difference]:
    """The resolved assumptions that differ between ``a`` and ``b``, in a stable order.

    Keys present in one scenario only (a disruption the other lacks, a stock release switched
    off) show :data:`ABSENT` on the other side.
    """
    fa = flatten(a.model_dump(mode="json"))
    fb = flatten(b.model_dump(mode="json"))
    if not include_meta:
        fa = {k: v for k, v in fa.items() if k.split(".")[0] not in META_KEYS}
        fb = {k: v for k, v in fb.items() if k.split(".")[0] not in META_KEYS}
    keys = list(fa) + [k for k in fb if k not in fa]
    out = []
    for key in keys:
        va, vb = fa.get(key, ABSENT), fb.get(key, ABSENT)
        if va != vb:
            out.append(Difference(key, ABSENT if key not in fa else format_value(va),
                                  ABSENT if key not in fb else format_value(vb)))
    return out
