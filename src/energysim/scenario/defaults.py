"""Defaults that come from the shipped data and the references (docs/references.md), each with its source.

Nothing here is a bare constant: data-driven values are read through :mod:`energysim.data`,
literature values carry the citation in ``SOURCES``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import data

__all__ = ["SOURCES", "steo_release", "world_demand_mbd", "spare_capacity_mbd", "brent_dynamics",
           "inventory_days_vs_normal", "elasticity", "fuel_defaults", "DEFAULT_FUELS", "TAXES_USD_PER_GAL"]

#: Default baseline edition: EIA Short-Term Energy Outlook, January 2026.
steo_release = "2026-01"

#: Federal + average state fuel taxes, 1 Jul 2024 [USD/gal] (references §5, EIA / FHWA).
TAXES_USD_PER_GAL = {
    "us_gasoline": 0.1840 + 0.3261,
    "us_diesel": 0.2440 + 0.3476,
}

SOURCES = {
    "baseline": "EIA Short-Term Energy Outlook, January 2026 edition, monthly Brent spot (BREPUUS)",
    "world_demand": "EIA STEO Jan 2026, world liquid fuels consumption (PATC_WORLD), 2026 average",
    "spare_capacity": "EIA STEO Jan 2026, OPEC spare crude production capacity (COPS_OPEC), Jan 2026",
    "brent_dynamics": "fitted by 'energysim calibrate' on the shipped weekly Brent (data/calibration.json)",
    "elasticities": "references §1: Kilian & Murphy (2014); Baumeister & Hamilton (2019); Caldara, Cavallo & Iacoviello (2019)",
    "taxes": "references §5: federal 18.40/24.40 ¢/gal + average state 32.61/34.76 ¢/gal (1 Jul 2024)",
    "pass_through": ("fitted by 'energysim calibrate' on the weekly EIA retail series against Brent; level of the "
                     "last 104 weeks (2024-2025) and a monthly seasonal profile"),
    "inventories": ("EIA STEO Jan 2026: 2025 global stock build (T3_STCHANGE_WORLD) above its 2022-2024 rate, "
                    "in days of PATC_WORLD"),
    "spare_response": ("judgement from references §2: spare output replaced lost barrels only 'within months' "
                       "(1990) and partly (2002-03); see docs/model.md §2"),
    "long_term_volatility": ("estimated by 'energysim calibrate' from 52-week Brent changes (Schwartz & Smith 2000 "
                             "two-factor model, references §7)"),
    "tightness": ("derived from references §1-2: +1...3 % per 1 % lost with ample buffers, +6...15 % when "
                  "exhausted; see docs/model.md §3"),
    "spr": "references §4: DOE (2016) effective drawdown 1.4–2.1 mb/d, ~13 days order to market; 2022 release 1.1 mb/d",
}


#: Reference fear premia drawn from historical episodes (docs/model.md §4, references §2).
#: The largest gross supply losses of the episodes in docs/references.md §2: the Arab oil
#: embargo (Oct 1973 - Mar 1974) and Iraq's invasion of Kuwait (Aug 1990), 4.3 mb/d each. A
#: scenario volume beyond it is noted (energysim.scenario.plausibility), not refused.
LARGEST_LOSS_ON_RECORD_MBD = 4.3
LARGEST_LOSS_ON_RECORD = "the 1973 embargo and the 1990 invasion of Kuwait, docs/references.md §2"

def brent_volatility_record() -> tuple[float, str]:
    """The highest 52-week volatility of weekly Brent in the shipped data (annualised standard
    deviation of weekly log changes over any 52 weeks; data/brent-weekly.csv, EIA RBRTE), and the
    week that window ends: a scenario volatility above it is noted (energysim.scenario.plausibility)."""
    return _brent_volatility_record()


@functools.cache
def _brent_volatility_record() -> tuple[float, str]:
    weekly = data.brent_weekly()
    changes = np.log(weekly.to_numpy(dtype=float))
    changes = changes[1:] - changes[:-1]
    window = 52
    sums = np.cumsum(np.concatenate([[0.0], changes]))
    squares = np.cumsum(np.concatenate([[0.0], changes**2]))
    n = window
    mean = (sums[n:] - sums[:-n]) / n
    var = ((squares[n:] - squares[:-n]) - n * mean**2) / (n - 1)
    k = int(np.argmax(var))
    return float(np.sqrt(var[k] * 52.0)), str(weekly.index[k + n].date())


PREMIUM_REFERENCES: dict[str, dict[str, Any]] = {
    # 2003: Brent +44 % from Nov 2002 to the 10 Mar 2003 peak, -30 % from the peak within weeks;
    # 2022: +35-40 % to ~$130 on 7-8 Mar, back near $100 within weeks (fear premium 1-3 months).
    # Lead: the threat was visible ~90-100 days before the 2003 war and ~40 days before Feb 2022.
    "threat": {
        "peak_pct": {"dist": "uniform", "low": 20, "high": 40},
        "lead_days": {"dist": "uniform", "low": 40, "high": 100},
        "half_life_days": {"dist": "triangular", "low": 7, "mode": 21, "high": 60},
        "source": "2003 pre-war run-up and Feb 2022 spike (references §2)",
    },
    # Libya 2011: premium $3-13/bbl on a ~$100-115 price (Kilian & Lee 2013); premia of real
    # losses decay over months (references §2, patterns).
    "surprise_loss": {
        "peak_pct": {"dist": "uniform", "low": 3, "high": 12},
        "lead_days": 0,
        "half_life_days": {"dist": "triangular", "low": 30, "mode": 60, "high": 120},
        "source": "Libya 2011, Kilian & Lee (2013) (references §2)",
    },
}


def world_demand_mbd() -> float:
    return round(data.steo_mean("PATC_WORLD", steo_release, "2026"), 2)


def spare_capacity_mbd() -> float:
    return float(data.steo_series("COPS_OPEC", steo_release)["2026-01"])


def brent_dynamics() -> dict[str, float]:
    b = data.calibration()["brent"]
    return {"volatility_annual": float(b["volatility_annual"]),
            "mean_reversion_per_year": float(b["mean_reversion_per_year"]),
            "long_term_volatility_annual": float(b.get("long_term_volatility_annual", 0.0))}


def inventory_days_vs_normal() -> float:
    """World stocks relative to normal at the start of 2026 [days of world demand].

    The EIA STEO (January 2026) implied global stock change T3_STCHANGE_WORLD (negative = build)
    over 2025, in excess of its average rate over 2022-2024 (the shipped years before it), summed
    over 2025 and divided by world consumption PATC_WORLD in January 2026.
    """
    change = data.steo_series("T3_STCHANGE_WORLD", steo_release)
    yearly = change.groupby(change.index.str[:4]).mean()
    normal = float(yearly.loc[["2022", "2023", "2024"]].mean())
    days_in_2025 = 365.0
    excess_build_mb = -(float(yearly.loc["2025"]) - normal) * days_in_2025
    demand = float(data.steo_series("PATC_WORLD", steo_release)["2026-01"])
    return round(excess_build_mb / demand, 2)


def elasticity(which: str) -> dict[str, Any]:
    e = dict(data.calibration()["elasticities"][which])
    return {k: e[k] for k in ("dist", "low", "mode", "high")}


DEFAULT_FUELS = {
    "us_gasoline": "US regular gasoline",
    "us_diesel": "US on-highway diesel",
}


def fuel_defaults(key: str) -> dict[str, Any]:
    """Default fuel market for one of the shipped US fuels, from calibration.json."""
    fit = data.calibration()["fuels"][key]
    taxes = TAXES_USD_PER_GAL[key]
    return {
        "label": DEFAULT_FUELS[key],
        "unit": "gal",
        "taxes": round(taxes, 4),
        "margin_and_crack": round(float(fit["intercept_usd_per_gal"]) - taxes, 4),
        "slope": float(fit["slope"]),
        "tau_up_weeks": float(fit["tau_up_weeks"]),
        "tau_down_weeks": float(fit["tau_down_weeks"]),
        "crack_spread": {
            "sd": float(fit["crack_sd_usd_per_gal"]),
            "reversion_per_year": float(fit["crack_reversion_per_year"]),
        },
        "seasonal": [float(v) for v in fit.get("seasonal_usd_per_gal", [0.0] * 12)],
        "history_file": fit.get("history_file"),
    }
