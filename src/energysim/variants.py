"""Variants of a scenario with one value changed, for sensitivity analysis and sweeps (pure, no I/O).

A value is named by its key as the report's assumptions table names it:
``disruptions[pdvsa_transition].volume_mbd``, ``market.supply_elasticity``,
``fuels.us_gasoline.crack_spread.sd``: list items by their ``name``, mappings by their keys.
:func:`uncertain_parameters` lists the keys whose value is a distribution (the inputs a Monte
Carlo run varies), :func:`quantile_value` gives a value at a quantile of one of them, and
:func:`with_value` makes the scenario with one key set to a fixed value, checked as a file is
(through :meth:`Scenario.to_dict` and :func:`scenario_from_dict`), so a variant can never hold a
value a scenario file could not.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from .errors import ScenarioError
from .scenario.distributions import Fixed
from .scenario.loader import LoadedScenario, scenario_from_dict
from .scenario.schema import Scenario

__all__ = ["scenario_of", "Parameter", "uncertain_parameters", "parameter_keys", "quantile_value", "with_value", "key_path",
           "value_at", "is_date_key"]

_DESCRIPTIVE = {"name", "title", "description", "sources", "extends", "label", "unit", "region", "history_file"}


@dataclass(frozen=True)
class Parameter:
    """An uncertain input of a scenario: its key, where it sits in :meth:`Scenario.to_dict`, and
    its distribution (a numeric one, or a date distribution for a start date)."""

    key: str
    path: tuple[str | int, ...]
    dist: Any

    @property
    def is_date(self) -> bool:
        return hasattr(self.dist, "to_days")


def scenario_of(loaded: object, caller: str) -> Scenario:
    """The scenario of a :class:`LoadedScenario` or a :class:`Scenario`; a ScenarioError naming
    ``caller`` for anything else."""
    if isinstance(loaded, LoadedScenario):
        return loaded.scenario
    if isinstance(loaded, Scenario):
        return loaded
    raise ScenarioError.at(None, f"{caller} needs a scenario from energysim.load_scenario (or a Scenario), "
                           f"not a {type(loaded).__name__}", key="loaded")


def _walk(node: Any, key: str, path: tuple[str | int, ...]) -> Iterator[tuple[str, tuple[str | int, ...], Any]]:
    """(key, path, value) of every leaf value below ``node`` (a model, a list of named items,
    a mapping); a distribution is a leaf."""
    if isinstance(node, BaseModel) and "dist" not in type(node).model_fields:
        for name in type(node).model_fields:
            if name not in _DESCRIPTIVE:
                yield from _walk(getattr(node, name), f"{key}.{name}" if key else name, path + (name,))
    elif isinstance(node, list) and node and all(hasattr(x, "name") for x in node):
        for i, item in enumerate(node):
            yield from _walk(item, f"{key}[{item.name}]", path + (i,))
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _walk(value, f"{key}.{name}", path + (name,))
    else:
        yield key, path, node


def _is_uncertain(value: Any) -> bool:
    if isinstance(value, BaseModel) and "dist" in type(value).model_fields:
        return getattr(value, "dist") != "fixed"
    return False


def uncertain_parameters(scenario: Scenario) -> list[Parameter]:
    """Every value of ``scenario`` given as a distribution other than ``fixed``, in the order of
    the assumptions table (horizon, market, disruptions, hazards, responses, fuels)."""
    return [Parameter(key, path, value) for key, path, value in _walk(scenario, "", ()) if _is_uncertain(value)]


def parameter_keys(scenario: Scenario) -> list[str]:
    """The key of every value of ``scenario`` that :func:`with_value` can set (numbers, dates and
    distributions; not names, texts or lists)."""
    return [key for key, _, value in _walk(scenario, "", ())
            if isinstance(value, BaseModel)  # a distribution (leaves are never other models)
            or isinstance(value, (int, float, dt.date)) and not isinstance(value, bool)]


def _find(scenario: Scenario, key: str) -> tuple[tuple[str | int, ...], Any]:
    """Where ``key`` sits in :meth:`Scenario.to_dict` and the value there; a ScenarioError with
    the closest key if the scenario has no value of that name."""
    for k, path, value in _walk(scenario, "", ()):
        if k == key:
            return path, value
    keys = parameter_keys(scenario)
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else \
        f"; keys look like {keys[-1]!r} (a report's assumptions table lists them)" if keys else ""
    raise ScenarioError.at(f"scenario {scenario.name!r}", f"no value is named {key!r}{hint}")


def key_path(scenario: Scenario, key: str) -> tuple[str | int, ...]:
    """Where ``key`` (``disruptions[pdvsa_transition].probability``) sits in
    :meth:`Scenario.to_dict`.

    Raises
    ------
    ScenarioError
        If no value of the scenario has that key, with the closest keys it has.
    """
    return _find(scenario, key)[0]


def value_at(scenario: Scenario, key: str) -> Any:
    """The value of ``scenario`` at ``key`` as the scenario holds it: a number, a date, or a
    distribution (a model with a ``dist`` field). Raises as :func:`key_path` does."""
    return _find(scenario, key)[1]


def is_date_key(scenario: Scenario, key: str) -> bool:
    """Whether the value at ``key`` is a date (a date, or a distribution of dates)."""
    value = value_at(scenario, key)
    return isinstance(value, dt.date) or hasattr(value, "to_days")


def quantile_value(parameter: Parameter, level: float, origin: dt.date) -> float | dt.date:
    """The value of ``parameter`` at quantile ``level`` (0-1) of its distribution; for a date
    distribution, the date (``origin`` is any date: days are counted from it and back)."""
    if parameter.is_date:
        days = float(parameter.dist.to_days(origin).ppf(np.array([level]))[0])
        return origin + dt.timedelta(days=int(np.floor(days)))
    return float(parameter.dist.ppf(np.array([level]))[0])


def with_value(scenario: Scenario, key: str, value: float | dt.date) -> Scenario:
    """``scenario`` with the value at ``key`` replaced by the fixed ``value``, validated as a
    scenario file is (a probability of 1.5 or a volume above world demand is refused).

    Raises
    ------
    ScenarioError
        If the scenario has no value named ``key``, or the variant is not a valid scenario.
    """
    path = key_path(scenario, key)
    data = scenario.to_dict()
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value.isoformat() if isinstance(value, dt.date) else Fixed(value=value).model_dump(mode="json") \
        if isinstance(node[path[-1]], dict) and "dist" in node[path[-1]] else value
    try:
        return scenario_from_dict(data)
    except ScenarioError as exc:
        first = exc.problems[0]
        raise ScenarioError.at(f"scenario {scenario.name!r}", f"{key} = {value}: {first.rule}") from None
