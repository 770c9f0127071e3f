"""Tests of energysim.fitting: recovery of known parameters from synthetic data, the naive
scorer on a hand-computed case, and a smoke run of the calibration on the shipped data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from energysim import fitting
from energysim.models.retail import crack_deviation, effective_crude

DT_WEEK_YR = 7.0 / 365.25


def _ou_path(rng: np.random.Generator, n: int, sigma: float, kappa: float, dt: float) -> np.ndarray:
    sd = sigma / math.sqrt(2 * kappa)
    return crack_deviation(rng.standard_normal((1, n)), dt, sd, kappa, rng.normal() * sd)[0]


def test_ou_fit_recovers_sigma_and_kappa() -> None:
    rng = np.random.default_rng(1)
    sigma, kappa = 0.30, 1.5
    x = _ou_path(rng, 20_000, sigma, kappa, DT_WEEK_YR)  # ~385 years of weekly data
    fit = fitting.fit_ou_log_price(np.log(60.0) + x, DT_WEEK_YR, trend_window_steps=None)
    assert fit.sigma_annual == pytest.approx(sigma, rel=0.03)
    assert fit.kappa_per_year == pytest.approx(kappa, rel=0.15)
    assert abs(fit.kappa_per_year - kappa) < 3 * fit.se_kappa
    assert fit.half_life_days == pytest.approx(math.log(2) / fit.kappa_per_year * 365.25)
    assert fit.n_obs == x.size - 1


def test_ou_fit_bootstrap_interval_covers_truth() -> None:
    rng = np.random.default_rng(0)
    x = _ou_path(rng, 3_000, 0.4, 3.0, DT_WEEK_YR)
    fit = fitting.fit_ou_log_price(x, DT_WEEK_YR, trend_window_steps=None, n_boot=200, seed=3)
    assert fit.ci90_sigma is not None and fit.ci90_kappa is not None
    assert fit.ci90_sigma[0] < 0.4 < fit.ci90_sigma[1]
    assert fit.ci90_kappa[0] < 3.0 < fit.ci90_kappa[1]


def test_ou_fit_rejects_random_walk_without_reversion() -> None:
    x = np.cumsum(np.ones(200))  # deterministic trend, phi >= 1 around a constant mean
    with pytest.raises(ValueError, match="outside"):
        fitting.fit_ou_log_price(x, DT_WEEK_YR, trend_window_steps=None)


def test_centred_moving_average_matches_direct_sum() -> None:
    x = np.arange(10.0) ** 2
    out = fitting.centred_moving_average(x, 4)
    assert np.isnan(out[:2]).all() and np.isnan(out[-1])
    assert out[2] == pytest.approx(np.mean(x[0:4]))
    assert out[8] == pytest.approx(np.mean(x[6:10]))


@pytest.mark.parametrize(
    ("intercept", "slope", "tau_up", "tau_down"),
    [(1.0, 0.95, 1.5, 6.0), (1.3, 1.10, 4.0, 2.0)],
)
def test_pass_through_recovers_known_parameters(
    intercept: float, slope: float, tau_up: float, tau_down: float
) -> None:
    rng = np.random.default_rng(1)
    n = 800
    # crude: geometric random walk with 35 %/sqrt(yr) vol around $70
    crude = 70.0 * np.exp(np.cumsum(rng.normal(0.0, 0.35 * math.sqrt(DT_WEEK_YR), n)))
    eff = effective_crude(crude[None, :], 1.0, tau_up, tau_down)[0]
    noise_sd, noise_rev = 0.02, 10.0
    noise = crack_deviation(rng.standard_normal((1, n)), DT_WEEK_YR, noise_sd, noise_rev)[0]
    retail = intercept + slope * eff / 42.0 + noise
    fit = fitting.fit_pass_through(crude, retail, 1.0)
    assert fit.intercept_usd_per_gal == pytest.approx(intercept, abs=0.03)
    assert fit.slope == pytest.approx(slope, rel=0.03)
    # 800 weeks identify the time constants to about +-20 % (checked over several seeds)
    assert fit.tau_up_weeks == pytest.approx(tau_up, rel=0.25)
    assert fit.tau_down_weeks == pytest.approx(tau_down, rel=0.25)
    assert fit.residual_sd_usd_per_gal == pytest.approx(noise_sd, rel=0.2)
    assert fit.crack_reversion_per_year == pytest.approx(noise_rev, rel=0.35)
    assert fit.r2 > 0.95
    assert not any(fit.tau_at_bound.values())


def test_pass_through_reports_bound_when_degenerate() -> None:
    rng = np.random.default_rng(11)
    crude = 70.0 + np.cumsum(rng.normal(0.0, 2.0, 400))
    retail = 1.0 + crude / 42.0  # instantaneous pass-through: both taus want to be 0
    fit = fitting.fit_pass_through(crude, retail, 1.0, tau_bounds_weeks=(0.1, 30.0))
    assert fit.tau_at_bound == {"tau_up_weeks": True, "tau_down_weeks": True}
    assert fit.tau_up_weeks >= 0.1 and fit.tau_down_weeks >= 0.1


def test_pass_through_train_mask_excludes_rows() -> None:
    rng = np.random.default_rng(5)
    n = 500
    crude = 70.0 * np.exp(np.cumsum(rng.normal(0.0, 0.05, n)))
    retail = 1.0 + fitting.pass_through_predict(crude, 1.0, 0.0, 1.0, 2.0, 5.0)
    retail[300:] += 5.0  # a break the fit must not see
    mask = np.arange(n) < 300
    fit = fitting.fit_pass_through(crude, retail, 1.0, train_mask=mask)
    assert fit.n_obs == 300
    assert fit.intercept_usd_per_gal == pytest.approx(1.0, abs=1e-3)


def test_naive_scorer_on_hand_computed_case() -> None:
    crude = np.array([42.0, 84.0, 42.0, 126.0])  # crude/42 = 1, 2, 1, 3 USD/gal
    retail = np.array([2.0, 3.2, 2.1, 3.5])
    train = np.array([True, True, False, False])
    test = ~train
    # constant = mean(retail - crude/42) over training = mean(1.0, 1.2) = 1.1
    const = fitting.fit_naive_constant(crude, retail, train)
    assert const == pytest.approx(1.1)
    pred = fitting.naive_predict(crude, const)
    np.testing.assert_allclose(pred, [2.1, 3.1, 2.1, 4.1])
    # test rows: |2.1 - 2.1| = 0, |4.1 - 3.5| = 0.6 -> MAE 0.3 USD = 30 cents
    assert fitting.mae_cents_per_gal(pred, retail, test) == pytest.approx(30.0)

    # A fitted model with tau = 0 (immediate) reduces to intercept + slope * crude/42.
    fit = fitting.PassThroughFit(
        intercept_usd_per_gal=1.0, slope=1.0, tau_up_weeks=0.0, tau_down_weeks=0.0,
        std_errors_iid={}, std_errors_hac={}, hac_lag=0, n_obs=2, r2=1.0,
        residual_sd_usd_per_gal=0.0, crack_phi=0.0, crack_reversion_per_year=0.0,
        crack_innovation_sd_usd_per_gal=0.0, tau_at_bound={}, tau_bounds_weeks=(0.1, 30.0),
        success=True, message="",
    )  # fmt: skip
    score = fitting.score_holdout(crude, retail, 1.0, fit, train, test)
    # model predicts 2.0 and 4.0 on test rows: errors 0.1 and 0.5 -> 30 cents
    assert score.mae_cents_per_gal == pytest.approx(30.0)
    assert score.naive_mae_cents_per_gal == pytest.approx(30.0)
    assert score.naive_constant_usd_per_gal == pytest.approx(1.1)
    assert score.bias_cents_per_gal == pytest.approx(100 * np.mean([2.0 - 2.1, 4.0 - 3.5]))
    assert score.n_obs == 2


def test_mae_rejects_shape_mismatch_and_empty_mask() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        fitting.mae_cents_per_gal([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="no rows"):
        fitting.mae_cents_per_gal([1.0], [1.0], [False])


def test_run_calibration_on_shipped_data_is_plausible() -> None:
    calibrate = pytest.importorskip("energysim.calibrate")
    cal = calibrate.run_calibration()
    assert cal["schema_version"] == 1
    assert cal["generated_by"] == "energysim calibrate"
    b = cal["brent"]
    assert 0.15 < b["volatility_annual"] < 0.6
    assert 0.1 < b["mean_reversion_per_year"] < 10.0
    assert b["half_life_days"] == pytest.approx(math.log(2) / b["mean_reversion_per_year"] * 365.25)
    assert b["window"]["frequency"] == "weekly" and b["window"]["why"]
    assert b["n_obs"] > 1000
    for fuel in ("us_gasoline", "us_diesel"):
        f = cal["fuels"][fuel]
        for key in (
            "intercept_usd_per_gal", "slope", "slope_cents_per_gal_per_usd_per_bbl",
            "tau_up_weeks", "tau_down_weeks", "crack_sd_usd_per_gal", "crack_reversion_per_year",
        ):  # fmt: skip
            assert math.isfinite(f[key]), (fuel, key)
        assert 0.3 < f["intercept_usd_per_gal"] < 2.5
        assert 0.6 < f["slope"] < 1.4
        assert f["slope_cents_per_gal_per_usd_per_bbl"] == pytest.approx(100 * f["slope"] / 42)
        assert 0.1 <= f["tau_up_weeks"] <= 30 and 0.1 <= f["tau_down_weeks"] <= 30
        assert 0.02 < f["crack_sd_usd_per_gal"] < 1.0
        assert 0.0 < f["crack_reversion_per_year"] < 20.0
        assert 0.5 < f["train"]["r2"] <= 1.0
        h = f["holdout"]
        assert h["naive_rule"] == "crude/42 + constant"
        assert 0 < h["mae_cents_per_gal"] < 100 and 0 < h["naive_mae_cents_per_gal"] < 100
    e = cal["elasticities"]
    assert e["supply"]["low"] <= e["supply"]["mode"] <= e["supply"]["high"]
    assert e["demand"]["low"] <= e["demand"]["mode"] <= e["demand"]["high"] < 0


# ---------------------------------------------------------------------------------------------
# Seasonal profile and current-regime level (issue 3, section 1)
# ---------------------------------------------------------------------------------------------

#: A gasoline-like profile [USD/gal], January first, mean zero by construction.
_SEASON = np.array([-0.15, -0.12, -0.02, 0.05, 0.12, 0.13, 0.10, 0.07, 0.04, -0.01, -0.07, -0.14])
_SEASON = _SEASON - _SEASON.mean()


def _synthetic_seasonal(seed: int, n: int = 700, shift: float = 0.0, shift_weeks: int = 0):
    rng = np.random.default_rng(seed)
    dates = np.datetime64("2008-01-07") + 7 * np.arange(n)
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    crude = 70.0 * np.exp(np.cumsum(rng.normal(0.0, 0.35 * math.sqrt(DT_WEEK_YR), n)))
    eff = effective_crude(crude[None, :], 1.0, 1.0, 4.0)[0]
    noise = crack_deviation(rng.standard_normal((1, n)), DT_WEEK_YR, 0.03, 10.0)[0]
    retail = 1.2 + 0.95 * eff / 42.0 + _SEASON[month - 1] + noise
    if shift_weeks:
        retail[-shift_weeks:] += shift
    return crude, retail, month


def test_season_design_is_sum_to_zero_and_round_trips() -> None:
    month = np.array([1, 5, 12, 12, 11])
    d = fitting.season_design(month)
    assert d.shape == (5, 11)
    np.testing.assert_array_equal(d[0], np.eye(11)[0])
    np.testing.assert_array_equal(d[2], -np.ones(11))
    s, se = fitting.seasonal_from_free(np.arange(11.0), np.eye(11))
    assert s.shape == (12,) and s.sum() == pytest.approx(0.0)
    assert s[11] == pytest.approx(-55.0)
    # Var(s_12) = sum of 11 unit variances
    assert se[11] == pytest.approx(math.sqrt(11.0)) and se[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="1 to 12"):
        fitting.season_design(np.array([0, 13]))


def test_pass_through_recovers_a_known_seasonal_profile() -> None:
    crude, retail, month = _synthetic_seasonal(seed=4)
    fit = fitting.fit_pass_through(crude, retail, 1.0, month=month)
    s = np.asarray(fit.seasonal_usd_per_gal)
    assert s.sum() == pytest.approx(0.0, abs=1e-9)
    # 13 years of weekly data with a 3-cent crack noise: each month to within 2 cents
    np.testing.assert_allclose(s, _SEASON, atol=0.02)
    se = np.asarray(fit.seasonal_se_hac)
    assert np.all(np.isfinite(se)) and np.all(se > 0) and np.all(se < 0.03)
    assert fit.intercept_usd_per_gal == pytest.approx(1.2, abs=0.05)
    assert fit.slope == pytest.approx(0.95, rel=0.03)
    # Without the months, the same data leave the season in the residuals: a worse fit.
    plain = fitting.fit_pass_through(crude, retail, 1.0)
    assert not plain.has_season and fit.has_season
    assert plain.residual_sd_usd_per_gal > 2 * fit.residual_sd_usd_per_gal
    # the fitted season improves the in-sample prediction
    pred = fitting.pass_through_predict(crude, 1.0, fit.intercept_usd_per_gal, fit.slope, fit.tau_up_weeks,
                                        fit.tau_down_weeks, seasonal_usd_per_gal=s, month=month)
    assert fitting.mae_cents_per_gal(pred, retail) < 3.0


def test_recent_level_recovers_a_level_shift_and_beats_the_long_run_intercept() -> None:
    shift, weeks = 0.40, 156  # the last three years sit 40 cents higher
    crude, retail, month = _synthetic_seasonal(seed=9, shift=shift, shift_weeks=weeks)
    n = crude.size
    idx = np.arange(n)
    train = idx < n - weeks  # slope, lags and season from the old regime
    test = idx >= n - 52  # the last year
    recent = ~train & ~test  # the 104 weeks of the new regime before the test year
    fit = fitting.fit_pass_through(crude, retail, 1.0, train_mask=train, month=month)
    assert fit.intercept_usd_per_gal == pytest.approx(1.2, abs=0.05)
    level = fitting.fit_recent_level(crude, retail, 1.0, fit, recent, month=month)
    assert level.n_obs == 104
    # the long-run intercept misses the new regime; the recent level finds it
    assert level.intercept_usd_per_gal == pytest.approx(1.2 + shift, abs=0.03)
    assert level.shift_usd_per_gal > 0.15
    assert 0 < level.se_hac_usd_per_gal < 0.03
    long_run = fitting.score_holdout(crude, retail, 1.0, fit, train, test, month=month)
    current = fitting.score_holdout(crude, retail, 1.0, fit, train, test, month=month,
                                    intercept_usd_per_gal=level.intercept_usd_per_gal, naive_train_mask=recent)
    assert current.mae_cents_per_gal < 5.0 < long_run.mae_cents_per_gal
    # the naive constant is fitted on the recent window when asked
    assert current.naive_constant_usd_per_gal == pytest.approx(
        fitting.fit_naive_constant(crude, retail, recent))


def test_calibration_ships_a_mean_zero_season_and_the_current_level() -> None:
    from energysim import data

    cal = data.calibration()  # the shipped file the engine reads (rerun equality: test_cli_calibrate)
    for fuel in ("us_gasoline", "us_diesel"):
        f = cal["fuels"][fuel]
        s = f["seasonal_usd_per_gal"]
        assert len(s) == 12 and abs(sum(s)) < 1e-5  # 6 significant digits in the file
        assert len(f["seasonal"]["std_errors_hac"]) == 12
        lv = f["level"]
        used = lv["recent_intercept_usd_per_gal"] if lv["used"] == "recent" else lv["long_run_intercept_usd_per_gal"]
        assert f["intercept_usd_per_gal"] == used
        assert (lv["used"] == "recent") == (
            lv["rolling_mean_mae_recent_cents_per_gal"] < lv["rolling_mean_mae_long_run_cents_per_gal"])
    g = cal["fuels"]["us_gasoline"]["seasonal"]
    assert g["peak_month"] in (5, 6, 7, 8) and g["trough_month"] in (1, 2, 11, 12)  # driving season


# ---------------------------------------------------------------------------------------------
# The engine adds the season
# ---------------------------------------------------------------------------------------------

_DETERMINISTIC = {
    "volatility_annual": 0,
    "long_term_volatility_annual": 0,
    "tightness": {"slack_multiplier": 1, "tight_multiplier": 1},
    "baseline": {"constant_usd_per_bbl": 60.0},
}


def _season_scenario(fuel_over: dict, step: str = "month"):
    from energysim.scenario import scenario_from_dict

    fuel = {"label": "x", "taxes": 0.5, "margin_and_crack": 0.7, "slope": 1.0, "tau_up_weeks": 0,
            "tau_down_weeks": 0, "crack_spread": {"sd": 0, "reversion_per_year": 1.0}, **fuel_over}
    return scenario_from_dict({
        "name": "t", "market": dict(_DETERMINISTIC),
        "responses": {"spare_capacity": {"share": 0}, "stock_release": None},
        "horizon": {"start": "2026-01-01", "end": "2026-12-31", "step": step},
        "simulation": {"paths": 16, "seed": 1},
        "fuels": {"us_gasoline": None, "us_diesel": None, "x": fuel}, "outputs": {"thresholds": {}},
    })


def _mid_month_days(dates: np.ndarray) -> np.ndarray:
    """Steps that fall on the middle day of their month (where the profile is exact)."""
    month = dates.astype("datetime64[M]")
    first = month.astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[D]") - first).astype(np.int64)
    offset = (dates - first).astype(np.int64)
    return 2 * offset == length - 1


def test_engine_adds_the_seasonal_profile_smoothly_month_by_month() -> None:
    import energysim

    season = [round(float(v), 4) for v in _SEASON]
    res = energysim.simulate(_season_scenario({"seasonal": season}, step="day"))
    retail = res.paths("x_usd_per_gal")
    flat = energysim.simulate(_season_scenario({}, step="day")).paths("x_usd_per_gal")
    diff = (retail - flat)[0]
    month = res.dates.astype("datetime64[M]").astype(np.int64) % 12
    # exact at mid-month: the season is interpolated linearly between the monthly values
    mid = _mid_month_days(res.dates)
    assert mid.sum() == 7  # the 31-day months have a middle day
    np.testing.assert_allclose(diff[mid], np.asarray(season)[month[mid]], atol=1e-12)
    # smooth: no day-to-day jump larger than a fraction of the monthly change
    assert np.max(np.abs(np.diff(diff))) < 0.5 * np.max(np.abs(np.diff(np.asarray(season + season[:1]))))
    # every month's average stays close to its fitted value (linear smoothing attenuates peaks a little)
    for m in range(12):
        assert abs(diff[month == m].mean() - season[m]) < 0.3 * np.ptp(season)
    # identical on every path, and the baseline line carries the same season
    np.testing.assert_allclose(retail, np.repeat(retail[:1], retail.shape[0], 0), rtol=0, atol=0)
    np.testing.assert_allclose(res.baseline["x_usd_per_gal"] - flat[0], diff, atol=1e-12)


def test_engine_starts_at_the_observed_price_with_a_season() -> None:
    import energysim

    season = [round(float(v), 4) for v in _SEASON]
    start = 3.0
    with_season = energysim.simulate(_season_scenario({"seasonal": season, "start_price": start}, step="week"))
    without = energysim.simulate(_season_scenario({"start_price": start}, step="week"))
    # Both start from the same observed price: the first week differs only by the change of
    # season over that week, not by the whole December offset.
    first_gap = with_season.paths("x_usd_per_gal")[0, 0] - without.paths("x_usd_per_gal")[0, 0]
    assert abs(first_gap) < 0.25 * np.ptp(season)
    # Later, the gap from the start decays and the difference is the season itself.
    mid = _mid_month_days(with_season.dates)
    month = with_season.dates.astype("datetime64[M]").astype(np.int64) % 12
    diff = with_season.paths("x_usd_per_gal")[0] - without.paths("x_usd_per_gal")[0]
    t_years = np.arange(1, with_season.dates.shape[0] + 1) * 7.0 / 365.25
    dec_mid = season[11] * 0.5 + season[0] * 0.5  # around 31 Dec, between the December and January values
    expected = np.asarray(season)[month] - dec_mid * np.exp(-t_years)
    np.testing.assert_allclose(diff[mid], expected[mid], atol=0.02 * np.ptp(season))


def test_fuel_seasonal_must_have_twelve_finite_values() -> None:
    from energysim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="12"):
        _season_scenario({"seasonal": [0.0] * 11})
    with pytest.raises(ScenarioError):
        _season_scenario({"seasonal": [0.0] * 11 + [float("inf")]})
    sc = _season_scenario({})
    assert sc.fuels["x"].seasonal == [0.0] * 12


def test_shipped_fuels_get_the_calibrated_season() -> None:
    from energysim import data
    from energysim.scenario import scenario_from_dict

    sc = scenario_from_dict({"name": "t"})
    for key in ("us_gasoline", "us_diesel"):
        cal = data.calibration()["fuels"][key]["seasonal_usd_per_gal"]
        assert sc.fuels[key].seasonal == pytest.approx(cal)
        assert any(v != 0 for v in sc.fuels[key].seasonal)
