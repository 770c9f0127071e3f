"""Market tightness (state dependence) and fear premia: model numbers and engine wiring."""

from __future__ import annotations

import numpy as np
import pytest

from energysim.engine import simulate
from energysim.models import price as price_model
from energysim.models import tightness
from energysim.scenario import defaults
from energysim.scenario.loader import scenario_from_dict

CONSENSUS_ES, CONSENSUS_ED = 0.05, -0.15


def _pct_per_pct(multiplier: float) -> float:
    """Per cent price rise per 1 % of world supply lost, at the consensus elasticities."""
    share = np.array([[0.01]])
    impact = price_model.loss_log_impact(share * 100.0, np.array([100.0]), np.array([CONSENSUS_ES]),
                                         np.array([CONSENSUS_ED]), multiplier)
    return float(impact[0, 0] / 0.01 * 100.0) / 100.0


def test_multiplier_ends_and_monotone() -> None:
    h = np.linspace(0.0, 10.0, 101)
    m = tightness.multiplier(h)
    assert m[0] == pytest.approx(tightness.TIGHT_MULTIPLIER)
    assert m[-1] == pytest.approx(tightness.SLACK_MULTIPLIER)
    assert np.all(np.diff(m) <= 0)


def test_per_percent_ranges_match_model_notes() -> None:
    # references §1-2: +1 … +3 % per 1 % with ample spare capacity, +6 … +15 % when exhausted
    slack = _pct_per_pct(float(tightness.multiplier(np.array(10.0))))
    tight = _pct_per_pct(float(tightness.multiplier(np.array(0.0))))
    assert 1.0 <= slack <= 3.0
    assert 6.0 <= tight <= 15.0


def test_headroom_counts_the_loss_and_inventories() -> None:
    demand = np.array([100.0])
    net = np.array([[1.0, 4.0]])
    used = np.zeros((1, 2))
    m = tightness.tightness_multiplier(net, np.array([5.0]), used, demand, np.array([1.0, 1.0]), 0.0)
    assert m[0, 1] > m[0, 0]  # a bigger loss against the same buffers is tighter
    m_inv = tightness.tightness_multiplier(net, np.array([5.0]), used, demand, np.array([1.0, 1.0]), 10.0)
    assert np.all(m_inv <= m) and m_inv[0, 1] < m[0, 1]  # inventories above normal loosen it
    # a persistent loss draws inventories down: I_t = I_0 - cumsum(L dt) / D
    inv = tightness.inventory_days(5.0, np.full((1, 3), 10.0), np.array([10.0, 10.0, 10.0]), demand)
    np.testing.assert_allclose(inv[0], [4.0, 3.0, 2.0])


def test_default_inventory_from_steo() -> None:
    value = defaults.inventory_days_vs_normal()
    assert 0.0 < value < 15.0  # 2025 global stock build above normal (EIA STEO Jan 2026)
    sc = scenario_from_dict({"name": "t"})
    assert sc.market.tightness.inventory_days_vs_normal == pytest.approx(value)


def _scenario(spare: float, volume: float = 3.0, inventory: float = 0.0, premium: dict | None = None) -> dict:
    d = {"name": "cut", "start": "2026-02-01", "volume_mbd": volume, "duration_days": 120}
    if premium:
        d["risk_premium"] = premium
    return {
        "name": "t", "horizon": {"start": "2026-01-01", "end": "2026-06-30", "step": "week"},
        "simulation": {"paths": 50, "seed": 1},
        "market": {"baseline": {"constant_usd_per_bbl": 60.0}, "volatility_annual": 0,
                   "long_term_volatility_annual": 0, "supply_elasticity": CONSENSUS_ES,
                   "demand_elasticity": CONSENSUS_ED, "world_demand_mbd": 100.0,
                   "tightness": {"inventory_days_vs_normal": inventory}},
        "disruptions": [d],
        "responses": {"spare_capacity": {"available_mbd": spare, "lag_days": 60, "share": 0.5},
                      "stock_release": None},
        "fuels": {}, "outputs": {"thresholds": {}},
    }


def _brent(sc_dict: dict) -> np.ndarray:
    res = simulate(scenario_from_dict(sc_dict), keep_paths=True, workers=1)
    return res.paths("brent_usd_per_bbl")[0]


def test_same_loss_moves_price_more_when_spare_is_low() -> None:
    slack = _brent(_scenario(spare=8.0, inventory=5.0))
    tight = _brent(_scenario(spare=0.0, inventory=0.0))
    j = 6  # a few weeks after the start, before spare capacity answers
    rise_slack = slack[j] / 60.0 - 1.0
    rise_tight = tight[j] / 60.0 - 1.0
    assert rise_tight > 3.0 * rise_slack > 0.0
    # 3 % of world supply lost: +1…3 % per 1 % when slack, +6…15 % per 1 % when tight (log terms)
    assert 1.0 <= 100.0 * np.log1p(rise_slack) / 3.0 <= 3.0
    assert 6.0 <= 100.0 * np.log1p(rise_tight) / 3.0 <= 15.0


def test_threat_only_premium_rises_then_releases() -> None:
    premium = {"peak_pct": 30, "lead_days": 21, "half_life_days": 14}
    p = _brent(_scenario(spare=3.0, volume=0.0, premium=premium))
    t_mid = np.arange(p.shape[0]) * 7.0 + 3.5  # the weeks' middles [days], where premia are taken
    start = 31.0
    before = t_mid < start - 21
    assert before.any() and np.allclose(p[before], 60.0)  # nothing before the threat appears
    k = int(np.argmax(p))
    assert 1.2 * 60.0 < p[k] <= 1.3 * 60.0 + 1e-9  # rises towards the 30 % peak
    assert start - 7 <= t_mid[k] <= start + 7
    assert np.all(np.diff(p[k:]) <= 1e-12)  # then only falls
    assert p[-1] == pytest.approx(60.0, rel=0.01)  # and is released: no physical loss, no lasting effect


def test_multipliers_of_one_switch_state_dependence_off() -> None:
    sc = _scenario(spare=0.0, volume=2.0)
    sc["market"]["tightness"].update({"slack_multiplier": 1.0, "tight_multiplier": 1.0})
    sc["responses"]["spare_capacity"]["share"] = 0.0
    p = _brent(sc)
    assert p[10] == pytest.approx(60.0 * np.exp(0.02 / (CONSENSUS_ES - CONSENSUS_ED)), rel=1e-12)


def test_tight_below_slack_is_rejected() -> None:
    from energysim.errors import ScenarioError

    sc = _scenario(spare=1.0)
    sc["market"]["tightness"].update({"slack_multiplier": 2.0, "tight_multiplier": 1.0})
    with pytest.raises(ScenarioError, match="tight_multiplier"):
        scenario_from_dict(sc)
