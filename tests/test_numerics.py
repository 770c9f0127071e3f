"""Numerical safety: prices are never negative or NaN on any path; extreme but valid inputs
(a 20 mb/d loss, volatility 2.0) run and give finite results; what cannot be represented fails
loudly with a ScenarioError instead of writing nonsense."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import energysim
from energysim import engine
from energysim.cli import main
from energysim.errors import ScenarioError
from energysim.models import price as price_model
from energysim.scenario import defaults, scenario_from_dict

ROOT = Path(__file__).parent.parent
PRICES = ["brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"]


def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "extreme.yaml"
    path.write_text("name: extreme\nextends: " + str(ROOT / "scenarios" / "baseline_2026.yaml") + "\n" + body)
    return path


def _check_all_paths(result: energysim.SimulationResult) -> None:
    for series in PRICES:
        values = result.paths(series)
        assert np.all(np.isfinite(values)), series
        assert np.all(values > 0), series
    assert np.all(np.isfinite(result.paths("net_supply_loss_mbd")))
    q = result.quantiles()
    assert np.all(np.isfinite(q["value"]))


@pytest.mark.parametrize("volume_mbd", [20.0, -20.0])
def test_20_mbd_loss_and_volatility_2_run_finite(tmp_path: Path, volume_mbd: float) -> None:
    path = _scenario(tmp_path, f"""market:
  volatility_annual: 2.0
  mean_reversion_per_year: 0
disruptions:
  - name: huge
    start: 2026-02-01
    volume_mbd: {volume_mbd}
    duration_days: 300
    risk_premium: {{peak_pct: 50, half_life_days: 30}}
""")
    result = energysim.simulate(energysim.load_scenario(path), paths=500, seed=3, keep_paths=True)
    _check_all_paths(result)
    brent = result.paths("brent_usd_per_bbl")
    base = result.baseline["brent_usd_per_bbl"]
    if volume_mbd > 0:  # a fifth of world supply lost (weeks 10-40 are inside the outage): a large rise, yet a finite one
        assert np.median(brent[:, 10:40] / base[10:40]) > 2.0
    assert np.all(brent <= base * np.exp(price_model.LOG_MOVE_LIMIT) * (1 + 1e-12))
    assert np.all(brent >= base * np.exp(-price_model.LOG_MOVE_LIMIT) * (1 - 1e-12))


def test_extreme_run_through_the_cli(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "market:\n  volatility_annual: 2.0\n"
                     "disruptions:\n  - {name: huge, start: 2026-02-01, volume_mbd: 20, duration_days: 300}\n")
    assert main(["run", str(path), "--paths", "200", "--quiet", "--out", str(tmp_path / "out")]) == 0
    summary = (tmp_path / "out" / "extreme" / "summary.json").read_text()
    assert "NaN" not in summary and "Infinity" not in summary


def test_crude_price_clip_keeps_exp_finite() -> None:
    base = np.array([60.0, 70.0])
    huge = np.array([[1e6, -1e6], [800.0, -800.0]])
    p = price_model.crude_price(base, np.zeros((2, 2)), huge, 0.0)
    assert np.all(np.isfinite(p)) and np.all(p > 0)
    assert p[0, 0] == pytest.approx(60.0 * 1000.0)
    assert p[0, 1] == pytest.approx(70.0 / 1000.0)
    # inside the bound nothing changes
    small = np.array([[0.5, -0.5]])
    assert np.allclose(price_model.crude_price(base, np.zeros((1, 2)), small), base * np.exp([0.5, -0.5]))
    # NaN is not hidden by the clip: the engine's check reports it
    assert np.isnan(price_model.crude_price(base, np.zeros((1, 2)), np.array([[np.nan, 0.0]])))[0, 0]


def test_nan_from_the_model_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = energysim.load_scenario(ROOT / "scenarios" / "baseline_2026.yaml")
    real = engine.chunk_inputs

    def poisoned(*args: object, **kwargs: object) -> tuple[dict, list[str]]:
        inputs, series = real(*args, **kwargs)  # type: ignore[arg-type]
        inputs["baseline"] = inputs["baseline"].copy()
        inputs["baseline"][3] = np.nan  # every path's Brent at step 3 becomes NaN
        return inputs, series

    monkeypatch.setattr(engine, "chunk_inputs", poisoned)
    with pytest.raises(ScenarioError, match="64 non-positive or non-finite values of brent_usd_per_bbl"):
        energysim.simulate(loaded, paths=64, seed=1)


def test_negative_retail_price_fails_loudly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A margin so negative that the pump price would go below zero: exit 2, not a report."""
    path = _scenario(tmp_path, "fuels:\n  us_gasoline:\n    margin_and_crack: -5.0\n")
    assert main(["run", str(path), "--paths", "64", "--quiet", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "us_gasoline_usd_per_gal" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "extreme").exists()


@settings(max_examples=20, deadline=None)
@given(
    volume=st.floats(-30, 30),
    demand=st.floats(1.0, 200.0),
    volatility=st.floats(0.0, 2.5),
    reversion=st.floats(0.0, 20.0),
    supply_e=st.floats(0.0, 0.5),
    demand_e=st.floats(-0.5, -1e-3),
    premium=st.floats(-90.0, 500.0),
)
def test_valid_extremes_stay_finite_and_positive(volume: float, demand: float, volatility: float,
                                                reversion: float, supply_e: float, demand_e: float,
                                                premium: float) -> None:
    assume(abs(volume) <= demand)  # a larger volume than the whole market is refused as invalid
    sc = scenario_from_dict({
        "name": "prop",
        "horizon": {"start": "2026-01-01", "end": "2026-12-31", "step": "month"},
        "market": {"world_demand_mbd": demand, "volatility_annual": volatility,
                   "mean_reversion_per_year": reversion, "supply_elasticity": supply_e,
                   "demand_elasticity": demand_e},
        "disruptions": [{"name": "d", "start": "2026-02-01", "volume_mbd": volume, "duration_days": 200,
                         "risk_premium": {"peak_pct": premium, "half_life_days": 20}}],
        # the responses' flows are volumes too: the defaults, or the whole market where it is smaller
        "responses": {"spare_capacity": {"available_mbd": min(demand, defaults.spare_capacity_mbd())},
                      "stock_release": {"trigger_net_loss_mbd": min(demand, 1.5),
                                        "rate_mbd": {"dist": "uniform", "low": min(demand, 1.0), "high": min(demand, 2.0)}}},
    })
    result = energysim.simulate(sc, paths=32, seed=5, keep_paths=True)
    _check_all_paths(result)
