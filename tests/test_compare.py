"""Paired comparisons on common random numbers: exact zeros for identical scenarios, changes only
where an added input acts, and differences.csv equal to the separate runs' differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energysim import load_scenario, simulate
from energysim.cli import main
from energysim.compare import (
    Comparison,
    check_comparable,
    differences_table,
    paired_differences,
    summarise_difference,
)
from energysim.errors import ScenarioError

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
