"""The scenario library: every file valid, sourced and runnable; the directions its README claims
hold on paired differences; compare / diff / list work on the whole library and fail cleanly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from energysim import load_scenario, simulate
from energysim.cli import main
from energysim.scenario.yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))
PATHS = 600
SEED = 5


def _avg(name: str, series: str = "brent_usd_per_bbl") -> np.ndarray:
    r = simulate(load_scenario(SCENARIOS / f"{name}.yaml"), paths=PATHS, seed=SEED, workers=1)
    return r.path_mean[series]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_scenario_is_valid_sourced_and_runs(path: Path) -> None:
    loaded = load_scenario(path)
    sc = loaded.scenario
    assert sc.name == path.stem
    assert sc.title and sc.description and sc.sources
    raw, _ = read_yaml(path)
    if sc.name != "baseline_2026":
        assert raw.get("extends") in ("baseline_2026.yaml", "maduro_capture.yaml")
    r = simulate(loaded, paths=200, seed=1, workers=1)
    for s in r.series:
        assert np.all(np.isfinite(r.path_mean[s]))
    assert 20 < float(np.median(r.path_mean["brent_usd_per_bbl"])) < 150


def test_readme_lists_every_scenario() -> None:
    text = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    for p in FILES:
        assert f"`{p.name}`" in text, p.name


def test_library_directions_hold_on_paired_differences() -> None:
    base, maduro = _avg("baseline_2026"), _avg("maduro_capture")
    assert np.mean(maduro - base) > 0
    for worse in ("contested_transition", "regional_escalation", "tight_market_shock"):
        assert np.mean(_avg(worse) - maduro) > 0, worse
    relief = _avg("sanctions_relief")
    assert np.mean(relief - base) < 0  # a supply gain: prices below the baseline on average
    loss = _avg("sanctions_relief", "net_supply_loss_mbd")
    assert np.mean(loss) < 0


def test_compare_diff_and_list_on_the_whole_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lib"
    assert main(["compare", *map(str, FILES), "--paths", "150", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for p in FILES:
        assert p.stem in printed
    names = {f.name for f in out.iterdir()}
    assert {"comparison.csv", "differences.csv", "monthly_differences.csv", "medians_overlay.png",
            "medians_overlay.svg", "fans_us_diesel_usd_per_gal.png", "differences.png", "differences.svg"} <= names
    for p in FILES:
        parent = read_yaml(p)[0].get("extends")
        if parent:
            assert main(["diff", str(SCENARIOS / parent), str(p)]) == 0
            text = capsys.readouterr().out
            assert "same assumptions" not in text and " difference" in text, p.name  # each child changes something
    assert main(["diff", str(SCENARIOS / "maduro_capture.yaml"), str(SCENARIOS / "tight_market_shock.yaml")]) == 0
    text = capsys.readouterr().out
    assert "responses.spare_capacity.available_mbd" in text and "uniform(low=1.35, high=2.3)" in text
    assert "disruptions[" not in text  # inherited unchanged: not a difference
    assert main(["list", str(SCENARIOS)]) == 0
    text = capsys.readouterr().out
    for p in FILES:
        assert p.name in text
        sc = load_scenario(p).scenario
        assert sc.title in text


def test_diff_of_a_scenario_with_itself_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    f = str(SCENARIOS / "maduro_capture.yaml")
    assert main(["diff", f, f]) == 0
    assert "same assumptions" in capsys.readouterr().out


def _no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("case", ["missing", "invalid", "one_file", "horizon"])
def test_bad_input_gives_one_line_errors_and_no_folder(case: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    good = str(SCENARIOS / "baseline_2026.yaml")
    bad = tmp_path / "bad.yaml"
    if case == "invalid":
        bad.write_text(f"name: bad\nextends: {SCENARIOS / 'maduro_capture.yaml'}\nmarket:\n  volatilty_annual: 0.3\n",
                       encoding="utf-8")
    elif case == "horizon":
        bad.write_text(f"name: bad\nextends: {SCENARIOS / 'baseline_2026.yaml'}\nhorizon: {{end: 2026-06-30}}\n",
                       encoding="utf-8")
    out_parent = tmp_path / "reports"
    out = out_parent / "cmp"
    argv = ["compare", good] + ([] if case == "one_file" else [str(bad)]) + ["--paths", "50", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    assert {"missing": "not found", "invalid": "volatility_annual", "one_file": "at least two",
            "horizon": "horizon"}[case] in err[0]
    assert not out.exists()
    assert _no_leftovers(out_parent) == []


def test_diff_and_list_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(SCENARIOS / "baseline_2026.yaml"), str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.yaml" in err[0]
    assert main(["list", str(tmp_path / "no_such_dir")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such folder" in err[0]
