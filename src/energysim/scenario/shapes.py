"""Plain words for a value of the wrong shape: what a key expects, what was given, how to fix it.

pydantic says "Input should be a valid dictionary or object to extract fields from" where a list
was written for a number; the loader asks this module instead what the key's type expects (read
from the schema's annotations) and words the rule as ``expected <what>, not <what was given>``,
with a fix where the mistake is a common one (several values for one, a ``- `` too many or too
few, ``yes`` read as a boolean by YAML).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel

from .distributions import FixedDate

__all__ = ["annotation_at", "model_at", "shape_rule", "SHAPE_ERRORS"]

#: pydantic error types that mean "a value of the wrong kind" (worded here, not by pydantic)
SHAPE_ERRORS = frozenset({
    "model_attributes_type", "model_type", "list_type", "dict_type", "string_type",
    "float_type", "float_parsing", "int_type", "int_parsing", "int_from_float",
    "date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
})

_BOOLEANS = "YAML reads yes, no, on, off, true and false as booleans"
_NUMBER_DIST = "a number or a distribution such as {dist: uniform, low: ..., high: ...}"
_DATE_DIST = "a date (YYYY-MM-DD) or a distribution of dates such as {dist: uniform, low: ..., high: ...}"


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` from a type annotation."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _tag_of(model: type[BaseModel]) -> Any:
    f = model.model_fields.get("dist")
    args = typing.get_args(f.annotation) if f is not None else ()
    return args[0] if args else None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def annotation_at(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The type expected at pydantic's raw error location ``loc`` inside ``model`` (Annotated and
    Optional stripped), or None if the location leaves the schema.

    ``loc`` is pydantic's own: it contains the tag of a distribution (``'pert'``) where a
    distribution was chosen, which selects the member of the union.
    """
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, str) and part.startswith(("function-", "tagged-union[")):
            continue
        if _is_model(current):
            f = current.model_fields.get(str(part))
            if f is None:
                return None
            current = f.annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin is list and isinstance(part, int) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        elif origin in (typing.Union, types.UnionType):
            chosen = [m for m in args if _is_model(m) and _tag_of(m) == part]
            if len(chosen) != 1:
                return None
            current = chosen[0]
        else:
            return None
    return _unwrap(current)


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class found at ``loc`` (see :func:`annotation_at`), or None."""
    current = annotation_at(model, loc)
    return current if _is_model(current) else None


def _expected(tp: Any) -> str:
    """What a value of type ``tp`` looks like in a scenario file."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and any(_tag_of(m) is not None for m in args if _is_model(m)):
        return _DATE_DIST if FixedDate in args else _NUMBER_DIST
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is list and args:
        item = _unwrap(args[0])
        if _is_model(item) and "name" in item.model_fields:
            return "a list of items, each starting with '- name: ...'"
        return "a list of " + {float: "numbers", dt.date: "dates", str: "texts"}.get(item, "values") \
            + " ('- ' lines, or [a, b])"
    if origin is dict:
        return "a mapping of 'key: value' lines"
    if _is_model(tp):
        return "a mapping with the keys " + ", ".join(tp.model_fields)
    return {float: "a number", int: "a whole number", str: "text", dt.date: "a date written YYYY-MM-DD"}.get(
        tp, "another kind of value")


def _kind(value: Any, tp: Any) -> str:
    """What kind of value was given, in a few words."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float) and tp is int:
        return "a number with a decimal point"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _fix(value: Any, tp: Any) -> str | None:
    """How to write what was probably meant, for the common slips; None if there is no obvious one."""
    expected = _expected(tp)
    if isinstance(value, bool):
        return _BOOLEANS + ("; put the text in quotes" if tp is str else "")
    if isinstance(value, list) and expected in (_NUMBER_DIST, _DATE_DIST):
        if value and all(isinstance(v, (int, float, dt.date)) and not isinstance(v, bool) for v in value):
            shown = ", ".join(v.isoformat() if isinstance(v, dt.date) else f"{v:g}" for v in value[:6])
            return f"for one of several values write {{dist: choice, values: [{shown}{', ...' if len(value) > 6 else ''}]}}"
        return None
    if isinstance(value, list) and _is_model(tp) and value and all(isinstance(v, dict) for v in value):
        return "remove the '- ' in front of its keys"
    if isinstance(value, dict) and expected.startswith("a list of items") and value:
        if "name" in value:  # one item without its '- '
            return f"start each item with '- ' (- name: {value['name']})"
        return f"write each item as '- name: {next(iter(value))}' with its keys indented under it"
    if isinstance(value, str) and tp in (int, float) and value.strip()[:1] in tuple("0123456789+-."):
        return "write the number without quotes or units"
    if isinstance(value, (int, float)) and tp is str:
        return "put it in quotes to keep it as text"
    if value is None:
        return "write a value after the colon"
    return None


def shape_rule(tp: Any, value: Any) -> str:
    """``expected <what tp looks like>, not <kind of value>[; fix]``."""
    rule = f"expected {_expected(tp)}, not {_kind(value, tp)}"
    fix = _fix(value, tp)
    return rule + (f"; {fix}" if fix else "")
