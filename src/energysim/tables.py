"""Plain-text tables for the terminal."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from .charts import SERIES_LABELS
from .results import SimulationResult, never_seen_bound
from .scenario.schema import Scenario, fuel_series
from .texts import step_average

__all__ = ["summary_table", "series_label", "format_price", "format_odds", "format_columns", "COLUMN_GAP"]

#: Between two columns of a terminal table, whatever the width of the values.
COLUMN_GAP = "  "


def format_price(series: str, value: float) -> str:
    if series.endswith("_usd_per_bbl"):
        return f"${value:,.0f}"
    if "_usd_per_" in series:
        return f"${value:,.2f}"
    return f"{value:,.2f}"


def format_odds(probability: float, paths: int) -> str:
    """A chance in whole percent for the terminal, never "0%" or "100%": a level no path (or every
    path) reached is said to be under (over) its 95 % bound for that many paths, as the report says."""
    if probability in (0.0, 1.0):
        bound = never_seen_bound(paths)
        if probability == 0.0:
            return "<1%" if bound <= 0.01 else f"<{math.ceil(bound * 100):.0f}%"
        return ">99%" if bound <= 0.01 else f">{math.floor((1 - bound) * 100):.0f}%"
    if probability < 0.01:
        return "<1%"
    return ">99%" if probability > 0.99 else f"{probability:.0%}"


def format_columns(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Lines of a table whose first row is its header, with a rule under the header: each column
    as wide as its widest cell, right-aligned if its index is in ``right``, and columns
    :data:`COLUMN_GAP` apart however wide a value is."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: Sequence[str]) -> str:
        return COLUMN_GAP.join(c.rjust(w) if i in right else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    head = line(rows[0])
    return [head, "-" * len(head)] + [line(row) for row in rows[1:]]


def series_label(scenario: Scenario, series: str) -> str:
    """A series' name for the terminal: a fuel's own ``label``, else the built-in name, else its id."""
    for key, fuel in scenario.fuels.items():
        if fuel_series(key, fuel) == series and fuel.label:
            return fuel.label
    return SERIES_LABELS.get(series, (series, ""))[0]


def summary_table(result: SimulationResult) -> str:
    """Per series: horizon average at P5 / P50 / P95, riskiest month's P95 (the month where it is highest), threshold odds."""
    sc = result.scenario
    lines = [f"{sc.title or sc.name}  [{result.metadata['horizon']['start']} to {result.metadata['horizon']['end']}, "
             f"{result.n_paths:,} paths, seed {result.metadata['seed']}]", ""]
    reach = f"chance a {step_average(sc.horizon.step).replace('average', 'avg')} reaches"
    rows = [["series", "avg P5", "avg P50", "avg P95", "riskiest-month P95", reach]]
    for s in result.series:
        if s == "net_supply_loss_mbd":
            continue
        q = result.horizon_mean_quantiles(s)
        month, peak = result.peak_month(s)
        odds = []
        for t in sc.outputs.thresholds.get(s, []):
            p, _ = result.threshold_probability(s, t)
            odds.append(f"{format_price(s, t)}: {format_odds(p, result.n_paths)}")
        label = series_label(sc, s)
        rows.append([label, format_price(s, q[0.05]), format_price(s, q[0.5]), format_price(s, q[0.95]),
                     f"{format_price(s, peak)} ({month})", ", ".join(odds)])
    return "\n".join(lines + format_columns(rows, right={1, 2, 3, 4}))
