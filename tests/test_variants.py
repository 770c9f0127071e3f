"""Variants of a scenario with one value changed (energysim.variants)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from energysim.errors import ScenarioError
from energysim.scenario import load_scenario
from energysim.variants import key_path, parameter_keys, quantile_value, uncertain_parameters, with_value

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sc():  # type: ignore[no-untyped-def]
    return load_scenario(ROOT / "scenarios" / "maduro_capture.yaml").scenario


def test_uncertain_parameters_are_the_distributions_of_the_scenario(sc) -> None:  # type: ignore[no-untyped-def]
    params = {p.key: p for p in uncertain_parameters(sc)}
    d = sc.disruptions[0]
    assert params["disruptions[pdvsa_transition].volume_mbd"].dist == d.volume_mbd
    assert params["market.supply_elasticity"].dist == sc.market.supply_elasticity
    assert params["disruptions[pdvsa_transition].start"].is_date
    assert "disruptions[pdvsa_transition].probability" not in params  # a fixed 0.6
    assert all(p.dist.dist != "fixed" for p in params.values())
    assert key_path(sc, "hazards[caribbean_shipping_incidents].risk_premium.peak_pct") == (
        "hazards", 0, "risk_premium", "peak_pct")


def test_quantile_values_follow_the_distribution(sc) -> None:  # type: ignore[no-untyped-def]
    params = {p.key: p for p in uncertain_parameters(sc)}
    ramp = params["disruptions[pdvsa_transition].ramp_up_days"]  # uniform 7 to 21
    assert quantile_value(ramp, 0.1, sc.horizon.start) == pytest.approx(7 + 0.1 * 14)
    start = params["disruptions[pdvsa_transition].start"]  # triangular 5 Jan / 20 Jan / 31 Mar
    lo, hi = (quantile_value(start, q, sc.horizon.start) for q in (0.0, 1.0))
    assert (lo, hi) == (dt.date(2026, 1, 5), dt.date(2026, 3, 31))


def test_with_value_sets_one_value_and_checks_the_variant(sc) -> None:  # type: ignore[no-untyped-def]
    v = with_value(sc, "disruptions[pdvsa_transition].volume_mbd", 0.8)
    assert v.disruptions[0].volume_mbd.dist == "fixed" and v.disruptions[0].volume_mbd.value == 0.8
    assert v.disruptions[0].duration_days == sc.disruptions[0].duration_days and v.hazards == sc.hazards
    assert with_value(sc, "disruptions[pdvsa_transition].start", dt.date(2026, 3, 1)).disruptions[0].start.value == \
        dt.date(2026, 3, 1)
    assert with_value(sc, "market.volatility_annual", 0.5).market.volatility_annual.value == 0.5
    with pytest.raises(ScenarioError, match=r"did you mean 'disruptions\[pdvsa_transition\].probability'"):
        with_value(sc, "disruptions[pdvsa_transition].probablity", 0.5)
    with pytest.raises(ScenarioError, match=r"probability = 1.5: must be <= 1"):
        with_value(sc, "disruptions[pdvsa_transition].probability", 1.5)
    assert "disruptions[pdvsa_transition].probability" in parameter_keys(sc)
    assert sc.disruptions[0].volume_mbd.dist == "pert"  # the original is untouched
