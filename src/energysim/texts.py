"""Words for readers: titles, alt text, captions, the plain-language summary, the model's limits.

Every sentence is generated from the numbers of a :class:`~energysim.runview.RunView`, so it
changes when the scenario changes. Nothing here draws or writes files.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from .household import FuelBudget
from .results import never_seen_bound
from .runview import RunView
from .scenario.schema import Scenario

__all__ = [
    "fmt_price", "fmt_money", "fmt_probability", "fmt_probability_pm", "headline", "subtitle", "footer_lines", "provenance_lines",
    "alt_text", "caption", "summary_sentences", "LEAVES_OUT", "threshold_label", "off_chart_note", "futures", "months_text",
    "small_run_warning", "MIN_MEANINGFUL_PATHS", "RISKIEST_MONTH_DEFINITION", "step_average", "STEP_AVERAGE_NOTE",
]

#: Fewer futures than this and the report says its figures are not meaningful: a 1-in-20 figure
#: then rests on fewer than 5 futures, and one unusual future moves it a lot.
MIN_MEANINGFUL_PATHS = 100

#: What the "riskiest month" is, and why it is often late in the horizon whatever the scenario.
RISKIEST_MONTH_DEFINITION = (
    "Riskiest month: the month whose high (1 in 20) average price is highest. It is not necessarily when the "
    "scenario hits hardest: the range of possible prices widens the further ahead one looks, which often makes "
    "it one of the last months, and when months are close it can change from one run to another.")

#: Why a threshold's chance depends on ``horizon.step``: a step's price is its average over the step.
STEP_AVERAGE_NOTE = ("A step's price is its average over the step, which smooths out shorter spikes: the same "
                     "futures reach a level more often in daily than in weekly averages, and less often in monthly ones.")


def step_average(step: str) -> str:
    """The price a threshold is compared with, per ``horizon.step``: ``weekly average`` etc."""
    return {"day": "daily", "week": "weekly", "month": "monthly"}[step] + " average"


#: The limits that matter to a household, in readers' words (see docs and references §2, §5).
LEAVES_OUT: tuple[tuple[str, str], ...] = (
    ("Empty pumps and queues",
     "The model gives national average prices. It says nothing about stations running dry, limits per "
     "customer or long lines, which can happen locally even when the average price barely moves."),
    ("Your region and your station",
     "Prices in California, Hawaii or the Northeast are higher and can move differently from the US "
     "average. Use the ranges for the size of a change, not for the price at your station."),
    ("Refinery and pipeline outages",
     "Hurricanes, refinery fires or pipeline breaks can push pump prices up sharply without moving crude "
     "oil (after Hurricane Katrina in 2005, gasoline rose 46 cents in one week). The model moves pump "
     "prices mainly through crude oil, so it understates such shocks."),
    ("Exchange rates and other countries",
     "All prices are US averages in US dollars. Outside the US, local taxes and the exchange rate "
     "matter as much as the price of oil."),
    ("Government measures",
     "Tax holidays, price caps, export bans or rationing are not simulated; emergency stock releases "
     "are, in a simplified way."),
    ("Events not in the scenario",
     "Only the events written into the scenario are simulated. Other wars, a recession, OPEC decisions "
     "or a pandemic appear only as ordinary day-to-day price swings, which history shows can be large."),
    ("Other fuels",
     "Heating oil, propane, natural gas and electricity are not simulated. Diesel is the closest guide "
     "for heating oil."),
)


# --- numbers -----------------------------------------------------------------------------------

def fmt_price(unit: str, value: float) -> str:
    """A price for readers: whole dollars per barrel, cents per gallon or litre."""
    if unit == "bbl":
        return f"${value:,.0f}"
    if unit == "mbd":
        return f"{value:,.2f} mb/d"
    return f"${value:,.2f}"


def futures(n: int, kind: str = "") -> str:
    """``1 future``, ``20,000 futures``; with ``kind``, ``20,000 simulated futures``."""
    return f"{n:,} {kind + ' ' if kind else ''}future" + ("" if n == 1 else "s")


def months_text(months: float) -> str:
    """A horizon length in months: ``12 months``, ``1 month``, ``0.65 months (pro rata, ...)``."""
    if abs(months - round(months)) < 1e-9:
        n = int(round(months))
        return f"{n} month" + ("" if n == 1 else "s")
    return f"{months:.2f} months (a partly covered month counted as the share of its days in the period)"


def small_run_warning(v: RunView) -> str | None:
    """A warning for runs too small for their figures to mean anything, else None."""
    n = v.n_paths
    if n >= MIN_MEANINGFUL_PATHS:
        return None
    return (f"Only {futures(n)} simulated: the figures in this report are not meaningful. With fewer than "
            f"{MIN_MEANINGFUL_PATHS} futures a 1-in-20 figure rests on fewer than 5 of them"
            + (" and the Monte Carlo error cannot be estimated at all" if n < 2 else "")
            + "; run again with more futures (the default is 20,000).")


#: Household amounts are printed in cents when the reserve against higher prices is below this [USD].
CENTS_BELOW_USD = 100.0


def money_cents(reserve_usd: float) -> bool:
    """Whether household amounts are printed in cents: when the reserve is small (a short horizon)."""
    return abs(reserve_usd) < CENTS_BELOW_USD


def budgets_in_cents(budgets: Mapping[str, FuelBudget]) -> bool:
    """:func:`money_cents` of the household's whole reserve: one precision for the budget table
    and the summary."""
    return money_cents(sum(b.reserve for b in budgets.values()))


def fmt_money(value: float, cents: bool = False) -> str:
    """A household amount in whole dollars, e.g. ``$1,230``, or with ``cents``, ``$5.56``."""
    d = 2 if cents else 0
    v = round(value, d) + 0.0
    return f"-${-v:,.{d}f}" if v < 0 else f"${v:,.{d}f}"


def reserve_parts(reserve_usd: float, without_usd: float, cents: bool) -> tuple[float, float, float]:
    """(reserve, without the scenario, added by the scenario) as printed: the reserve and the
    added share rounded each to the printed unit (so the share is within half a unit of the true
    difference), the part without the scenario the rest (so the parts add up to the reserve)."""
    unit = 0.01 if cents else 1.0
    total = round(reserve_usd / unit)
    added = round((reserve_usd - without_usd) / unit)
    return total * unit, (total - added) * unit, added * unit


def _decimals_for(se_pct: float) -> int:
    """Decimals so that the Monte Carlo error shows as one significant digit (at most 2)."""
    if not se_pct > 0 or not math.isfinite(se_pct):
        return 0
    return int(min(2, max(0, -math.floor(math.log10(se_pct)))))


def _bound(n_paths: int) -> float:
    """One-sided 95 % upper bound on a probability never seen in ``n_paths`` paths [%]
    (:func:`energysim.results.never_seen_bound`)."""
    return 100.0 * never_seen_bound(n_paths)


def _bound_text(n_paths: int) -> str:
    """:func:`_bound` with two significant digits."""
    b = _bound(n_paths)
    d = max(0, 1 - math.floor(math.log10(b)))
    return f"{b:.{d}f}".rstrip("0").rstrip(".")


def _complement_text(n_paths: int) -> str:
    """100 minus :func:`_bound`, to the decimals of its two significant digits (e.g. ``99.985``)."""
    b = _bound(n_paths)
    d = max(0, 1 - math.floor(math.log10(b)))
    return f"{100.0 - b:.{d}f}".rstrip("0").rstrip(".")


def fmt_probability(p: float, se: float, n_paths: int) -> str:
    """A probability in percent, rounded to what its Monte Carlo error supports.

    ``p`` = 0 (or 1) has no sampling error estimate; it is shown as below (above) the one-sided
    95 % limit for an event never (always) observed in n trials (:func:`_bound`).
    """
    if p <= 0.0:
        return f"under {_bound_text(n_paths)}%"
    if p >= 1.0:
        return f"over {_complement_text(n_paths)}%"
    d = _decimals_for(100 * se)
    return f"{100 * p:.{d}f}%"


def fmt_probability_pm(p: float, se: float, n_paths: int) -> str:
    """Like :func:`fmt_probability` with the Monte Carlo standard error, e.g. ``12.3 % ± 0.2``."""
    if p <= 0.0 or p >= 1.0:
        return fmt_probability(p, se, n_paths)
    d = _decimals_for(100 * se)
    return f"{100 * p:.{d}f}% ± {100 * se:.{d}f}"


def _one_in(p: float) -> str:
    """'1 of 20' style odds for a round probability (used with fixed levels 0.05, 0.1, 0.5)."""
    return f"1 of {round(1 / p):d}"


#: What the "no-disruption outlook" is, in the words of the captions and table notes.
OUTLOOK_DEFINITION = "the most likely path of the same simulated futures without the scenario's disruptions and incidents"


def _comparison_digits(unit: str, value: float, base: float) -> int:
    """Decimals for a price and its outlook in a comparison: whole dollars for a barrel when the
    difference of the rounded prices is the true difference rounded, and at least $1; else cents
    (a $0.53 difference does not read as "$1" between "$57" and "$56")."""
    if unit != "bbl":
        return 2
    diff = value - base
    if abs(diff) < 0.005:  # the same to the cent: whole dollars say so
        return 0
    return 0 if abs(diff) >= 1 and abs((round(value) - round(base)) - diff) <= 0.5 else 2


def _price_digits(unit: str, value: float, digits: int) -> str:
    return f"${value:,.{digits}f}" if unit in ("bbl", "gal", "litre") else fmt_price(unit, value)


def compared(v: RunView, s: str, value: float) -> tuple[str, str]:
    """(``value`` as a price, how it compares with the no-disruption outlook), at one precision so
    the sentence adds up: the difference is that of the two prices as printed, whole dollars a
    barrel or cents (:func:`_comparison_digits`), with the percentage from 1 %."""
    base = v.baseline_mean(s)
    unit = v.unit(s)
    digits = _comparison_digits(unit, value, base)
    outlook = f"the no-disruption outlook ({_price_digits(unit, base, digits)})"
    diff = round(round(value, digits) - round(base, digits), digits)
    if diff == 0:
        return _price_digits(unit, value, digits), f"the same as {outlook}"
    rel = (value - base) / base if base else 0.0
    pct = f" ({abs(rel):.0%})" if abs(rel) >= 0.01 else ""
    return (_price_digits(unit, value, digits),
            f"{_price_digits(unit, abs(diff), digits)}{pct} {'above' if diff > 0 else 'below'} {outlook}")


def _vs_baseline(v: RunView, s: str, value: float) -> str:
    """How ``value`` compares with the no-disruption outlook (:func:`compared`)."""
    return compared(v, s, value)[1]


# --- chart texts -------------------------------------------------------------------------------

def headline(v: RunView, s: str) -> str:
    """The chart's title: what happens, in plain words."""
    unit = v.unit(s)
    p50 = v.mean_q[s][0.5]
    if unit == "mbd":
        return f"{v.label(s)}: most likely {fmt_price(unit, p50)} on average in {v.period()}"
    price, comparison = compared(v, s, p50)
    return f"{v.label(s)} most likely averages {price} {v.unit_words(s)[1]} in {v.period()}, {comparison}"


def subtitle(v: RunView) -> str:
    return f"Scenario: {v.scenario.title or v.scenario.name}"


def footer_lines(v: RunView) -> list[str]:
    """Provenance: source, data vintage, paths, seed, version, short scenario hash."""
    return provenance_lines(v.metadata, v.scenario)


def provenance_lines(metadata: dict[str, Any], scenario: Scenario) -> list[str]:
    """:func:`footer_lines` of a run's ``metadata`` (as :class:`SimulationResult` keeps it) and its scenario."""
    m = metadata
    b = scenario.market.baseline
    base = f"EIA STEO {b.steo_release} baseline" if b.steo_release else "user-supplied baseline"
    return [
        f"Source: Monte Carlo simulation on EIA weekly prices and the {base}; data up to {m['data_vintage']}.",
        f"{futures(int(m['paths']), 'simulated')} · seed {m['seed']} · scenario {m['scenario']} #{m['scenario_hash']}"
        f" · energysim {m['version']}",
    ]


def threshold_label(v: RunView, s: str, level: float, p: float, se: float) -> str:
    return (f"{fmt_price(v.unit(s), level)}: {fmt_probability(p, se, v.n_paths)} chance a "
            f"{step_average(v.scenario.horizon.step)} reaches it in {v.period()}")


def off_chart_note(v: RunView, s: str, hidden: Sequence[tuple[float, float, float]]) -> str:
    """The thresholds above or below a fan chart's axis in one line: one as its label reads, several
    with the chance's wording said once ("$5.00: 1.8%, $6.00: under 0.015% chance a ...")."""
    if len(hidden) == 1:
        return "Off the chart: " + threshold_label(v, s, *hidden[0])
    odds = ", ".join(f"{fmt_price(v.unit(s), level)}: {fmt_probability(p, se, v.n_paths)}" for level, p, se in hidden)
    return (f"Off the chart: {odds} chance a {step_average(v.scenario.horizon.step)} reaches each in "
            f"{v.period()}")


def _last_real(v: RunView, s: str) -> str:
    if s not in v.history_values or not len(v.history_values[s]):
        return ""
    d = v.history_dates[s][-1].astype(object)
    return (f"The last real weekly price before the simulation was {fmt_price(v.unit(s), float(v.history_values[s][-1]))} "
            f"(week of {d:%d %b %Y}). ")


def alt_text(v: RunView, s: str) -> str:
    """Alt text for a fan chart, from the numbers."""
    unit = v.unit(s)
    axis, _, _ = v.unit_words(s)
    q = v.mean_q[s]
    price, comparison = compared(v, s, q[0.5])
    text = (f"Fan chart of {v.label(s)} in {axis} over {v.period()}, scenario \u201c{v.scenario.title or v.scenario.name}\u201d. "
            + _last_real(v, s)
            + f"In this scenario, {v.label(s)} most likely averages {price} in {v.period()}, "
            f"{comparison}; 9 in 10 futures average between {fmt_price(unit, q[0.05])} and "
            f"{fmt_price(unit, q[0.95])}. In 1 of 10 futures it tops {fmt_price(unit, v.max_q[s][0.9])} at some point.")
    odds = [f"{fmt_price(unit, t)}: {fmt_probability(p, se, v.n_paths)}" for t, p, se in v.thresholds.get(s, [])]
    if odds:
        text += f" Chance that a {step_average(v.scenario.horizon.step)} price reaches " + "; ".join(odds) + "."
    return text


def caption(v: RunView, s: str) -> str:
    axis, _, _ = v.unit_words(s)
    warning = small_run_warning(v)
    hist = "real weekly prices of the last 12 months (black line), then " if s in v.history_values else ""
    return (f"{v.label(s)}, {axis}: {hist}the simulated range: most likely path (dark line), half of the "
            f"futures (dark band), 9 in 10 futures (light band) and the no-disruption outlook (dashed: "
            f"{OUTLOOK_DEFINITION}). "
            f"{futures(v.n_paths)}; scenario: {v.scenario.title or v.scenario.name}."
            + (f" {warning}" if warning else ""))


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False))


# --- report summary ----------------------------------------------------------------------------

def _riskiest_month_words(v: RunView) -> str:
    if len(v.months) == 1:
        return f"over {v.period()}"
    return f"in their riskiest month of {v.period()}" if v.is_calendar_year() else "in their riskiest month"


def _reserve_sentences(v: RunView, budgets: dict[str, FuelBudget]) -> str:
    """The household reserve against higher prices, and how much of it the scenario adds."""
    items = list(budgets.items())
    cents = budgets_in_cents(budgets)
    reserve, without, added = reserve_parts(sum(fb.reserve for _, fb in items),
                                            sum(fb.reserve_without_scenario for _, fb in items), cents)
    if reserve <= 0:
        return "In 19 futures out of 20 the average cost stays at or below the no-disruption outlook."

    def m(x: float) -> str:
        return fmt_money(x, cents)

    text = (f"Prices can also run higher: to be covered in 19 futures out of 20, it would set aside "
            f"{m(reserve)} for {v.period()} on top of the no-disruption budget")
    if len(items) > 1:
        text += (" (" + ", ".join(f"{m(fb.reserve)} for {v.label(s).split()[-1]}" for s, fb in items)
                 + ", each enough for its fuel in 19 futures out of 20)")
    if not v.scenario.disruptions and not v.scenario.hazards:
        return text + (". All of it covers the ordinary ups and downs of oil prices: this scenario has no "
                       "disruptions or incidents.")
    if added > 0:  # the parts as printed add up to the total as printed
        return text + (f". Of this, {m(without)} covers the ordinary ups and downs of oil prices (the same "
                       f"reserve without the scenario's disruptions and incidents) and {m(added)} is added "
                       "by the scenario.")
    if added < 0:
        return text + (f". That is {m(-added)} less than without the scenario's disruptions and incidents "
                       f"({m(without)}): it covers the ordinary ups and downs of oil prices.")
    return text + (". It covers the ordinary ups and downs of oil prices: the scenario's disruptions and incidents "
                   f"add less than {'a cent' if cents else 'a dollar'} to it.")


def summary_sentences(v: RunView, budgets: dict[str, FuelBudget]) -> list[str]:
    """Three to five sentences a newcomer understands, first in the report (the household's
    reserve and the scenario's share of it in one item)."""
    out = [f"This report looks at {futures(v.n_paths, 'possible')} for oil and fuel "
           f"prices in {v.period()} under one scenario: {v.scenario.title or v.scenario.name}."]
    b = "brent_usd_per_bbl"
    if b in v.series:
        q = v.mean_q[b]
        price, comparison = compared(v, b, q[0.5])
        out.append(f"Crude oil (Brent) most likely averages {price} a barrel, "
                   f"{comparison}; in {_one_in(0.05)} futures the average is "
                   f"{fmt_price('bbl', q[0.95])} or more.")
    fuels = [s for s in v.price_series if s != b]
    if fuels:
        parts = [f"{v.label(s)} {fmt_price(v.unit(s), v.mean_q[s][0.5])} {v.unit_words(s)[1]}" for s in fuels]
        worst = [f"{fmt_price(v.unit(s), v.peak[s][1])} for {v.label(s).split()[-1]}" for s in fuels]
        out.append("At the pump, the most likely averages are " + " and ".join(parts)
                   + f"; {_riskiest_month_words(v)}, 1 in 20 futures average at least "
                   + " and ".join(worst) + ".")
    if budgets:
        items = list(budgets.items())
        spend = " and ".join(
            f"{fb.amount_per_month:g} {v.unit_words(s)[2]}s of {v.label(s).split()[-1]}" for s, fb in items)
        typ = sum(fb.typical_per_month for _, fb in items)
        base = sum(fb.baseline_per_month for _, fb in items)
        cents = budgets_in_cents(budgets)
        out.append(f"A household buying {spend} a month would most likely spend about {fmt_money(typ, cents)} a month "
                   f"on it (no-disruption outlook: {fmt_money(base, cents)}). " + _reserve_sentences(v, budgets))
    out.append("These are ranges from a simple model, not forecasts: the section \u201cWhat this model leaves out\u201d "
               "lists what could make reality differ.")
    return out
