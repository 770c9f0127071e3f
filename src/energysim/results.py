"""The result of a run: per-date quantiles, per-path summaries, metadata.

A :class:`SimulationResult` is what :func:`energysim.simulate` returns: read-only arrays and the
accessors the reports and the Python API use (quantiles, paths, threshold probabilities,
monthly quantiles, the summary). It is built by :class:`energysim.accumulate.Accumulator`,
which streams the paths into these numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError, a_type
from .inputs import RunInputs
from .scenario.schema import Scenario

__all__ = ["SimulationResult", "FAN_QUANTILES", "never_seen_bound"]

#: Quantiles always computed, whatever the scenario asks: the fan chart's bands.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def never_seen_bound(n: int) -> float:
    """One-sided 95 % upper bound on the probability of an event never seen in ``n`` independent
    trials: the exact (Clopper-Pearson) ``1 - 0.05 ** (1 / n)``, which the rule of three 3/n
    approximates for large ``n``. By symmetry, 1 minus it bounds from below one seen every time."""
    return -math.expm1(math.log(0.05) / n)


def _level_arg(value: object, name: str = "level") -> float:
    """A quantile level given to a result's method: a number from 0 to 1 (not text, not NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ScenarioError.at(None, f"{name} must be a number (a quantile level from 0 to 1, such as 0.95), "
                               f"not {a_type(value)}", key=name, given=value)
    level = float(value)
    if not 0.0 <= level <= 1.0:  # NaN too
        raise ScenarioError.at(None, f"{name} must be a quantile level from 0 to 1 (0.95 for the 95th percentile)",
                               key=name, given=value)
    return level


def _levels_arg(value: object) -> list[float]:
    """The ``levels`` of :meth:`SimulationResult.monthly_quantiles`: a non-empty sequence of levels."""
    if (isinstance(value, (str, bytes, numbers.Number)) or not isinstance(value, Iterable)
            or (isinstance(value, np.ndarray) and value.ndim == 0)):
        raise ScenarioError.at(None, "levels must be a sequence of quantile levels such as (0.05, 0.5, 0.95), not "
                               f"{a_type(value)} (monthly_quantile takes one level)", key="levels", given=value)
    levels = [_level_arg(q, f"levels[{i}]") for i, q in enumerate(value)]
    if not levels:
        raise ScenarioError.at(None, "levels must hold at least one quantile level", key="levels", given=value)
    return levels


def _read_only(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` that cannot be written (``a`` itself is left as it is)."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass
class SimulationResult:
    """What a run produced. ``quantiles()`` and ``paths(series)`` are the main accessors."""

    scenario: Scenario
    inputs: RunInputs = field(repr=False)
    dates: np.ndarray = field(repr=False)
    series: tuple[str, ...]
    levels: tuple[float, ...]
    _quantiles: dict[str, np.ndarray] = field(repr=False)
    _paths: dict[str, np.ndarray] | None = field(repr=False)
    path_mean: dict[str, np.ndarray] = field(repr=False)
    path_max: dict[str, np.ndarray] = field(repr=False)
    monthly_mean: dict[str, np.ndarray] = field(repr=False)
    months: np.ndarray = field(repr=False)
    baseline: dict[str, np.ndarray] = field(repr=False)
    metadata: dict[str, Any] = field(default_factory=dict)
    _monthly_q: dict[tuple[str, float], np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    #: ``keep_paths`` as given to :func:`energysim.simulate` (None: decided by the memory it takes)
    keep_paths_asked: bool | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Every array the result hands out is a read-only view (no copy): a caller converting
        units in place (``q *= 0.264``) gets numpy's "read-only" error instead of changing the
        result's quantiles, summaries and later charts."""
        self.dates, self.months = _read_only(self.dates), _read_only(self.months)
        for table in (self._quantiles, self._paths or {}, self.path_mean, self.path_max, self.monthly_mean,
                      self.baseline):
            for key, a in table.items():
                table[key] = _read_only(a)

    def __repr__(self) -> str:
        """One line: what was run and what the result holds (the scenario itself is ``.scenario``)."""
        h = self.metadata.get("horizon", {})
        return (f"SimulationResult(scenario={self.scenario.name!r}, paths={self.n_paths:,}, "
                f"seed={self.metadata.get('seed')}, horizon={h.get('start')} to {h.get('end')} "
                f"({h.get('step')}, {len(self.dates)} steps), series={list(self.series)}, "
                f"levels={[float(q) for q in self.levels]}, paths_kept={self._paths is not None})")

    @property
    def n_paths(self) -> int:
        return int(self.metadata["paths"])

    def quantile_path(self, series: str, level: float) -> np.ndarray:
        """The ``level`` quantile of ``series`` at every date, shape (steps,); read-only (a view of
        the result's own array: ``.copy()`` it to change it). The levels computed are
        :attr:`levels`: the fan chart's and the scenario's ``outputs.quantiles``.

        Raises
        ------
        KeyError
            An unknown series, or a level not computed (the message says how to add it).
        ScenarioError
            A level that is not a number from 0 to 1.
        """
        self._check(series)
        i = self._level_index(_level_arg(level))
        return self._quantiles[series][i]

    def _level_index(self, level: float) -> int:
        for i, q in enumerate(self.levels):
            if math.isclose(q, level):
                return i
        raise KeyError(f"quantile {level:g} not computed; available: {', '.join(f'{q:g}' for q in self.levels)}; "
                       "add it to outputs.quantiles in the scenario and run again to compute it")

    def _check(self, series: str) -> None:
        if series not in self.series:
            raise KeyError(f"unknown series {series!r}; available: {', '.join(self.series)}")

    def quantiles(self) -> pd.DataFrame:
        """Tidy table: columns ``date, series, quantile, value``."""
        frames = []
        dates = pd.to_datetime(self.dates)
        for s in self.series:
            for i, q in enumerate(self.levels):
                frames.append(pd.DataFrame({"date": dates, "series": s, "quantile": q,
                                            "value": self._quantiles[s][i]}))
        return pd.concat(frames, ignore_index=True)

    def paths(self, series: str) -> np.ndarray:
        """Every path of ``series``, shape (paths, steps); read-only (the result's own array, not a
        copy: ``.copy()`` it to change it)."""
        self._check(series)
        if self._paths is None:
            if self.keep_paths_asked is False:
                raise RuntimeError("paths were not kept for this run: it was asked with keep_paths=False; "
                                   "rerun simulate() with keep_paths=True (or without keep_paths) to keep them")
            raise RuntimeError("paths were not kept for this run (too many to hold in memory); "
                               "rerun with fewer paths or keep_paths=True")
        return self._paths[series]

    def threshold_probability(self, series: str, threshold: float) -> tuple[float, float]:
        """Chance that ``series`` reaches ``threshold`` at least once, and its Monte Carlo error:
        that some step's value (the average over the step, so the chance depends on
        ``horizon.step``) is at or above it.

        The error is the binomial standard error ``sqrt(p (1 - p) / n)``, except where no path
        reached the threshold (``p`` = 0) or every path did (``p`` = 1): that formula then gives
        0, which would read as certainty, so the error is the one-sided 95 % bound for an event
        never (always) seen in ``n`` paths, :func:`never_seen_bound` (about 3/n): the chance is
        below it (above 1 minus it). The report says the same in words ("under 0.15%")."""
        self._check(series)
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
            raise ScenarioError.at(None, f"threshold must be a number (a price), not {a_type(threshold)}",
                                   key="threshold", given=threshold)
        if not math.isfinite(threshold):
            raise ScenarioError.at(None, "threshold must be a finite number (a price)", key="threshold",
                                   given=threshold)
        p = float(np.mean(self.path_max[series] >= threshold))
        if p <= 0.0 or p >= 1.0:
            return p, never_seen_bound(self.n_paths)
        return p, math.sqrt(p * (1 - p) / self.n_paths)

    def horizon_mean_quantiles(self, series: str) -> dict[float, float]:
        """Quantiles over paths of the horizon-average of ``series``."""
        self._check(series)
        vals = np.quantile(self.path_mean[series], self.levels)
        return {q: float(v) for q, v in zip(self.levels, vals)}

    def monthly_quantiles(self, series: str, levels: tuple[float, ...]) -> np.ndarray:
        """The ``levels`` quantiles over paths of each month's average of ``series``, shape
        (levels, months).

        Computed once per (series, level), the levels not yet known in one partition, on the
        month-major memory of the per-path monthly averages (a contiguous row per month: 2-3x
        faster than along the paths axis of the (paths, months) view; the same numbers).

        Raises
        ------
        ScenarioError
            ``levels`` not a sequence of numbers from 0 to 1 (one level: :meth:`monthly_quantile`).
        """
        self._check(series)
        asked = _levels_arg(levels)
        missing = sorted(set(asked) - {q for s, q in self._monthly_q if s == series})
        if missing:
            rows = np.ascontiguousarray(self.monthly_mean[series].T)
            for q, values in zip(missing, np.quantile(rows, missing, axis=1)):
                self._monthly_q[(series, q)] = values
        return np.vstack([self._monthly_q[(series, q)] for q in asked])

    def monthly_quantile(self, series: str, level: float) -> np.ndarray:
        """:meth:`monthly_quantiles` of one level, shape (months,)."""
        return self.monthly_quantiles(series, (_level_arg(level),))[0]

    def peak_month(self, series: str, level: float = 0.95) -> tuple[str, float]:
        """The month whose ``level`` quantile of the monthly average is highest, and that value."""
        q = self.monthly_quantile(series, level)
        k = int(np.argmax(q))
        return str(self.months[k]), float(q[k])

    def summary(self) -> dict[str, Any]:
        """Summary figures per series, as written to summary.json (a threshold's
        ``mc_standard_error`` is :meth:`threshold_probability`'s error: the 95 % bound where no
        path, or every path, reached it)."""
        per_series: dict[str, Any] = {}
        thresholds = self.scenario.outputs.thresholds
        for s in self.series:
            month, peak = self.peak_month(s)
            entry: dict[str, Any] = {
                "horizon_mean": {f"{q:g}": round(v, 6) for q, v in self.horizon_mean_quantiles(s).items()},
                "baseline_mean": round(float(np.mean(self.baseline[s])), 6),
                "peak_month_p95": {"month": month, "value": round(peak, 6)},
                "thresholds": [],
            }
            for t in thresholds.get(s, []):
                p, se = self.threshold_probability(s, t)
                entry["thresholds"].append({"level": t, "probability": round(p, 6), "mc_standard_error": round(se, 6)})
            per_series[s] = entry
        return {**self.metadata, "quantile_levels": list(self.levels), "series": per_series}
