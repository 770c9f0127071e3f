"""Tables of the run report as rows (shared by the Markdown and HTML renderings): prices and
threshold odds per fuel, the household fuel budget, and every scenario assumption with its
source (defaults mapped to :data:`energysim.scenario.defaults.SOURCES`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import texts
from .household import FuelBudget, fuel_budget
from .runview import RunView
from .scenario import defaults
from .scenario.schema import Scenario

__all__ = ["Table", "assumption_rows", "assumption_sources", "assumptions_table", "budget_table", "cited_sources",
           "fuel_tables", "household_budgets"]

#: The source of an assumption written in the scenario's own file.
OWN_FILE_SOURCE = "this scenario (see sources)"
#: The same, when the scenario's own file cites no sources (those listed are its parents').
UNSOURCED_OWN_FILE = "this scenario (cites no sources)"
#: Who cites a source written in the scenario's own file (a parent's: the parent's file name).
OWN_FILE_CITES = "this scenario"


def household_budgets(run: RunView, household: Mapping[str, float]) -> dict[str, FuelBudget]:
    """Budget per price series for the fuels the household buys (see :mod:`energysim.household`)."""
    out: dict[str, FuelBudget] = {}
    for s in run.price_series:
        key = run.fuel_key(s)
        if key is None or not household.get(key):
            continue
        out[s] = fuel_budget(household[key], run.mean_q[s], run.baseline_mean(s), run.peak[s][1], run.horizon_months(),
                             baseline_p95_price=run.baseline_p95_mean(s))
    return out


# --- tables as rows (shared by Markdown and HTML) ----------------------------------------------

@dataclass(frozen=True)
class Table:
    """A table as text cells; ``left``: the columns of text (left-aligned), the others are figures."""

    head: list[str]
    rows: list[list[str]]
    note: str = ""
    left: tuple[int, ...] = (0,)


def _month_name(month: str) -> str:
    import datetime as dt

    y, m = month[:7].split("-")
    return dt.date(int(y), int(m), 1).strftime("%b %Y")


def fuel_tables(v: RunView, s: str) -> list[Table]:
    """Prices (average and riskiest month) and threshold odds with Monte Carlo errors."""
    unit = v.unit(s)
    q = v.mean_q[s]
    month, peak = v.peak[s]
    k = [str(m) for m in v.months.astype("datetime64[M]")].index(month[:7])
    mq = v.monthly_q[s][:, k]
    fp = texts.fmt_price
    se = max(v.mean_q_se[s].values())
    se_text = (f"{f'${se:.3f}' if unit != 'bbl' else f'${se:.2f}'} or less" if math.isfinite(se)
               else "cannot be estimated with fewer than 2 futures")
    prices = Table(
        ["", "Low (1 in 20)", "Most likely", "High (1 in 20)", "No-disruption outlook"],
        [[f"Average over {v.period()}", fp(unit, q[0.05]), fp(unit, q[0.5]), fp(unit, q[0.95]), fp(unit, v.baseline_mean(s))],
         [f"Riskiest month ({_month_name(month)})", fp(unit, float(mq[0])), fp(unit, float(mq[1])), fp(unit, peak),
          fp(unit, float(v.baseline_monthly[s][k]))]],
        f"{texts.RISKIEST_MONTH_DEFINITION} No-disruption outlook: "
        f"{texts.OUTLOOK_DEFINITION}. Monte Carlo error of the averages: {se_text} ({texts.futures(v.n_paths)}).",
    )
    out = [prices]
    if v.thresholds.get(s):
        out.append(Table(
            ["Price level", f"Chance a {texts.step_average(v.scenario.horizon.step)} reaches it", "Monte Carlo error"],
            [[fp(unit, t), texts.fmt_probability(p, e, v.n_paths),
              _threshold_error(p, e)]
             for t, p, e in v.thresholds[s]],
            f"{texts.STEP_AVERAGE_NOTE} Each chance is rounded to what its Monte Carlo error supports.",
            left=(0, 2),
        ))
    return out


def _threshold_error(p: float, se: float) -> str:
    if p <= 0.0:
        return "no future reached it; 95% upper bound"
    if p >= 1.0:
        return "every future reached it; 95% lower bound"
    return f"± {100 * se:.{texts._decimals_for(100 * se)}f} points"


_BUDGET_COLUMNS = ("baseline_per_month", "low_per_month", "typical_per_month", "high_per_month", "bad_month",
                   "reserve", "reserve_added_by_scenario")


def budget_table(v: RunView, budgets: Mapping[str, FuelBudget]) -> Table:
    cents = texts.budgets_in_cents(budgets)  # as in the summary

    def cells(bs: list[FuelBudget]) -> list[str]:
        total = {a: sum(getattr(b, a) for b in bs) for a in _BUDGET_COLUMNS + ("reserve_without_scenario",)}
        # the reserve and the scenario's share as printed in the summary
        total["reserve"], _, total["reserve_added_by_scenario"] = texts.reserve_parts(
            total["reserve"], total["reserve_without_scenario"], cents)
        return [texts.fmt_money(total[a], cents) for a in _BUDGET_COLUMNS]

    rows = [[v.label(s), f"{b.amount_per_month:g} {v.unit_words(s)[2]}s", *cells([b])] for s, b in budgets.items()]
    if len(budgets) > 1:
        rows.append(["Sum of the rows", "", *cells(list(budgets.values()))])
    return Table(
        ["Fuel", "Per month", "No-disruption outlook", "Low (1 in 20)", "Most likely", "High (1 in 20)",
         "Bad month (1 in 20)", f"Reserve against higher prices, {v.period()}", "Of which added by the scenario"],
        rows,
        "Monthly cost in US dollars = amount per month x average price. Bad month: the riskiest month's high "
        "(1 in 20) price. Reserve against higher prices = (high average price - no-disruption price) x amount x "
        f"{texts.months_text(v.horizon_months())}: what a family would need on top of the no-disruption budget if "
        "prices average as high as in 1 future out of 20. Most of it covers the ordinary ups and downs of oil "
        "prices, which are there with or without the scenario. Of which added by the scenario = this reserve "
        "minus the same reserve for the futures without the scenario's disruptions and incidents (the same "
        "market swings, path by path). No-disruption outlook: " + texts.OUTLOOK_DEFINITION + ". "
        + ("Each fuel's reserve covers that fuel in 19 futures out of 20. The fuels' prices move together but not "
           "in lockstep, so the sums of their 1-in-20 figures are a little wider than the 1-in-20 range of the "
           "combined bill. " if len(budgets) > 1 else "")
        + "Amounts are set with --gasoline-gal-per-month and --diesel-gal-per-month.",
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


def _origin_key(path: tuple[Any, ...], merged: Mapping[str, Any]) -> str | None:
    """A loader key path (list items by index) as a table key (named list items as ``[name]``)."""
    out, node = "", merged
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node) or not isinstance(node[part], dict) \
                    or "name" not in node[part]:
                return None
            out += f"[{node[part]['name']}]"
        else:
            if not isinstance(node, dict) or part not in node:
                return None
            out += f".{part}" if out else str(part)
        node = node[part]
    return out


def _premium_reference(key: str, dump: Mapping[str, Any]) -> str | None:
    """The reference episode a risk premium's key was taken from, if ``key`` is one its
    ``reference`` fills in (``disruptions[x].risk_premium.peak_pct`` with ``reference: threat``)."""
    head, _, field = key.rpartition(".")
    if not head.endswith(".risk_premium") or field == "reference":
        return None
    node: Any = dump
    for part in head.replace("[", ".[").split("."):
        if part.startswith("[") and isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and f"[{x.get('name')}]" == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        if node is None:
            return None
    ref = node.get("reference") if isinstance(node, dict) else None
    if ref in defaults.PREMIUM_REFERENCES and field in defaults.PREMIUM_REFERENCES[ref]:
        return str(ref)
    return None


def assumption_sources(loaded: Any, command_line: Mapping[str, str] | None = None) -> dict[str, str]:
    """Table key -> source for the assumptions written in a file of ``loaded``'s ``extends`` chain
    (its own file: :data:`OWN_FILE_SOURCE`, or :data:`UNSOURCED_OWN_FILE` if that file cites no
    sources; a file it extends: that file's name) and for those set on the command line
    (``command_line``: table key -> option, e.g. ``{"simulation.seed": "--seed"}``); and
    ``sources[i]`` -> the file that cites the scenario's i-th source (:data:`OWN_FILE_CITES` or
    the name of the file it extends), for :func:`cited_sources`."""
    own = loaded.path.resolve() if loaded.path is not None else None

    def is_own(file: str) -> bool:
        return own is not None and Path(file).resolve() == own

    cites = {f"sources[{p[1]}]": OWN_FILE_CITES if is_own(file) else Path(file).name
             for p, (file, _line) in loaded.origins.items() if len(p) == 2 and p[0] == "sources"}
    own_source = OWN_FILE_SOURCE if OWN_FILE_CITES in cites.values() else UNSOURCED_OWN_FILE
    out: dict[str, str] = {}
    for path, (file, _line) in loaded.origins.items():
        key = _origin_key(path, loaded.merged)
        if key is None or key.split(".")[0].split("[")[0] in _SKIP:
            continue
        out[key] = own_source if is_own(file) else f"{Path(file).name} (extended)"
    out.update(cites)
    for key, option in (command_line or {}).items():
        out[key] = f"command line ({option})"
    return out


def assumption_rows(scenario: Scenario, sources: Mapping[str, str] | None = None) -> list[list[str]]:
    """(parameter, value, source) for every assumption after inheritance. ``sources``: table key ->
    source of the values set in a file or on the command line (:func:`assumption_sources`); the
    other values are the defaults, marked with their source; without ``sources`` a value that
    differs from its default is credited to the scenario."""
    dump = scenario.model_dump(mode="json")
    try:
        base = Scenario.model_validate({"name": scenario.name}).model_dump(mode="json")
    except ValueError:  # pragma: no cover - defaults always validate
        base = {}
    base_flat = dict(_flatten({k: x for k, x in base.items() if k not in _SKIP}))
    sources = sources or {}
    rows = []
    for key, value in _flatten({k: x for k, x in dump.items() if k not in _SKIP}):
        if value is None or value == [] or value == {} or key.endswith(_DESCRIPTIVE):
            continue
        if key in sources:
            src = sources[key]
        elif (ref := _premium_reference(key, dump)) is not None:
            src = f"reference {ref!r}: {defaults.PREMIUM_REFERENCES[ref]['source']}"
        elif sources or (key in base_flat and base_flat[key] == value):
            src = _default_source(key)  # written in no file: the schema filled it in
        else:
            src = OWN_FILE_SOURCE
        rows.append([key, _fmt_value(value), src])
    return rows


def cited_sources(scenario: Scenario, sources: Mapping[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """The scenario's ``sources`` as (heading, citations) paragraphs: under "From <file>:" when a
    file it extends cites some of them (``sources`` as from :func:`assumption_sources`), with a
    note when its own file cites none; in one unheaded list otherwise."""
    files = [(sources or {}).get(f"sources[{i}]", OWN_FILE_CITES) for i in range(len(scenario.sources))]
    if all(f == OWN_FILE_CITES for f in files):
        return [("", list(scenario.sources))] if scenario.sources else []
    out: list[tuple[str, list[str]]] = []
    for file, text in zip(files, scenario.sources):
        if out and out[-1][0] == f"From {file}:":
            out[-1][1].append(text)
        else:
            out.append((f"From {file}:", [text]))
    if OWN_FILE_CITES not in files:
        out.append(("This scenario cites no sources of its own.", []))
    return out


def assumptions_table(scenario: Scenario, sources: Mapping[str, str] | None = None) -> Table:
    """Every assumption with its value and source (all three columns text)."""
    return Table(["Parameter", "Value", "Source"], assumption_rows(scenario, sources), left=(0, 1, 2))
