"""The run folder and the report: numbers equal the result's, texts follow the scenario,
self-contained HTML, snippets, re-rendering without simulation, budget arithmetic, gallery."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from energysim import load_scenario, simulate, texts
from energysim.cli import main
from energysim.household import fuel_budget
from energysim.report import household_budgets, parse_formats, write_run
from energysim.runview import RunView

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
PATHS = 2000

SHOCK = f"""
name: big_shock
extends: {BASELINE}
title: "A large supply loss in spring"
disruptions:
  - name: big_loss
    start: 2026-03-01
    volume_mbd: 3.0
    duration_days: 120
"""


@pytest.fixture(scope="module")
def base_result():
    return simulate(load_scenario(BASELINE), paths=PATHS, seed=11)


@pytest.fixture(scope="module")
def shock_result(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "big_shock.yaml"
    path.write_text(SHOCK, encoding="utf-8")
    return simulate(load_scenario(path), paths=PATHS, seed=11)


@pytest.fixture(scope="module")
def run_dir(base_result, tmp_path_factory):
    return write_run(base_result, tmp_path_factory.mktemp("out") / "baseline_2026",
                     household={"us_gasoline": 50.0, "us_diesel": 20.0})


def test_run_folder_has_every_output(run_dir: Path) -> None:
    names = {p.name for p in run_dir.iterdir()}
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"):
        for ext in (".png", ".svg", ".embed.html", ".md"):
            assert f"fan_{s}{ext}" in names
    assert {"quantiles.csv", "summary.json", "report.md", "report.html", "results.npz", "scenario.json"} <= names


def test_report_numbers_equal_the_result_numbers(base_result, run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    expected = json.loads(json.dumps(base_result.summary()))["series"]
    for entry in expected.values():  # a scenario without events is its own no-disruption outlook
        entry["no_disruption_mean_p50"] = entry["horizon_mean"]["0.5"]
        entry["no_disruption_mean_p95"] = entry["horizon_mean"]["0.95"]
    assert summary["series"] == expected
    md = (run_dir / "report.md").read_text()
    html_text = (run_dir / "report.html").read_text()
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"):
        unit = s.rsplit("_per_", 1)[1]
        q = base_result.horizon_mean_quantiles(s)
        month, peak = base_result.peak_month(s)
        row = " | ".join(texts.fmt_price(unit, x) for x in (q[0.05], q[0.5], q[0.95]))
        assert f"| Average over 2026 | {row} | {texts.fmt_price(unit, q[0.5])} |" in md
        assert texts.fmt_price(unit, peak) in md
        for t in base_result.scenario.outputs.thresholds[s]:
            p, se = base_result.threshold_probability(s, t)
            cell = f"| {texts.fmt_price(unit, t)} | {texts.fmt_probability(p, se, PATHS)} |"
            assert cell in md
            assert texts.fmt_probability(p, se, PATHS) in html_text
    # the household block: 50 gal of gasoline at the median average price
    q = base_result.horizon_mean_quantiles("us_gasoline_usd_per_gal")
    assert texts.fmt_money(50 * q[0.5]) in md


def test_saved_results_reload_to_the_same_view(base_result, run_dir: Path) -> None:
    a = RunView.from_result(base_result)
    b, settings = RunView.load(run_dir)
    assert settings["household"] == {"us_gasoline": 50.0, "us_diesel": 20.0}
    assert b.scenario == a.scenario and b.metadata == a.metadata and b.series == a.series
    for s in a.series:
        assert np.array_equal(a.quantiles[s], b.quantiles[s])
        assert np.array_equal(a.baseline[s], b.baseline[s])
        assert a.mean_q[s] == b.mean_q[s] and a.thresholds[s] == b.thresholds[s] and a.peak[s] == b.peak[s]
    for s in a.history_dates:
        assert np.array_equal(a.history_dates[s], b.history_dates[s])
    for s in a.price_series:
        assert texts.alt_text(a, s) == texts.alt_text(b, s)


def test_report_command_rerenders_the_same_files_without_simulating(run_dir: Path, monkeypatch) -> None:
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    import energysim.engine

    monkeypatch.setattr(energysim.engine, "simulate", lambda *a, **k: pytest.fail("re-simulated"))
    assert main(["report", str(run_dir)]) == 0
    after = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    assert after == before  # byte-identical: charts, reports, snippets, saved results
    assert main(["report", str(run_dir), "--diesel-gal-per-month", "0", "--format", "md"]) == 0
    md = (run_dir / "report.md").read_text()
    assert "US on-highway diesel | 20 gallons" not in md and "US regular gasoline | 50 gallons" in md
    assert not (run_dir / "report.html").exists()
    household = json.loads((run_dir / "summary.json").read_text())["household"]  # follows the amounts
    assert set(household) == {"us_gasoline_usd_per_gal"}
    assert main(["report", str(run_dir), "--diesel-gal-per-month", "20", "--format", "png,svg,html,md"]) == 0
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_a_run_without_a_shipped_fuel_is_redrawn_without_it(tmp_path: Path) -> None:
    """scenario.json leaves a removed fuel out; read back, it must stay out (it came back with its
    defaults and the redrawn report listed its assumptions)."""
    path = tmp_path / "no_diesel.yaml"
    path.write_text(f"name: no_diesel\nextends: {BASELINE}\nfuels:\n  us_diesel: null\n", encoding="utf-8")
    assert main(["run", str(path), "--paths", "50", "--format", "md", "--quiet", "--out", str(tmp_path)]) == 0
    run = tmp_path / "no_diesel"
    first = (run / "report.md").read_text()
    assert "fuels.us_gasoline.taxes" in first and "fuels.us_diesel" not in first
    assert list(RunView.load(run)[0].scenario.fuels) == ["us_gasoline"]
    assert main(["report", str(run)]) == 0
    assert (run / "report.md").read_text() == first


def test_alt_text_and_summary_change_with_the_scenario(base_result, shock_result) -> None:
    a, b = RunView.from_result(base_result), RunView.from_result(shock_result)
    s = "us_gasoline_usd_per_gal"
    assert texts.alt_text(a, s) != texts.alt_text(b, s)
    sa, sb = texts.summary_sentences(a, household_budgets(a, {"us_gasoline": 50})), \
        texts.summary_sentences(b, household_budgets(b, {"us_gasoline": 50}))
    assert 3 <= len(sa) <= 5 and 3 <= len(sb) <= 5
    assert sa != sb
    assert "A large supply loss in spring" in sb[0]
    # the alt text carries the numbers of its own run
    assert texts.fmt_price("gal", b.mean_q[s][0.5]) in texts.alt_text(b, s)
    assert b.mean_q[s][0.5] > a.mean_q[s][0.5]
    assert "the same as the no-disruption outlook" in texts.alt_text(a, s)
    assert "$0.02 above the no-disruption outlook ($2.84)" in texts.alt_text(b, s)


def test_the_outlook_comparison_adds_up_as_shown(base_result) -> None:
    """The difference is that of the prices as printed; the percentage shows from 1 %."""
    v = RunView.from_result(base_result)
    s, b = "us_gasoline_usd_per_gal", "brent_usd_per_bbl"
    v.baseline_means[s], v.baseline_means[b] = 2.8453, 56.41
    assert texts._vs_baseline(v, s, 2.8448) == "$0.01 below the no-disruption outlook ($2.85)"  # $2.84 vs $2.85
    assert texts._vs_baseline(v, s, 2.8449 + 0.0001) == "the same as the no-disruption outlook ($2.85)"
    assert texts._vs_baseline(v, s, 2.95) == "$0.10 (4%) above the no-disruption outlook ($2.85)"
    # Brent: the difference before rounding; cents (and the prices in cents) when whole dollars would misstate it
    assert texts.compared(v, b, 56.94) == ("$56.94", "$0.53 above the no-disruption outlook ($56.41)")  # not "$1"
    assert texts.compared(v, b, 56.412) == ("$56", "the same as the no-disruption outlook ($56)")
    assert texts.compared(v, b, 52.0) == ("$52", "$4 (8%) below the no-disruption outlook ($56)")
    v.baseline_means[b] = 56.55
    assert texts.compared(v, b, 58.45) == ("$58.45", "$1.90 (3%) above the no-disruption outlook ($56.55)")  # $58 - $57
    v.baseline_means[b] = 56.41
    v.mean_q[b] = {**v.mean_q[b], 0.5: 56.94}
    assert texts.headline(v, b) == ("Brent crude oil most likely averages $56.94 a barrel in 2026, "
                                    "$0.53 above the no-disruption outlook ($56.41)")


def test_the_no_disruption_outlook_is_the_same_futures_without_events(base_result, shock_result) -> None:
    """The shock scenario without its disruption is the baseline scenario: with the same seed and
    paths its outlook is the baseline run's medians, number for number; a scenario without events
    is its own outlook (the deterministic no-noise path is not the outlook)."""
    a, b = RunView.from_result(base_result), RunView.from_result(shock_result)
    for s in base_result.series:
        assert b.baseline_mean(s) == a.baseline_mean(s) == a.mean_q[s][0.5]
        np.testing.assert_array_equal(b.baseline[s], base_result.quantile_path(s, 0.5))
        np.testing.assert_array_equal(b.baseline_monthly[s], a.monthly_q[s][1])
    s = "us_diesel_usd_per_gal"
    assert a.baseline_mean(s) > float(np.mean(base_result.baseline[s]))  # price swings lift pump prices
    assert b.mean_q[s][0.5] > b.baseline_mean(s)


def test_html_is_self_contained(run_dir: Path) -> None:
    text = (run_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "@import" not in text and "<link" not in text.lower() and "<script" not in text.lower()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I)
    imgs = re.findall(r'<img src="([^"]+)"', text)
    assert len(imgs) == 3 and all(i.startswith("data:image/png;base64,") for i in imgs)
    assert re.search(r"@media print", text)
    assert text.index("This report looks at") < text.index("<h2>Charts</h2>")  # summary first
    assert "What this model leaves out" in text and "Household fuel budget" in text and "Assumptions" in text


def test_embed_snippets(run_dir: Path, base_result) -> None:
    s = "us_gasoline_usd_per_gal"
    snippet = (run_dir / f"fan_{s}.embed.html").read_text()
    v = RunView.from_result(base_result)
    assert snippet.startswith('<figure class="energysim-chart">')
    assert f'src="fan_{s}.png"' in snippet and "<figcaption>" in snippet
    import html

    assert f'alt="{html.escape(texts.alt_text(v, s), quote=True)}"' in snippet
    md = (run_dir / f"fan_{s}.md").read_text()
    assert md.startswith("![Fan chart of US regular gasoline")
    assert f"](fan_{s}.png)" in md


def test_format_option_selects_outputs(tmp_path: Path) -> None:
    assert main(["run", str(BASELINE), "--paths", "300", "--out", str(tmp_path), "--quiet", "--format", "svg"]) == 0
    names = {p.name for p in (tmp_path / "baseline_2026").iterdir()}
    assert "fan_us_gasoline_usd_per_gal.svg" in names
    assert not any(n.endswith((".png", ".html")) or n.startswith("report") for n in names)


def test_bad_options_are_one_line_errors(tmp_path: Path, capsys) -> None:
    assert main(["run", str(BASELINE), "--paths", "10", "--out", str(tmp_path), "--format", "png,pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--format" in err and "pdf" in err
    assert not (tmp_path / "baseline_2026").exists()
    assert main(["run", str(BASELINE), "--paths", "10", "--out", str(tmp_path), "--gasoline-gal-per-month", "-5"]) == 2
    assert "gasoline-gal-per-month" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a run folder" in capsys.readouterr().err
    with pytest.raises(ValueError):
        parse_formats("gif")


def test_the_reserve_separates_the_scenario_s_share_from_ordinary_price_risk(base_result, shock_result) -> None:
    """The reserve against higher prices of the shock run minus the same reserve of its futures
    without events (the baseline run, same seed and paths) is the scenario's share; a scenario
    without events adds nothing, and the report says so in words and in the table."""
    s = "us_gasoline_usd_per_gal"
    a, b = RunView.from_result(base_result), RunView.from_result(shock_result)
    assert b.baseline_p95_mean(s) == a.mean_q[s][0.95] == a.baseline_p95_mean(s)
    fa, fb = household_budgets(a, {"us_gasoline": 50})[s], household_budgets(b, {"us_gasoline": 50})[s]
    assert fb.reserve_without_scenario == pytest.approx(fa.reserve) and fa.reserve_added_by_scenario == 0.0
    assert fb.reserve_added_by_scenario == pytest.approx(50 * 12 * (b.mean_q[s][0.95] - a.mean_q[s][0.95]))
    assert fb.reserve_added_by_scenario > 0
    text = texts.summary_sentences(b, {s: fb})[3]
    assert not texts.money_cents(fb.reserve)
    _, without, added = texts.reserve_parts(fb.reserve, fb.reserve_without_scenario, cents=False)
    assert abs(added - fb.reserve_added_by_scenario) <= 0.5
    assert (f"set aside {texts.fmt_money(fb.reserve)} for 2026 on top of the no-disruption budget. Of this, "
            f"{texts.fmt_money(without)} covers the ordinary ups and downs of oil prices") in text
    assert f"and {texts.fmt_money(added)} is added by the scenario." in text
    assert "covers the extra cost" not in text
    assert "this scenario has no disruptions or incidents" in texts.summary_sentences(a, {s: fa})[3]
    from energysim.report import budget_table

    t = budget_table(b, {s: fb})
    assert t.head[-2:] == ["Reserve against higher prices, 2026", "Of which added by the scenario"]
    assert t.rows[0][-2:] == [texts.fmt_money(fb.reserve), texts.fmt_money(added)]  # as in the summary
    assert "ordinary ups and downs" in t.note and "the extra a family would need" not in t.note
    both = household_budgets(b, {"us_gasoline": 50, "us_diesel": 20})
    assert "each enough for its fuel in 19 futures out of 20" in texts.summary_sentences(b, both)[3]


def test_budget_arithmetic_on_a_constructed_case() -> None:
    # 40 gal/month; average price P5 $3.00, P50 $3.50, P95 $4.25; baseline $3.25; riskiest month P95 $5.00
    b = fuel_budget(40, {0.05: 3.0, 0.5: 3.5, 0.95: 4.25}, 3.25, 5.0, 12)
    assert (b.low_per_month, b.typical_per_month, b.high_per_month) == (120.0, 140.0, 170.0)
    assert b.baseline_per_month == 130.0 and b.bad_month == 200.0
    assert b.typical_extra_per_month == 10.0 and b.high_extra_per_month == 40.0
    assert b.reserve == 40.0 * 12  # (4.25 - 3.25) x 40 gal x 12 months
    assert b.reserve_without_scenario == b.reserve and b.reserve_added_by_scenario == 0.0  # no events
    shock = fuel_budget(40, {0.05: 3.0, 0.5: 3.5, 0.95: 4.25}, 3.25, 5.0, 12, baseline_p95_price=4.0)
    assert shock.reserve_without_scenario == 0.75 * 40 * 12 and shock.reserve_added_by_scenario == 0.25 * 40 * 12
    short = fuel_budget(40, {0.05: 3.0, 0.5: 3.5, 0.95: 4.25}, 3.25, 5.0, 20 / 31)
    assert short.reserve == pytest.approx(40.0 * 20 / 31)  # pro rata: 20 days of March
    calm = fuel_budget(40, {0.05: 2.0, 0.5: 2.5, 0.95: 3.0}, 3.25, 3.5, 12)
    assert calm.reserve == 0.0  # never negative
    assert fuel_budget(0, {0.05: 3.0, 0.5: 3.5, 0.95: 4.25}, 3.25, 5.0, 12).high_per_month == 0.0
    with pytest.raises(ValueError):
        fuel_budget(-1, {0.05: 3.0, 0.5: 3.5, 0.95: 4.25}, 3.25, 5.0, 12)


def test_gallery_picks_up_every_scenario(tmp_path: Path, capsys) -> None:
    sc_dir = tmp_path / "scenarios"
    sc_dir.mkdir()
    (sc_dir / "baseline_2026.yaml").write_text(BASELINE.read_text(), encoding="utf-8")
    (sc_dir / "big_shock.yaml").write_text(SHOCK.replace(str(BASELINE), "baseline_2026.yaml"), encoding="utf-8")
    out = tmp_path / "gallery"
    assert main(["gallery", "--scenarios", str(sc_dir), "--out", str(out), "--paths", "300"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["README.md", "baseline_2026_us_gasoline_usd_per_gal.png", "big_shock_us_gasoline_usd_per_gal.png"]
    readme = (out / "README.md").read_text()
    assert "energysim gallery" in readme and "](big_shock_us_gasoline_usd_per_gal.png)" in readme


def test_odds_never_or_always_seen_are_bounded_and_worded_for_their_side() -> None:
    from energysim.report_tables import _threshold_error

    assert texts.fmt_probability(1.0, 0.0, 1) == "over 5%"  # 0.05 ** (1 / n): exact for any n
    assert texts.fmt_probability(0.0, 0.0, 1) == "under 95%"
    assert texts.fmt_probability(1.0, 0.0, 3) == "over 37%"
    assert texts.fmt_probability(0.0, 0.0, 2000) == "under 0.15%"
    for n in (1, 2, 3, 7, 20, 2000, 10**6):
        for p in (0.0, 1.0):
            pct = float(re.search(r"[\d.]+", texts.fmt_probability(p, 0.0, n)).group())
            assert 0 < pct < 100
    assert _threshold_error(1.0, 0.0) == "every future reached it; 95% lower bound"
    assert _threshold_error(0.0, 0.0) == "no future reached it; 95% upper bound"


def test_a_child_scenario_without_a_title_is_shown_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(f"name: child_case\nextends: {BASELINE}\n", encoding="utf-8")
    sc = load_scenario(path).scenario
    assert sc.title == "" and sc.description == ""
    assert load_scenario(BASELINE).scenario.title  # the parent has one, not inherited
    result = simulate(load_scenario(path), paths=200, seed=1)
    assert texts.subtitle(RunView.from_result(result)) == "Scenario: child_case"


def test_monthly_quantiles_are_numpy_s_along_the_paths(base_result) -> None:
    for s in base_result.series:
        expected = np.quantile(base_result.monthly_mean[s], [0.05, 0.5, 0.95], axis=0)
        np.testing.assert_array_equal(base_result.monthly_quantiles(s, (0.05, 0.5, 0.95)), expected)
        np.testing.assert_array_equal(base_result.monthly_quantile(s, 0.5), expected[1])  # cached, the same
        month, peak = base_result.peak_month(s)
        assert peak == expected[2].max() and month == str(base_result.months[int(np.argmax(expected[2]))])


def _view_of(base_result, paths: int, start: str | None = None, end: str | None = None) -> RunView:
    """A copy of the base run's view with another path count or horizon (texts only read these)."""
    import copy
    import datetime as dt

    v = copy.deepcopy(RunView.from_result(base_result))
    v.metadata["paths"] = paths
    if start:
        h = v.scenario.horizon.model_copy(update={"start": dt.date.fromisoformat(start), "end": dt.date.fromisoformat(end)})
        v.scenario = v.scenario.model_copy(update={"horizon": h})
    return v


def test_a_tiny_run_says_its_figures_are_not_meaningful(tmp_path: Path) -> None:
    result = simulate(load_scenario(BASELINE), paths=1, seed=3)
    out = write_run(result, tmp_path / "one", formats="md,html")
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    for text in (md, page):
        words = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text)  # the embedded images aside
        assert not re.search(r"\bnan\b", words, re.IGNORECASE)
        assert "1 futures" not in text and "cannot be estimated with fewer than 2 futures" in text
        assert "the figures in this report are not meaningful" in text
    assert "This report looks at 1 possible future for" in md


def test_the_small_run_threshold(base_result) -> None:
    assert texts.small_run_warning(_view_of(base_result, texts.MIN_MEANINGFUL_PATHS)) is None
    warning = texts.small_run_warning(_view_of(base_result, texts.MIN_MEANINGFUL_PATHS - 1))
    assert warning.startswith("Only 99 futures simulated: the figures in this report are not meaningful")
    assert texts.futures(1) == "1 future" and texts.futures(20000) == "20,000 futures"


def test_short_horizons_are_named_and_pro_rated(base_result) -> None:
    from energysim.household import horizon_months

    assert horizon_months(dt_date("2026-01-01"), dt_date("2026-12-31")) == 12.0
    assert horizon_months(dt_date("2026-03-01"), dt_date("2026-03-20")) == pytest.approx(20 / 31)
    assert horizon_months(dt_date("2026-01-17"), dt_date("2026-02-28")) == pytest.approx(15 / 31 + 1)
    cases = {("2026-03-01", "2026-03-31"): "Mar 2026", ("2026-03-01", "2026-03-20"): "1 to 20 Mar 2026",
             ("2026-01-01", "2026-06-30"): "Jan 2026 to Jun 2026", ("2026-01-15", "2026-03-20"): "15 Jan 2026 to 20 Mar 2026",
             ("2026-01-01", "2026-12-31"): "2026"}
    for (start, end), words in cases.items():
        assert _view_of(base_result, PATHS, start, end).period() == words
    v = _view_of(base_result, PATHS, "2026-03-01", "2026-03-20")
    fb = household_budgets(v, {"us_gasoline": 50})["us_gasoline_usd_per_gal"]
    assert fb.months == pytest.approx(20 / 31)
    from energysim.report import budget_table

    note = budget_table(v, {"us_gasoline_usd_per_gal": fb}).note
    assert "x 0.65 months (a partly covered month counted as the share of its days in the period)" in note
    assert "of the year" not in " ".join(texts.summary_sentences(v, {}))
    assert "in their riskiest month of 2026" in " ".join(texts.summary_sentences(RunView.from_result(base_result), {}))


def dt_date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_markdown_tables_align_text_left_and_html_keys_break_at_dots(run_dir: Path) -> None:
    md = (run_dir / "report.md").read_text()
    assert "| Parameter | Value | Source |\n|---|---|---|" in md
    assert "| Price level | Chance a weekly average reaches it | Monte Carlo error |\n|---|---:|---|" in md
    page = (run_dir / "report.html").read_text()
    assert "<td>market.<wbr>tightness.<wbr>" in page or "<td>market.<wbr>" in page
    assert page.count('<div class="table-wrap"><table') == page.count("<table")
    assert "the range of possible prices widens the further ahead one looks" in md


def test_html_table_headers_keep_1_in_20_together_and_cells_a_number_with_its_unit(run_dir: Path) -> None:
    """The household table's nine narrow columns wrapped "Low (1 in 20)" as "Low (1 in / 20)"."""
    page = (run_dir / "report.html").read_text()
    assert "<th>Low (1&nbsp;in&nbsp;20)</th>" in page and "<th>Bad month (1&nbsp;in&nbsp;20)</th>" in page
    assert "<td>50&nbsp;gallons</td>" in page
    assert "(1 in 20)</th>" not in page


def test_the_assumptions_show_the_paths_and_seed_the_run_used_and_where_each_value_was_set(tmp_path: Path) -> None:
    """`--paths`/`--seed` are shown as the values used, credited to the command line, and stored
    in scenario.json; values written in a file extended by the scenario are credited to that
    file, values written in its own file to the scenario, and only values no file sets to energysim."""
    maduro = ROOT / "scenarios" / "maduro_capture.yaml"
    assert main(["run", str(maduro), "--paths", "50", "--seed", "7", "--out", str(tmp_path), "--format", "md",
                 "--quiet"]) == 0
    run = tmp_path / "maduro_capture"
    assert json.loads((run / "scenario.json").read_text())["simulation"] == {"paths": 50, "seed": 7}
    text = (run / "report.md").read_text()
    assert "| simulation.paths | 50 | command line (--paths) |" in text
    assert "| simulation.seed | 7 | command line (--seed) |" in text
    assert "| horizon.start | 2026-01-01 | baseline_2026.yaml (extended) |" in text
    assert "| disruptions[pdvsa_transition].probability | 0.6 | this scenario (see sources) |" in text
    assert re.search(r"\| market\.volatility_annual \| [0-9.]+ \| fitted by 'energysim calibrate'", text)
    # the only value filled in by the schema alone: the hazard's premium has no lead (nobody wrote it)
    assert re.findall(r"\| ([^|]+) \| [^|]+ \| energysim default \|", text) == [
        "hazards[caribbean_shipping_incidents].risk_premium.lead_days"]
    assert main(["report", str(run)]) == 0  # re-rendered from the run folder: the same report
    assert (run / "report.md").read_text() == text


def test_the_sources_are_listed_under_the_file_that_cites_them(tmp_path: Path) -> None:
    """A child's report lists its parents' citations (which the inherited rows refer to) under each
    parent's file name, then its own; a child citing none says so, and its rows do not send the
    reader to sources it does not have. The labels survive a re-rendering from the run folder."""
    maduro = ROOT / "scenarios" / "maduro_capture.yaml"
    (tmp_path / "cited.yaml").write_text(f"name: cited\nextends: {maduro}\nsources: ['[1] my own citation']\n"
                                         "market:\n  world_demand_mbd: 105\n", encoding="utf-8")
    (tmp_path / "uncited.yaml").write_text(f"name: uncited\nextends: {maduro}\nmarket:\n  world_demand_mbd: 105\n",
                                           encoding="utf-8")
    out = tmp_path / "out"
    for name in ("cited", "uncited"):
        assert main(["run", str(tmp_path / f"{name}.yaml"), "--paths", "50", "--out", str(out), "--format", "md,html",
                     "--quiet"]) == 0
    baseline_first, maduro_first = load_scenario(BASELINE).scenario.sources[0], load_scenario(maduro).scenario.sources[-1]
    md = (out / "cited" / "report.md").read_text()
    expected = ["Sources cited by the scenario:", "From baseline_2026.yaml:", f"- {baseline_first}",
                "From maduro_capture.yaml:", f"- {maduro_first}", "From this scenario:", "- [1] my own citation"]
    assert [md.index(x) for x in expected] == sorted(md.index(x) for x in expected)
    assert "| market.world_demand_mbd | 105 | this scenario (see sources) |" in md
    assert "<p>From maduro_capture.yaml:</p>" in (out / "cited" / "report.html").read_text()
    assert json.loads((out / "cited" / "scenario.json").read_text())["sources"][-1] == "[1] my own citation"
    md = (out / "uncited" / "report.md").read_text()
    assert "From maduro_capture.yaml:" in md and "From this scenario:" not in md
    assert "This scenario cites no sources of its own." in md
    assert "| market.world_demand_mbd | 105 | this scenario (cites no sources) |" in md
    assert main(["report", str(out / "uncited")]) == 0
    assert (out / "uncited" / "report.md").read_text() == md


def test_values_the_schema_fills_in_inside_written_items_are_credited_to_energysim(tmp_path: Path) -> None:
    """A disruption's unwritten probability, ramp and recovery, a premium's unwritten lead: written
    by nobody, so not "this scenario"; a premium taken from a reference episode names it. A
    scenario made in code (origins unknown) still credits itself with what differs from the defaults."""
    from energysim.report_tables import assumption_rows, assumption_sources
    from energysim.scenario.defaults import PREMIUM_REFERENCES

    path = tmp_path / "child.yaml"
    path.write_text(f"name: child\nextends: {ROOT / 'scenarios' / 'maduro_capture.yaml'}\nsources: ['[1] mine']\n"
                    "disruptions:\n  - name: threat\n    start: 2026-05-01\n    volume_mbd: 0\n"
                    "    risk_premium: {reference: threat}\n  - name: loss\n    start: 2026-06-01\n"
                    "    volume_mbd: 0.5\n    duration_days: 30\n", encoding="utf-8")
    loaded = load_scenario(path)
    rows = {k: src for k, _x, src in assumption_rows(loaded.scenario, assumption_sources(loaded))}
    for key in ("disruptions[loss].probability", "disruptions[loss].ramp_up_days", "disruptions[loss].recovery_days",
                "disruptions[threat].duration_days", "hazards[caribbean_shipping_incidents].risk_premium.lead_days"):
        assert rows[key] == "energysim default", key
    assert rows["disruptions[loss].volume_mbd"] == "this scenario (see sources)"
    assert rows["disruptions[threat].risk_premium.peak_pct"] == (
        f"reference 'threat': {PREMIUM_REFERENCES['threat']['source']}")
    made_in_code = {k: src for k, _x, src in assumption_rows(loaded.scenario)}
    assert made_in_code["disruptions[loss].volume_mbd"] == "this scenario (see sources)"


def test_a_run_without_overrides_credits_the_scenario_file_for_paths_and_seed(tmp_path: Path) -> None:
    from energysim.report_tables import assumption_rows, assumption_sources

    loaded = load_scenario(BASELINE)
    rows = {k: (x, src) for k, x, src in assumption_rows(loaded.scenario, assumption_sources(loaded))}
    assert rows["simulation.seed"] == ("2026", "this scenario (see sources)")
    assert rows["horizon.step"] == ("week", "this scenario (see sources)")
    bare = tmp_path / "bare.yaml"
    bare.write_text("name: bare\n", encoding="utf-8")
    ld = load_scenario(bare)
    rows = {k: src for k, _x, src in assumption_rows(ld.scenario, assumption_sources(ld))}
    assert rows["simulation.seed"] == rows["horizon.start"] == "energysim default"
    view = RunView.from_result(simulate(ld, paths=30, seed=5))
    assert (view.scenario.simulation.paths, view.scenario.simulation.seed) == (30, 5)


def test_a_small_reserve_is_printed_in_cents_and_its_parts_add_up_as_printed(base_result) -> None:
    """Reserve $5.56, without the scenario $4.27: in whole dollars $6 - $4 = $2 misstates the
    scenario's $1.29; in cents the share is within a cent of the true difference, and the
    summary's parts add up to the reserve it prints."""
    import dataclasses

    from energysim.report import budget_table

    s = "us_gasoline_usd_per_gal"
    v = _view_of(base_result, PATHS, "2026-03-01", "2026-03-20")
    fb = household_budgets(v, {"us_gasoline": 50})[s]
    fb = dataclasses.replace(fb, reserve=5.564, reserve_without_scenario=4.274)
    assert round(fb.reserve) - round(fb.reserve_without_scenario) == 2  # whole dollars misstate the share
    v.scenario = v.scenario.model_copy(update={"hazards": shock_hazards()})
    row = budget_table(v, {s: fb}).rows[0]
    assert row[-2:] == ["$5.56", "$1.29"]
    text = texts.summary_sentences(v, {s: fb})[3]
    assert "set aside $5.56 for 1 to 20 Mar 2026" in text
    assert "Of this, $4.27 covers the ordinary ups and downs" in text and "and $1.29 is added by the scenario" in text
    # near a rounding edge the share is rounded itself and the part without the scenario is the rest
    assert texts.reserve_parts(5.564, 4.2689, cents=True) == pytest.approx((5.56, 4.26, 1.30))
    big = texts.reserve_parts(480.4, 301.6, cents=texts.money_cents(480.4))
    assert big == (480.0, 301.0, 179.0)  # whole dollars above $100; 480 - 302 would say 178


def shock_hazards():
    from energysim.scenario.schema import Scenario

    sc = Scenario.model_validate({"name": "x", "hazards": [
        {"name": "h", "rate_per_year": 1, "volume_mbd": 0.1, "duration_days": 5}]})
    return sc.hazards


def test_summary_json_has_the_household_budget_as_the_report_computes_it(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    budgets = household_budgets(RunView.load(run_dir)[0], {"us_gasoline": 50.0, "us_diesel": 20.0})
    assert set(summary["household"]) == set(budgets) == {"us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"}
    for s, b in budgets.items():
        entry = summary["household"][s]
        assert entry["amount_per_month"] == b.amount_per_month and entry["months"] == pytest.approx(12.0)
        assert entry["per_month_usd"]["high_p95"] == pytest.approx(b.high_per_month, abs=1e-4)
        assert entry["reserve_usd"] == pytest.approx(b.reserve, abs=1e-4)
        assert entry["reserve_added_by_scenario_usd"] == pytest.approx(
            entry["reserve_usd"] - entry["reserve_without_scenario_usd"], abs=2e-4)
        assert summary["series"][s]["no_disruption_mean_p95"] > summary["series"][s]["no_disruption_mean_p50"]


def test_the_monte_carlo_error_of_a_quantile_is_its_asymptotic_standard_error() -> None:
    """The error printed next to the horizon averages (``quantile_standard_error``) against the
    textbook standard error of a sample quantile, sqrt(q (1 - q) / n) / f(x_q), for normal draws."""
    from statistics import NormalDist

    from energysim.runview import quantile_standard_error

    n = 200_000
    x = np.random.default_rng(5).standard_normal(n)
    for q in (0.05, 0.5, 0.95):
        expected = np.sqrt(q * (1 - q) / n) / NormalDist().pdf(NormalDist().inv_cdf(q))
        assert quantile_standard_error(x, q) == pytest.approx(expected, rel=0.1), q
        assert quantile_standard_error(3.0 * x, q) == pytest.approx(3.0 * expected, rel=0.1), q
