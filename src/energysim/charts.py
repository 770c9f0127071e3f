"""Figures from results only: each function returns a matplotlib Figure and computes nothing
beyond picking the numbers out of a :class:`~energysim.runview.RunView`.

Charts are made to stand alone in a household guide: a plain-words title, the scenario as
subtitle, units on the axis, the last 12 months of real prices, the simulated median with 50 %
and 90 % bands, the no-disruption baseline, threshold lines labelled with the chance of
reaching them, and a footer that lets anyone reproduce the image.

Reproducibility: every style setting is fixed in :data:`STYLE` (fonts: DejaVu Sans, shipped with
matplotlib), SVG ids are salted with a constant and files carry no dates (see
:func:`energysim.runio.save_figure`), so the same inputs give the same bytes.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "energysim"  # stable ids: same inputs, same bytes
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.patheffects as patheffects  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import Formatter, FuncFormatter  # noqa: E402

from . import texts  # noqa: E402
from .arguments import check_run, check_series  # noqa: E402
from .results import SimulationResult  # noqa: E402
from .runio import FIGURE_FORMATS, save_figure  # noqa: E402
from .runview import RunView  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import RcKeyType

__all__ = ["fan_chart", "SERIES_LABELS", "STYLE", "PALETTE", "HEADLINE_SERIES", "headline_series", "FIG_WIDTH_IN",
           "save_chart", "chart_bytes", "date_axis", "price_axis", "footer"]

SERIES_LABELS = {
    "brent_usd_per_bbl": ("Brent crude", "USD per barrel"),
    "us_gasoline_usd_per_gal": ("US regular gasoline", "USD per gallon"),
    "us_diesel_usd_per_gal": ("US on-highway diesel", "USD per gallon"),
    "net_supply_loss_mbd": ("Net supply loss", "million barrels per day"),
}

#: The series shown in the gallery and first in the report.
HEADLINE_SERIES = "us_gasoline_usd_per_gal"

#: Width 8 in: 800 px at 100 dpi on screen, PNGs are saved at 200 dpi (2x).
FIG_WIDTH_IN = 8.0
FIG_HEIGHT_IN = 5.6
#: Provenance footer: height of its last line above the figure's bottom edge, and line spacing [in].
FOOTER_BOTTOM_IN = 0.0952
FOOTER_LINE_IN = 0.1568

#: Sequential blues for the fan (ColorBrewer "Blues", colour-blind safe, monotone in lightness
#: so the bands stay ordered in greyscale), black for history, Okabe-Ito orange (dashed) for the
#: baseline and vermilion (dotted) for thresholds: line style, not colour alone, tells them apart.
PALETTE = {
    "band90": "#c6dbef",
    "band50": "#6baed6",
    "median": "#08306b",
    "history": "#000000",
    "baseline": "#e69f00",
    "threshold": "#d55e00",
    "text": "#222222",
    "muted": "#555555",
    "grid": "#dddddd",
}

STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 12,
    "axes.labelsize": 9.5,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.solid_capstyle": "butt",
    "path.simplify": False,
    "text.hinting": "none",  # as matplotlib's own image tests: least dependent on the FreeType version
    "text.antialiased": True,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "energysim",
    "svg.fonttype": "none",
    "date.converter": "auto",
    "text.parse_math": False,  # "$" is a dollar sign here, not mathtext
}


def headline_series(run: RunView) -> str:
    """The series of a run shown in the gallery: US gasoline if present, else the first price."""
    return HEADLINE_SERIES if HEADLINE_SERIES in run.series else run.price_series[0]


class _Dollars(Formatter):
    """Dollar tick labels that stay narrow, so that the axis label is never pushed out of the
    figure: cents only while the ticks are less than $1 apart (prices per gallon), thousands
    ("$60k") once a tick reaches $10,000 and millions ("$1.5M") once one reaches a million."""

    def __init__(self, cents: bool) -> None:
        self.cents = cents
        self.scale, self.suffix, self.decimals = 1.0, "", 2 if cents else 0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        big = max(map(abs, locs), default=0.0)
        step = float(np.min(np.diff(locs))) if len(locs) > 1 else 1.0
        self.scale, self.suffix = (1e6, "M") if big >= 1e6 else (1e3, "k") if big >= 1e4 else (1.0, "")
        self.decimals = 2 if self.cents and step < 1 else 0

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.suffix and x != 0:
            return f"${x / self.scale:,g}{self.suffix}"
        return f"${x:,.{self.decimals}f}"


def _ticks(unit: str) -> Formatter:
    if unit == "mbd":
        return FuncFormatter(lambda x, _: f"{x:,.1f}")
    return _Dollars(cents=unit != "bbl")


def _spread(ys: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Sorted label positions moved apart so that neighbours are at least ``gap`` apart: up from
    ``lo``, then down from ``hi`` if the top one went past it."""
    out: list[float] = []
    for y in ys:
        out.append(max(y, out[-1] + gap if out else lo))
    if out and out[-1] > hi:
        out[-1] = hi
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return out


def date_axis(ax: Axes) -> None:
    """Months on the x axis: every other month named over its year ("Jan" over "2026"), ticks on the others."""
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 3, 5, 7, 9, 11)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def price_axis(ax: Axes, unit: str, label: str) -> None:
    """The y axis of a price: its unit in words, dollar ticks, light horizontal grid lines."""
    ax.set_ylabel(label)
    ax.yaxis.set_major_formatter(_ticks(unit))
    ax.grid(axis="y", color=PALETTE["grid"], lw=0.7, zorder=0)
    ax.set_axisbelow(True)


def footer(fig: Figure, lines: Sequence[str]) -> float:
    """Provenance lines at the bottom left of ``fig``; returns the height they take (figure fraction)."""
    h = fig.get_figheight()
    for i, line in enumerate(lines):
        fig.text(0.02, (FOOTER_BOTTOM_IN + (len(lines) - 1 - i) * FOOTER_LINE_IN) / h, line, ha="left", va="bottom",
                 fontsize=7, color=PALETTE["muted"])
    return (FOOTER_BOTTOM_IN + len(lines) * FOOTER_LINE_IN) / h


def fan_chart(run: RunView | SimulationResult, series: str, *, finish: bool = True) -> Figure:
    """Fan chart of one series: history, median, 50 % and 90 % bands, baseline, thresholds.

    The figure is drawn once under :data:`STYLE`, which creates its tick labels in that style, so
    it looks the same wherever it is shown later (a notebook draws outside the style).
    ``finish=False`` skips that draw, for a figure that only goes to :func:`save_chart` or
    :func:`chart_bytes`: they draw it under the style anyway, and the bytes are the same (about
    0.25 s less per chart).

    A :class:`~energysim.results.SimulationResult` is turned into a :class:`RunView` first, which
    simulates the run's no-disruption outlook once per result
    (:func:`energysim.reference.no_disruption_reference` keeps it for the result's next charts).

    Raises
    ------
    ScenarioError
        If ``run`` is not a result or a view (e.g. a scenario not simulated yet) or ``series`` is
        not one of its series; checked before any simulation."""
    check_run(run, (SimulationResult, RunView), "fan_chart")
    check_series([run], series, "fan_chart")
    v = RunView.of(run)
    with matplotlib.rc_context(STYLE):
        fig = _fan_chart(v, series)
        if finish:
            fig.draw_without_rendering()
    return fig


def save_chart(fig: Figure, stem: str | Path, formats: str | Sequence[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``stem.png`` (200 dpi, 2x for screens), ``stem.svg`` and/or ``stem.pdf``,
    reproducibly: the same figure gives the same bytes (``fig.savefig`` would write the date and
    the software into the files). ``formats`` is one format or a list of them.

    The extension is added to ``stem``, dots and all: ``gas_prob_0.6`` gives ``gas_prob_0.6.png``.
    A ``stem`` that already ends in a format's extension (``fan.png``) stands for the name
    without it (``fan.png`` and ``fan.svg``).

    Raises
    ------
    ScenarioError
        If a format is not one of :data:`~energysim.runio.FIGURE_FORMATS` (nothing is written)."""
    path = Path(stem)
    if path.suffix.lower().lstrip(".") in FIGURE_FORMATS:
        path = path.with_suffix("")
    with matplotlib.rc_context(STYLE):
        return save_figure(fig, path, formats)


def chart_bytes(fig: Figure, fmt: str) -> bytes:
    """The bytes of ``fig`` saved as ``fmt``, exactly as :func:`save_chart` writes them."""
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = save_chart(fig, Path(tmp) / "chart", (fmt,))
        return path.read_bytes()


#: How close [axes fraction, about 7.5 points] a threshold label may come to the real/simulated
#: marker before the marker stops below it.
MARKER_CLEARANCE = 0.015


def _text_width_pt(text: str, size_pt: float, dpi: float) -> float:
    """The width [points] of one line of plain text in the current font, as Agg draws it."""
    width_px, _, _ = RendererAgg(1, 1, dpi).get_text_width_height_descent(text, FontProperties(size=size_pt), False)
    return float(width_px) * 72.0 / dpi


def _fan_chart(v: RunView, s: str) -> Figure:
    unit = v.unit(s)
    axis_label, _, _ = v.unit_words(s)
    dates = v.step_centres.astype(object)  # a step's average drawn halfway through the step
    fig = Figure(figsize=(FIG_WIDTH_IN, FIG_HEIGHT_IN), dpi=100)
    ax = fig.add_axes((0.095, 0.245, 0.875, 0.575))
    p5, p25, p50, p75, p95 = (v.quantile_path(s, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))

    ax.fill_between(dates, p5, p95, color=PALETTE["band90"], lw=0, zorder=1)
    ax.fill_between(dates, p25, p75, color=PALETTE["band50"], lw=0, zorder=2)
    # a white halo keeps the dashed baseline visible on the bands in greyscale print
    ax.plot(dates, v.baseline[s], color=PALETTE["baseline"], lw=1.8, ls=(0, (5, 2.5)), zorder=4,
            path_effects=[patheffects.Stroke(linewidth=3.8, foreground="white"), patheffects.Normal()])
    ax.plot(dates, p50, color=PALETTE["median"], lw=2.2, zorder=5)
    handles: list[Any] = []
    labels: list[str] = []
    has_hist = s in v.history_values and len(v.history_values[s]) > 0
    if has_hist:
        hd = v.history_dates[s].astype(object)
        hv = v.history_values[s]
        ax.plot(hd, hv, color=PALETTE["history"], lw=1.5, zorder=5)
        handles.append(Line2D([], [], color=PALETTE["history"], lw=1.5))
        labels.append("Real weekly price (EIA)")
    handles += [Line2D([], [], color=PALETTE["median"], lw=2.2), Patch(color=PALETTE["band50"]),
                Patch(color=PALETTE["band90"]), Line2D([], [], color=PALETTE["baseline"], lw=1.8, ls=(0, (5, 2.5)),
                       path_effects=[patheffects.Stroke(linewidth=3.8, foreground="white"), patheffects.Normal()])]
    labels += ["Most likely (median)", "Half of futures", "9 in 10 futures", "No-disruption outlook"]

    # y range: everything drawn, with room at the top for threshold labels
    drawn = [p5, p95, v.baseline[s]] + ([v.history_values[s]] if has_hist else [])
    lo = float(min(np.min(a) for a in drawn))
    hi = float(max(np.max(a) for a in drawn))
    span = max(hi - lo, 1e-9)
    thresholds = v.thresholds.get(s, [])
    top = hi + 0.12 * span
    shown = sorted(t for t in thresholds if t[0] <= hi + 0.5 * span)
    if shown:
        top = max(top, max(t[0] for t in shown) + 0.1 * span)
    bottom = max(0.0, lo - 0.08 * span)
    ax.set_ylim(bottom, top)
    x0 = (v.history_dates[s][0] if has_hist else v.dates[0]).astype(object)
    x1: Any = v.steps_end.astype(object)  # to the end of the last step
    ax.set_xlim(x0, x1)

    # thresholds: dotted lines; labels at the right edge just above their line, at least a line of
    # text apart and clear of the "real | simulated" marker at the bottom. A thin white halo, not
    # a box, keeps them legible on the bands without hiding the bands or the lines; it is a copy
    # of the label drawn underneath, so that the label itself stays text in SVG.
    pt = 1 / (ax.get_position().height * fig.get_figheight() * 72)  # one point in axes fractions
    floor = (0.015 + 14 * pt) if has_hist else 2 * pt
    label_ys = _spread([(t[0] - bottom) / (top - bottom) + 1.5 * pt for t in shown], 13 * pt, floor, 1 - 13 * pt)
    # the "real | simulated" marker stops below the lowest label long enough to reach it
    marker_top = 1.0
    if has_hist:
        span_days = float(mdates.date2num(x1) - mdates.date2num(x0))
        marker_x = float(mdates.date2num(v.dates[0].astype(object)) - mdates.date2num(x0)) / span_days
        width_pt = ax.get_position().width * fig.get_figwidth() * 72
    for (level, p, se), ly in zip(shown, label_ys):
        ax.axhline(level, color=PALETTE["threshold"], lw=1.1, ls=(0, (1.5, 1.5)), zorder=3)
        label = texts.threshold_label(v, s, level, p, se)
        if has_hist and 0.995 - _text_width_pt(label, 8.5, fig.dpi) / width_pt < marker_x + MARKER_CLEARANCE:
            marker_top = min(marker_top, ly - 2 * pt)
        halo = [patheffects.Stroke(linewidth=2.5, foreground="white")]
        for colour, effects in (("white", halo), (PALETTE["text"], [])):
            ax.text(0.995, ly, label, transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5, color=colour,
                    zorder=6, path_effects=effects)
    hidden = [t for t in thresholds if t not in shown]
    if hidden:
        note = texts.off_chart_note(v, s, hidden)
        fig.text(0.97, 0.828, note, ha="right", va="bottom", fontsize=8, color=PALETTE["muted"])

    # where the real data ends and the simulation starts
    if has_hist:
        start = v.dates[0].astype(object)
        ax.axvline(start, ymax=marker_top, color=PALETTE["muted"], lw=0.8, zorder=3)
        ax.text(start, 0.015, "real  \u2190 ", transform=ax.get_xaxis_transform(), ha="right", va="bottom",
                fontsize=8, color=PALETTE["muted"])
        ax.text(start, 0.015, " \u2192  simulated", transform=ax.get_xaxis_transform(), ha="left", va="bottom",
                fontsize=8, color=PALETTE["muted"])

    price_axis(ax, unit, axis_label)
    date_axis(ax)

    fig.text(0.02, 0.975, texts.wrap(texts.headline(v, s), 72), ha="left", va="top", fontsize=12.5,
             fontweight="bold", color=PALETTE["text"], linespacing=1.25)
    fig.text(0.02, 0.865, textwrap.shorten(texts.subtitle(v), 105, placeholder=" \u2026"), ha="left", va="bottom", fontsize=9.5,
             color=PALETTE["muted"])
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.085), ncol=len(labels), frameon=False,
               handlelength=2.2, columnspacing=1.2, handletextpad=0.5, fontsize=8.5)
    footer(fig, texts.footer_lines(v))
    return fig
