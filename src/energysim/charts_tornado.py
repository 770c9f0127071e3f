"""The tornado chart of a sensitivity table: which uncertain inputs move the average price most.

Draws :func:`energysim.sensitivity.tornado_table` and computes nothing: per input, a bar from the
scenario's own outcome (the vertical line) to the outcome with the input at its low setting and
one to the outcome at its high setting, the largest swing on top, the prices written at the bar
ends, at most :data:`MAX_BARS` inputs (the others summed up in a note), and a footnote that says
the method's limits and the run's provenance. Save it with :func:`energysim.charts.save_chart`.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Mapping

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .charts import FOOTER_BOTTOM_IN, FOOTER_LINE_IN, PALETTE, STYLE, footer
from .errors import ScenarioError
from .inputwords import input_words, value_text
from .sensitivity import COLUMNS, HAPPENS

__all__ = ["tornado_chart", "MAX_BARS", "LOW_COLOUR", "HIGH_COLOUR", "price_decimals", "title_phrase", "amount_text",
           "price_text", "values_line", "input_name"]

#: The most inputs drawn; the others are summed up in a note.
MAX_BARS = 12
#: Okabe & Ito blue for the low setting, vermilion for the high one (colour-blind safe).
LOW_COLOUR, HIGH_COLOUR = "#0072B2", "#D55E00"
#: Layout [in]: figure width, left margin for the input names, right margin, height per input.
_WIDTH_IN, _LEFT_IN, _RIGHT_IN, _ROW_IN = 9.0, 3.5, 0.25, 0.56
_ATTRS = ("series_labels", "units", "period", "levels", "paths", "footer", "scenario")


def price_decimals(unit: str, swings: list[float]) -> int:
    """Decimals that show the largest swing with two significant digits, at least the unit's own
    (0 per barrel, 2 per gallon or litre or mb/d), at most 4."""
    least = 0 if unit.endswith("bbl") else 2
    big = max((abs(s) for s in swings), default=0.0)
    if big <= 0:
        return least
    return max(least, min(4, 1 - math.floor(math.log10(big))))


def price_text(unit: str, value: float, decimals: int) -> str:
    """An outcome: "$2.879" for ``USD/...`` units, "0.084 mb/d" otherwise."""
    if unit.startswith("USD"):
        return f"${value:,.{decimals}f}"
    return f"{value:,.{decimals}f} {unit}"


def amount_text(unit: str, value: float, signed: bool = False) -> str:
    """A swing or error, with two significant digits: cents below a dollar for a gallon or litre
    ("+1.2¢"), dollars otherwise ("$0.35", "$12"); "0" for exactly zero."""
    v = abs(value)
    sign = ("+" if value > 0 else "−") if signed and value != 0 else ""
    if v == 0:
        return "0"
    if unit.startswith("USD") and not unit.endswith("bbl") and v < 1:
        cents = v * 100
        return sign + ("<0.001¢" if cents < 0.001 else f"{_sig(cents)}¢")
    if unit.startswith("USD"):
        return sign + ("<$0.0001" if v < 1e-4 else f"${_sig(v)}")
    return sign + f"{_sig(v)} {unit}"


def _sig(v: float) -> str:
    """``v`` > 0 with two significant digits, in plain notation: 1.2, 0.05, 0.0041, 12, 1,200."""
    decimals = max(0, 1 - math.floor(math.log10(v)))
    return f"{round(v, decimals):,.{decimals}f}"


def _level(q: float) -> str:
    return f"P{q * 100:g}"


def title_phrase(key: str, kind: str) -> str:
    """The input of the chart's title: "whether the PDVSA transition happens", "PDVSA transition
    duration", "Caribbean shipping incidents per year" (a word repeated between name and value once)."""
    w = input_words(key)
    if kind == HAPPENS:
        return f"whether the {w.name} happens"
    what = w.what.split(" ")
    if what and w.name.split(" ")[-1].lower() == what[0].lower():
        what = what[1:]
    return " ".join([w.name, *what])


def values_line(row: pd.Series, levels: tuple[float, float], fuel_units: Mapping[str, str] | None = None) -> str:
    """The two settings of an input, under its name: "P10 0.345 to P90 0.674 mb/d"."""
    if row["kind"] == HAPPENS:
        return "does not happen / happens"
    unit = input_words(str(row["key"]), fuel_units).unit
    lo, hi = row["low_value"], row["high_value"]
    if isinstance(lo, dt.date) or not unit:
        return f"{_level(levels[0])} {value_text(lo)} to {_level(levels[1])} {value_text(hi)}"
    if unit.startswith("%"):
        return f"{_level(levels[0])} {value_text(lo)}% to {_level(levels[1])} {value_text(hi)}{unit}"
    return f"{_level(levels[0])} {value_text(lo)} to {_level(levels[1])} {value_text(hi)} {unit}"


def input_name(row: pd.Series) -> str:
    """An input's name over its values line, without the unit (the values line has it)."""
    if row["kind"] == HAPPENS:
        return str(row["label"])
    w = input_words(str(row["key"]))
    return f"{w.name}: {w.what}"


def _check(table: object, series: object) -> None:
    if not isinstance(table, pd.DataFrame) or not set(COLUMNS) <= set(table.columns) \
            or not all(k in table.attrs for k in _ATTRS):
        raise ScenarioError.at(None, "tornado_chart needs the table of energysim.sensitivity.tornado_table "
                               "(its columns and attrs)", key="table", given=type(table).__name__)
    if not isinstance(series, str) or series not in set(table["series"]):
        raise ScenarioError.at(None, f"the table has no rows for series {series!r}; it has: "
                               f"{', '.join(dict.fromkeys(table['series']))}", key="series")


def tornado_chart(table: pd.DataFrame, series: str, max_bars: int = MAX_BARS) -> Figure:
    """The tornado chart of ``series`` from ``table`` (:func:`energysim.sensitivity.tornado_table`).

    Raises
    ------
    ScenarioError
        If ``table`` is not such a table (columns and ``attrs``) or has no rows for ``series``."""
    _check(table, series)
    if not isinstance(max_bars, int) or max_bars < 1:
        raise ScenarioError.at(None, "max_bars must be a whole number of at least 1", key="max_bars", given=max_bars)
    a = table.attrs
    rows = table[table["series"] == series].copy()
    rows = rows.assign(_a=-rows["swing"].abs()).sort_values("_a", kind="stable")
    moving = rows[rows["swing"].abs() > 0]
    shown, rest = moving.head(max_bars), moving.iloc[max_bars:]
    still = len(rows) - len(moving)
    unit, label, period = a["units"][series], a["series_labels"][series], a["period"]
    levels = tuple(a["levels"])
    base = float(rows["base"].iloc[0])
    d = price_decimals(unit, [float(x) for x in rows["swing"]])
    words = label[:1].lower() + label[1:] if label[1:2].islower() else label  # "net oil supply loss", "US ..."
    noun = f"{period} average {words}" + (" price" if unit.startswith("USD") else "")
    if len(shown):
        top = shown.iloc[0]
        title = f"{noun[:1].upper() + noun[1:]}: {title_phrase(str(top['key']), str(top['kind']))} matters most"
    else:
        title = f"None of the uncertain inputs moves the {noun}"
    subtitle = (f"Mean over {a['paths']:,} futures with one input set low or high and the others uncertain as in the "
                f"scenario (same random draws)")
    notes = []
    if len(rest):
        notes.append(f"Not shown: {len(rest)} more input{'s' if len(rest) > 1 else ''}, whose swings add up to "
                     f"{amount_text(unit, float(rest['swing'].abs().sum()))} (each at most "
                     f"{amount_text(unit, float(rest['swing'].abs().max()))}).")
    if still:
        notes.append(f"{still} input{'s' if still > 1 else ''} of the scenario do{'es' if still == 1 else ''} not move "
                     f"it at all on these futures: " + ", ".join(rows[rows["swing"] == 0]["label"]) + ".")
    se = f"; Monte Carlo standard error of each swing at most {amount_text(unit, float(shown['mc_standard_error'].max()))}" \
        if len(shown) else ""
    notes += [f"One input at a time: interactions between inputs (a long disruption that is also large) are not "
              f"shown. Swings depend on the quantiles chosen ({_level(levels[0])} and {_level(levels[1])} here){se}."]
    foot = [ln for n in notes for ln in textwrap.wrap(n, 150)] + list(a["footer"])
    title_lines = textwrap.wrap(title, 78)
    sub_lines = textwrap.wrap(subtitle, 110)
    head_in = 0.2 + 0.24 * len(title_lines) + 0.19 * len(sub_lines) + 0.3
    body_in = _ROW_IN * max(len(shown), 1) + 0.55
    foot_in = FOOTER_BOTTOM_IN + len(foot) * FOOTER_LINE_IN + 0.12
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(_WIDTH_IN, head_in + body_in + foot_in), dpi=100)
        h = fig.get_figheight()
        fig.text(0.02, 1 - 0.12 / h, "\n".join(title_lines), ha="left", va="top", fontsize=12, fontweight="bold",
                 color=PALETTE["text"])
        sub_top = 0.12 + 0.24 * len(title_lines) + 0.06
        fig.text(0.02, 1 - sub_top / h, "\n".join(sub_lines), ha="left", va="top", fontsize=9.5,
                 color=PALETTE["muted"])
        footer(fig, foot)
        ax = fig.add_axes((_LEFT_IN / _WIDTH_IN, (foot_in + 0.45) / h, 1 - (_LEFT_IN + _RIGHT_IN) / _WIDTH_IN,
                           (body_in - 0.55) / h))
        n = max(len(shown), 1)
        for i, (_, r) in enumerate(shown.iterrows()):
            y = n - 1 - i
            for off, end, colour in ((0.2, r["outcome_low"], LOW_COLOUR), (-0.2, r["outcome_high"], HIGH_COLOUR)):
                ax.barh(y + off, end - base, left=base, height=0.36, color=colour, zorder=2)
                right = end >= base
                ax.annotate(price_text(unit, float(end), d), (end, y + off), xytext=(3 if right else -3, 0),
                            textcoords="offset points", ha="left" if right else "right", va="center", fontsize=8,
                            color=PALETTE["text"])
            ax.text(-0.012, y + 0.14, textwrap.shorten(input_name(r), 60, placeholder="..."),
                    transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=8.5, color=PALETTE["text"])
            settings = values_line(r, levels, a.get("fuel_units"))
            ax.text(-0.012, y - 0.2, f"{settings} · swing {amount_text(unit, float(r['swing']), signed=True)}",
                    transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=7.5,
                    color=PALETTE["muted"])
        ends = [base, *shown["outcome_low"], *shown["outcome_high"]]
        lo, hi = min(ends), max(ends)
        pad = max(hi - lo, abs(base) * 1e-4, 1e-9) * 0.2
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-0.6, n - 0.4)
        ax.axvline(base, color=PALETTE["history"], lw=1.2, zorder=3)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ticks = [t for t in ax.get_xticks() if lo - pad <= t <= hi + pad]
        step = min((b - a for a, b in zip(ticks, ticks[1:])), default=1.0)
        td = max(d, min(4, -math.floor(math.log10(step)) if step > 0 else d))  # ticks told apart
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: price_text(unit, x, td)))
        if not len(shown):
            ax.set_visible(False)
            box = ax.get_position()
            fig.text(0.02, box.y0 + box.height / 2, "Every swing is exactly 0: no single input, at either setting, "
                     "changes the average of any future.", ha="left", va="center", fontsize=9.5, color=PALETTE["text"])
        ax.grid(axis="x", color=PALETTE["grid"], lw=0.7, zorder=0)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"{noun[:1].upper() + noun[1:]} [{unit}], mean over the futures")
        handles = [Patch(color=LOW_COLOUR), Patch(color=HIGH_COLOUR), Line2D([], [], color=PALETTE["history"], lw=1.2)]
        names = [f"Input at its {_level(levels[0])} (a disruption: does not happen)",
                 f"Input at its {_level(levels[1])} (a disruption: happens)",
                 f"Scenario as given: {price_text(unit, base, d)}"]
        fig.legend(handles, names, loc="upper left", bbox_to_anchor=(0.02, 1 - (sub_top + 0.19 * len(sub_lines) + 0.06) / h),
                   ncols=3, frameon=False, fontsize=8.5, handlelength=1.6, borderaxespad=0, borderpad=0,
                   columnspacing=1.4)
    return fig
