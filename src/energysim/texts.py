"""Words for readers: titles, alt text, captions, the plain-language summary, the model's limits.

Every sentence is generated from the numbers of a :class:`~energysim.runview.RunView`, so it
changes when the scenario changes. Nothing here draws or writes files.
"""

from __future__ import annotations

import math
import textwrap

from .household import FuelBudget
from .runview import RunView

__all__ = [
    "fmt_price", "fmt_money", "fmt_probability", "fmt_probability_pm", "headline", "subtitle", "footer_lines",
    "alt_text", "caption", "summary_sentences", "LEAVES_OUT", "threshold_label",
]

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


def fmt_money(value: float) -> str:
    """A household amount in whole dollars, e.g. ``$1,230``."""
    v = round(value)
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def _decimals_for(se_pct: float) -> int:
    """Decimals so that the Monte Carlo error shows as one significant digit (at most 2)."""
    if not se_pct > 0 or not math.isfinite(se_pct):
        return 0
    return int(min(2, max(0, -math.floor(math.log10(se_pct)))))


def _bound(n_paths: int) -> float:
    """One-sided 95 % upper bound on a probability never seen in ``n_paths`` paths [%]: the exact
    (Clopper-Pearson) ``1 - 0.05 ** (1 / n)``, which the rule of three 3/n approximates for large n."""
    return 100.0 * -math.expm1(math.log(0.05) / n_paths)


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


def _vs_baseline(v: RunView, s: str, value: float) -> str:
    """How ``value`` compares with the no-disruption outlook: the difference at the precision
    prices are shown (whole dollars a barrel, cents a gallon), with the percentage from 1 %."""
    base = v.baseline_mean(s)
    unit = v.unit(s)
    outlook = f"the no-disruption outlook ({fmt_price(unit, base)})"
    digits = 0 if unit == "bbl" else 2  # the difference of the prices as shown, so the sentence adds up
    diff = round(round(value, digits) - round(base, digits), digits)
    if diff == 0:
        return f"the same as {outlook}"
    rel = (value - base) / base if base else 0.0
    pct = f" ({abs(rel):.0%})" if abs(rel) >= 0.01 else ""
    return f"{fmt_price(unit, abs(diff))}{pct} {'above' if diff > 0 else 'below'} {outlook}"


# --- chart texts -------------------------------------------------------------------------------

def headline(v: RunView, s: str) -> str:
    """The chart's title: what happens, in plain words."""
    unit = v.unit(s)
    p50 = v.mean_q[s][0.5]
    if unit == "mbd":
        return f"{v.label(s)}: most likely {fmt_price(unit, p50)} on average in {v.period()}"
    return (f"{v.label(s)} most likely averages {fmt_price(unit, p50)} {v.unit_words(s)[1]} in {v.period()}, "
            f"{_vs_baseline(v, s, p50)}")


def subtitle(v: RunView) -> str:
    return f"Scenario: {v.scenario.title or v.scenario.name}"


def footer_lines(v: RunView) -> list[str]:
    """Provenance: source, data vintage, paths, seed, version, short scenario hash."""
    m = v.metadata
    b = v.scenario.market.baseline
    base = f"EIA STEO {b.steo_release} baseline" if b.steo_release else "user-supplied baseline"
    return [
        f"Source: Monte Carlo simulation on EIA weekly prices and the {base}; data up to {m['data_vintage']}.",
        f"{v.n_paths:,} simulated futures · seed {m['seed']} · scenario {m['scenario']} #{m['scenario_hash']}"
        f" · energysim {m['version']}",
    ]


def threshold_label(v: RunView, s: str, level: float, p: float, se: float) -> str:
    return f"{fmt_price(v.unit(s), level)}: {fmt_probability(p, se, v.n_paths)} chance of reaching it in {v.period()}"


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
    text = (f"Fan chart of {v.label(s)} in {axis} over {v.period()}, scenario \u201c{v.scenario.title or v.scenario.name}\u201d. "
            + _last_real(v, s)
            + f"In this scenario, {v.label(s)} most likely averages {fmt_price(unit, q[0.5])} in {v.period()}, "
            f"{_vs_baseline(v, s, q[0.5])}; 9 in 10 futures average between {fmt_price(unit, q[0.05])} and "
            f"{fmt_price(unit, q[0.95])}. In 1 of 10 futures it tops {fmt_price(unit, v.max_q[s][0.9])} at some point.")
    odds = [f"{fmt_price(unit, t)}: {fmt_probability(p, se, v.n_paths)}" for t, p, se in v.thresholds.get(s, [])]
    if odds:
        text += " Chance of reaching " + "; ".join(odds) + "."
    return text


def caption(v: RunView, s: str) -> str:
    axis, _, _ = v.unit_words(s)
    hist = "real weekly prices of the last 12 months (black line), then " if s in v.history_values else ""
    return (f"{v.label(s)}, {axis}: {hist}the simulated range: most likely path (dark line), half of the "
            f"futures (dark band), 9 in 10 futures (light band) and the no-disruption outlook (dashed: "
            f"{OUTLOOK_DEFINITION}). "
            f"{v.n_paths:,} futures; scenario: {v.scenario.title or v.scenario.name}.")


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False))


# --- report summary ----------------------------------------------------------------------------

def summary_sentences(v: RunView, budgets: dict[str, FuelBudget]) -> list[str]:
    """Three to five sentences a newcomer understands, first in the report."""
    out = [f"This report looks at {v.n_paths:,} possible futures for oil and fuel prices in {v.period()} under one "
           f"scenario: {v.scenario.title or v.scenario.name}."]
    b = "brent_usd_per_bbl"
    if b in v.series:
        q = v.mean_q[b]
        out.append(f"Crude oil (Brent) most likely averages {fmt_price('bbl', q[0.5])} a barrel, "
                   f"{_vs_baseline(v, b, q[0.5])}; in {_one_in(0.05)} futures the average is "
                   f"{fmt_price('bbl', q[0.95])} or more.")
    fuels = [s for s in v.price_series if s != b]
    if fuels:
        parts = [f"{v.label(s)} {fmt_price(v.unit(s), v.mean_q[s][0.5])} {v.unit_words(s)[1]}" for s in fuels]
        worst = [f"{fmt_price(v.unit(s), v.peak[s][1])} for {v.label(s).split()[-1]}" for s in fuels]
        out.append("At the pump, the most likely averages are " + " and ".join(parts)
                   + "; in the riskiest month of the year, 1 in 20 futures average at least "
                   + " and ".join(worst) + ".")
    if budgets:
        items = list(budgets.items())
        spend = " and ".join(
            f"{fb.amount_per_month:g} {v.unit_words(s)[2]}s of {v.label(s).split()[-1]}" for s, fb in items)
        typ = sum(fb.typical_per_month for _, fb in items)
        base = sum(fb.baseline_per_month for _, fb in items)
        reserve = sum(fb.reserve for _, fb in items)
        sentence = (f"A household buying {spend} a month would most likely spend about {fmt_money(typ)} a month on "
                    f"it (no-disruption outlook: {fmt_money(base)})")
        if reserve >= 1:
            sentence += f"; a reserve of {fmt_money(reserve)} for the period covers the extra cost in 19 futures out of 20."
        else:
            sentence += "; in 19 futures out of 20 the average cost stays below the no-disruption outlook."
        out.append(sentence)
    out.append("These are ranges from a simple model, not forecasts: the section \u201cWhat this model leaves out\u201d "
               "lists what could make reality differ.")
    return out
