"""The chart of a sweep: the horizon's average price against the value of one assumption.

Draws the table of :func:`energysim.sweep.sweep_table` and computes nothing: the swept value on
x, the median of the horizon average (the typical future) as a line, the band of 9 futures in
10 (P5 to P95 of the horizon average) around it, and the scenario as written marked: its median
as a dashed line, and either its fixed value or the range its distribution draws the value
from. With two keys swept, one line (and a lighter band) per value of the second key. Same
style, palette and provenance footer as the other charts (:mod:`energysim.charts`).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from typing import Any, cast

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from . import texts
from .charts import FIG_WIDTH_IN, FOOTER_BOTTOM_IN, FOOTER_LINE_IN, PALETTE, STYLE, footer, price_axis
from .charts_compare import SCENARIO_COLOURS, SCENARIO_LINES
from .errors import ScenarioError
from .runview import UNIT_WORDS
from .sweep import words_of

__all__ = ["sweep_chart", "value_text", "sweep_title"]

_COLUMNS = frozenset({"variant", "series", "avg_p05", "avg_p50", "avg_p95"})
_ATTRS = ("keys", "written", "horizon", "metadata", "labels")
#: Above and below the axes [in]: title (two lines), subtitle, legend rows; x label and ticks.
_SUBTITLE_IN = 0.22
_LEGEND_ROW_IN = 0.21
_PANEL_IN = 3.6


def value_text(value: Any, unit: str = "", digits: int = 4) -> str:
    """A swept value for readers (``digits`` significant digits): ``0.2 mb/d``, ``5%``, ``1 Feb 2026``."""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return f"{value.day} {value:%b %Y}"
    x = float(f"{float(value):.{digits}g}")  # rounded to ``digits`` significant digits, never as 2.4e+02
    text = f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.{digits}g}" if abs(x) < 1 and x != 0 else f"{x:g}"
    return text if not unit else f"{text}%" if unit == "%" else f"{text} {unit}"


def _price(series: str, value: float, finer: bool = False) -> str:
    """A price as the reports show it; ``finer``: one more decimal (to tell close values apart)."""
    if finer and _unit_short(series) != "mbd":
        return f"${value:,.{1 if _unit_short(series) == 'bbl' else 3}f}"
    return texts.fmt_price(_unit_short(series), value)


def _unit_short(series: str) -> str:
    return "mbd" if series.endswith("_mbd") else series.rsplit("_per_", 1)[-1]


def _period(horizon: dict[str, str]) -> str:
    start, end = dt.date.fromisoformat(horizon["start"]), dt.date.fromisoformat(horizon["end"])
    if start.year == end.year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year)
    return f"{start:%b %Y} to {end:%b %Y}"


def sweep_title(table: pd.DataFrame, series: str) -> str:
    """The finding in words: how far the median horizon average moves over the swept values."""
    keys, label = table.attrs["keys"], table.attrs["labels"].get(series, series)
    period = _period(table.attrs["horizon"])
    first = keys[0]
    rows = _variants(table, series, first)
    name, unit = words_of(table, first)
    name = _in_sentence(name)
    rows_p50 = rows["avg_p50"].astype(float)
    if len(keys) == 1:
        a, b = float(rows_p50.iloc[0]), float(rows_p50.iloc[-1])
        lo_x, hi_x = rows[first].iloc[0], rows[first].iloc[-1]
        span = f"from {value_text(lo_x)} to {value_text(hi_x, unit)}"
        finer = _price(series, a) == _price(series, b)
        if _price(series, a, True) == _price(series, b, True):
            return (f"The {period} average {label} price stays at about {_price(series, a, True)} in the typical "
                    f"future with {name} set {span}")
        if abs(b - a) < 0.01 * abs(a) or finer:
            return (f"The {period} average {label} price barely moves ({_price(series, a, finer)} to "
                    f"{_price(series, b, finer)}) with {name} set {span}")
        verb = "rises" if b > a else "falls"
        return f"The {period} average {label} price {verb} from {_price(series, a)} to " \
               f"{_price(series, b)} with {name} set {span}"
    second = _in_sentence(words_of(table, keys[1])[0])
    a, b = float(rows_p50.min()), float(rows_p50.max())
    finer = _price(series, a) == _price(series, b)
    moves = "barely moves" if abs(b - a) < 0.01 * abs(a) or finer else "ranges"
    return (f"The {period} average {label} price {moves} ({_price(series, a, finer)} to {_price(series, b, finer)} "
            f"in the typical future) across these values of {name} and {second}")


def _variants(table: pd.DataFrame, series: str, key: str) -> pd.DataFrame:
    """The variants' rows of ``series`` in increasing order of ``key`` (values may be given in any order)."""
    rows = table[(table["series"] == series) & (table["variant"] > 0)]
    return rows.sort_values(key, kind="stable")


#: Owners of values that are common nouns, lower-cased inside a sentence; the others are names
#: (a disruption's "Guyana border clash", a fuel's "US gasoline") and keep their capitals.
_GENERIC_OWNERS = ("Market", "Spare capacity", "Stock release", "Tightness")


def _in_sentence(name: str) -> str:
    """A key's words inside a sentence: "Market: supply elasticity" -> "market supply elasticity";
    a name stays as it is ("PDVSA transition probability", "Guyana border clash volume lost")."""
    name = name.replace(": ", " ")
    return name[:1].lower() + name[1:] if name.startswith(_GENERIC_OWNERS) else name


def _check(table: object, series: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or not _COLUMNS <= set(table.columns) \
            or any(a not in table.attrs for a in _ATTRS):
        raise ScenarioError.at(None, "sweep_chart needs the table of energysim.sweep.sweep_table (its columns and "
                               "attrs as made)", key="table", given=type(table).__name__)
    if series not in set(table["series"]):
        raise ScenarioError.at(None, f"the table has no series {series!r}; it has "
                               f"{', '.join(dict.fromkeys(table['series']))}", key="series")
    if len(table.attrs["keys"]) > 2:
        raise ScenarioError.at(None, "sweep_chart draws sweeps of one or two keys", key="table",
                               given=len(table.attrs["keys"]))
    return table


def _footer_lines(attrs: Mapping[Any, Any]) -> list[str]:
    m = attrs["metadata"]
    steo = attrs.get("steo_release")
    base = f"EIA STEO {steo} baseline" if steo else "user-supplied baseline"
    return [f"Source: Monte Carlo simulation on EIA weekly prices and the {base}; data up to {m['data_vintage']}.",
            f"Each value on the same {texts.futures(int(m['paths']), 'simulated')} · seed {m['seed']} · scenario "
            f"{m['scenario']} #{m['scenario_hash']} · energysim {m['version']}"]


def _x(values: pd.Series) -> list[Any]:
    return [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]


def sweep_chart(table: pd.DataFrame, series: str, key: str | None = None) -> Figure:
    """The median horizon average of ``series`` against the first swept key (``key`` if given),
    with the band of 9 futures in 10 and the scenario as written marked; for two keys, one line
    per value of the other key.

    Raises
    ------
    ScenarioError
        If ``table`` is not a table of :func:`energysim.sweep.sweep_table`, ``series`` is not one
        of its series or ``key`` not one of its keys.
    """
    table = _check(table, series)
    keys = list(table.attrs["keys"])
    if key is not None:
        if key not in keys:
            raise ScenarioError.at(None, f"the table sweeps {', '.join(keys)}, not {key!r}", key="key")
        keys = [key] + [k for k in keys if k != key]
    table = table.copy()
    table.attrs["keys"] = keys
    xkey = keys[0]
    written_row = table[(table["series"] == series) & (table["variant"] == 0)].iloc[0]
    rows = _variants(table, series, xkey)
    name, unit = words_of(table, xkey)
    groups = [(None, rows)] if len(keys) == 1 else [(level, g.sort_values(xkey, kind="stable"))
                                                    for level, g in rows.groupby(keys[1], sort=False)]
    written = table.attrs["written"][xkey]
    m = table.attrs["metadata"]
    period = _period(table.attrs["horizon"])
    lines = _footer_lines(table.attrs)
    title = textwrap.wrap(sweep_title(table, series), 74)
    one = len(groups) == 1
    per_row = 5
    legend_rows = 2 if one else 2 + (len(groups) + per_row - 1) // per_row
    title_in = 0.12 + 0.24 * len(title)
    head = title_in + _SUBTITLE_IN + _LEGEND_ROW_IN * legend_rows + 0.15
    foot_in = FOOTER_BOTTOM_IN + len(lines) * FOOTER_LINE_IN
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(FIG_WIDTH_IN, head + _PANEL_IN + foot_in), dpi=100)
        h = fig.get_figheight()
        fig.text(0.02, 1 - 0.1 / h, "\n".join(title), ha="left", va="top", fontsize=12, fontweight="bold",
                 color=PALETTE["text"])
        subtitle = (f"{m['scenario']}: the {period} average price at each value of the assumption, all else as "
                    "written, on the same futures")
        fig.text(0.02, 1 - (title_in + 0.04) / h, subtitle, ha="left", va="top", fontsize=9, color=PALETTE["muted"])
        foot = footer(fig, lines)
        fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, foot, 1, 1 - foot - head / h)))
        ax = fig.add_subplot()
        rows_of_legend: list[list[tuple[Artist | tuple[Artist, ...] | None, str]]] = [[]]
        for k, (level, g) in enumerate(groups):
            x = _x(g[xkey])
            colour = PALETTE["median"] if one else SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
            if one:
                band = ax.fill_between(x, g["avg_p05"], g["avg_p95"], color=PALETTE["band90"], lw=0, zorder=1)
            else:  # the bands of several lines as their edges: filled, they would blend into one grey
                for edge in ("avg_p05", "avg_p95"):
                    ax.plot(x, g[edge], color=colour, lw=1, zorder=1.5, ls=SCENARIO_LINES[k % len(SCENARIO_LINES)])
            line, = ax.plot(x, g["avg_p50"], color=colour, lw=2, marker="o", ms=4, zorder=3,
                            ls="solid" if one else SCENARIO_LINES[k % len(SCENARIO_LINES)])
            if one:
                rows_of_legend[0] += [(line, f"Typical future (median of the {period} average)"),
                                      (band, "9 futures in 10 (P5 to P95 of the average)")]
            else:
                second_name, second_unit = words_of(table, keys[1])
                if k == 0:  # a row of its own says what the lines are, then one entry per value
                    rows_of_legend.insert(0, [(None, f"{second_name} (thick lines: median; "
                                                                          "thin lines: 9 futures in 10):")])
                rows_of_legend[-1].append((line, value_text(level, second_unit)))
        as_written = float(written_row["avg_p50"])
        ref = ax.axhline(as_written, color=PALETTE["baseline"], ls=(0, (5, 2)), lw=1.5, zorder=2)
        marks: list[tuple[Artist | tuple[Artist, ...] | None, str]] = []
        if "value" in written:
            mark, = ax.plot(_x(pd.Series([written["value"]])), [as_written], ls="none", marker="D", ms=7,
                            color=PALETTE["baseline"], markeredgecolor="white", zorder=4)
            marks.append(((ref, mark), f"Scenario as written ({value_text(written['value'], unit)}): median "
                                       f"{_price(series, as_written)}"))
        else:
            lo, hi = _x(pd.Series([written["p05"], written["p95"]]))
            # a bar along the x axis, out of the way of the bands
            span = ax.axvspan(lo, hi, ymin=0, ymax=0.035, color=PALETTE["muted"], alpha=0.45, lw=0, zorder=4)
            marks += [(ref, f"Scenario as written: median {_price(series, as_written)}"),
                      (span, f"It draws this value from {value_text(written['p05'], unit, 2)} to "
                             f"{value_text(written['p95'], unit, 2)} (9 in 10)")]
        rows_of_legend.append(marks)
        words = UNIT_WORDS.get(_unit_short(series), (series, "", ""))[0]
        price_axis(ax, _unit_short(series), f"{period} average ({words})")
        ax.set_title(table.attrs["labels"].get(series, series), loc="left", fontsize=10)
        ax.set_xlabel(f"{name} ({unit})" if unit else name)
        if isinstance(_x(rows[xkey])[0], dt.date):
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b\n%Y"))
        top = title_in + _SUBTITLE_IN + 0.12
        for entries in rows_of_legend:
            if entries and entries[0][0] is None:  # a heading: text alone
                fig.text(0.02, 1 - top / h, entries[0][1], ha="left", va="top", fontsize=8.5, color=PALETTE["text"])
                top += _LEGEND_ROW_IN
                continue
            for i in range(0, len(entries), per_row if not one else 2):
                chunk = entries[i:i + (per_row if not one else 2)]
                fig.legend(cast(list[Artist], [e[0] for e in chunk]), [e[1] for e in chunk], loc="upper left", ncols=len(chunk),
                           frameon=False, bbox_to_anchor=(0.02, 1 - top / h), fontsize=8.5, handlelength=2.6,
                           borderaxespad=0, borderpad=0, columnspacing=1.6)
                top += _LEGEND_ROW_IN
        fig.draw_without_rendering()
    return fig
