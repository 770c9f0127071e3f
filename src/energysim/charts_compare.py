"""Comparison figures: fan charts side by side on a shared axis, and medians overlaid.

Like :mod:`energysim.charts`, each function returns a matplotlib Figure and computes nothing
beyond picking quantiles out of the runs. They share the fan charts' style, date and price axes
and provenance footer (one source line, one line per scenario); save them with
:func:`energysim.charts.save_chart`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import cast

import matplotlib
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import texts
from .arguments import check_labels, check_runs, check_series, check_series_list
from .charts import FOOTER_BOTTOM_IN, FOOTER_LINE_IN, PALETTE, STYLE, date_axis, footer, price_axis
from .compare import on_common_draws
from .results import SimulationResult
from .runview import RunView

__all__ = ["side_by_side_fans", "medians_overlay", "SCENARIO_COLOURS", "SCENARIO_LINES"]

#: Okabe & Ito (2008) colour-blind-safe palette, in order of scenarios.
SCENARIO_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
#: Line styles in order of scenarios, so that the medians stay apart in greyscale too.
SCENARIO_LINES = ("solid", (0, (5, 2)), (0, (6, 2, 1.5, 2)), (0, (1.5, 1.5)))
#: Where the legend starts, below the title [in].
_LEGEND_TOP_IN = 0.45
#: The height of a subtitle line, between the title and the legend [in].
_SUBTITLE_IN = 0.27


def _title(v: RunView, label: str, width: int) -> str:
    text = label + (f": {v.scenario.title}" if v.scenario.title else "")
    return "\n".join(textwrap.wrap(text, width)[:3])


def _figure(views: Sequence[RunView], title: str, width: float, panels: float, legend_rows: int,
            subtitle: str = "") -> Figure:
    """A figure ``width`` inches wide: the title (and a one-line subtitle), room for a legend of
    ``legend_rows`` rows, panels ``panels`` inches high, and the runs' provenance footer (the
    source once, then each scenario)."""
    lines = list(dict.fromkeys(line for v in views for line in texts.footer_lines(v)))
    head = _legend_top_in(subtitle) + 0.21 * legend_rows
    fig = Figure(figsize=(width, head + panels + FOOTER_BOTTOM_IN + len(lines) * FOOTER_LINE_IN), dpi=100)
    h = fig.get_figheight()
    fig.text(0.02, 1 - 0.12 / h, title, ha="left", va="top", fontsize=12, fontweight="bold", color=PALETTE["text"])
    if subtitle:
        fig.text(0.02, 1 - _LEGEND_TOP_IN / h, subtitle, ha="left", va="top", fontsize=9.5, color=PALETTE["muted"])
    foot = footer(fig, lines)
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, foot, 1, 1 - foot - head / h)))
    return fig


def _legend_top_in(subtitle: str) -> float:
    """Where the legend starts, below the top of the figure [in]: under the title and the subtitle."""
    return _LEGEND_TOP_IN + (_SUBTITLE_IN if subtitle else 0.0)


def _legend(fig: Figure, handles: Sequence[Artist | tuple[Artist, ...]], names: Sequence[str], ncols: int,
            subtitle: str = "") -> None:
    """The legend under the title (and subtitle), above the panels (never on the data); a tuple of
    artists is one entry, drawn on top of each other (matplotlib's HandlerTuple; its type hints
    leave tuples out)."""
    top = _legend_top_in(subtitle) / fig.get_figheight()
    fig.legend(cast(list[Artist], list(handles)), names, loc="upper left", bbox_to_anchor=(0.02, 1 - top),
               ncols=ncols, frameon=False, fontsize=8.5, handlelength=3, borderaxespad=0, borderpad=0)


def side_by_side_fans(runs: Sequence[RunView | SimulationResult], labels: Sequence[str], series: str) -> Figure:
    """One fan chart per scenario (median, 50 % and 90 % bands, baseline), on a shared y axis.

    The title says "same random draws" only when the runs share paths, seed and time grid
    (:func:`energysim.compare.on_common_draws`).

    Raises
    ------
    ScenarioError
        If ``runs`` is not a list of results or views, ``labels`` not one text per run, or
        ``series`` missing from a run; checked before any simulation."""
    runs, labels = _runs_and_labels(runs, labels, "side_by_side_fans")
    check_series(runs, series, "side_by_side_fans")
    views = [RunView.of(r) for r in runs]
    v0 = views[0]
    n = len(views)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    axis = "same axis, same random draws" if on_common_draws(views) else "same axis"
    with matplotlib.rc_context(STYLE):
        fig = _figure(views, f"{v0.label(series)}: scenarios side by side ({axis})", 4.2 * ncols, 3.6 * nrows, 1)
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        for k, (v, name) in enumerate(zip(views, labels)):
            ax = axes[k // ncols][k % ncols]
            dates = v.step_centres.astype(object)  # a step's average drawn halfway through the step
            p5, p25, p50, p75, p95 = (v.quantile_path(series, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
            colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
            ax.fill_between(dates, p5, p95, color=colour, alpha=0.18, lw=0)
            ax.fill_between(dates, p25, p75, color=colour, alpha=0.40, lw=0)
            ax.plot(dates, v.baseline[series], color=PALETTE["muted"], lw=1.0, ls=(0, (5, 2.5)))
            ax.plot(dates, p50, color=colour, lw=2)
            ax.set_title(_title(v, name, 44), loc="left", fontsize=8.5)
            price_axis(ax, v0.unit(series), v0.unit_words(series)[0] if k % ncols == 0 else "")
            date_axis(ax)
            ax.tick_params(axis="x", labelbottom=k + ncols >= n)  # dates under the lowest panel of each column
        for k in range(n, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        grey = PALETTE["muted"]
        _legend(fig, [Line2D([], [], color=grey, lw=2), Patch(color=grey, alpha=0.4), Patch(color=grey, alpha=0.18),
                      Line2D([], [], color=grey, lw=1.0, ls=(0, (5, 2.5)))],
                ["Most likely (median)", "Half of futures", "9 in 10 futures", "No-disruption outlook"], 4)
    return fig


def medians_overlay(runs: Sequence[RunView | SimulationResult], labels: Sequence[str],
                    series: Sequence[str]) -> Figure:
    """One panel per series: each scenario's median, told apart by colour and line style, over the
    first scenario's 50 % band for scale (one light band: overlapping bands blend into mud).
    Each median is drawn on its run's own steps, a step's average halfway through the step.

    Raises
    ------
    ScenarioError
        If ``runs`` is not a list of results or views, ``labels`` not one text per run, or
        ``series`` not a list of series that every run has; checked before any simulation."""
    runs, labels = _runs_and_labels(runs, labels, "medians_overlay")
    series = check_series_list(runs, series, "medians_overlay")
    views = [RunView.of(r) for r in runs]
    v0 = views[0]
    ncols = 3
    with matplotlib.rc_context(STYLE):
        fig = _figure(views, "Most likely path (median) of each scenario", 9, 3.0 * len(series),
                      math.ceil((len(views) + 1) / ncols))
        axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)
        for i, s in enumerate(series):
            ax = axes[i][0]
            dates = v0.step_centres.astype(object)
            for k, (v, name) in enumerate(zip(views, labels)):
                ax.plot(v.step_centres.astype(object), v.quantile_path(s, 0.5), color=SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)], lw=2,
                        ls=SCENARIO_LINES[k % len(SCENARIO_LINES)], label=name)
            ax.fill_between(dates, v0.quantile_path(s, 0.25), v0.quantile_path(s, 0.75), color="#e3e3e3", lw=0,
                            zorder=0.5, label=f"Half of futures ({labels[0]})")
            ax.set_title(v0.label(s), loc="left", fontsize=10)
            price_axis(ax, v0.unit(s), v0.unit_words(s)[0])
            date_axis(ax)
        handles, names = axes[0][0].get_legend_handles_labels()
        _legend(fig, handles, names, ncols)
    return fig


def _runs_and_labels(runs: Sequence[RunView | SimulationResult], labels: Sequence[str],
                     caller: str) -> tuple[list[RunView | SimulationResult], list[str]]:
    """At least one run (a result or a view) and one label per run, checked."""
    checked = check_runs(runs, (SimulationResult, RunView), caller)
    return checked, check_labels(labels, len(checked), caller)
