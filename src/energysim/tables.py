"""Plain-text tables for the terminal."""

from __future__ import annotations

from .charts import SERIES_LABELS
from .results import SimulationResult

__all__ = ["summary_table", "format_price"]


def format_price(series: str, value: float) -> str:
    if series.endswith("_usd_per_bbl"):
        return f"${value:,.0f}"
    if "_usd_per_" in series:
        return f"${value:,.2f}"
    return f"{value:,.2f}"


def summary_table(result: SimulationResult) -> str:
    """Per series: horizon average at P5 / P50 / P95, worst month's P95, threshold odds."""
    sc = result.scenario
    lines = [f"{sc.title or sc.name}  [{result.metadata['horizon']['start']} to {result.metadata['horizon']['end']}, "
             f"{result.n_paths:,} paths, seed {result.metadata['seed']}]", ""]
    head = f"{'series':<24}{'avg P5':>9}{'avg P50':>9}{'avg P95':>9}{'worst-month P95':>17}  chance of reaching"
    lines += [head, "-" * len(head)]
    for s in result.series:
        if s == "net_supply_loss_mbd":
            continue
        q = result.horizon_mean_quantiles(s)
        month, peak = result.peak_month(s)
        odds = []
        for t in sc.outputs.thresholds.get(s, []):
            p, _ = result.threshold_probability(s, t)
            odds.append(f"{format_price(s, t)}: {p:.0%}" if p >= 0.01 or p == 0 else f"{format_price(s, t)}: <1%")
        label = SERIES_LABELS.get(s, (s, ""))[0]
        lines.append(f"{label:<24}{format_price(s, q[0.05]):>9}{format_price(s, q[0.5]):>9}{format_price(s, q[0.95]):>9}"
                     f"{format_price(s, peak) + ' (' + month + ')':>17}  {', '.join(odds)}")
    return "\n".join(lines)
