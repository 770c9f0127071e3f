"""Comparing scenarios run on common random numbers: per-scenario summaries and paired differences.

Scenarios run with the same seed and number of paths draw the same numbers for every input they
share (named streams, see :mod:`energysim.sampling`), so path ``i`` of scenario B is path ``i``
of scenario A with only the assumptions that differ changed. The difference of a per-path
reduction (the horizon average, the peak) taken path by path,

    d_i = f(B)_i - f(A)_i,

then measures the scenarios' difference with far less Monte Carlo noise than the difference of
two independent runs: its standard error ``sd(d) / sqrt(n)`` is reported next to the one an
independent-draw comparison would have, ``sqrt((var f(A) + var f(B)) / n)``.

Everything here works on :class:`~energysim.results.SimulationResult` objects; nothing reads or
writes files (see :mod:`energysim.cli_compare`). Each public function checks its arguments first
(:mod:`energysim.arguments`, :func:`check_comparable`) and raises a one-line
:class:`~energysim.errors.ScenarioError` for results that are not on the same paths, seed and
time grid where paths are paired, labels that are not one per result, or an unknown series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .arguments import check_labels, check_run, check_runs, check_series
from .errors import Problem, ScenarioError
from .results import SimulationResult

if TYPE_CHECKING:
    from .runview import RunView

__all__ = ["MEASURES", "DIFF_QUANTILES", "check_comparable", "on_common_draws", "paired_differences", "summarise_difference",
           "comparison_table", "differences_table", "monthly_differences_table", "Comparison"]

#: Per-path reductions compared: the average over the horizon and the highest value reached.
MEASURES = ("horizon_average", "peak")

#: The interval reported for a paired difference: 90 % of paths (P5 to P95), and the median.
DIFF_QUANTILES = (0.05, 0.5, 0.95)


def check_comparable(results: Sequence[SimulationResult | RunView]) -> None:
    """Refuse a comparison whose runs do not share paths, seed and time grid.

    Paired differences are only meaningful path by path on the same draws and the same dates.
    """
    if len(results) < 2:
        raise ScenarioError.at(None, "a comparison needs at least two scenarios", given=len(results))
    problems = _pairing_problems(results)
    if problems:
        raise ScenarioError(problems)


def on_common_draws(runs: Sequence[SimulationResult | RunView]) -> bool:
    """Whether ``runs`` share paths, seed and time grid: path ``i`` of each is the same future
    but for the assumptions that differ (what "same random draws" in a chart claims)."""
    return not _pairing_problems(runs)


def _pairing_problems(results: Sequence[SimulationResult | RunView]) -> list[Problem]:
    ref = results[0]
    problems = []
    for r in results[1:]:
        for key in ("paths", "seed", "horizon"):
            if r.metadata.get(key) != ref.metadata.get(key):
                problems.append(Problem(
                    r.scenario.name, None, key,
                    f"must equal the first scenario's ({ref.scenario.name}: {ref.metadata.get(key)}) "
                    "so that paths can be paired", str(r.metadata.get(key))))
        if not problems and not np.array_equal(r.dates, ref.dates):
            problems.append(Problem(r.scenario.name, None, "horizon",
                                    f"time grid differs from {ref.scenario.name}'s", None))
        missing = [s for s in ref.series if s not in r.series]
        if missing:
            problems.append(Problem(r.scenario.name, None, "fuels",
                                    f"lacks series of {ref.scenario.name}: {', '.join(missing)}", None))
    return problems


def paired_differences(a: SimulationResult, b: SimulationResult, series: str) -> dict[str, np.ndarray]:
    """Per-path differences B - A of ``series``.

    Returns
    -------
    dict
        ``horizon_average`` and ``peak``: shape (paths,); ``monthly``: shape (paths, months).
        Units are the series' own (e.g. [USD/bbl]).

    Raises
    ------
    ScenarioError
        If ``a`` and ``b`` are not results of the same paths, seed and time grid (their paths
        would not pair), or if ``series`` is not one of theirs.
    """
    check_run(a, (SimulationResult,), "paired_differences", key="a")
    check_run(b, (SimulationResult,), "paired_differences", key="b")
    check_comparable([a, b])
    check_series([a, b], series, "paired_differences")
    return {
        "horizon_average": b.path_mean[series] - a.path_mean[series],
        "peak": b.path_max[series] - a.path_max[series],
        "monthly": b.monthly_mean[series] - a.monthly_mean[series],
    }


def _reduction(r: SimulationResult, measure: str, series: str) -> np.ndarray:
    return r.path_mean[series] if measure == "horizon_average" else r.path_max[series]


def summarise_difference(diff: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean, quantiles and standard errors of a paired difference ``diff = b - a`` (shape (paths,)).

    ``mc_se_paired`` is the Monte Carlo standard error of the mean difference on common random
    numbers; ``mc_se_independent`` what it would be had A and B been drawn independently.
    ``share_higher`` is the share of paths on which B is above A.
    """
    diff, a, b = (np.asarray(x, dtype=float) for x in (diff, a, b))
    if diff.ndim != 1 or diff.shape[0] == 0 or a.shape != diff.shape or b.shape != diff.shape:
        raise ScenarioError.at(None, "summarise_difference needs diff, a and b of one value per path each, "
                               "as many in each (arrays of shape (paths,))", key="diff",
                               given=f"shapes {diff.shape}, {a.shape}, {b.shape}")
    n = diff.shape[0]
    qs = np.quantile(diff, DIFF_QUANTILES)
    ddof = 1 if n > 1 else 0
    return {
        "mean_difference": float(np.mean(diff)),
        "p05": float(qs[0]), "p50": float(qs[1]), "p95": float(qs[2]),
        "share_higher": float(np.mean(diff > 0)),
        "mc_se_paired": float(np.std(diff, ddof=ddof) / math.sqrt(n)),
        "mc_se_independent": float(math.sqrt((np.var(a, ddof=ddof) + np.var(b, ddof=ddof)) / n)),
    }


def comparison_table(results: Sequence[SimulationResult], labels: Sequence[str]) -> pd.DataFrame:
    """Per scenario and series: the horizon average at each quantile (and its mean), the peak-month
    P95, and the chance that a step's average reaches each threshold.

    Tidy columns: ``scenario, series, statistic, level, month, value, mc_standard_error``.
    ``level`` is the quantile (``horizon_average``, ``peak_month_p95``) or the price threshold
    (``threshold_probability``).
    """
    results, labels = _runs_and_labels(results, labels, "comparison_table", least=1)
    rows: list[dict[str, object]] = []
    for label, r in zip(labels, results):
        for s in r.series:
            vals = r.path_mean[s]
            rows.append({"scenario": label, "series": s, "statistic": "horizon_average_mean", "level": np.nan,
                         "month": "", "value": float(np.mean(vals)),
                         "mc_standard_error": float(np.std(vals) / math.sqrt(vals.shape[0]))})
            for q, v in r.horizon_mean_quantiles(s).items():
                rows.append({"scenario": label, "series": s, "statistic": "horizon_average", "level": q,
                             "month": "", "value": v, "mc_standard_error": np.nan})
            month, peak = r.peak_month(s, 0.95)
            rows.append({"scenario": label, "series": s, "statistic": "peak_month_p95", "level": 0.95,
                         "month": month, "value": peak, "mc_standard_error": np.nan})
            for t in r.scenario.outputs.thresholds.get(s, []):
                p, se = r.threshold_probability(s, t)
                rows.append({"scenario": label, "series": s, "statistic": "threshold_probability", "level": t,
                             "month": "", "value": p, "mc_standard_error": se})
    return pd.DataFrame(rows, columns=["scenario", "series", "statistic", "level", "month", "value",
                                       "mc_standard_error"])


def differences_table(results: Sequence[SimulationResult], labels: Sequence[str]) -> pd.DataFrame:
    """For each scenario against the first, per series and measure, the paired difference summarised.

    Columns: ``scenario, reference, series, measure, mean_difference, p05, p50, p95,
    share_higher, mc_se_paired, mc_se_independent, paths``.
    """
    results, labels = _runs_and_labels(results, labels, "differences_table")
    ref, ref_label = results[0], labels[0]
    rows: list[dict[str, object]] = []
    for label, r in zip(labels[1:], results[1:]):
        for s in ref.series:
            for measure in MEASURES:
                a, b = _reduction(ref, measure, s), _reduction(r, measure, s)
                rows.append({"scenario": label, "reference": ref_label, "series": s, "measure": measure,
                             **summarise_difference(b - a, a, b), "paths": r.n_paths})
    return pd.DataFrame(rows)


def monthly_differences_table(results: Sequence[SimulationResult], labels: Sequence[str]) -> pd.DataFrame:
    """For each scenario against the first, per series and month: mean and 90 % interval of the
    paired difference of the monthly average."""
    results, labels = _runs_and_labels(results, labels, "monthly_differences_table")
    ref, ref_label = results[0], labels[0]
    rows: list[dict[str, object]] = []
    months = [str(m) for m in ref.months]
    for label, r in zip(labels[1:], results[1:]):
        for s in ref.series:
            d = r.monthly_mean[s] - ref.monthly_mean[s]
            mean = d.mean(axis=0)
            lo, mid, hi = np.quantile(d, DIFF_QUANTILES, axis=0)
            for k, month in enumerate(months):
                rows.append({"scenario": label, "reference": ref_label, "series": s, "month": month,
                             "mean_difference": float(mean[k]), "p05": float(lo[k]), "p50": float(mid[k]),
                             "p95": float(hi[k])})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Comparison:
    """Runs of several scenarios on common random numbers, the first being the reference."""

    labels: tuple[str, ...]
    results: tuple[SimulationResult, ...]

    def __post_init__(self) -> None:
        results, labels = _runs_and_labels(self.results, self.labels, "Comparison")
        object.__setattr__(self, "results", tuple(results))
        object.__setattr__(self, "labels", tuple(labels))

    def comparison(self) -> pd.DataFrame:
        return comparison_table(self.results, self.labels)

    def differences(self) -> pd.DataFrame:
        return differences_table(self.results, self.labels)

    def monthly_differences(self) -> pd.DataFrame:
        return monthly_differences_table(self.results, self.labels)


def _runs_and_labels(results: Sequence[SimulationResult], labels: Sequence[str], caller: str,
                     least: int = 2) -> tuple[list[SimulationResult], list[str]]:
    """Results and their labels checked: results of :func:`energysim.simulate`, one label each,
    and (for paired differences, ``least`` = 2) on the same paths, seed and time grid."""
    runs = check_runs(results, (SimulationResult,), caller, least=least)
    names = check_labels(labels, len(runs), caller)
    if least >= 2:
        check_comparable(runs)
    return runs, names
