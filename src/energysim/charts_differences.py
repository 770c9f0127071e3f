"""The paired differences of a comparison as a figure: how much each scenario adds to the first.

Scenarios run on common random numbers can be subtracted future by future; the table of
:func:`energysim.compare.monthly_differences_table` summarises those differences per month
(mean, P5, P50, P95 over the futures). This module draws that table and computes nothing: one
panel per series, per scenario the band of 9 futures in 10, the average and the median, and
the zero line, "same as the reference". It shares the layout, colours and provenance footer of
the other comparison figures (:mod:`energysim.charts_compare`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import Formatter, MaxNLocator

from .arguments import check_labels, check_runs, check_series_list
from .charts import PALETTE, STYLE, date_axis
from .charts_compare import SCENARIO_COLOURS, SCENARIO_LINES, _figure, _legend
from .compare import check_comparable
from .errors import ScenarioError
from .results import SimulationResult
from .runview import RunView

__all__ = ["differences_chart", "SignedDollars"]

#: Opacity of a scenario's band: one band alone reads at a glance; several stay see-through,
#: with their edges drawn as thin lines so that each can be followed.
_BAND_ALPHA = {1: 0.28, 2: 0.12}
_BAND_ALPHA_MANY = 0.07
#: Legend: at most this many columns, the scenarios on the first row(s), what the marks mean on
#: the next; its font size [pt] (as :func:`energysim.charts_compare._legend` draws it).
_MAX_COLS = 4
_LEGEND_PT = 8.5
#: The figure's width [in].
_WIDTH_IN = 9.0

#: The columns of the table drawn.
_TABLE_COLUMNS = frozenset({"scenario", "series", "month", "mean_difference", "p05", "p50", "p95"})

#: A legend entry: its handle (an artist, or artists drawn on top of each other) and its text.
_Entry = tuple[Artist | tuple[Artist, ...], str]


class SignedDollars(Formatter):
    """Differences in dollars: "+$0.10", "\u2212$0.05", "$0"; as few decimals as tell the ticks
    apart, at least cents below a dollar."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        self.decimals = next((d for d in (0, 2, 3, 4) if all(abs(x * 10**d - round(x * 10**d)) < 1e-6 for x in locs)),
                             4)

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = f"${abs(x):,.{self.decimals}f}"
        if round(abs(x), self.decimals) == 0:
            return "$0"
        return ("+" if x > 0 else "\u2212") + text


def _mid_months(months: Sequence[str]) -> np.ndarray:
    """The middle of each month ``YYYY-MM`` (the 15th or 16th), as dates for the x axis."""
    first = np.array(months, dtype="datetime64[M]").astype("datetime64[D]")
    last = (np.array(months, dtype="datetime64[M]") + 1).astype("datetime64[D]")
    return (first + (last - first) // 2).astype(object)


def _short(name: str, width: int = 32) -> str:
    """``name``, cut to ``width`` characters with "..." (a scenario name can be 64 long)."""
    return name if len(name) <= width else name[: width - 3] + "..."


def _legend_rows(groups: Sequence[Sequence[_Entry]], ncols: int) -> list[list[_Entry]]:
    """Legend entries in rows of ``ncols``, each group starting a row of its own (blanks pad the rows)."""
    blank: _Entry = (Line2D([], [], ls="none"), "")
    rows = [list(g[i:i + ncols]) for g in groups for i in range(0, len(g), ncols)]
    return [r + [blank] * (ncols - len(r)) for r in rows]


def _legend_columns(groups: Sequence[Sequence[_Entry]], width_in: float) -> int:
    """The most columns (up to 4) in which the legend fits ``width_in``: its texts measured in the
    legend's font, plus the handles and the gaps that :func:`energysim.charts_compare._legend`
    draws (long scenario names take fewer columns instead of running off the figure)."""
    font = FontProperties(family=STYLE["font.family"], size=_LEGEND_PT)
    measure = TextToPath()
    for n in range(_MAX_COLS, 1, -1):
        columns = list(zip(*_legend_rows(groups, n)))
        width_pt = sum((3 + 0.8) * _LEGEND_PT + max(measure.get_text_width_height_descent(name, font, ismath=False)[0]
                                                    for _, name in col) for col in columns)
        if width_pt + 2.0 * _LEGEND_PT * (n - 1) <= width_in * 72:
            return n
    return 1


def _scenario(ax: Axes, rows: pd.DataFrame, k: int, alpha: float, edges: bool) -> Line2D:
    """The ``k``-th scenario's band (P5 to P95, with its edges as thin lines if ``edges``), mean
    (a line in the scenario's colour and style) and median (dots); returns the mean's line."""
    x = _mid_months(rows["month"].tolist())
    colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
    ax.fill_between(x, rows["p05"], rows["p95"], color=colour, alpha=alpha, lw=0, zorder=1)
    if edges:
        for edge in ("p05", "p95"):
            ax.plot(x, rows[edge], color=colour, lw=0.7, alpha=0.8, zorder=1.5)
    mean, = ax.plot(x, rows["mean_difference"], color=colour, lw=2, ls=SCENARIO_LINES[k % len(SCENARIO_LINES)],
                    zorder=3)
    ax.plot(x, rows["p50"], color=colour, ls="none", marker="o", ms=3.5, zorder=3)
    return mean


def _difference_axis(ax: Axes, label: str, months: Sequence[str]) -> None:
    """Signed dollar ticks on round steps, the unit in words, light grid lines; the months shown whole."""
    ax.set_ylabel(label)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(SignedDollars())
    ax.grid(axis="y", color=PALETTE["grid"], lw=0.7, zorder=0)
    ax.set_axisbelow(True)
    date_axis(ax)
    span = np.array([min(months), max(months)], dtype="datetime64[M]") + np.array([0, 1])
    ax.set_xlim(*span.astype("datetime64[D]").astype(object))


def _check_table(table: object, labels: Sequence[str], series: Sequence[str]) -> None:
    """``table`` as :func:`energysim.compare.monthly_differences_table` gives it, with rows for every
    scenario after the first and every series drawn."""
    if not isinstance(table, pd.DataFrame) or not _TABLE_COLUMNS <= set(table.columns):
        raise ScenarioError.at(None, "differences_chart needs the table of "
                               "energysim.compare.monthly_differences_table (columns "
                               f"{', '.join(sorted(_TABLE_COLUMNS))})", key="table", given=type(table).__name__)
    present = set(zip(table["scenario"], table["series"]))
    for name in labels[1:]:
        for s in series:
            if (name, s) not in present:
                raise ScenarioError.at(None, f"the table has no monthly differences of {name} for {s}; make it "
                                       "from the same runs and labels", key="table")


def _differences_title(ref: str, table: pd.DataFrame, others: Sequence[str], series: Sequence[str]) -> str:
    """The chart's question: "more" while every scenario drawn costs more on average than the
    reference in every month, "more or less" once one costs less (a sanctions relief, a gain)."""
    drawn = table[table["scenario"].isin(list(others)) & table["series"].isin(list(series))]
    more = "more" if bool((drawn["mean_difference"] >= 0).all()) else "more or less"
    return f"How much {more} would oil and fuel cost than under {_short(ref)}?"


def differences_chart(runs: Sequence[RunView | SimulationResult], labels: Sequence[str], table: pd.DataFrame,
                      series: Sequence[str]) -> Figure:
    """One panel per series: for each scenario after the first, its paired difference from the
    first month by month (``table`` as :func:`energysim.compare.monthly_differences_table` gives
    it): the band from P5 to P95, the mean as a line and the median as dots, over a zero line
    in the first scenario's colour.

    Units are the series' own ([USD/bbl], [USD/gal]); the y ticks are signed dollars.

    Raises
    ------
    ScenarioError
        If ``runs`` is not a list of at least two results or views on the same paths, seed and
        time grid (the differences are paired), ``labels`` not one text per run, ``series`` not a
        list of series every run has, or ``table`` lacks a scenario's rows of a series; checked
        before any simulation."""
    runs = check_runs(runs, (SimulationResult, RunView), "differences_chart", least=2)
    labels = check_labels(labels, len(runs), "differences_chart")
    check_comparable(runs)
    series = check_series_list(runs, series, "differences_chart")
    _check_table(table, labels, series)
    views = [RunView.of(r) for r in runs]
    v0, ref, others = views[0], labels[0], list(enumerate(labels))[1:]
    alpha = _BAND_ALPHA.get(len(others), _BAND_ALPHA_MANY)
    grey, ref_colour = PALETTE["muted"], SCENARIO_COLOURS[0]
    key = [Line2D([], [], color=grey, lw=2), Patch(color=grey, alpha=0.3),
           Line2D([], [], color=grey, ls="none", marker="o", ms=3.5), Line2D([], [], color=ref_colour, lw=1.4)]
    key_names = ["Average difference", "9 in 10 futures", "Typical difference (median)", f"$0: same as {_short(ref)}"]
    title = _differences_title(ref, table, labels[1:], series)
    subtitle = f"Each scenario's monthly average price minus {_short(ref)}'s, future by future (same random draws)"
    months = table["month"].tolist()
    with matplotlib.rc_context(STYLE):
        groups: list[list[_Entry]] = [[(Patch(), name) for _, name in others], list(zip(key, key_names))]
        ncols = _legend_columns(groups, _WIDTH_IN * 0.96)
        fig = _figure(views, title, _WIDTH_IN, 2.7 * len(series), len(_legend_rows(groups, ncols)), subtitle=subtitle)
        axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)
        means: list[Line2D] = []
        for ax, s in zip(axes[:, 0], series):
            ax.axhline(0.0, color=ref_colour, lw=1.4, zorder=2)
            for k, name in others:
                rows = table[(table["scenario"] == name) & (table["series"] == s)].sort_values("month")
                means.append(_scenario(ax, rows, k, alpha, edges=len(others) > 1))
            ax.set_title(v0.label(s), loc="left", fontsize=10)
            _difference_axis(ax, v0.unit_words(s)[0], months)
        groups[0] = [((Patch(color=m.get_color(), alpha=max(alpha, 0.25)), m), name)
                     for m, (_, name) in zip(means, others)]
        entries = [e for col in zip(*_legend_rows(groups, ncols)) for e in col]
        _legend(fig, [h for h, _ in entries], [n for _, n in entries], ncols, subtitle=subtitle)
    return fig
