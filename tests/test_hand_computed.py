"""The documented model (docs/model.md §1-5) computed by hand, step by step, against a run.

Every input is fixed and the market noise is off, so each path is the same and each number
follows from the equations of docs/model.md, written out here in plain Python (not with the
model functions): the gross loss (§1), spare capacity after its lag and the stock release with
its trigger, lag and rate (§2), inventories, headroom and the tightness multiplier (§3), and the
price of the net loss (§5). A mistake in any term moves the run away from this computation.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

import energysim
from energysim.scenario import scenario_from_dict

# the documented constants (docs/model.md §3): ample headroom [mb/d], acute duration [days]
H_AMPLE, T_ACUTE = 5.3, 150.0
E_S, E_D, DEMAND, BASE = 0.05, -0.15, 100.0, 60.0
SLACK, TIGHT, I0 = 0.4, 2.1, 2.0
VOLUME, START_DAY, DURATION = 4.0, 31, 100  # 4 mb/d from 1 February for 100 days
SPARE, SHARE, LAG = 3.0, 0.5, 26  # spare capacity [mb/d], its share of the loss, its lag [days]
# stock release: net loss trigger [mb/d], rate [mb/d], total [mb], lag [days]; it runs from 6 to 25 days
# after the loss's start, when spare capacity takes over and the loss falls below the trigger
TRIGGER, RATE, TOTAL, REL_LAG = 3.5, 1.0, 20.0, 5
GAIN, GAIN_DAY, GAIN_DAYS = -1.0, 150, 20  # a supply gain of 1 mb/d from 31 May for 20 days
# a fuel (docs/model.md §6): taxes, margin, slope, catch-up times [weeks], crack reversion [1/yr],
# crack widening per mb/d of net loss [USD/gal], the price before the horizon [USD/gal]
TAXES, MARGIN, SLOPE, TAU_UP, TAU_DOWN, CRACK_K, PER_LOSS, START = 0.5, 0.7, 1.0, 0.5, 3.0, 2.0, 0.05, 2.6


def _scenario(step: str = "day", spare_lag_days: float = LAG, release: bool = True):  # noqa: ANN202
    return scenario_from_dict({
        "name": "t", "simulation": {"paths": 4, "seed": 1},
        "horizon": {"start": "2026-01-01", "end": "2026-06-30", "step": step},
        "market": {"volatility_annual": 0, "long_term_volatility_annual": 0, "supply_elasticity": E_S,
                   "demand_elasticity": E_D, "world_demand_mbd": DEMAND, "baseline": {"constant_usd_per_bbl": BASE},
                   "tightness": {"inventory_days_vs_normal": I0, "slack_multiplier": SLACK,
                                 "tight_multiplier": TIGHT}},
        "responses": {
            "spare_capacity": {"available_mbd": SPARE, "share": SHARE, "lag_days": spare_lag_days},
            "stock_release": ({"trigger_net_loss_mbd": TRIGGER, "trigger_price_usd_per_bbl": None, "rate_mbd": RATE,
                               "total_mb": TOTAL, "lag_days": REL_LAG} if release else None)},
        "disruptions": [{"name": "cut", "start": _date(START_DAY), "volume_mbd": VOLUME, "duration_days": DURATION,
                         "ramp_up_days": 0, "recovery_days": 0},
                        {"name": "gain", "start": _date(GAIN_DAY), "volume_mbd": GAIN, "duration_days": GAIN_DAYS,
                         "ramp_up_days": 0, "recovery_days": 0}],
        "fuels": {"us_gasoline": None, "us_diesel": None, "x": {
            "label": "x", "taxes": TAXES, "margin_and_crack": MARGIN, "slope": SLOPE, "tau_up_weeks": TAU_UP,
            "tau_down_weeks": TAU_DOWN, "start_price": START,
            "crack_spread": {"sd": 0, "reversion_per_year": CRACK_K, "per_mbd_loss": PER_LOSS}}},
        "outputs": {"thresholds": {}},
    })


def _date(day: int) -> str:
    return str(dt.date(2026, 1, 1) + dt.timedelta(days=day))


def _by_hand(days: int) -> tuple[list[float], list[float]]:
    """Net loss [mb/d] and Brent [USD/bbl] of each day, from the equations of docs/model.md §1-5."""
    gross = [(VOLUME if START_DAY <= d < START_DAY + DURATION else 0.0)
             + (GAIN if GAIN_DAY <= d < GAIN_DAY + GAIN_DAYS else 0.0) for d in range(days)]
    spare = [min(SHARE * max(gross[d - LAG], 0.0) if d >= LAG else 0.0, SPARE, max(gross[d], 0.0))
             for d in range(days)]
    net = [g - s for g, s in zip(gross, spare)]
    # the release starts REL_LAG days after the end of the first day whose loss reaches the
    # trigger and runs at RATE for TOTAL / RATE days, covering only the loss beyond the trigger
    first = next(d for d in range(days) if net[d] >= TRIGGER)
    begin = first + 1 + REL_LAG
    for d in range(begin, min(begin + int(TOTAL / RATE), days)):
        net[d] -= min(RATE, max(net[d] - TRIGGER, 0.0))
    brent, inventory = [], I0
    for d in range(days):
        inventory -= net[d] * 1.0 / DEMAND  # days of world demand, drawn down by the net loss
        headroom = max(SPARE - spare[d] + DEMAND * inventory / T_ACUTE - max(net[d], 0.0), 0.0)
        m = TIGHT + (SLACK - TIGHT) * min(headroom / H_AMPLE, 1.0)
        brent.append(BASE * math.exp(m * (net[d] / DEMAND) / (E_S - E_D)))
    return net, brent


def _retail_by_hand(brent: list[float], net: list[float], brent_before: float) -> list[float]:
    """The fuel's daily price from docs/model.md §6: the effective crude catches up with Brent in
    ``tau_up`` weeks when Brent is above it and ``tau_down`` below; the crack deviation starts at
    the gap between the price before the horizon and the model's value then, and reverts; the
    crack widens by ``per_mbd_loss`` per mb/d of net loss, not for a supply gain."""
    out, effective = [], brent_before
    deviation = START - (TAXES + MARGIN + SLOPE * brent_before / 42.0)
    for p, loss in zip(brent, net):
        tau = TAU_UP if p > effective else TAU_DOWN
        effective += (1.0 - math.exp(-(1.0 / 7.0) / tau)) * (p - effective)
        deviation *= math.exp(-CRACK_K * 1.0 / 365.25)
        out.append(TAXES + MARGIN + SLOPE * effective / 42.0 + deviation + PER_LOSS * max(loss, 0.0))
    return out


def test_a_daily_run_is_the_documented_model_computed_by_hand() -> None:
    res = energysim.simulate(_scenario())
    days = res.dates.shape[0]
    net, brent = _by_hand(days)
    # the hand computation goes through every regime: before the loss, the loss alone, the
    # release, spare capacity, after the loss, and a supply gain
    assert {round(x, 9) for x in net} == {0.0, 4.0, 3.5, 2.0, GAIN}
    np.testing.assert_allclose(res.paths("net_supply_loss_mbd"), np.tile(net, (4, 1)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.paths("brent_usd_per_bbl"), np.tile(brent, (4, 1)), rtol=1e-12)
    retail = _retail_by_hand(brent, net, res.inputs.brent_before_usd_per_bbl)
    np.testing.assert_allclose(res.paths("x_usd_per_gal"), np.tile(retail, (4, 1)), rtol=1e-12)


def test_the_spare_capacity_lag_is_the_nearest_whole_number_of_steps() -> None:
    """On a weekly grid a lag of 13 days is 2 steps (14 days), not 1 (7 days); 10 days is 1."""
    for lag_days, lag_steps in ((13.0, 2), (10.0, 1), (60.0, 9)):
        res = energysim.simulate(_scenario(step="week", spare_lag_days=lag_days, release=False))
        net = res.paths("net_supply_loss_mbd")[0]
        first = int(np.flatnonzero(net > 0)[0])  # the week holding the loss's start
        # the first week after it whose loss is less than the whole volume: spare capacity answers
        answered = 1 + int(np.flatnonzero(net[first + 1:] < VOLUME - 1e-9)[0])
        assert answered == lag_steps, lag_days
