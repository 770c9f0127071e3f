"""One-at-a-time sensitivity on common random numbers (energysim.sensitivity, charts_tornado and the
``sensitivity`` command): swings that follow the model's direction, exact zeros for inputs that
cannot reach a series, the table equal to the separate runs, refusals before any simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from energysim import load_scenario, simulate
from energysim.charts_tornado import amount_text, price_decimals, title_phrase, tornado_chart
from energysim.cli import main
from energysim.errors import ScenarioError
from energysim.inputwords import input_label, input_words, value_text
from energysim.sensitivity import COLUMNS, check_levels, tornado_table, variations
from energysim.variants import uncertain_parameters, with_value

ROOT = Path(__file__).resolve().parents[1]
MADURO = ROOT / "scenarios" / "maduro_capture.yaml"
PATHS, SEED = 2_000, 7
CRACK = "fuels.us_diesel.crack_spread.per_mbd_loss"
HAPPENS = "disruptions[pdvsa_transition].probability"


@pytest.fixture(scope="module")
def loaded():  # type: ignore[no-untyped-def]
    return load_scenario(MADURO)


@pytest.fixture(scope="module")
def table(loaded) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return tornado_table(loaded, paths=PATHS, seed=SEED)


def _row(table: pd.DataFrame, series: str, key: str, kind: str = "quantile") -> pd.Series:
    rows = table[(table.series == series) & (table.key == key) & (table.kind == kind)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_keys_read_as_words() -> None:
    assert input_label("disruptions[pdvsa_transition].volume_mbd") == "PDVSA transition: volume lost (mb/d)"
    assert input_label("hazards[caribbean_shipping_incidents].risk_premium.half_life_days") == \
        "Caribbean shipping incidents: risk premium half-life (days)"
    assert input_label("responses.stock_release.total_mb") == "Stock release: total released (million bbl)"
    assert input_label("market.demand_elasticity") == "Market: demand elasticity"
    assert input_words(CRACK).name == "US diesel"
    assert input_label(CRACK) == "US diesel: refining margin rise per mb/d lost (USD per fuel unit)"
    assert input_label(CRACK, {"us_diesel": "gal"}) == "US diesel: refining margin rise per mb/d lost (USD/gal)"
    # a key not in the table still reads: its name, the parts between, the unit from the suffix
    assert input_label("fuels.us_gasoline.crack_spread.reversion_per_year") == \
        "US gasoline: crack spread reversion (per year)"
    assert title_phrase(HAPPENS, "happens") == "whether the PDVSA transition happens"
    assert title_phrase("hazards[caribbean_shipping_incidents].rate_per_year", "quantile") == \
        "Caribbean shipping incidents per year"
    assert value_text(41.900000000000006) == "41.9" and value_text(180.0) == "180"


def test_amounts_and_decimals() -> None:
    assert amount_text("USD/gal", 0.0121, signed=True) == "+1.2\u00a2"
    assert amount_text("USD/gal", -0.00052, signed=True) == "\u22120.052\u00a2"
    assert amount_text("USD/bbl", 0.515) == "$0.52"
    assert amount_text("USD/bbl", 12.3) == "$12"
    assert amount_text("USD/gal", 0.0) == "0"
    assert price_decimals("USD/gal", [0.012, 0.001]) == 3  # a 1.2-cent swing shows as $2.872 to $2.884
    assert price_decimals("USD/bbl", [0.52]) == 2
    assert price_decimals("USD/bbl", [3.0]) == 1 and price_decimals("USD/bbl", [30.0]) == 0
    assert price_decimals("USD/gal", [0.3]) == 2


def test_the_table_has_every_input_for_every_price_series(loaded, table) -> None:  # type: ignore[no-untyped-def]
    sc = loaded.scenario
    n_inputs = len(uncertain_parameters(sc)) + 1  # and the PDVSA transition, probability 0.6
    assert list(table.columns) == COLUMNS
    assert list(dict.fromkeys(table.series)) == ["brent_usd_per_bbl", "us_gasoline_usd_per_gal",
                                                  "us_diesel_usd_per_gal"]
    assert len(table) == 3 * n_inputs
    for _, rows in table.groupby("series", sort=False):
        swings = rows["swing"].abs().to_numpy()
        assert (np.diff(swings) <= 0).all()  # largest first
        assert np.allclose(rows["swing"], rows["outcome_high"] - rows["outcome_low"], rtol=0, atol=1e-9)
    assert table.attrs["paths"] == PATHS and table.attrs["seed"] == SEED and table.attrs["period"] == "2026"


def test_outcomes_are_the_runs_with_the_input_set(loaded, table) -> None:  # type: ignore[no-untyped-def]
    sc = loaded.scenario
    base = simulate(loaded, paths=PATHS, seed=SEED)
    off = simulate(with_value(sc, HAPPENS, 0.0), paths=PATHS, seed=SEED)
    on = simulate(with_value(sc, HAPPENS, 1.0), paths=PATHS, seed=SEED)
    for s in ("brent_usd_per_bbl", "us_diesel_usd_per_gal"):
        row = _row(table, s, HAPPENS, "happens")
        assert row["base"] == pytest.approx(float(np.mean(base.path_mean[s])), rel=1e-12)
        assert row["outcome_low"] == pytest.approx(float(np.mean(off.path_mean[s])), rel=1e-12)
        assert row["outcome_high"] == pytest.approx(float(np.mean(on.path_mean[s])), rel=1e-12)
        d = on.path_mean[s] - off.path_mean[s]
        assert row["mc_standard_error"] == pytest.approx(float(np.std(d, ddof=1) / np.sqrt(PATHS)), rel=1e-9)
        # the scenario's 0.6 chance lies between "never" and "always", on the same futures
        assert row["outcome_low"] < row["base"] < row["outcome_high"]


def test_an_input_that_cannot_reach_a_series_moves_it_by_exactly_zero(table) -> None:  # type: ignore[no-untyped-def]
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal"):
        row = _row(table, s, CRACK)
        assert row["swing"] == 0.0 and row["mc_standard_error"] == 0.0
        assert row["outcome_low"] == row["outcome_high"] == row["base"]
    assert _row(table, "us_diesel_usd_per_gal", CRACK)["swing"] > 0  # a wider diesel margin per mb/d lost


def test_swings_follow_the_model(table) -> None:  # type: ignore[no-untyped-def]
    s = "brent_usd_per_bbl"
    se = table[table.series == s].set_index(["key", "kind"])["mc_standard_error"]
    assert _row(table, s, HAPPENS, "happens")["swing"] > 4 * se[(HAPPENS, "happens")]
    assert _row(table, s, "disruptions[pdvsa_transition].volume_mbd")["swing"] > 0  # more barrels lost
    assert _row(table, s, "hazards[caribbean_shipping_incidents].rate_per_year")["swing"] > 0  # more incidents
    assert _row(table, s, "market.supply_elasticity")["swing"] < 0  # supply answering more damps the price
    assert _row(table, s, "responses.spare_capacity.share")["swing"] < 0  # more of the loss replaced


def test_narrower_quantiles_give_smaller_swings(loaded, table) -> None:  # type: ignore[no-untyped-def]
    narrow = tornado_table(loaded, series=["brent_usd_per_bbl"], paths=PATHS, seed=SEED, levels=(0.25, 0.75))
    for key in ("disruptions[pdvsa_transition].volume_mbd", "hazards[caribbean_shipping_incidents].rate_per_year"):
        wide_row, narrow_row = _row(table, "brent_usd_per_bbl", key), _row(narrow, "brent_usd_per_bbl", key)
        assert 0 < narrow_row["swing"] < wide_row["swing"]
        assert narrow_row["low_value"] > wide_row["low_value"] and narrow_row["high_value"] < wide_row["high_value"]
    # "happens or not" does not depend on the quantiles
    assert _row(narrow, "brent_usd_per_bbl", HAPPENS, "happens")["swing"] == \
        _row(table, "brent_usd_per_bbl", HAPPENS, "happens")["swing"]


@pytest.mark.parametrize("levels", [(0.9, 0.1), (0.5, 0.5), (0.0, 0.9), (0.1, 1.0), (0.1,), "ab"])
def test_bad_levels_are_refused(levels) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError) as err:
        check_levels(levels)
    assert "\n" not in str(err.value)


def test_unknown_series_and_a_scenario_without_uncertain_inputs(loaded) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match="did you mean 'us_gasoline_usd_per_gal'"):
        tornado_table(loaded, series=["us_gasolin_usd_per_gal"], paths=10)
    with pytest.raises(ScenarioError, match="progress must be a function"):
        tornado_table(loaded, paths=10, progress="yes")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="has no uncertain inputs"):
        variations(_certain(loaded.scenario))


def _certain(sc):  # type: ignore[no-untyped-def]
    """``sc`` with every uncertain input at its median and every disruption certain."""
    for p in uncertain_parameters(sc):
        from energysim.variants import quantile_value

        sc = with_value(sc, p.key, quantile_value(p, 0.5, sc.horizon.start))
    for d in sc.disruptions:
        sc = with_value(sc, f"disruptions[{d.name}].probability", 1.0)
    return sc


def test_the_tornado_chart_draws_the_largest_swings_on_top(table) -> None:  # type: ignore[no-untyped-def]
    s = "us_diesel_usd_per_gal"
    fig = tornado_chart(table, s, max_bars=5)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 10  # two per input shown
    moving = table[(table.series == s) & (table.swing != 0)]
    # the top row's bars reach the top input's outcomes; rows go down in order of swing
    tops = sorted(bars, key=lambda b: -b.get_y())[:2]
    ends = sorted(b.get_x() + b.get_width() for b in tops)
    top = moving.iloc[0]
    assert ends == pytest.approx(sorted([top["outcome_low"], top["outcome_high"]]))
    texts = [t.get_text() for t in fig.findobj(Text)]
    joined = " ".join(t.replace("\n", " ") for t in texts)  # wrapped lines read on
    assert f"Not shown: {len(moving) - 5} more inputs" in joined
    assert "One input at a time" in joined and "interactions" in joined and "P10 and P90" in joined
    assert "matters most" in joined and "seed 7" in joined
    # nothing runs off the figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.bbox
    lo, hi = ax.get_xlim()
    off_view = {id(t) for t, x in zip(ax.get_xticklabels(), ax.get_xticks()) if not lo <= x <= hi}  # not drawn
    for t in fig.findobj(Text):
        if t.get_text() and t.get_visible() and id(t) not in off_view:
            e = t.get_window_extent(renderer)
            assert e.x0 >= box.x0 - 1 and e.x1 <= box.x1 + 1 and e.y0 >= box.y0 - 1 and e.y1 <= box.y1 + 1, t.get_text()


def test_the_chart_refuses_what_is_not_a_sensitivity_table(table) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match="tornado_table"):
        tornado_chart(pd.DataFrame({"series": ["x"]}), "x")
    with pytest.raises(ScenarioError, match="no rows for series 'net_supply_loss_mbd'"):
        tornado_chart(table, "net_supply_loss_mbd")


def test_the_command_writes_the_table_and_charts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["sensitivity", str(MADURO), "--paths", str(PATHS), "--seed", str(SEED), "--out", str(tmp_path),
                 "--series", "brent_usd_per_bbl", "--series", "us_gasoline_usd_per_gal"])
    assert code == 0
    folder = tmp_path / "maduro_capture-sensitivity"
    names = {p.name for p in folder.iterdir()}
    assert names == {"sensitivity.csv"} | {f"tornado_{s}.{x}" for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal")
                                           for x in ("png", "svg")}
    got = pd.read_csv(folder / "sensitivity.csv")
    want = tornado_table(load_scenario(MADURO), ["brent_usd_per_bbl", "us_gasoline_usd_per_gal"], paths=PATHS,
                         seed=SEED)
    assert list(got.columns) == COLUMNS and list(got.key) == list(want.key)
    assert np.allclose(got.swing, want.swing, rtol=1e-5, atol=1e-12)
    start = got[got.key == "disruptions[pdvsa_transition].start"].iloc[0]
    assert str(start["low_value"]).startswith("2026-")
    out = capsys.readouterr().out
    assert "PDVSA transition: happens or not" in out and "interactions between inputs are not shown" in out


@pytest.mark.parametrize("args, message", [
    (["--series", "us_gasolin_usd_per_gal"], "did you mean 'us_gasoline_usd_per_gal'"),
    (["--series", "brnt"], "did you mean 'brent_usd_per_bbl'"),
    (["--low", "0.9", "--high", "0.1"], "below the high one"),
    (["--low", "0", "--high", "0.9"], "strictly between 0 and 1"),
    (["--high", "1.5"], "strictly between 0 and 1"),
])
def test_bad_options_are_one_line_errors_and_nothing_is_written(tmp_path: Path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    code = main(["sensitivity", str(MADURO), "--paths", "50", "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_uncertain_inputs_is_refused(tmp_path: Path, loaded, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "certain.yaml"
    path.write_text(yaml.safe_dump(_certain(loaded.scenario).to_dict(), sort_keys=False), encoding="utf-8")
    code = main(["sensitivity", str(path), "--paths", "50", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "has no uncertain inputs" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_the_documented_example_is_a_real_run(loaded) -> None:  # type: ignore[no-untyped-def]
    """docs/sensitivity.md prints what the command prints for maduro_capture at its defaults."""
    from energysim.cli_sensitivity import sensitivity_text

    doc = (ROOT / "docs" / "sensitivity.md").read_text(encoding="utf-8")
    shown = doc.split("--series us_gasoline_usd_per_gal` prints:\n\n```text\n", 1)[1].split("\n```", 1)[0]
    table = tornado_table(loaded, series=["us_gasoline_usd_per_gal"])
    assert sensitivity_text(table) == shown


def test_without_events_no_input_moves_any_price(tmp_path: Path) -> None:
    """baseline_2026 has no disruption and no incident: its uncertain inputs (elasticities, spare
    capacity, stock release) act only on a supply loss, so every swing is exactly zero, and the
    chart and the console say so instead of drawing empty bars."""
    from energysim.cli_sensitivity import sensitivity_text

    table = tornado_table(load_scenario(ROOT / "scenarios" / "baseline_2026.yaml"), paths=200, seed=SEED)
    assert len(table) > 0 and (table["swing"] == 0).all() and (table["mc_standard_error"] == 0).all()
    fig = tornado_chart(table, "us_gasoline_usd_per_gal")
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "None of the uncertain inputs moves the 2026 average US regular gasoline price" in texts
    assert "Every swing is exactly 0" in texts
    assert "No input moves it" in sensitivity_text(table)


def test_an_uncertain_probability_gets_both_its_quantiles_and_happens_or_not(loaded) -> None:  # type: ignore[no-untyped-def]
    from energysim.scenario.loader import scenario_from_dict

    data = loaded.scenario.to_dict()
    data["disruptions"][0]["probability"] = {"dist": "uniform", "low": 0.2, "high": 0.8}
    table = tornado_table(scenario_from_dict(data), series=["brent_usd_per_bbl"], paths=PATHS, seed=SEED)
    chance = _row(table, "brent_usd_per_bbl", HAPPENS, "quantile")
    both = _row(table, "brent_usd_per_bbl", HAPPENS, "happens")
    assert (chance["low_value"], chance["high_value"]) == pytest.approx((0.26, 0.74))
    assert chance["label"] == "PDVSA transition: chance it happens"
    assert 0 < chance["swing"] < both["swing"]  # from 26 % to 74 % moves it less than from never to always
