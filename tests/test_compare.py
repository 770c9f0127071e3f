"""Paired comparisons on common random numbers: exact zeros for identical scenarios, changes only
where an added input acts, and differences.csv equal to the separate runs' differences; the
comparison charts read like the fan charts."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from energysim import charts, charts_compare, charts_differences, load_scenario, simulate, texts
from energysim.cli import main
from energysim.compare import (
    Comparison,
    check_comparable,
    differences_table,
    paired_differences,
    summarise_difference,
)
from energysim.errors import ScenarioError
from energysim.runview import RunView

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PATHS = 400
SEED = 11


def _copy_of(src: Path, tmp_path: Path, name: str, extra: str = "") -> Path:
    """A file that extends ``src`` and changes nothing but its name (plus ``extra``)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: {src}\n{extra}", encoding="utf-8")
    return path


def _run(path: Path, paths: int = PATHS, seed: int = SEED):  # type: ignore[no-untyped-def]
    return simulate(load_scenario(path), paths=paths, seed=seed, keep_paths=True, workers=1)


def test_identical_scenarios_differ_by_exactly_zero_on_every_path(tmp_path: Path) -> None:
    a = _run(SCENARIOS / "maduro_capture.yaml")
    b = _run(_copy_of(SCENARIOS / "maduro_capture.yaml", tmp_path, "maduro_copy"))
    for s in a.series:
        for key, d in paired_differences(a, b, s).items():
            assert np.array_equal(d, np.zeros_like(d)), (s, key)
        assert np.array_equal(a.paths(s), b.paths(s))
    table = differences_table([a, b], ["maduro_capture", "maduro_copy"])
    cols = ["mean_difference", "p05", "p50", "p95", "share_higher", "mc_se_paired"]
    assert (table[cols].to_numpy() == 0).all()
    assert (table["mc_se_independent"] > 0).any()  # independent draws would not give zero


def test_a_disruption_that_never_happens_changes_nothing(tmp_path: Path) -> None:
    extra = """disruptions:
  - name: never
    probability: 0
    start: 2026-03-01
    volume_mbd: {dist: uniform, low: 1, high: 3}
    duration_days: 60
    risk_premium: {peak_pct: 10, half_life_days: 30}
"""
    a = _run(SCENARIOS / "maduro_capture.yaml")
    b = _run(_copy_of(SCENARIOS / "maduro_capture.yaml", tmp_path, "with_never", extra))
    for s in a.series:
        assert np.array_equal(a.paths(s), b.paths(s)), s


def test_an_added_disruption_changes_only_the_paths_it_touches(tmp_path: Path) -> None:
    extra = """disruptions:
  - name: maybe_outage
    probability: 0.3
    start: {dist: uniform, low: 2026-02-01, high: 2026-10-01}
    volume_mbd: {dist: uniform, low: 0.5, high: 2.0}
    duration_days: {dist: uniform, low: 20, high: 90}
"""
    base = SCENARIOS / "baseline_2026.yaml"
    a = _run(base)
    b = _run(_copy_of(base, tmp_path, "with_outage", extra))
    untouched = np.all(b.paths("net_supply_loss_mbd") == 0.0, axis=1)
    touched = ~untouched
    # Probability 0.3 on 400 paths: both groups are present.
    assert 60 < touched.sum() < 180
    for s in a.series:
        assert np.array_equal(a.paths(s)[untouched], b.paths(s)[untouched]), s
    brent_a, brent_b = a.paths("brent_usd_per_bbl"), b.paths("brent_usd_per_bbl")
    # Where it happened, Brent is higher at the disruption's peak on every touched path.
    assert np.all(brent_b[touched].max(axis=1) - brent_a[touched].max(axis=1) >= 0)
    assert np.all((brent_b[touched] > brent_a[touched]).any(axis=1))


def test_differences_csv_equals_the_separate_runs_path_by_path(tmp_path: Path) -> None:
    files = [SCENARIOS / "baseline_2026.yaml", SCENARIOS / "maduro_capture.yaml",
             SCENARIOS / "contested_transition.yaml"]
    out = tmp_path / "cmp"
    code = main(["compare", *map(str, files), "--paths", str(PATHS), "--seed", str(SEED), "--out", str(out),
                 "--quiet"])
    assert code == 0
    got = pd.read_csv(out / "differences.csv")
    runs = [_run(f) for f in files]
    ref = runs[0]
    for r in runs[1:]:
        for s in ref.series:
            for measure, attr in (("horizon_average", "path_mean"), ("peak", "path_max")):
                a, b = getattr(ref, attr)[s], getattr(r, attr)[s]
                want = summarise_difference(b - a, a, b)
                row = got[(got.scenario == r.scenario.name) & (got.series == s) & (got.measure == measure)]
                assert len(row) == 1
                for key, value in want.items():
                    assert row[key].iloc[0] == pytest.approx(value, rel=1e-5, abs=1e-9), (r.scenario.name, s, key)
    comp = pd.read_csv(out / "comparison.csv")
    assert set(comp.scenario) == {"baseline_2026", "maduro_capture", "contested_transition"}
    assert {"horizon_average", "peak_month_p95", "threshold_probability"} <= set(comp.statistic)
    for suffix in ("png", "svg"):
        assert (out / f"fans_brent_usd_per_bbl.{suffix}").is_file()
        assert (out / f"medians_overlay.{suffix}").is_file()
        assert (out / f"differences.{suffix}").is_file()


def test_paired_difference_is_tighter_than_independent_draws() -> None:
    a = _run(SCENARIOS / "baseline_2026.yaml")
    b = _run(SCENARIOS / "maduro_capture.yaml")
    row = differences_table([a, b], ["a", "b"]).query("series == 'brent_usd_per_bbl' and measure == 'horizon_average'")
    assert row.mc_se_paired.iloc[0] < 0.25 * row.mc_se_independent.iloc[0]


def test_summarise_difference_oracle() -> None:
    a = np.zeros(5)
    b = np.array([-1.0, 0.0, 1.0, 2.0, 3.0])
    got = summarise_difference(b - a, a, b)
    assert got["mean_difference"] == 1.0
    assert got["p50"] == 1.0
    assert got["p05"] == pytest.approx(-0.8)
    assert got["p95"] == pytest.approx(2.8)
    assert got["share_higher"] == 0.6
    assert got["mc_se_paired"] == pytest.approx(np.std(b, ddof=1) / np.sqrt(5))
    assert got["mc_se_independent"] == pytest.approx(got["mc_se_paired"])


def test_runs_on_different_draws_cannot_be_paired() -> None:
    base = SCENARIOS / "baseline_2026.yaml"
    a = _run(base, paths=50, seed=1)
    with pytest.raises(ScenarioError, match="seed"):
        check_comparable([a, _run(base, paths=50, seed=2)])
    with pytest.raises(ScenarioError, match="paths"):
        Comparison(("a", "b"), (a, _run(base, paths=60, seed=1)))
    with pytest.raises(ScenarioError, match="at least two"):
        check_comparable([a])


@pytest.fixture(scope="module")
def compare_runs() -> tuple[list, list[str]]:  # type: ignore[type-arg]
    names = ["baseline_2026", "maduro_capture", "regional_escalation"]
    return [_run(SCENARIOS / f"{n}.yaml") for n in names], names


@pytest.fixture(scope="module")
def compare_views(compare_runs) -> tuple[list[RunView], list[str]]:
    runs, names = compare_runs
    return [RunView.of(r) for r in runs], names


def _drawn_texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every visible, non-empty text of ``fig`` after a draw in the charts' style, with its box;
    tick labels only where the tick is inside its axis (the others are not drawn)."""
    with matplotlib.rc_context(charts.STYLE):
        r = FigureCanvasAgg(fig).get_renderer()
        fig.draw(r)
        drawn: dict[Text, bool] = {}
        for ax in fig.axes:
            (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
            drawn.update({t: x0 <= t.get_position()[0] <= x1 for t in ax.get_xticklabels()})
            drawn.update({t: y0 <= t.get_position()[1] <= y1 for t in ax.get_yticklabels()})
        return [(t, t.get_window_extent(r)) for t in fig.findobj(Text)
                if t.get_visible() and t.get_text().strip() and drawn.get(t, True)]


def _inside_and_apart(fig: Figure, items: list[tuple[Text, Bbox]]) -> None:
    fw, fh = fig.bbox.width, fig.bbox.height
    for i, (ta, a) in enumerate(items):
        assert a.x0 >= 0 and a.y0 >= 0 and a.x1 <= fw + 0.5 and a.y1 <= fh + 0.5, f"outside: {ta!r}"
        for tb, b in items[i + 1:]:
            assert not (min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5), \
                f"{ta!r} overlaps {tb!r}"


@pytest.mark.parametrize("chart", ["fans", "medians"])
def test_compare_charts_read_like_the_fan_charts(compare_views, chart: str) -> None:
    """Dollar ticks, "Jan\\n2026" dates (not "Jan 26", read as a day), the provenance footer of
    every run, nothing clipped or overlapping."""
    views, names = compare_views
    fig = (charts_compare.side_by_side_fans(views, names, "brent_usd_per_bbl") if chart == "fans"
           else charts_compare.medians_overlay(views, names, views[0].price_series))
    items = _drawn_texts(fig)
    words = [t.get_text() for t, _ in items]
    xt = [t.get_text() for t, _ in items if any(t in ax.get_xticklabels() for ax in fig.axes)]
    yt = [t.get_text() for t, _ in items if any(t in ax.get_yticklabels() for ax in fig.axes)]
    assert yt and all(re.fullmatch(r"\$\d[\d,.]*", t) for t in yt), yt
    assert xt and all(re.fullmatch(r"[A-Z][a-z]{2}\n20\d\d", t) for t in xt), xt
    for v in views:
        assert texts.footer_lines(v)[1] in words
    assert words.count(texts.footer_lines(views[0])[0]) == 1  # the source once
    _inside_and_apart(fig, items)


def test_medians_overlay_draws_one_band_and_tells_the_medians_apart(compare_views) -> None:
    """Three overlapping 50 % bands blended into one muddy colour: one light band (the first
    scenario's) per panel, and medians that differ in colour and in line style (greyscale)."""
    views, names = compare_views
    fig = charts_compare.medians_overlay(views, names, views[0].price_series)
    for ax in fig.axes:
        assert len(ax.collections) == 1
        medians = [ln for ln in ax.get_lines() if ln.get_label() in names]
        assert len({ln.get_color() for ln in medians}) == 3
        assert len({str(ln._unscaled_dash_pattern) for ln in medians}) == 3  # the dashes as drawn


def _is_signed_dollars(text: str) -> bool:
    return text == "$0" or re.fullmatch(r"[+\u2212]\$\d[\d,]*(\.\d+)?", text) is not None


def test_differences_chart_draws_each_scenario_against_a_zero_line(compare_runs, compare_views) -> None:
    """One panel per price series; in each, the reference's zero line and, per other scenario in
    its colour, the band from P5 to P95, the mean and the median of the monthly paired difference
    as monthly_differences.csv gives them; signed dollar ticks; texts inside and apart."""
    runs, names = compare_runs
    views, _ = compare_views
    table = Comparison(tuple(names), tuple(runs)).monthly_differences()
    series = views[0].price_series
    fig = charts_differences.differences_chart(views, names, table, series)
    assert len(fig.axes) == len(series) == 3
    hexes = [matplotlib.colors.to_hex(c) for c in charts_compare.SCENARIO_COLOURS[:3]]
    for ax, s in zip(fig.axes, series):
        assert ax.get_title(loc="left") == views[0].label(s)
        zero = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [0, 0]]
        assert len(zero) == 1 and matplotlib.colors.to_hex(zero[0].get_color()) == hexes[0]
        assert [matplotlib.colors.to_hex(b.get_facecolor()[0]) for b in ax.collections] == hexes[1:]
        for k, (band, name) in enumerate(zip(ax.collections, names[1:]), start=1):
            want = table[(table.scenario == name) & (table.series == s)]
            ys = band.get_paths()[0].vertices[:, 1]
            assert np.isclose(ys.min(), want.p05.min()) and np.isclose(ys.max(), want.p95.max())
            drawn = [ln.get_ydata() for ln in ax.get_lines() if matplotlib.colors.to_hex(ln.get_color()) == hexes[k]]
            for col in ("mean_difference", "p50"):
                assert any(np.allclose(y, want[col]) for y in drawn), (s, name, col)
    items = _drawn_texts(fig)
    yt = [t.get_text() for t, _ in items if any(t in ax.get_yticklabels() for ax in fig.axes)]
    assert yt and all(_is_signed_dollars(t) for t in yt), yt
    assert "$0" in yt and any(t.startswith("+") for t in yt)
    words = [t.get_text() for t, _ in items]
    assert any(w.startswith("How much more") and "baseline_2026" in w for w in words)
    assert set(names[1:]) <= set(words) and "$0: same as baseline_2026" in words
    for v in views:
        assert texts.footer_lines(v)[1] in words
    _inside_and_apart(fig, items)


def test_the_differences_chart_asks_more_or_less_once_a_scenario_costs_less(compare_runs) -> None:
    """Against a reference that costs more (maduro_capture first), the differences fall below zero:
    the title's question must not read "how much more" over curves that show less."""
    runs, names = compare_runs
    order = [1, 0]  # maduro_capture as the reference, baseline_2026 drawn against it
    runs, names = [runs[i] for i in order], [names[i] for i in order]
    table = Comparison(tuple(names), tuple(runs)).monthly_differences()
    fig = charts_differences.differences_chart(runs, names, table, ["us_gasoline_usd_per_gal"])
    words = [t.get_text() for t in fig.texts]
    assert "How much more or less would oil and fuel cost than under maduro_capture?" in words
    assert not any(w.startswith("How much more would") for w in words)


def test_paired_differences_are_the_scenario_minus_the_reference_from_its_paths() -> None:
    """``paired_differences(a, b)`` is B - A, path by path, of the horizon average, the highest
    step and each month's average, computed here from the kept paths; a scenario with a supply
    loss costs more than the baseline on average, and the printed comparison says so."""
    from energysim.cli_compare import comparison_text

    a = _run(SCENARIOS / "baseline_2026.yaml")
    b = _run(SCENARIOS / "maduro_capture.yaml")
    months = a.dates.astype("datetime64[M]")
    for s in a.series:
        pa, pb = a.paths(s), b.paths(s)
        d = paired_differences(a, b, s)
        np.testing.assert_allclose(d["horizon_average"], pb.mean(axis=1) - pa.mean(axis=1), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(d["peak"], pb.max(axis=1) - pa.max(axis=1), rtol=1e-9, atol=1e-12)
        monthly = np.stack([pb[:, months == m].mean(axis=1) - pa[:, months == m].mean(axis=1)
                            for m in np.unique(months)], axis=1)
        np.testing.assert_allclose(d["monthly"], monthly, rtol=1e-9, atol=1e-12)
    brent = paired_differences(a, b, "brent_usd_per_bbl")["horizon_average"]
    assert brent.mean() > 0
    row = next(line for line in comparison_text([a, b], ["baseline", "maduro"]).splitlines()
               if line.startswith("maduro"))
    average_cell = re.split(r"\s{2,}", row.strip())[5]  # "avg: paired diff [90%]"
    assert average_cell.startswith("+$"), row
