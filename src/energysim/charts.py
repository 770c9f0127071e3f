"""Figures from results only: each function returns a matplotlib Figure and computes nothing
beyond picking the numbers out of the result."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "energysim"  # stable ids: same inputs, same bytes
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .results import SimulationResult  # noqa: E402

__all__ = ["fan_chart", "SERIES_LABELS"]

SERIES_LABELS = {
    "brent_usd_per_bbl": ("Brent crude", "USD per barrel"),
    "us_gasoline_usd_per_gal": ("US regular gasoline", "USD per gallon"),
    "us_diesel_usd_per_gal": ("US on-highway diesel", "USD per gallon"),
    "net_supply_loss_mbd": ("Net supply loss", "million barrels per day"),
}


def fan_chart(result: SimulationResult, series: str) -> Figure:
    """Median, 50 % and 90 % bands and the baseline of one series."""
    label, unit = SERIES_LABELS.get(series, (series, ""))
    dates = result.dates.astype("datetime64[D]").astype(object)
    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.add_subplot()
    p5, p25, p50, p75, p95 = (result.quantile_path(series, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
    ax.fill_between(dates, p5, p95, color="#9ecae1", label="90 % of futures")
    ax.fill_between(dates, p25, p75, color="#4292c6", label="50 % of futures")
    ax.plot(dates, p50, color="#08306b", lw=2, label="Median")
    ax.plot(dates, result.baseline[series], color="#444444", lw=1.2, ls="--", label="Baseline (no shock)")
    ax.set_ylabel(unit)
    ax.set_title(f"{label}: {result.scenario.title or result.scenario.name}", loc="left", fontsize=11)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    lo = float(np.min(p5))
    ax.set_ylim(bottom=max(0.0, lo * 0.9))
    fig.tight_layout()
    return fig
