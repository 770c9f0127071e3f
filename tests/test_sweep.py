"""Scenario sweeps: option parsing (pure), the sweep table's oracles, its chart and the command."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from energysim import load_scenario
from energysim.charts_sweep import sweep_chart, sweep_title, value_text
from energysim.cli import main
from energysim.errors import ScenarioError
from energysim.sweep import key_label, key_words, sweep_table, sweep_variants
from energysim.sweep_options import MAX_VARIANTS, parse_set, parse_values, variant_grid

from test_compare import _drawn_texts, _inside_and_apart

ROOT = Path(__file__).resolve().parents[1]
MADURO = ROOT / "scenarios" / "maduro_capture.yaml"
PATHS = 2000
VOLUME = "disruptions[pdvsa_transition].volume_mbd"
PROBABILITY = "disruptions[pdvsa_transition].probability"
START = "disruptions[pdvsa_transition].start"
DIESEL_CRACK = "fuels.us_diesel.crack_spread.per_mbd_loss"


# --- option parsing ------------------------------------------------------------------------

def test_parse_set_splits_key_and_values() -> None:
    assert parse_set(f" {VOLUME} = 0.2,0.4 ") == (VOLUME, "0.2,0.4")
    assert parse_set("a.b=1=2") == ("a.b", "1=2")


@pytest.mark.parametrize("text", ["market.supply_elasticity", "=0.1", "market.supply_elasticity=", " = "])
def test_parse_set_refuses_what_is_not_key_equals_values(text: str) -> None:
    with pytest.raises(ScenarioError, match="--set: KEY=VALUES expected"):
        parse_set(text)


def test_parse_values_lists_and_ranges() -> None:
    assert parse_values("k", "0.2, 0.4,0.8", False) == [0.2, 0.4, 0.8]
    assert parse_values("k", "0.2:0.8:4", False) == pytest.approx([0.2, 0.4, 0.6, 0.8], abs=0)
    assert parse_values("k", "0:1:11", False)[3] == 0.3  # no 0.30000000000000004
    assert parse_values("k", "-1:1:3,5", False) == [-1.0, 0.0, 1.0, 5.0]
    assert parse_values("k", "2026-02-01,2026-05-01", True) == [dt.date(2026, 2, 1), dt.date(2026, 5, 1)]


@pytest.mark.parametrize("text,is_date,message", [
    ("0:1", False, "a range is LOW:HIGH:N"),
    ("0:1:2:3", False, "a range is LOW:HIGH:N"),
    ("0:1:1", False, "whole number from 2 to"),
    ("0:1:x", False, "whole number from 2 to"),
    (f"0:1:{MAX_VARIANTS + 1}", False, "whole number from 2 to"),
    ("1:0:3", False, "LOW below HIGH"),
    ("0.1,,0.2", False, "an empty value"),
    ("abc", False, "'abc' is not a number"),
    ("2026-02-01", False, "a date, but this key is a number"),
    ("nan", False, "finite"),
    ("0.5", True, "is a date: give dates as YYYY-MM-DD"),
    ("0.1,0.1", False, "0.1 is given twice"),
    ("0:1:3,0.5", False, "0.5 is given twice"),
])
def test_parse_values_refuses_bad_values(text: str, is_date: bool, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as exc:
        parse_values("k", text, is_date)
    assert "\n" not in str(exc.value) and str(exc.value).startswith("--set: k")


def test_variant_grid_is_every_combination_first_key_slowest() -> None:
    grid = variant_grid({"a": [1.0, 2.0], "b": [3.0, 4.0, 5.0]})
    assert grid == [{"a": a, "b": b} for a in (1.0, 2.0) for b in (3.0, 4.0, 5.0)]


def test_variant_grid_refuses_more_than_the_cap_saying_both() -> None:
    with pytest.raises(ScenarioError, match=r"66 variants \(6 x 11\) is more than the 60"):
        variant_grid({"a": list(range(6)), "b": list(range(11))})
    assert len(variant_grid({"a": list(range(6)), "b": list(range(10))})) == 60


def test_key_words() -> None:
    assert key_words(VOLUME) == ("PDVSA transition: volume lost", "mb/d")
    assert key_label(VOLUME) == "PDVSA transition: volume lost (mb/d)"
    assert key_label("market.supply_elasticity") == "Market: supply elasticity"
    assert key_label("fuels.us_gasoline.crack_spread.sd") == "US gasoline: crack spread volatility (USD/gal)"
    assert key_label("hazards[caribbean_shipping_incidents].duration_days") == \
        "Caribbean shipping incidents: duration (days)"
    assert key_label("responses.stock_release.rate_mbd") == "Stock release: rate (mb/d)"
    assert value_text(0.2, "mb/d") == "0.2 mb/d" and value_text(5.0, "%") == "5%"
    assert value_text(dt.date(2026, 2, 1)) == "1 Feb 2026"


# --- the table ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def maduro():  # type: ignore[no-untyped-def]
    return load_scenario(MADURO)


@pytest.fixture(scope="module")
def volume_table(maduro) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return sweep_table(maduro, {VOLUME: "0.2:0.8:3"}, paths=PATHS)


def _rows(table: pd.DataFrame, series: str) -> pd.DataFrame:
    return table[table["series"] == series].set_index("variant")


def test_more_volume_lost_means_more_supply_loss_and_higher_brent(volume_table: pd.DataFrame) -> None:
    loss = _rows(volume_table, "net_supply_loss_mbd").loc[[1, 2, 3]]
    brent = _rows(volume_table, "brent_usd_per_bbl").loc[[1, 2, 3]]
    assert np.all(np.diff(loss["avg_mean"]) > 0) and np.all(np.diff(brent["diff_mean"]) > 0)
    # paired: the Monte Carlo error of the difference is far below that of independent runs
    assert np.all(brent["diff_mc_se_paired"] < 0.2 * brent["diff_mc_se_independent"])


def test_the_difference_is_the_difference_of_the_averages(volume_table: pd.DataFrame) -> None:
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal"):
        rows = _rows(volume_table, s)
        assert rows.loc[0, "diff_mean"] == 0.0 and rows.loc[0, "diff_mc_se_paired"] == 0.0
        np.testing.assert_allclose(rows["diff_mean"], rows["avg_mean"] - rows.loc[0, "avg_mean"], atol=1e-9)


def test_a_value_that_cannot_reach_a_series_changes_it_by_exactly_zero(maduro) -> None:  # type: ignore[no-untyped-def]
    table = sweep_table(maduro, {DIESEL_CRACK: [0.0, 0.3]}, paths=PATHS)
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal", "net_supply_loss_mbd"):
        assert (_rows(table, s)["diff_mean"] == 0.0).all()
    diesel = _rows(table, "us_diesel_usd_per_gal")
    assert diesel.loc[1, "diff_mean"] < 0 < diesel.loc[2, "diff_mean"]


def test_the_value_as_written_gives_the_scenario_as_written(maduro) -> None:  # type: ignore[no-untyped-def]
    table = sweep_table(maduro, {PROBABILITY: [0.6, 0.0]}, paths=PATHS, seed=5)
    rows = _rows(table, "brent_usd_per_bbl")
    assert rows.loc[1, "diff_mean"] == 0.0 and rows.loc[1, "avg_p50"] == rows.loc[0, "avg_p50"]
    assert rows.loc[0, PROBABILITY] == 0.6 and rows.loc[2, "diff_mean"] < 0
    assert (table["seed"] == 5).all() and (table["paths"] == PATHS).all()
    assert {"threshold_1", "p_reach_1", "p_reach_1_mc_se", "riskiest_month_p95"} <= set(table.columns)


def test_values_in_python_may_be_texts_lists_or_arrays(maduro) -> None:  # type: ignore[no-untyped-def]
    combos = sweep_variants(maduro, {START: ["2026-02-01", dt.date(2026, 3, 1)], VOLUME: np.array([0.2, 0.4])})
    assert [c for c, _ in combos] == [{START: d, VOLUME: v} for d in (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
                                      for v in (0.2, 0.4)]
    assert combos[-1][1].disruptions[0].volume_mbd.value == 0.4  # type: ignore[union-attr]


def test_two_keys_make_the_grid_and_progress_counts_every_run(maduro) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[int, int]] = []
    table = sweep_table(maduro, {START: "2026-02-01,2026-05-01", PROBABILITY: [0.3, 0.9]}, paths=500,
                        progress=lambda d, t: calls.append((d, t)))
    assert calls == [(k, 5) for k in range(1, 6)]
    assert sorted(set(table["variant"])) == [0, 1, 2, 3, 4]
    assert list(table[table["series"] == "brent_usd_per_bbl"][START])[1:] == \
        [dt.date(2026, 2, 1)] * 2 + [dt.date(2026, 5, 1)] * 2


@pytest.mark.parametrize("values,message", [
    ({VOLUME[:-1]: [0.5]}, "did you mean 'disruptions\\[pdvsa_transition\\].volume_mbd'"),
    ({PROBABILITY: [0.5, 1.5]}, "probability = 1.5: must be <= 1"),
    ({"horizon.start": "2026-02-01"}, "horizon.start cannot be swept"),
    ({"simulation.seed": [1]}, "cannot be swept"),
    ({PROBABILITY: ["a"]}, "'a' is not a number"),
    ({PROBABILITY: [None]}, "each value must be a finite number"),
    ({START: [0.5]}, "each value must be a date"),
    ({}, "at least one key"),
    ({PROBABILITY: "0:1:8", VOLUME: "0.2:0.8:8"}, "64 variants"),
])
def test_sweep_variants_refuses_before_simulating(maduro, values, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match=message) as exc:
        sweep_variants(maduro, values)
    assert "\n" not in str(exc.value)


# --- the chart -------------------------------------------------------------------------------------

def test_the_chart_says_the_finding_and_fits(volume_table: pd.DataFrame) -> None:
    fig = sweep_chart(volume_table, "brent_usd_per_bbl")
    assert isinstance(fig, Figure)
    _inside_and_apart(fig, _drawn_texts(fig))
    title = sweep_title(volume_table, "brent_usd_per_bbl")
    assert "with PDVSA transition volume lost set from 0.2 to 0.8 mb/d" in title
    assert title.startswith("The 2026 average Brent crude price")


def test_the_chart_refuses_what_it_cannot_draw(volume_table: pd.DataFrame) -> None:
    with pytest.raises(ScenarioError, match="no series 'kerosene'"):
        sweep_chart(volume_table, "kerosene")
    with pytest.raises(ScenarioError, match="sweep_chart needs the table"):
        sweep_chart(volume_table.drop(columns=["avg_p50"]), "brent_usd_per_bbl")


# --- the command -------------------------------------------------------------------------------------

def test_sweep_command_writes_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", str(MADURO), "--set", f"{PROBABILITY}=0:1:3", "--paths", str(PATHS), "--seed", "3",
                 "--out", str(tmp_path)])
    assert code == 0
    folder = tmp_path / "maduro_capture-sweep"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["sweep.csv"] + [f"sweep_{s}.{e}" for s in ("brent_usd_per_bbl", "us_diesel_usd_per_gal",
                                                                "us_gasoline_usd_per_gal") for e in ("png", "svg")]
    csv = pd.read_csv(folder / "sweep.csv")
    assert len(csv) == 4 * 4 and (csv["seed"] == 3).all()
    out = capsys.readouterr().out
    assert "as written (0.6)" in out and "Wrote" in out


@pytest.mark.parametrize("args,message", [
    (["--set", "nope=1"], "no value is named 'nope'"),
    (["--set", f"{PROBABILITY}=2"], "probability = 2.0: must be <= 1"),
    (["--set", PROBABILITY], "KEY=VALUES expected"),
    (["--set", f"{PROBABILITY}=0:1"], "a range is LOW:HIGH:N"),
    (["--set", f"{PROBABILITY}=2026-01-01"], "a date, but this key is a number"),
    (["--set", f"{PROBABILITY}=0:1:8", "--set", f"{VOLUME}=0.2:0.8:8"], "64 variants .* more than the 60"),
    (["--set", f"{PROBABILITY}=0.1", "--set", f"{PROBABILITY}=0.2"], "given twice"),
])
def test_sweep_command_refuses_in_one_line_writing_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           args: list[str], message: str) -> None:
    code = main(["sweep", str(MADURO), *args, "--paths", "200", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_the_documented_example_is_what_a_run_gives(maduro) -> None:  # type: ignore[no-untyped-def]
    """docs/sweep.md's example table and the difference its text states come from this run."""
    text = (ROOT / "docs" / "sweep.md").read_text(encoding="utf-8")
    table = sweep_table(maduro, {PROBABILITY: "0:1:5"})
    for series, label, decimals in (("brent_usd_per_bbl", "Brent crude (USD/bbl)", 2),
                                    ("us_gasoline_usd_per_gal", "US regular gasoline (USD/gal)", 3)):
        block = text[text.index(label):].split("\n\n")[0]
        shown = [float(m.replace("$", "")) for m in re.findall(r"([+-]\$\d+\.\d+) ±", block)]
        rows = _rows(table, series).loc[[1, 2, 3, 4, 5]]
        assert shown == [round(float(x), decimals) for x in rows["diff_mean"]], label
    brent = _rows(table, "brent_usd_per_bbl")
    said = re.search(r"adds about \$(\d+\.\d\d) a barrel", text)
    assert said and float(said.group(1)) == round(float(brent.loc[5, "diff_mean"] - brent.loc[1, "diff_mean"]), 2)
    ratio = brent.loc[1:, "diff_mc_se_independent"] / brent.loc[1:, "diff_mc_se_paired"]
    assert "50 to 100 times larger" in text and ratio.between(50, 100).all()


def test_the_chart_orders_values_given_in_any_order(maduro) -> None:  # type: ignore[no-untyped-def]
    table = sweep_table(maduro, {PROBABILITY: "1,0,0.5"}, paths=500)
    assert "set from 0 to 1" in sweep_title(table, "brent_usd_per_bbl")
    line = sweep_chart(table, "brent_usd_per_bbl").axes[0].lines[0]
    assert list(line.get_xdata()) == [0.0, 0.5, 1.0]


def test_a_sweep_of_three_keys_writes_the_table_and_no_charts(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", str(MADURO), "--set", f"{PROBABILITY}=0,1", "--set", f"{VOLUME}=0.2,0.8",
                 "--set", "market.supply_elasticity=0.05", "--paths", "300", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    assert [p.name for p in (tmp_path / "maduro_capture-sweep").iterdir()] == ["sweep.csv"]
    assert "note: no charts" in capsys.readouterr().err


def test_a_fuel_value_is_in_the_fuel_unit() -> None:
    assert key_words("fuels.eu_diesel.taxes", "litre") == ("EU diesel: taxes", "USD/litre")
    assert key_label("fuels.us_diesel.crack_spread.per_mbd_loss") == \
        "US diesel: crack spread per mb/d lost (USD/gal per mb/d)"


def test_a_standard_error_of_rounding_noise_is_shown_as_a_bound() -> None:
    """A tax change moves every future alike: its paired error is float noise (1e-17), shown as
    a bound, not as 0.000000000000000009."""
    from energysim.cli_sweep import _signed

    assert _signed("us_gasoline_usd_per_gal", -0.184, 9e-18) == "-$0.184 ± <0.000001"
    assert _signed("us_gasoline_usd_per_gal", 0.21, 0.0023) == "+$0.210 ± 0.002"
    assert _signed("brent_usd_per_bbl", 0.52, 0.0) == "+$0.52 ± <0.00001"
