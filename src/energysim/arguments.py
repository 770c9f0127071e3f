"""Checks of what the Python API's chart and comparison functions are given, made before any work.

A chart of a :class:`~energysim.results.SimulationResult` first simulates the run's
no-disruption outlook, and a comparison pairs runs path by path: a wrong object, an unknown
series or a missing label would otherwise surface late, as an internal ``KeyError`` or
``AttributeError``, or not at all (a table cut short). Each check raises a one-line
:class:`~energysim.errors.ScenarioError` that names the argument (``runs``, ``labels``,
``series``) and says what to give instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from .errors import ScenarioError

__all__ = ["check_run", "check_runs", "check_labels", "check_series", "check_series_list"]

#: What each kind of run is, in a message.
_KINDS = {"SimulationResult": "a SimulationResult from energysim.simulate", "RunView": "a RunView"}
#: Objects that are not runs yet: the message says to simulate them.
_NOT_RUN_YET = ("LoadedScenario", "Scenario")


def _expected(kinds: tuple[type, ...]) -> str:
    first, *others = (_KINDS.get(k.__name__, k.__name__) for k in kinds)
    return first + "".join(f" (or {x})" for x in others)


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def check_run(run: object, kinds: tuple[type, ...], caller: str, key: str = "run") -> None:
    """Refuse a ``run`` that is none of ``kinds`` (e.g. a loaded scenario not simulated yet)."""
    if isinstance(run, kinds):
        return
    name = type(run).__name__
    hint = "; simulate it first: energysim.simulate(scenario)" if name in _NOT_RUN_YET else ""
    raise ScenarioError.at(None, f"{caller} needs {_expected(kinds)}, not a {name}{hint}", key=key)


def check_runs(runs: object, kinds: tuple[type, ...], caller: str, least: int = 1) -> list[Any]:
    """``runs`` as a list: a list or tuple of at least ``least`` runs, each one of ``kinds``."""
    if not _is_list(runs):
        raise ScenarioError.at(None, f"{caller} needs a list of runs, each {_expected(kinds)}, "
                               f"not a {type(runs).__name__}", key="runs")
    runs = cast(Sequence[Any], runs)
    if len(runs) < least:
        raise ScenarioError.at(None, f"{caller} needs at least {least} run{'s' if least > 1 else ''}",
                               key="runs", given=len(runs))
    for k, run in enumerate(runs):
        check_run(run, kinds, caller, key=f"runs[{k}]")
    return list(runs)


def check_labels(labels: object, n_runs: int, caller: str) -> list[str]:
    """``labels`` as a list: one text per run, each different (they name the runs in tables and legends)."""
    if not _is_list(labels):
        raise ScenarioError.at(None, f"{caller} needs a list of labels, one per run, not a {type(labels).__name__}",
                               key="labels", given=labels)
    labels = cast(Sequence[Any], labels)
    if len(labels) != n_runs:
        raise ScenarioError.at(None, f"{caller} needs one label per run: {n_runs} run{'s' if n_runs != 1 else ''}, "
                               f"{len(labels)} label{'s' if len(labels) != 1 else ''}", key="labels",
                               given=list(labels))
    for k, label in enumerate(labels):
        if not isinstance(label, str):
            raise ScenarioError.at(None, f"a label is text (the scenario's name in tables and legends), "
                                   f"not a {type(label).__name__}", key=f"labels[{k}]", given=label)
    twice = next((x for k, x in enumerate(labels) if x in labels[:k]), None)
    if twice is not None:
        raise ScenarioError.at(None, "each run needs a label of its own (labels name the runs in tables and "
                               "legends)", key="labels", given=twice)
    return list(labels)


def check_series(runs: Sequence[Any], series: object, caller: str) -> str:
    """``series``: one name (a str) that every run of ``runs`` has."""
    if not isinstance(series, str):
        raise ScenarioError.at(None, f"{caller} needs one series name (a str), not a {type(series).__name__}",
                               key="series", given=series)
    for run in runs:
        if series not in run.series:
            raise ScenarioError.at(None, f"unknown series {series!r}; {_whose(run, runs)} has: "
                                   f"{', '.join(run.series)}", key="series")
    return series


def check_series_list(runs: Sequence[Any], series: object, caller: str) -> list[str]:
    """``series``: a list of at least one name, each of which every run of ``runs`` has."""
    if not _is_list(series):
        example = f"[{series!r}]" if isinstance(series, str) else "['us_gasoline_usd_per_gal']"
        raise ScenarioError.at(None, f"{caller} needs a list of series names, e.g. {example}, not a "
                               f"{type(series).__name__}", key="series", given=series)
    series = cast(Sequence[Any], series)
    if not series:
        raise ScenarioError.at(None, f"{caller} needs at least one series", key="series", given=[])
    return [check_series(runs, s, caller) for s in series]


def _whose(run: Any, runs: Sequence[Any]) -> str:
    return "this run" if len(runs) == 1 else f"the run of {run.scenario.name}"
