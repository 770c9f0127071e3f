"""Writing a run folder: tables, charts, snippets and the report in Markdown and HTML.

``write_run(result, target)`` writes, atomically:

- ``quantiles.csv`` and ``summary.json`` (always; other tools read them);
- ``results.npz`` and ``scenario.json`` (always): what :func:`rerender` needs to draw the charts
  and the report again without re-simulating (``energysim report RUN_DIR``);
- per price series ``fan_<series>.png`` (200 dpi, 2x) and ``.svg`` (formats ``png``, ``svg``);
- ``report.html`` (self-contained, images embedded) and ``fan_<series>.embed.html`` snippets
  (format ``html``); ``report.md`` and ``fan_<series>.md`` snippets (format ``md``).

The tables are built in :mod:`energysim.report_tables` and the Markdown/HTML text in
:mod:`energysim.report_markup`; their public names are re-exported here.
"""

from __future__ import annotations

import base64
import copy
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import charts
from .errors import ScenarioError
from .household import DEFAULT_GASOLINE_GAL_PER_MONTH
from .report_markup import (
    chart_figure_html,
    chart_markdown,
    report_html,
    report_markdown,
)
from .report_tables import (  # noqa: F401  (Table, budget_table: re-exported public names)
    Table,
    assumption_rows,
    budget_table,
    fuel_tables,
    household_budgets,
)
from .results import SimulationResult
from .runio import atomic_folder, carry_over, write_json
from .runview import RESULTS_FILE, RunView
from .scenario.schema import Scenario

__all__ = [
    "FORMATS",
    "PRICE_SERIES",
    "assumption_rows",
    "default_household",
    "fuel_tables",
    "household_budgets",
    "parse_formats",
    "render",
    "report_html",
    "report_markdown",
    "rerender",
    "write_run",
]

#: Output formats: chart images, HTML (report + embed snippets), Markdown (report + snippets).
FORMATS = ("png", "svg", "html", "md")


def price_series(result: SimulationResult | RunView) -> list[str]:
    return [s for s in result.series if s != "net_supply_loss_mbd"]


PRICE_SERIES = price_series


def parse_formats(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"png,svg"`` -> ``("png", "svg")``; raises :class:`ScenarioError` for an unknown format."""
    if text is None:
        return FORMATS
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text)]
    items = [t for t in items if t]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        raise ScenarioError.at(None, f"unknown output format; give a comma-separated list of {', '.join(FORMATS)}",
                               key="--format", given=",".join(bad) if bad else text)
    return tuple(f for f in FORMATS if f in items)


def default_household(scenario: Scenario, gasoline: float | None = None, diesel: float | None = None) -> dict[str, float]:
    """Monthly amounts per fuel key: gasoline defaults to 50 gal/month, diesel to none."""
    out: dict[str, float] = {}
    for key, amount, default in (("us_gasoline", gasoline, DEFAULT_GASOLINE_GAL_PER_MONTH), ("us_diesel", diesel, 0.0)):
        a = default if amount is None else float(amount)
        if not (a >= 0 and math.isfinite(a)):
            raise ScenarioError.at(None, "a monthly fuel amount must be zero or positive",
                                   key=f"--{key.removeprefix('us_')}-gal-per-month", given=amount)
        if key in scenario.fuels and a > 0:
            out[key] = a
    return out


# --- writing -----------------------------------------------------------------------------------

def render(v: RunView, folder: Path, formats: Iterable[str] = FORMATS,
           household: Mapping[str, float] | None = None) -> list[Path]:
    """Draw the charts and write the reports and snippets for ``v`` into ``folder``."""
    formats = parse_formats(tuple(formats))
    household = default_household(v.scenario) if household is None else dict(household)
    written: list[Path] = []
    png: dict[str, bytes] = {}
    src: dict[str, str] = {}
    for s in v.price_series:
        fig = charts.fan_chart(v, s, finish=False)  # only saved
        stem = folder / f"fan_{s}"
        files = [f for f in ("png", "svg") if f in formats]
        if files:
            written += charts.save_chart(fig, stem, tuple(files))
        if "html" in formats or "md" in formats:
            png[s] = stem.with_suffix(".png").read_bytes() if "png" in formats else charts.chart_bytes(fig, "png")
        src[s] = (f"{stem.name}.png" if "png" in formats else f"{stem.name}.svg" if "svg" in formats
                  else "data:image/png;base64," + base64.b64encode(png.get(s, b"")).decode("ascii"))
        if "html" in formats:
            p = folder / f"fan_{s}.embed.html"
            p.write_text(chart_figure_html(v, s, src[s]), encoding="utf-8")
            written.append(p)
        if "md" in formats:
            p = folder / f"fan_{s}.md"
            p.write_text(chart_markdown(v, s, src[s]), encoding="utf-8")
            written.append(p)
    if "md" in formats:
        p = folder / "report.md"
        p.write_text(report_markdown(v, household, src), encoding="utf-8")
        written.append(p)
    if "html" in formats:
        p = folder / "report.html"
        p.write_text(report_html(v, household, png), encoding="utf-8")
        written.append(p)
    return written


def write_run(result: SimulationResult, target: Path, formats: Iterable[str] | str | None = None,
              household: Mapping[str, float] | None = None,
              assumption_sources: Mapping[str, str] | None = None) -> Path:
    """Write the run folder ``target`` atomically and return it.

    ``formats``: any of ``png, svg, html, md`` (default all). ``household``: fuel key -> amount
    bought per month in the fuel's unit (default 50 gal of gasoline). ``assumption_sources``: where
    the assumptions set by the user came from (:func:`energysim.report_tables.assumption_sources`).
    """
    fmts = parse_formats(formats)
    v = RunView.from_result(result, assumption_sources=dict(assumption_sources or {}))
    hh = default_household(v.scenario) if household is None else dict(household)
    with atomic_folder(target) as tmp:
        df = result.quantiles()
        df["date"] = df["date"].dt.strftime("%Y-%m-%d")
        df.to_csv(tmp / "quantiles.csv", index=False, float_format="%.6g")
        write_json(tmp / "summary.json", _summary(v, hh))
        v.save(tmp, settings={"household": hh, "formats": list(fmts)})
        render(v, tmp, fmts, hh)
    return target


def _summary(v: RunView, household: Mapping[str, float]) -> dict[str, Any]:
    """The run's ``result.summary()`` (as the view took it) with, per series, the no-disruption
    outlook's median and 95th percentile of the horizon average (the figures the report compares
    against; ``baseline_mean`` is the no-noise baseline path's), and the household budget of each
    fuel bought (:mod:`energysim.household`; amounts in USD, unrounded)."""
    out = copy.deepcopy(v.summary)
    for s, entry in out["series"].items():
        entry["no_disruption_mean_p50"] = round(v.baseline_mean(s), 6)
        if s in v.baseline_p95_means:
            entry["no_disruption_mean_p95"] = round(v.baseline_p95_mean(s), 6)
    out["household"] = {
        s: {"amount_per_month": b.amount_per_month, "months": round(b.months, 6),
            "per_month_usd": {"no_disruption_outlook": round(b.baseline_per_month, 4), "low_p5": round(b.low_per_month, 4),
                              "most_likely_p50": round(b.typical_per_month, 4), "high_p95": round(b.high_per_month, 4),
                              "bad_month_p95": round(b.bad_month, 4)},
            "reserve_usd": round(b.reserve, 4), "reserve_without_scenario_usd": round(b.reserve_without_scenario, 4),
            "reserve_added_by_scenario_usd": round(b.reserve_added_by_scenario, 4)}
        for s, b in household_budgets(v, household).items()
    }
    return _sorted_keys(out)


def _sorted_keys(value: Any) -> Any:
    """``value`` with every mapping's keys in sorted order: the same JSON whether the view was
    made from a run (the result's order) or loaded from a run folder (sorted)."""
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(x) for x in value]
    return value


def _is_rendered(name: str) -> bool:
    return name in ("report.md", "report.html") or (name.startswith("fan_") and name.endswith(
        (".png", ".svg", ".embed.html", ".md")))


def rerender(run_dir: Path, formats: Iterable[str] | str | None = None,
             household: Mapping[str, float] | None = None) -> Path:
    """Draw the charts and reports of ``run_dir`` again from its saved results (no simulation).

    Options not given are taken from the previous rendering. Other files are kept as they are.
    """
    run_dir = Path(run_dir)
    if not (run_dir / RESULTS_FILE).is_file():
        raise ScenarioError.at(str(run_dir), f"not a run folder (no {RESULTS_FILE}); write one with 'energysim run'")
    v, settings = RunView.load(run_dir)
    fmts = parse_formats(formats if formats is not None else settings.get("formats"))
    hh = dict(household) if household is not None else dict(settings.get("household", default_household(v.scenario)))
    with atomic_folder(run_dir) as tmp:
        carry_over(run_dir, tmp, lambda name: name == RESULTS_FILE or _is_rendered(name))
        write_json(tmp / "summary.json", _summary(v, hh))  # its household block follows the amounts
        v.save(tmp, settings={"household": hh, "formats": list(fmts)})
        render(v, tmp, fmts, hh)
    return run_dir
