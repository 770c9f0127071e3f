"""The values of a sweep as the command line gives them (pure: text in, values out).

``--set KEY=VALUES`` names one value of a scenario (its key as the report's assumptions table
names it) and the values it takes:

* a comma list, ``0.2,0.4,0.8``;
* a range ``LOW:HIGH:N``, N evenly spaced values with both ends included (``0.2:0.8:4`` is
  0.2, 0.4, 0.6, 0.8);
* dates, ``2026-02-01,2026-05-01``, for a key whose value is a date (a start date).

Several keys make the full grid of their values (every combination), refused above
:data:`MAX_VARIANTS`. Every function raises a one-line :class:`~energysim.errors.ScenarioError`
naming the option and what to write instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence

from .errors import ScenarioError

__all__ = ["MAX_VARIANTS", "MAX_RANGE_POINTS", "parse_set", "parse_values", "variant_grid"]

#: The most variants (combinations of values) one sweep runs.
MAX_VARIANTS = 60
#: The most values one range ``LOW:HIGH:N`` gives.
MAX_RANGE_POINTS = MAX_VARIANTS

_OPTION = "--set"

Value = float | dt.date


def _refuse(rule: str, given: object = None) -> ScenarioError:
    return ScenarioError.at(None, rule, key=_OPTION, given=given)


def parse_set(text: str) -> tuple[str, str]:
    """``"KEY=VALUES"`` split into the key and the text of its values (both stripped).

    Raises
    ------
    ScenarioError
        If there is no ``=``, or the key or the values are empty.
    """
    key, sep, values = text.partition("=")
    key, values = key.strip(), values.strip()
    if not sep or not key or not values:
        raise _refuse("KEY=VALUES expected, e.g. --set 'disruptions[pdvsa_transition].volume_mbd=0.2,0.5,0.8' "
                      "or --set market.supply_elasticity=0:0.15:4", given=text)
    return key, values


def _number(key: str, text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        hint = " (a date, but this key is a number)" if _date_or_none(text) is not None else ""
        raise _refuse(f"{key}: {text!r} is not a number{hint}", given=text) from None
    if not math.isfinite(x):
        raise _refuse(f"{key}: values must be finite numbers", given=text)
    return x


def _date_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date(key: str, text: str) -> dt.date:
    d = _date_or_none(text)
    if d is None:
        raise _refuse(f"{key} is a date: give dates as YYYY-MM-DD, e.g. {key}=2026-02-01,2026-05-01", given=text)
    return d


def _range(key: str, text: str) -> list[float]:
    parts = text.split(":")
    if len(parts) != 3:
        raise _refuse(f"{key}: a range is LOW:HIGH:N (N evenly spaced values, both ends included), "
                      "e.g. 0.2:0.8:4", given=text)
    low, high = _number(key, parts[0].strip()), _number(key, parts[1].strip())
    try:
        n = int(parts[2].strip())
    except ValueError:
        n = 0
    if not 2 <= n <= MAX_RANGE_POINTS:
        raise _refuse(f"{key}: the N of a range LOW:HIGH:N must be a whole number from 2 to {MAX_RANGE_POINTS}",
                      given=parts[2].strip())
    if not low < high:
        raise _refuse(f"{key}: a range LOW:HIGH:N needs LOW below HIGH", given=text)
    step = (high - low) / (n - 1)
    # rounded to 12 significant digits, so that 0:1:11 gives 0.3, not 0.30000000000000004
    return [float(f"{low + i * step:.12g}") for i in range(n - 1)] + [high]


def parse_values(key: str, text: str, is_date: bool) -> list[Value]:
    """The values of ``text`` for ``key``: dates if ``is_date``, else numbers (a comma list or
    a range ``LOW:HIGH:N``), in the order given.

    Raises
    ------
    ScenarioError
        For an empty item, a value that is not a number (or not a date for a date key), a bad
        range, or a value given twice.
    """
    items = [t.strip() for t in text.split(",")]
    if any(not t for t in items):
        raise _refuse(f"{key}: an empty value in the comma list", given=text)
    values: list[Value] = []
    for item in items:
        if is_date:
            values.append(_date(key, item))
        elif ":" in item:
            values.extend(_range(key, item))
        else:
            values.append(_number(key, item))
    seen = set()
    for v in values:
        if v in seen:
            raise _refuse(f"{key}: {v} is given twice", given=text)
        seen.add(v)
    return values


def variant_grid(values: Mapping[str, Sequence[Value]], cap: int = MAX_VARIANTS) -> list[dict[str, Value]]:
    """Every combination of the keys' values (the first key varying slowest), as one mapping each.

    Raises
    ------
    ScenarioError
        If there are no keys, a key has no values, or there are more than ``cap`` combinations.
    """
    if not values or any(len(v) == 0 for v in values.values()):
        raise _refuse("a sweep needs at least one --set KEY=VALUES with at least one value")
    count = math.prod(len(v) for v in values.values())
    if count > cap:
        sizes = " x ".join(str(len(v)) for v in values.values())
        raise _refuse(f"{count} variants ({sizes}) is more than the {cap} a sweep runs; give fewer values",
                      given=count)
    keys = list(values)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(values[k] for k in keys))]
