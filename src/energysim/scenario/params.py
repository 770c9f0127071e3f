"""Field types for uncertain inputs: ``Param`` (a number or a distribution) with bounds."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from .distributions import DateDist, Dist, Fixed, FixedDate

__all__ = ["param", "date_param", "to_dist", "Number", "OptionalNumber"]


def _exponent_hint(text: str) -> str:
    """How to write ``text`` as a number when YAML read it as text but it is one: YAML 1.1 takes
    ``1e6`` and ``1.0e6`` for text, and wants a decimal point and a signed exponent (``1.0e+6``)."""
    try:
        number = float(text)
    except ValueError:
        return ""
    if not math.isfinite(number) or not any(c in text for c in "eE"):
        return ""
    mantissa, _, exponent = text.lower().partition("e")
    mantissa = mantissa if "." in mantissa else mantissa + ".0"
    exponent = exponent if exponent[:1] in "+-" else "+" + exponent
    return f"; YAML reads {text} as text: write {mantissa}e{exponent} (a decimal point and a signed exponent)"


def _coerce_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a distribution, not {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise ValueError("numbers must be finite")
        return {"dist": "fixed", "value": float(value)}
    if isinstance(value, dict) and "dist" not in value:
        raise ValueError(
            "a distribution needs a 'dist' key (fixed, uniform, triangular, pert, normal, lognormal, choice)"
        )
    if isinstance(value, str):
        raise ValueError("expected a number or a distribution, not text" + _exponent_hint(value))
    return value


def _plain_number(value: Any) -> Any:
    """A plain (not uncertain) number as written: an int or a float, never ``true`` or text
    (which pydantic would otherwise read as 1 or parse)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {value!r}")
    if isinstance(value, str):
        raise ValueError("expected a number, not text" + _exponent_hint(value))
    return value


#: A plain number field: ints and floats only (``yes`` and ``'70'`` are refused, as for a
#: ``param``); bounds go in ``Field``.
Number = Annotated[float, BeforeValidator(_plain_number)]
#: The same, or absent (``None``).
OptionalNumber = Annotated[float | None, BeforeValidator(_plain_number)]


def _coerce_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return {"dist": "fixed", "value": value}
    if isinstance(value, str):
        try:
            return {"dist": "fixed", "value": dt.date.fromisoformat(value)}
        except ValueError:
            raise ValueError("expected a date written YYYY-MM-DD, not text") from None
    if isinstance(value, dict) and "dist" not in value:
        raise ValueError("a date distribution needs a 'dist' key (fixed, uniform, triangular, choice)")
    return value


def _bounds_check(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> Any:
    def check(d: Any) -> Any:
        lo, hi = d.support()
        rules = []
        if ge is not None and lo < ge:
            rules.append(f">= {ge:g}")
        if gt is not None and lo <= gt:
            rules.append(f"> {gt:g}")
        if le is not None and hi > le:
            rules.append(f"<= {le:g}")
        if lt is not None and hi >= lt:
            rules.append(f"< {lt:g}")
        if rules:
            need = " and ".join(rules)
            if lo == hi:  # a plain number: the message ends with it as given
                raise ValueError(f"must be {need}")
            raise ValueError(f"every value must be {need}; this distribution ranges from {lo:g} to {hi:g}")
        return d

    return check


def param(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """An uncertain numeric input whose every possible value respects the bounds."""
    return Annotated[
        Dist, BeforeValidator(_coerce_number), AfterValidator(_bounds_check(ge, gt, le, lt))
    ]


DateParam = Annotated[DateDist, BeforeValidator(_coerce_date)]


def date_param() -> Any:
    return DateParam


def to_dist(value: float) -> Fixed:
    return Fixed(value=float(value))


def to_date(value: dt.date) -> FixedDate:
    return FixedDate(value=value)


# Convenience field factory with a description kept for the JSON schema and docs.
def described(description: str, **kwargs: Any) -> Any:
    return Field(description=description, **kwargs)
