"""Writing a run folder: quantiles.csv, summary.json and the charts."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from . import charts
from .results import SimulationResult
from .runio import atomic_folder, save_figure, write_json

__all__ = ["write_run", "PRICE_SERIES"]


def price_series(result: SimulationResult) -> list[str]:
    return [s for s in result.series if s != "net_supply_loss_mbd"]


PRICE_SERIES = price_series


def write_run(result: SimulationResult, target: Path) -> Path:
    """Write the run folder ``target`` atomically and return it."""
    with atomic_folder(target) as tmp:
        df = result.quantiles()
        df["date"] = df["date"].dt.strftime("%Y-%m-%d")
        df.to_csv(tmp / "quantiles.csv", index=False, float_format="%.6g")
        write_json(tmp / "summary.json", result.summary())
        for s in price_series(result):
            fig = charts.fan_chart(result, s)
            save_figure(fig, tmp / f"fan_{s}")
            plt.close(fig)
    return target
