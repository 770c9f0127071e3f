"""The result of a run: per-date quantiles, per-path summaries, metadata.

The :class:`Accumulator` receives blocks of paths in block order and keeps what the reports
need: every path when it fits in memory (``keep_paths``), and always the per-path reductions
(horizon mean, monthly means, maximum) from which the summary statistics are computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .data import DATA_VINTAGE
from .inputs import RunInputs
from .scenario.schema import Scenario

__all__ = ["SimulationResult", "Accumulator", "FAN_QUANTILES"]

#: Quantiles always computed, whatever the scenario asks: the fan chart's bands.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Accumulator:
    """Collects blocks of paths; order-independent storage indexed by block number."""

    def __init__(self, sc: Scenario, inp: RunInputs, paths: int, series: list[str], keep_paths: bool) -> None:
        from .sampling import BLOCK_PATHS

        self.sc, self.inp, self.n, self.series, self.keep = sc, inp, paths, series, keep_paths
        self.block = BLOCK_PATHS
        m = inp.n_steps
        months = inp.dates.astype("datetime64[M]")
        self.months = np.unique(months)
        self.month_index = np.searchsorted(self.months, months)
        self.month_counts = np.bincount(self.month_index, minlength=len(self.months)).astype(float)
        self.kept = {s: np.empty((paths, m)) for s in series} if keep_paths else {}
        self.mean = {s: np.empty(paths) for s in series}
        self.max = {s: np.empty(paths) for s in series}
        self.monthly = {s: np.empty((paths, len(self.months))) for s in series}
        self.filled = 0

    def add(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        lo = block * self.block
        for s in self.series:
            a = arrays[s]
            hi = lo + a.shape[0]
            if self.keep:
                self.kept[s][lo:hi] = a
            self.mean[s][lo:hi] = a.mean(axis=1)
            self.max[s][lo:hi] = a.max(axis=1)
            sums = np.zeros((a.shape[0], len(self.months)))
            for k in range(len(self.months)):
                sums[:, k] = a[:, self.month_index == k].sum(axis=1)
            self.monthly[s][lo:hi] = sums / self.month_counts
        self.filled += arrays[self.series[0]].shape[0]

    def finish(self, *, seed: int, scenario_hash: str, baseline: dict[str, np.ndarray]) -> "SimulationResult":
        if self.filled != self.n:
            raise RuntimeError(f"accumulator received {self.filled} of {self.n} paths")
        levels = sorted(set(FAN_QUANTILES) | set(self.sc.outputs.quantiles))
        if self.keep:
            q = {s: np.quantile(self.kept[s], levels, axis=0) for s in self.series}
        else:  # pragma: no cover - replaced by streaming quantiles
            raise RuntimeError("streaming quantiles not available")
        meta = {
            "scenario": self.sc.name,
            "title": self.sc.title,
            "scenario_hash": scenario_hash,
            "seed": seed,
            "paths": self.n,
            "version": __version__,
            "data_vintage": DATA_VINTAGE,
            "horizon": {"start": str(self.inp.dates[0]), "end": str(self.inp.dates[-1]), "step": self.sc.horizon.step},
        }
        return SimulationResult(
            scenario=self.sc, inputs=self.inp, dates=self.inp.dates, series=tuple(self.series),
            levels=tuple(levels), _quantiles=q, _paths=self.kept or None, path_mean=self.mean,
            path_max=self.max, monthly_mean=self.monthly, months=self.months, baseline=baseline, metadata=meta,
        )


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

    @property
    def n_paths(self) -> int:
        return int(self.metadata["paths"])

    def quantile_path(self, series: str, level: float) -> np.ndarray:
        """The ``level`` quantile of ``series`` at every date, shape (steps,)."""
        self._check(series)
        i = self._level_index(level)
        return self._quantiles[series][i]

    def _level_index(self, level: float) -> int:
        for i, q in enumerate(self.levels):
            if math.isclose(q, level):
                return i
        raise KeyError(f"quantile {level} not computed; available: {self.levels}")

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
        """Every path of ``series``, shape (paths, steps)."""
        self._check(series)
        if self._paths is None:
            raise RuntimeError("paths were not kept for this run (too many to hold in memory); "
                               "rerun with fewer paths or keep_paths=True")
        return self._paths[series]

    def threshold_probability(self, series: str, threshold: float) -> tuple[float, float]:
        """Chance that ``series`` reaches ``threshold`` at least once, and its Monte Carlo s.e."""
        self._check(series)
        p = float(np.mean(self.path_max[series] >= threshold))
        return p, math.sqrt(max(p * (1 - p), 0.0) / self.n_paths)

    def horizon_mean_quantiles(self, series: str) -> dict[float, float]:
        """Quantiles over paths of the horizon-average of ``series``."""
        self._check(series)
        vals = np.quantile(self.path_mean[series], self.levels)
        return {q: float(v) for q, v in zip(self.levels, vals)}

    def peak_month(self, series: str, level: float = 0.95) -> tuple[str, float]:
        """The month whose ``level`` quantile of the monthly average is highest, and that value."""
        self._check(series)
        q = np.quantile(self.monthly_mean[series], level, axis=0)
        k = int(np.argmax(q))
        return str(self.months[k]), float(q[k])

    def summary(self) -> dict[str, Any]:
        """Summary figures per series, as written to summary.json."""
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
