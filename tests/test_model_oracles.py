"""Closed-form oracles and properties of the supply-price model (issue 2, section 9)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import energysim
from energysim.scenario import scenario_from_dict

DETERMINISTIC_MARKET = {
    "volatility_annual": 0,
    "long_term_volatility_annual": 0,
    "tightness": {"slack_multiplier": 1, "tight_multiplier": 1},
    "supply_elasticity": 0.05,
    "demand_elasticity": -0.15,
    "world_demand_mbd": 100.0,
    "baseline": {"constant_usd_per_bbl": 60.0},
}
NO_RESPONSES = {"spare_capacity": {"share": 0}, "stock_release": None}


def _scenario(**over):
    base = {"name": "t", "market": dict(DETERMINISTIC_MARKET), "responses": dict(NO_RESPONSES),
            "simulation": {"paths": 64, "seed": 1}}
    base.update(over)
    return scenario_from_dict(base)


def test_no_disruption_and_no_noise_gives_the_baseline_exactly():
    res = energysim.simulate(_scenario())
    assert np.all(res.paths("brent_usd_per_bbl") == 60.0)
    assert np.all(res.paths("net_supply_loss_mbd") == 0.0)


def test_no_disruption_median_follows_the_steo_baseline():
    sc = scenario_from_dict({"name": "t", "simulation": {"paths": 20000, "seed": 3}})
    res = energysim.simulate(sc)
    median = res.quantile_path("brent_usd_per_bbl", 0.5)
    base = res.baseline["brent_usd_per_bbl"]
    # OU factor has median 0: the median tracks the baseline within Monte Carlo error (~1 %).
    assert np.max(np.abs(median / base - 1)) < 0.02
    assert base[0] == pytest.approx(61.0, rel=0.02)  # STEO Jan 2026: January 2026 Brent $61


def test_fixed_disruption_gives_the_formula_price_on_its_plateau():
    loss = 2.0
    sc = _scenario(disruptions=[{"name": "cut", "start": "2026-03-01", "volume_mbd": loss, "duration_days": 120}])
    res = energysim.simulate(sc)
    brent = res.paths("brent_usd_per_bbl")
    dates = res.dates  # the step dated D covers the week [D, D + 7)
    plateau = (dates >= np.datetime64("2026-03-01")) & (dates + 7 <= np.datetime64("2026-06-29"))
    assert plateau.sum() == 16  # 5 Mar to 22 Jun
    expected = 60.0 * math.exp((loss / 100.0) / (0.05 - (-0.15)))
    np.testing.assert_allclose(brent[:, plateau], expected, rtol=1e-12)
    before = dates + 7 <= np.datetime64("2026-03-01")
    np.testing.assert_allclose(brent[:, before], 60.0, rtol=1e-12)
    after = dates > np.datetime64("2026-07-10")
    np.testing.assert_allclose(brent[:, after], 60.0, rtol=1e-12)


def test_pass_through_matches_the_known_crude_path_when_everything_is_fixed():
    fuel = {"label": "x", "taxes": 0.5, "margin_and_crack": 0.7, "slope": 1.0, "tau_up_weeks": 0,
            "tau_down_weeks": 0, "crack_spread": {"sd": 0, "reversion_per_year": 1.0}, "start_price": 2.6286}
    sc = _scenario(fuels={"us_gasoline": None, "us_diesel": None, "x": fuel},
                   outputs={"thresholds": {}})
    res = energysim.simulate(sc)
    retail = res.paths("x_usd_per_gal")
    # Retail = taxes + margin + crude/42 + a start gap that decays at the crack reversion rate;
    # the gap is the start price minus the level implied by the last Brent before the horizon.
    level = 0.5 + 0.7 + 60.0 / 42.0
    gap0 = 2.6286 - (0.5 + 0.7 + res.inputs.brent_before_usd_per_bbl / 42.0)
    t_years = np.arange(1, res.dates.shape[0] + 1) * 7.0 / 365.25
    np.testing.assert_allclose(retail, (level + gap0 * np.exp(-1.0 * t_years))[None, :].repeat(64, 0), rtol=1e-12)


@pytest.mark.parametrize("timing, responses", [
    # uncertain timing, spare capacity answering, no stock release
    ({"start": {"dist": "uniform", "low": "2026-02-01", "high": "2026-05-01"},
      "duration_days": {"dist": "uniform", "low": 30, "high": 90}}, {"stock_release": None}),
    # fixed timing with every default response, the stock release included
    ({"start": "2026-03-02", "duration_days": 60}, {}),
])
def test_price_never_falls_as_a_disruption_grows(timing, responses):
    def run(vol):
        sc = scenario_from_dict({
            "name": "t", "simulation": {"paths": 500, "seed": 7}, "responses": responses,
            "disruptions": [{"name": "cut", "volume_mbd": vol, **timing}],
        })
        return energysim.simulate(sc)

    runs = [run(v) for v in (0.5, 1.5, 3.0, 6.0)]
    for small, large in zip(runs, runs[1:]):
        for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"):
            assert np.all(large.paths(s) >= small.paths(s) - 1e-9), s
        assert np.any(large.paths("brent_usd_per_bbl") > small.paths("brent_usd_per_bbl"))


def test_quantiles_are_ordered_and_the_same_seed_repeats_exactly():
    sc = energysim.load_scenario("scenarios/maduro_capture.yaml")
    a = energysim.simulate(sc, paths=3000, seed=11)
    b = energysim.simulate(sc, paths=3000, seed=11)
    qa, qb = a.quantiles(), b.quantiles()
    assert qa.equals(qb)
    for s in a.series:
        q = np.stack([a.quantile_path(s, lv) for lv in a.levels])
        assert np.all(np.diff(q, axis=0) >= 0)
    c = energysim.simulate(sc, paths=3000, seed=12)
    assert not np.array_equal(a.paths("brent_usd_per_bbl"), c.paths("brent_usd_per_bbl"))


def test_an_unrelated_disruption_leaves_the_other_draws_unchanged():
    common = {"name": "t", "simulation": {"paths": 400, "seed": 5},
              "responses": NO_RESPONSES,
              "disruptions": [{"name": "a", "start": {"dist": "uniform", "low": "2026-02-01", "high": "2026-04-01"},
                               "volume_mbd": {"dist": "uniform", "low": 0.2, "high": 1.0}, "duration_days": 60}]}
    one = energysim.simulate(scenario_from_dict(common))
    extra = dict(common)
    extra["disruptions"] = common["disruptions"] + [
        {"name": "b", "start": "2026-10-01", "volume_mbd": {"dist": "uniform", "low": 0.5, "high": 2.0},
         "duration_days": 30}]
    two = energysim.simulate(scenario_from_dict(extra))
    before = one.dates < np.datetime64("2026-10-01")
    # Until the extra disruption starts, every path is identical: its streams did not shift the others.
    np.testing.assert_array_equal(one.paths("brent_usd_per_bbl")[:, before], two.paths("brent_usd_per_bbl")[:, before])
    assert np.any(one.paths("brent_usd_per_bbl")[:, ~before] != two.paths("brent_usd_per_bbl")[:, ~before])


def test_probability_zero_disruption_changes_nothing():
    common = {"name": "t", "simulation": {"paths": 300, "seed": 9}}
    one = energysim.simulate(scenario_from_dict(common))
    two = energysim.simulate(scenario_from_dict({**common, "disruptions": [
        {"name": "never", "probability": 0, "start": "2026-03-01", "volume_mbd": 3, "duration_days": 90}]}))
    for s in one.series:
        np.testing.assert_array_equal(one.paths(s), two.paths(s))


def test_a_tax_change_reaches_the_pump_in_full_from_the_first_step() -> None:
    """The observed start price holds the taxes in force (the shipped ones); a scenario's other
    taxes are a tax change from the horizon's first day: every step of every future moves by
    exactly the change (a gas-tax holiday of 18.4 cents is 18.4 cents at the pump), and the
    other fuel does not move."""
    from pathlib import Path

    from energysim.variants import with_value

    loaded = energysim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "maduro_capture.yaml")
    g, d = "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"
    base = energysim.simulate(loaded, paths=2000, seed=5, keep_paths=True)
    holiday = with_value(loaded.scenario, "fuels.us_gasoline.taxes", loaded.scenario.fuels["us_gasoline"].taxes - 0.184)
    run = energysim.simulate(holiday, paths=2000, seed=5, keep_paths=True)
    np.testing.assert_allclose(run.paths(g) - base.paths(g), -0.184, atol=1e-9)
    np.testing.assert_array_equal(run.paths(d), base.paths(d))
