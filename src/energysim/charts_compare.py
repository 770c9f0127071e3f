"""Comparison figures: fan charts side by side on a shared axis, and medians overlaid.

Like :mod:`energysim.charts`, each function returns a matplotlib Figure and computes nothing
beyond picking quantiles out of the results.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from .charts import SERIES_LABELS  # also sets the Agg backend and stable SVG ids
from .results import SimulationResult

__all__ = ["side_by_side_fans", "medians_overlay", "SCENARIO_COLOURS"]

#: Okabe & Ito (2008) colour-blind-safe palette, in order of scenarios.
SCENARIO_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def _dates(result: SimulationResult) -> list[object]:
    return list(result.dates.astype("datetime64[D]").astype(object))


def _title(result: SimulationResult, label: str, width: int) -> str:
    text = label + (f": {result.scenario.title}" if result.scenario.title else "")
    return "\n".join(textwrap.wrap(text, width)[:3])


def side_by_side_fans(results: Sequence[SimulationResult], labels: Sequence[str], series: str) -> Figure:
    """One fan chart per scenario (median, 50 % and 90 % bands, baseline), on a shared y axis."""
    label, unit = SERIES_LABELS.get(series, (series, ""))
    n = len(results)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.4 * nrows + 0.6), dpi=100)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    for k, (r, name) in enumerate(zip(results, labels)):
        ax = axes[k // ncols][k % ncols]
        dates = _dates(r)
        p5, p25, p50, p75, p95 = (r.quantile_path(series, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        ax.fill_between(dates, p5, p95, color=colour, alpha=0.18, lw=0, label="90 % of futures")
        ax.fill_between(dates, p25, p75, color=colour, alpha=0.40, lw=0, label="50 % of futures")
        ax.plot(dates, p50, color=colour, lw=2, label="Median")
        ax.plot(dates, r.baseline[series], color="#444444", lw=1.0, ls="--", label="Baseline (no shock)")
        ax.set_title(_title(r, name, 44), loc="left", fontsize=8.5)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
        if k % ncols == 0:
            ax.set_ylabel(unit)
        if k == 0:
            ax.legend(loc="upper left", fontsize=7, frameon=False)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.suptitle(f"{label}: scenarios side by side (same axis, same random draws)", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def medians_overlay(results: Sequence[SimulationResult], labels: Sequence[str], series: Sequence[str]) -> Figure:
    """One panel per series: each scenario's median with its 50 % band, overlaid."""
    fig = Figure(figsize=(9, 3.0 * len(series) + 0.7), dpi=100)
    axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)
    for i, s in enumerate(series):
        ax = axes[i][0]
        label, unit = SERIES_LABELS.get(s, (s, ""))
        for k, (r, name) in enumerate(zip(results, labels)):
            dates = _dates(r)
            colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
            lo, hi = r.quantile_path(s, 0.25), r.quantile_path(s, 0.75)
            # Lighter fills as scenarios are added, so that overlapping bands stay readable.
            ax.fill_between(dates, lo, hi, color=colour, alpha=min(0.12, 0.3 / len(results)), lw=0)
            ax.plot(dates, lo, color=colour, lw=0.7, ls=":")
            ax.plot(dates, hi, color=colour, lw=0.7, ls=":")
            ax.plot(dates, r.quantile_path(s, 0.5), color=colour, lw=1.8, label=name)
        ax.set_title(label, loc="left", fontsize=10)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        if i == 0:
            ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=min(len(results), 3))
    fig.suptitle("Medians (solid) with their 50 % bands (shaded, dotted edges), by scenario", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig
