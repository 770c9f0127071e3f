"""Writing a run folder: tables, charts, snippets and the report in Markdown and HTML.

``write_run(result, target)`` writes, atomically:

- ``quantiles.csv`` and ``summary.json`` (always; other tools read them);
- ``results.npz`` and ``scenario.json`` (always): what :func:`rerender` needs to draw the charts
  and the report again without re-simulating (``energysim report RUN_DIR``);
- per price series ``fan_<series>.png`` (200 dpi, 2x) and ``.svg`` (formats ``png``, ``svg``);
- ``report.html`` (self-contained, images embedded) and ``fan_<series>.embed.html`` snippets
  (format ``html``); ``report.md`` and ``fan_<series>.md`` snippets (format ``md``).
"""

from __future__ import annotations

import base64
import html
import math
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from . import charts, texts
from .errors import ScenarioError
from .household import DEFAULT_GASOLINE_GAL_PER_MONTH, FuelBudget, fuel_budget
from .results import SimulationResult
from .runio import atomic_folder, write_json
from .runview import RESULTS_FILE, RunView
from .scenario import defaults
from .scenario.schema import Scenario

__all__ = ["write_run", "rerender", "render", "parse_formats", "FORMATS", "PRICE_SERIES", "household_budgets",
           "default_household", "fuel_tables", "assumption_rows", "report_markdown", "report_html"]

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
        raise ScenarioError.at(None, f"--format takes a comma-separated list of {', '.join(FORMATS)}",
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


def household_budgets(run: RunView, household: Mapping[str, float]) -> dict[str, FuelBudget]:
    """Budget per price series for the fuels the household buys (see :mod:`energysim.household`)."""
    out: dict[str, FuelBudget] = {}
    for s in run.price_series:
        key = run.fuel_key(s)
        if key is None or not household.get(key):
            continue
        out[s] = fuel_budget(household[key], run.mean_q[s], run.baseline_mean(s), run.peak[s][1], len(run.months))
    return out


# --- tables as rows (shared by Markdown and HTML) ----------------------------------------------

@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    note: str = ""


def _month_name(month: str) -> str:
    import datetime as dt

    y, m = month[:7].split("-")
    return dt.date(int(y), int(m), 1).strftime("%b %Y")


def fuel_tables(v: RunView, s: str) -> list[Table]:
    """Prices (average and worst month) and threshold odds with Monte Carlo errors."""
    unit = v.unit(s)
    q = v.mean_q[s]
    month, peak = v.peak[s]
    k = [str(m) for m in v.months.astype("datetime64[M]")].index(month[:7])
    mq = v.monthly_q[s][:, k]
    fp = texts.fmt_price
    se = max(v.mean_q_se[s].values())
    se_text = f"${se:.3f}" if unit != "bbl" else f"${se:.2f}"
    prices = Table(
        ["", "Low (1 in 20)", "Most likely", "High (1 in 20)", "No-disruption outlook"],
        [[f"Average over {v.period()}", fp(unit, q[0.05]), fp(unit, q[0.5]), fp(unit, q[0.95]), fp(unit, v.baseline_mean(s))],
         [f"Worst month ({_month_name(month)})", fp(unit, float(mq[0])), fp(unit, float(mq[1])), fp(unit, peak),
          fp(unit, float(v.baseline_monthly[s][k]))]],
        f"Worst month: the month whose high (1 in 20) average price is highest. Monte Carlo error of the "
        f"averages: {se_text} or less ({v.n_paths:,} futures).",
    )
    out = [prices]
    if v.thresholds.get(s):
        out.append(Table(
            ["Price level", "Chance of reaching it at least once", "Monte Carlo error"],
            [[fp(unit, t), texts.fmt_probability(p, e, v.n_paths),
              (f"± {100 * e:.{texts._decimals_for(100 * e)}f} points" if 0 < p < 1 else "none seen; 95% upper bound")]
             for t, p, e in v.thresholds[s]],
            "Each chance is rounded to what its Monte Carlo error supports.",
        ))
    return out


def budget_table(v: RunView, budgets: Mapping[str, FuelBudget]) -> Table:
    m = texts.fmt_money
    rows = [[v.label(s), f"{b.amount_per_month:g} {v.unit_words(s)[2]}s", m(b.baseline_per_month), m(b.low_per_month),
             m(b.typical_per_month), m(b.high_per_month), m(b.bad_month), m(b.reserve)] for s, b in budgets.items()]
    if len(budgets) > 1:
        tot = list(budgets.values())
        rows.append(["Total", "", *(m(sum(getattr(b, a) for b in tot)) for a in (
            "baseline_per_month", "low_per_month", "typical_per_month", "high_per_month", "bad_month", "reserve"))])
    return Table(
        ["Fuel", "Per month", "No-disruption outlook", "Low (1 in 20)", "Most likely", "High (1 in 20)",
         "Bad month (1 in 20)", f"Reserve for {v.period()}"],
        rows,
        f"Monthly cost in US dollars = amount per month x average price. Reserve = (high average price - "
        f"no-disruption price) x amount x {len(v.months)} months: the extra a family would need in the 1-in-20 "
        "high case. Amounts are set with --gasoline-gal-per-month and --diesel-gal-per-month.",
    )


_SOURCE_BY_PREFIX = (
    ("market.baseline", "baseline"), ("market.world_demand_mbd", "world_demand"),
    ("market.volatility_annual", "brent_dynamics"), ("market.mean_reversion_per_year", "brent_dynamics"),
    ("market.supply_elasticity", "elasticities"), ("market.demand_elasticity", "elasticities"),
    ("responses.spare_capacity.available_mbd", "spare_capacity"), ("responses.stock_release", "spr"),
    ("responses.spare_capacity", "spare_response"),
    ("market.long_term_volatility_annual", "long_term_volatility"),
    ("market.tightness.inventory_days_vs_normal", "inventories"), ("market.tightness", "tightness"),
)
_SKIP = ("name", "title", "description", "sources", "extends", "outputs")
_DESCRIPTIVE = (".region", ".description", ".label", ".unit", ".history_file")


def _fmt_value(value: Any) -> str:
    if isinstance(value, dict) and "dist" in value:
        args = ", ".join(f"{k} {_fmt_value(x)}" for k, x in value.items() if k != "dist" and x is not None)
        return f"{value['dist']}: {args}" if value["dist"] != "fixed" else _fmt_value(value.get("value"))
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(_fmt_value(x) for x in value)
    return str(value)


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict) and "dist" not in obj:
        out: list[tuple[str, Any]] = []
        for k, x in obj.items():
            out += _flatten(x, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(obj, list) and obj and all(isinstance(x, dict) and "name" in x for x in obj):
        out = []
        for x in obj:
            out += _flatten({k: y for k, y in x.items() if k != "name"}, f"{prefix}[{x['name']}]")
        return out
    return [(prefix, obj)]


def _default_source(key: str) -> str:
    for prefix, src in _SOURCE_BY_PREFIX:
        if key.startswith(prefix):
            return defaults.SOURCES[src]
    if key.endswith(".per_mbd_loss"):
        return "energysim default (no extra margin)"
    if key.startswith("fuels.") and key.endswith(".taxes"):
        return defaults.SOURCES["taxes"]
    if key.startswith("fuels."):
        return defaults.SOURCES["pass_through"]
    return "energysim default"


def assumption_rows(scenario: Scenario) -> list[list[str]]:
    """(parameter, value, source) for every assumption after inheritance; defaults are marked."""
    dump = scenario.model_dump(mode="json")
    try:
        base = Scenario.model_validate({"name": scenario.name}).model_dump(mode="json")
    except ValueError:  # pragma: no cover - defaults always validate
        base = {}
    base_flat = dict(_flatten({k: x for k, x in base.items() if k not in _SKIP}))
    rows = []
    for key, value in _flatten({k: x for k, x in dump.items() if k not in _SKIP}):
        if value is None or value == [] or value == {} or key.endswith(_DESCRIPTIVE):
            continue
        src = _default_source(key) if key in base_flat and base_flat[key] == value else "this scenario (see sources)"
        rows.append([key, _fmt_value(value), src])
    return rows


# --- Markdown ----------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in t.head) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(t.head))) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in t.rows]
    if t.note:
        lines += ["", f"*{t.note}*"]
    return "\n".join(lines)


def _md_alt(text: str) -> str:
    return text.replace("[", "(").replace("]", ")").replace("\n", " ")


def chart_markdown(v: RunView, s: str, src: str) -> str:
    return f"![{_md_alt(texts.alt_text(v, s))}]({src})\n\n*{texts.caption(v, s)}*\n"


def report_markdown(v: RunView, household: Mapping[str, float], image_src: Mapping[str, str]) -> str:
    sc = v.scenario
    budgets = household_budgets(v, household)
    parts = [f"# {sc.title or sc.name}", "", " ".join(texts.summary_sentences(v, budgets)), ""]
    if sc.description:
        parts += [f"**Scenario.** {sc.description.strip()}", ""]
    parts += ["## Charts", ""]
    for s in v.price_series:
        parts += [f"### {v.label(s)}", "", chart_markdown(v, s, image_src[s])]
    parts += ["## Prices by fuel", ""]
    for s in v.price_series:
        parts += [f"### {v.label(s)} ({v.unit_words(s)[0]})", ""]
        for t in fuel_tables(v, s):
            parts += [_md_table(t), ""]
    parts += ["## Household fuel budget", ""]
    if budgets:
        parts += [_md_table(budget_table(v, budgets)), ""]
    else:
        parts += ["No household consumption given (set --gasoline-gal-per-month or --diesel-gal-per-month).", ""]
    parts += ["## Assumptions", "", "Every parameter of the scenario after inheritance (`extends`), with its source.", "",
              _md_table(Table(["Parameter", "Value", "Source"], assumption_rows(sc))), ""]
    if sc.sources:
        parts += ["Sources cited by the scenario:", ""] + [f"- {x}" for x in sc.sources] + [""]
    parts += ["## What this model leaves out", ""]
    parts += [f"- **{a}.** {b}" for a, b in texts.LEAVES_OUT] + [""]
    parts += ["---", "", " ".join(texts.footer_lines(v)), ""]
    return "\n".join(parts)


# --- HTML --------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; line-height: 1.5;
       max-width: 860px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin-bottom: .5rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-bottom: .4rem; }
p.summary { font-size: 1.08rem; background: #f3f6fa; border-left: 4px solid #08306b; padding: .8rem 1rem; }
figure { margin: 1.2rem 0 2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; max-width: 800px; height: auto; display: block; }
figcaption { font-size: .88rem; color: #444; margin-top: .4rem; }
table { border-collapse: collapse; margin: .6rem 0 .3rem; font-size: .9rem; break-inside: avoid; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
table.assumptions { font-size: .78rem; width: 100%; table-layout: fixed; }
table.assumptions th, table.assumptions td { text-align: left; overflow-wrap: break-word; }
table.assumptions th:nth-child(1) { width: 40%; }
table.assumptions th:nth-child(2) { width: 28%; }
table.assumptions td:first-child { font-family: "DejaVu Sans Mono", monospace; font-size: .74rem; }
p.note, p.footer { font-size: .82rem; color: #555; }
ul.limits li { margin-bottom: .4rem; }
@page { size: auto; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  p.summary { background: none; }
}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _html_table(t: Table, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    head = "".join(f"<th>{_esc(h)}</th>" for h in t.head)
    body = "".join("<tr>" + "".join(f"<td>{_esc(x)}</td>" for x in r) + "</tr>" for r in t.rows)
    out = f"<table{c}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if t.note:
        out += f'<p class="note">{_esc(t.note)}</p>'
    return out


def chart_figure_html(v: RunView, s: str, src: str) -> str:
    """A ``<figure>`` with the image, its alt text and caption: paste it into a web page."""
    return (f'<figure class="energysim-chart">\n  <img src="{_esc(src)}" width="800" alt="{_esc(texts.alt_text(v, s))}">\n'
            f"  <figcaption>{_esc(texts.caption(v, s))}</figcaption>\n</figure>\n")


def report_html(v: RunView, household: Mapping[str, float], png: Mapping[str, bytes]) -> str:
    """The whole report as one HTML file: images embedded as data URIs, no external references."""
    sc = v.scenario
    budgets = household_budgets(v, household)
    title = sc.title or sc.name
    b: list[str] = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    f"<title>{_esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
                    f"<h1>{_esc(title)}</h1>",
                    f'<p class="summary">{_esc(" ".join(texts.summary_sentences(v, budgets)))}</p>']
    if sc.description:
        b.append(f"<p><strong>Scenario.</strong> {_esc(sc.description.strip())}</p>")
    b.append("<h2>Charts</h2>")
    for s in v.price_series:
        uri = "data:image/png;base64," + base64.b64encode(png[s]).decode("ascii")
        b.append(chart_figure_html(v, s, uri))
    b.append("<h2>Prices by fuel</h2>")
    for s in v.price_series:
        b.append(f"<h3>{_esc(v.label(s))} ({_esc(v.unit_words(s)[0])})</h3>")
        b += [_html_table(t) for t in fuel_tables(v, s)]
    b.append("<h2>Household fuel budget</h2>")
    if budgets:
        b.append(_html_table(budget_table(v, budgets)))
    else:
        b.append("<p>No household consumption given (set --gasoline-gal-per-month or --diesel-gal-per-month).</p>")
    b.append("<h2>Assumptions</h2><p>Every parameter of the scenario after inheritance (<code>extends</code>), "
             "with its source.</p>")
    b.append(_html_table(Table(["Parameter", "Value", "Source"], assumption_rows(sc)), "assumptions"))
    if sc.sources:
        b.append("<p>Sources cited by the scenario:</p><ul>" + "".join(f"<li>{_esc(x)}</li>" for x in sc.sources) + "</ul>")
    b.append("<h2>What this model leaves out</h2><ul class=\"limits\">"
             + "".join(f"<li><strong>{_esc(a)}.</strong> {_esc(t)}</li>" for a, t in texts.LEAVES_OUT) + "</ul>")
    b.append(f'<p class="footer">{"<br>".join(_esc(x) for x in texts.footer_lines(v))}</p>')
    b += ["</body>", "</html>", ""]
    return "\n".join(b)


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
        fig = charts.fan_chart(v, s)
        stem = folder / f"fan_{s}"
        files = [f for f in ("png", "svg") if f in formats]
        if files:
            written += charts.save_chart(fig, stem, tuple(files))
        if "html" in formats or "md" in formats:
            png[s] = stem.with_suffix(".png").read_bytes() if "png" in formats else charts.chart_bytes(fig, "png")
        plt.close(fig)
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
              household: Mapping[str, float] | None = None) -> Path:
    """Write the run folder ``target`` atomically and return it.

    ``formats``: any of ``png, svg, html, md`` (default all). ``household``: fuel key -> amount
    bought per month in the fuel's unit (default 50 gal of gasoline).
    """
    fmts = parse_formats(formats)
    v = RunView.from_result(result)
    hh = default_household(v.scenario) if household is None else dict(household)
    with atomic_folder(target) as tmp:
        df = result.quantiles()
        df["date"] = df["date"].dt.strftime("%Y-%m-%d")
        df.to_csv(tmp / "quantiles.csv", index=False, float_format="%.6g")
        write_json(tmp / "summary.json", result.summary())
        v.save(tmp, settings={"household": hh, "formats": list(fmts)})
        render(v, tmp, fmts, hh)
    return target


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
        for p in sorted(run_dir.iterdir()):
            if p.name == RESULTS_FILE or _is_rendered(p.name):
                continue
            if p.is_dir():
                shutil.copytree(p, tmp / p.name)
            else:
                shutil.copy2(p, tmp / p.name)
        v.save(tmp, settings={"household": hh, "formats": list(fmts)})
        render(v, tmp, fmts, hh)
    return run_dir
