"""The no-disruption outlook of a run: the same simulated market without the scenario's events.

A scenario's disruptions and hazard incidents move prices on top of the market's own swings. To
say how much, a report compares the run with the same futures run without any disruption or
incident: the same seed, so the same market noise path by path (the stream rules of
:mod:`energysim.sampling`: removing an event changes no other draw). The median of that run at
each date is the chart's dashed "no-disruption outlook", the median of its horizon averages the
figure that headlines and household budgets compare against, and the 95th percentile of its
horizon averages the high case of the market's own swings, against which a household reserve
tells how much of the high case the scenario itself adds (:mod:`energysim.household`).

A large run's outlook is computed on its first :data:`MAX_PATHS` paths only (the same futures
as the run's first paths): its Monte Carlo error is then already below the precision the reports
print, and the second simulation neither doubles a large run's time nor needs its memory again.

The deterministic path of :attr:`energysim.results.SimulationResult.baseline` (no noise, no
events) is not that reference: with a pass-through that is faster for rising crude than for
falling crude (docs/model.md), price swings alone lift the average pump price above it, so a
scenario without any disruption would read as several per cent "above" it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .arguments import check_run
from .results import SimulationResult
from .scenario.schema import Scenario

__all__ = ["Reference", "without_events", "no_disruption_reference", "MAX_PATHS"]

#: Paths of the outlook's simulation at most. The Monte Carlo standard error of a median of n
#: paths is about 1.25 sd / sqrt(n) (the asymptotic sqrt(pi / 2) sd / sqrt(n) of a normal's
#: median): at 250,000 paths 0.0025 sd, a tenth of a cent for a pump price whose 2026 average
#: has an sd of about $0.30 and 3 cents for Brent's (about $11), below the cent and the dollar
#: the reports print them to.
MAX_PATHS = 250_000


@dataclass(frozen=True)
class Reference:
    """Per series: the median at each date (steps,), the median of each month's average
    (months,), and the median and the 95th percentile of the horizon average, over the futures
    without events."""

    path: dict[str, np.ndarray]
    monthly: dict[str, np.ndarray]
    mean: dict[str, float]
    mean_p95: dict[str, float]


def without_events(sc: Scenario) -> Scenario | None:
    """``sc`` without its disruptions and hazards, or None when it has none (it is its own reference)."""
    if not sc.disruptions and not sc.hazards:
        return None
    return sc.model_copy(update={"disruptions": [], "hazards": []})


def _medians(result: SimulationResult) -> Reference:
    path, monthly, mean, mean_p95 = {}, {}, {}, {}
    for s in result.series:
        path[s] = np.asarray(result.quantile_path(s, 0.5), dtype=float)
        monthly[s] = result.monthly_quantile(s, 0.5)
        mean[s], mean_p95[s] = (float(x) for x in np.quantile(result.path_mean[s], (0.5, 0.95)))
    return Reference(path=path, monthly=monthly, mean=mean, mean_p95=mean_p95)


def no_disruption_reference(result: SimulationResult, *, workers: int | None = None) -> Reference:
    """The no-disruption outlook of ``result``: its scenario without events, rerun with the same
    seed and inputs on the same paths (the first :data:`MAX_PATHS` of them at most; no second
    simulation when the scenario has no events).

    Computed once per result: the outlook is kept while ``result`` lives, so the charts and
    views of the same result (:func:`energysim.charts.fan_chart`, ``RunView.of``) do not
    simulate it again. Another result, even of the same scenario, gets its own.

    Raises
    ------
    ScenarioError
        If ``result`` is not a :class:`~energysim.results.SimulationResult` (e.g. a scenario not
        simulated yet)."""
    check_run(result, (SimulationResult,), "no_disruption_reference", key="result")
    kept = _KEPT.get(id(result))
    if kept is not None and kept[0]() is result:
        return kept[1]
    ref = _outlook(result, workers)
    key = id(result)
    _KEPT[key] = (weakref.ref(result, lambda _: _KEPT.pop(key, None)), ref)
    return ref


#: The outlook of each living result, by the result's id; the weak reference tells that the id
#: is still the same result's, and its callback drops the entry when the result is collected.
_KEPT: dict[int, tuple[weakref.ref[SimulationResult], Reference]] = {}


def _outlook(result: SimulationResult, workers: int | None) -> Reference:
    from .engine import simulate

    sc = without_events(result.scenario)
    if sc is None:
        return _medians(result)
    ref = simulate(sc, paths=min(result.n_paths, MAX_PATHS), seed=int(result.metadata["seed"]), inputs=result.inputs,
                   keep_paths=False, workers=workers)
    return _medians(ref)
