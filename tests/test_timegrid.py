"""The time grid: a step dated D covers [D, D + length), so outputs are labelled by the period
they average (docs/model.md, "Time grid")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import energysim
from energysim import data
from energysim.backtest import _step_of
from energysim.scenario import scenario_from_dict
from energysim.timegrid import step_centres, step_ends, step_middles, time_grid

LOSS, BRENT, FUEL = "net_supply_loss_mbd", "brent_usd_per_bbl", "x_usd_per_gal"
#: Instant pass-through, no crack noise, no season, no start gap: a retail price is a function
#: of the same step's Brent.
_FUEL = {"label": "x", "taxes": 0.5, "margin_and_crack": 0.7, "slope": 1.0, "tau_up_weeks": 0,
         "tau_down_weeks": 0, "crack_spread": {"sd": 0, "reversion_per_year": 1.0}}


def _scenario(step: str, disruptions: list[dict], thresholds: dict | None = None, **market: object):
    """No noise, no buffers, no state dependence: every path is the same and a step's loss is
    the average of the disruptions' profiles over the step."""
    return scenario_from_dict({
        "name": "t", "horizon": {"start": "2026-01-01", "end": "2026-12-31", "step": step},
        "simulation": {"paths": 4, "seed": 1},
        "market": {"volatility_annual": 0, "long_term_volatility_annual": 0,
                   "tightness": {"slack_multiplier": 1, "tight_multiplier": 1},
                   "baseline": {"constant_usd_per_bbl": 60.0}, **market},
        "disruptions": [{"name": f"d{i}", "probability": 1, "ramp_up_days": 0, "recovery_days": 0, **d}
                        for i, d in enumerate(disruptions)],
        "responses": {"spare_capacity": {"share": 0}, "stock_release": None},
        "fuels": {"us_gasoline": None, "us_diesel": None, "x": dict(_FUEL)}, "outputs": {"thresholds": thresholds or {}},
    })


def _run(sc):  # noqa: ANN001, ANN202
    return energysim.simulate(sc, keep_paths=True, workers=1)


def _loss_by_date(res) -> dict[str, float]:  # noqa: ANN001
    return dict(zip(np.datetime_as_string(res.dates), res.paths(LOSS)[0]))


MARCH = {"start": "2026-03-01", "volume_mbd": 2.0, "duration_days": 31}


# --- the grid itself -------------------------------------------------------------------------

def test_monthly_steps_are_calendar_months_of_their_own_length() -> None:
    dates, lengths = time_grid(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "month")
    assert list(np.datetime_as_string(dates)) == [f"2026-{m:02d}-01" for m in range(1, 13)]
    assert lengths.tolist() == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    ends = step_ends(dt.date(2026, 1, 1), dates, lengths)
    assert ends[0] == 31 and ends[-1] == 365  # January ends on 1 Feb; December ends on 1 Jan 2027
    # the middle of each month: the 16th of a 31-day month, between the 14th and 15th of February
    mid = step_middles(dates, lengths)
    assert mid[0] == np.datetime64("2026-01-16").astype(float)
    assert mid[1] == np.datetime64("2026-02-14").astype(float) + 0.5


@pytest.mark.parametrize("step", ["day", "week", "month"])
@pytest.mark.parametrize("start,end", [("2026-01-01", "2026-12-31"), ("2026-01-15", "2026-06-10"),
                                       ("2026-01-31", "2026-05-30"), ("2024-02-29", "2025-03-01")])
def test_every_day_of_the_horizon_is_in_exactly_one_step(step: str, start: str, end: str) -> None:
    s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    dates, lengths = time_grid(s, e, step)
    assert dates[0] == np.datetime64(s) and dates[-1] <= np.datetime64(e)
    np.testing.assert_array_equal(dates[1:], dates[:-1] + lengths[:-1].astype("timedelta64[D]"))  # adjacent steps
    past = (dates[-1] + int(lengths[-1]) - 1 - np.datetime64(e)).astype(int)  # days the last step runs past the end
    assert 0 <= past <= {"day": 0, "week": 6, "month": 30}[step]
    if step == "month":  # on the start's day of each month, or the month's last day when it has none
        want = min(s.day, 28 if dates[1].astype(object).month == 2 else s.day)
        assert dates[1].astype(object).day == want
        assert all(27 <= x <= 31 for x in lengths)


def test_weekly_last_step_is_a_full_week_past_the_end() -> None:
    dates, lengths = time_grid(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "week")
    assert dates.size == 53 and str(dates[-1]) == "2026-12-31" and lengths[-1] == 7


def test_backtest_scores_the_step_holding_the_observation() -> None:
    dates, _ = time_grid(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "week")
    assert str(dates[_step_of(dates, dt.date(2026, 1, 7))]) == "2026-01-01"  # [1 Jan, 8 Jan)
    assert str(dates[_step_of(dates, dt.date(2026, 1, 8))]) == "2026-01-08"
    days, _ = time_grid(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "day")
    assert str(days[_step_of(days, dt.date(2026, 3, 10))]) == "2026-03-10"


# --- where an event shows ----------------------------------------------------------------------

def test_monthly_outage_in_march_is_in_the_step_dated_march() -> None:
    res = _run(_scenario("month", [MARCH]))
    loss = _loss_by_date(res)
    assert loss.pop("2026-03-01") == pytest.approx(2.0, abs=1e-12)
    assert all(v == 0.0 for v in loss.values())
    assert res.peak_month(BRENT)[0] == "2026-03"  # the riskiest month is the outage's
    assert res.peak_month(FUEL)[0] == "2026-03"
    assert res.metadata["horizon"] == {"start": "2026-01-01", "end": "2026-12-31", "step": "month"}


def test_monthly_outage_from_december_first_shows_in_december() -> None:
    res = _run(_scenario("month", [{"start": "2026-12-01", "volume_mbd": 3.0, "duration_days": 31}]))
    loss = _loss_by_date(res)
    assert loss.pop("2026-12-01") == pytest.approx(3.0, abs=1e-12)
    assert all(v == 0.0 for v in loss.values())
    assert res.peak_month(BRENT)[0] == "2026-12"


def test_daily_outage_first_shows_on_its_start_day() -> None:
    res = _run(_scenario("day", [{"start": "2026-01-05", "volume_mbd": 1.0, "duration_days": 3}]))
    loss = res.paths(LOSS)[0]
    hit = np.datetime_as_string(res.dates[loss > 0]).tolist()
    assert hit == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert loss[loss > 0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("start", ["2026-03-04", "2026-03-05", "2026-03-11"])
def test_weekly_outage_first_shows_in_the_week_holding_its_start(start: str) -> None:
    res = _run(_scenario("week", [{"start": start, "volume_mbd": 1.0, "duration_days": 60}]))
    loss = res.paths(LOSS)[0]
    first = int(np.argmax(loss > 0))
    d = res.dates[first]
    assert d <= np.datetime64(start) < d + 7  # the step [D, D + 7) holding the start
    days_in = (d + 7 - np.datetime64(start)).astype(int)
    assert loss[first] == pytest.approx(days_in / 7, abs=1e-12)  # the days of the outage in that week
    assert not loss[:first].any()


# --- monthly means and the household ----------------------------------------------------------

@pytest.mark.parametrize("events,series", [
    # a loss is averaged linearly: any timing
    ([{"start": "2026-03-10", "volume_mbd": 2.0, "duration_days": 40},
      {"start": "2026-12-20", "volume_mbd": 1.0, "duration_days": 5}], (LOSS,)),
    # prices are not linear in the loss: losses constant within each month
    ([MARCH, {"start": "2026-12-01", "volume_mbd": 1.0, "duration_days": 31}], (LOSS, BRENT, FUEL)),
])
def test_monthly_run_means_are_calendar_months_of_a_daily_run(events: list[dict], series: tuple[str, ...]) -> None:
    """Each path's monthly averages in a monthly run are those of the calendar months: the
    same as a daily run's days averaged over each month."""
    month, day = _run(_scenario("month", events)), _run(_scenario("day", events))
    np.testing.assert_array_equal(month.months, day.months)
    for s in series:
        np.testing.assert_allclose(month.monthly_mean[s], day.monthly_mean[s], rtol=1e-12, atol=1e-12, err_msg=s)


def test_household_bad_month_of_a_monthly_run_is_the_outage_month() -> None:
    """The household's bad month (the riskiest month's price) is March's average price for a
    March outage, as a daily run gives it."""
    month, day = _run(_scenario("month", [MARCH])), _run(_scenario("day", [MARCH]))

    from energysim.report_tables import household_budgets
    from energysim.runview import RunView

    view = RunView.from_result(month)
    assert view.peak[FUEL][0][:7] == "2026-03"
    (budget,) = household_budgets(view, {"x": 50.0}).values()
    assert day.peak_month(FUEL)[0] == "2026-03"
    assert budget.bad_month == pytest.approx(50.0 * day.peak_month(FUEL)[1], rel=1e-12)
    assert budget.months == 12.0


# --- values at a date: the step's middle --------------------------------------------------------

def test_monthly_baseline_and_season_are_the_months_own_values() -> None:
    """A monthly step gets its month's baseline Brent and seasonal offset (taken at the step's
    middle day, where the monthly values sit), not a mix with the previous month."""
    sc = _scenario("month", [], baseline={"steo_release": "2026-01"})
    res = _run(sc)
    steo = data.steo_brent_path("2026-01")
    want = [steo[str(m)] for m in res.dates.astype("datetime64[M]")]
    np.testing.assert_allclose(res.inputs.baseline_usd_per_bbl, want, rtol=1e-12)
    season = [0.01 * (m - 6) ** 2 - 0.12 for m in range(12)]
    fuels = {"us_gasoline": None, "us_diesel": None, "x": dict(_FUEL, seasonal=season)}
    with_season = _run(scenario_from_dict(sc.model_dump(mode="json") | {"fuels": fuels}))
    diff = with_season.paths(FUEL)[0] - res.paths(FUEL)[0]
    np.testing.assert_allclose(diff, season, atol=1e-12)


def test_monthly_premium_is_near_the_months_average() -> None:
    """A fear premium is taken at each step's middle: on a monthly grid each month's premium is
    close to its average over the month (taken at the step's end, February would carry the
    full peak of an event starting on 1 March)."""
    premium = {"peak_pct": 30, "lead_days": 28, "half_life_days": 14}
    res = _run(_scenario("month", [{"start": "2026-03-01", "volume_mbd": 0.0, "risk_premium": premium}]))
    shape = np.log(res.paths(BRENT)[0] / 60.0) / np.log(1.3)
    s = (np.datetime64("2026-03-01") - np.datetime64("2026-01-01")).astype(float)
    t = np.arange(0.0, 365.0, 0.01) + 0.005  # fine grid of the year [days]
    g = np.where(t < s, np.clip(1 + (t - s) / 28, 0, 1), 2.0 ** (-(t - s) / 14))
    ends = step_ends(dt.date(2026, 1, 1), res.dates, res.inputs.step_days)
    exact = [g[(t >= e - n) & (t < e)].mean() for e, n in zip(ends, res.inputs.step_days)]
    np.testing.assert_allclose(shape, exact, atol=0.05)
    assert shape[1] < 0.6  # February: half the build-up, not the peak


# --- words ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("step", ["day", "month"])
def test_threshold_chances_say_which_average_reaches_the_level(step: str) -> None:
    from energysim import texts
    from energysim.report_tables import fuel_tables
    from energysim.runview import RunView
    from energysim.tables import summary_table

    res = _run(_scenario(step, [MARCH], thresholds={BRENT: [61.0]}))
    adjective = {"day": "daily", "month": "monthly"}[step]
    assert f"chance a {adjective} avg reaches" in summary_table(res)
    view = RunView.from_result(res)
    (level, p, se), = view.thresholds[BRENT]
    assert f"chance a {adjective} average reaches it in 2026" in texts.threshold_label(view, BRENT, level, p, se)
    odds = fuel_tables(view, BRENT)[1]
    assert odds.head[1] == f"Chance a {adjective} average reaches it"
    assert "smooths out shorter spikes" in odds.note
    assert f"Chance that a {adjective} average price reaches $61" in texts.alt_text(view, BRENT)


def test_step_centres_are_halfway_through_each_step() -> None:
    """Where a chart draws a step's average: date + length / 2, the same point as the middle day."""
    for start, end, step, first in ((dt.date(2026, 1, 1), dt.date(2026, 12, 31), "week", "2026-01-04T12:00"),
                                    (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "month", "2026-01-16T12:00"),
                                    (dt.date(2028, 2, 1), dt.date(2028, 3, 31), "month", "2028-02-15T12:00"),
                                    (dt.date(2026, 2, 1), dt.date(2026, 3, 31), "month", "2026-02-15T00:00"),
                                    (dt.date(2026, 3, 5), dt.date(2026, 3, 9), "day", "2026-03-05T12:00")):
        dates, lengths = time_grid(start, end, step)
        centres = step_centres(dates, lengths)
        assert str(centres[0]) == first
        # the middle day as a day number is the centre minus half a day (whole days are the days)
        days = (centres - np.datetime64("1970-01-01T00:00")).astype(float) / 1440.0
        assert np.allclose(days - 0.5, step_middles(dates, lengths))


def test_a_monthly_baseline_is_log_linear_between_the_months_middle_days() -> None:
    """docs/model.md §5: the baseline is interpolated log-linearly between the middle days of its
    months (16 January, 14 February at noon) and flat beyond them; a daily run without noise or
    events is that curve at each day (the geometric mean halfway, not the arithmetic one)."""
    sc = scenario_from_dict({
        "name": "t", "simulation": {"paths": 2, "seed": 1},
        "horizon": {"start": "2026-01-01", "end": "2026-02-28", "step": "day"},
        "market": {"volatility_annual": 0, "long_term_volatility_annual": 0,
                   "baseline": {"monthly_usd_per_bbl": {"2026-01": 50.0, "2026-02": 100.0}}},
    })
    brent = energysim.simulate(sc).paths("brent_usd_per_bbl")[0]
    jan_mid, feb_mid = 15.0, 31.0 + 13.5  # days after 1 January
    day = np.arange(brent.size, dtype=float)
    share = np.clip((day - jan_mid) / (feb_mid - jan_mid), 0.0, 1.0)
    np.testing.assert_allclose(brent, 50.0 * 2.0 ** share, rtol=1e-12)
    assert brent[30] == pytest.approx(50.0 * 2.0 ** (15.0 / 29.5), rel=1e-12)  # 31 January


def test_the_last_brent_before_the_horizon_is_the_data_s_unless_the_data_ends_long_before() -> None:
    """The pass-through starts from the last weekly Brent before the horizon (data/brent-weekly.csv)
    and each fuel from its last weekly price; a horizon that starts more than 45 days after the
    data end starts from its own baseline and the fuels' model prices."""
    from energysim.inputs import build_inputs

    weekly = data.brent_weekly()
    near = build_inputs(scenario_from_dict({"name": "t"}))
    assert near.brent_before_usd_per_bbl == float(weekly[weekly.index < "2026-01-01"].iloc[-1])
    far = build_inputs(scenario_from_dict({
        "name": "t", "horizon": {"start": "2031-01-01", "end": "2031-12-31"},
        "market": {"baseline": {"constant_usd_per_bbl": 77.0}},
    }))
    assert far.brent_before_usd_per_bbl == 77.0
    # and so does each fuel's price before the horizon: the model's value there, not the history's last
    from energysim.models.retail import seasonal_offset

    gasoline = scenario_from_dict({"name": "t"}).fuels["us_gasoline"]
    history = data.weekly_history(gasoline.history_file)
    assert near.fuels["us_gasoline"].start_price == float(history[history.index < "2026-01-01"].iloc[-1])
    season = float(seasonal_offset(gasoline.seasonal, np.array([np.datetime64("2030-12-31")]))[0])
    assert far.fuels["us_gasoline"].start_price == pytest.approx(
        gasoline.taxes + gasoline.margin_and_crack + season + gasoline.slope * 77.0 / gasoline.units_per_bbl, rel=1e-12)
