"""The backtest: episode files, the observed: checks, scoring, coverage and the CLI."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from energysim import backtest as bt
from energysim.cli import main
from energysim.errors import ScenarioError

EPISODES = bt.episode_files()
MODEL_NOTES_EPISODES = {"embargo_1973", "kuwait_1990", "pdvsa_strike_2002", "iraq_war_2003", "katrina_rita_2005",
                        "libya_2011", "russia_ukraine_2022", "pdvsa_sanctions_2019"}


def test_one_file_per_model_notes_episode() -> None:
    names = {bt.load_episode(f).name for f in EPISODES}
    assert names == MODEL_NOTES_EPISODES


@pytest.mark.parametrize("path", EPISODES, ids=[p.stem for p in EPISODES])
def test_episode_validates_and_runs(path: Path) -> None:
    ep = bt.load_episode(path)
    assert ep.observed and all(o.source for o in ep.observed)
    rows = bt.run_episode(ep, paths=200)
    assert len(rows) == len(ep.observed)
    for r in rows:
        assert all(math.isfinite(v) for v in (r.observed_pct, r.p5_pct, r.p50_pct, r.p95_pct))
        assert r.p5_pct <= r.p50_pct <= r.p95_pct
        assert r.inside == (r.p5_pct <= r.observed_pct <= r.p95_pct)


def test_score_on_known_distribution() -> None:
    model = np.arange(0.0, 101.0)  # quantiles 5, 50, 95 exactly
    assert bt.score(50.0, model) == (5.0, 50.0, 95.0, True)
    assert bt.score(4.9, model)[3] is False
    assert bt.score(95.0, model)[3] is True
    assert bt.score(95.1, model)[3] is False


def _row(obs: float, lo: float, hi: float) -> bt.Row:
    return bt.Row("e", "h", "2000-01-01", 0, "", obs, lo, (lo + hi) / 2, hi, lo <= obs <= hi)


def test_coverage_and_sharpness_on_constructed_case() -> None:
    rows = [_row(10, 0, 20), _row(30, 0, 20), _row(-5, -10, 30), _row(50, 0, 40), _row(1, 0, 100)]
    assert bt.coverage(rows) == pytest.approx(3 / 5)
    assert bt.sharpness(rows) == pytest.approx(40.0)  # widths 20, 20, 40, 40, 100
    text = bt.format_table(rows)
    assert "coverage 60% of 5 observations" in text and "40 percentage points" in text
    with pytest.raises(ValueError):
        bt.coverage([])


def _bad_copy(tmp_path: Path, old: str, new: str) -> Path:
    src = bt.EPISODES_DIR() / "2005_katrina_rita.yaml"
    text = src.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "bad.yaml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_observation_outside_horizon_is_one_line_error(tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path, "date: 2005-10-31", "date: 2006-03-01")
    with pytest.raises(ScenarioError) as exc:
        bt.load_episode(bad)
    msg = str(exc.value)
    assert "\n" not in msg and "bad.yaml" in msg and "observed[2].date" in msg and "outside the horizon" in msg


def test_missing_source_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _bad_copy(tmp_path, '    source: "EIA Brent daily spot (data/brent-daily.csv)"\n', "")
    with pytest.raises(ScenarioError) as exc:
        bt.load_episode(bad)
    msg = str(exc.value)
    assert "\n" not in msg and "bad.yaml" in msg and "observed[1].source" in msg
    assert main(["backtest", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "observed[1].source" in err[0]
    assert not (tmp_path / "out").exists()


def test_days_after_start_and_pct_change(tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path, "  - date: 2005-08-30\n    price_usd_per_bbl: 66.15",
                    "  - days: 8\n    pct_change: 6.9")
    ep = bt.load_episode(bad)
    assert str(ep.observed[0].date) == "2005-08-30" and ep.observed[0].pct_change == 6.9
    bad2 = _bad_copy(tmp_path, "  - date: 2005-08-30\n    price_usd_per_bbl: 66.15", "  - days: 400\n    pct_change: 1")
    with pytest.raises(ScenarioError, match=r"observed\[0\]\.days"):
        bt.load_episode(bad2)


def test_cli_writes_table_chart_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ep = tmp_path / "ep.yaml"
    shutil.copy(bt.EPISODES_DIR() / "2011_libya.yaml", ep)
    out = tmp_path / "bt"
    assert main(["backtest", str(ep), "--paths", "200", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"backtest.csv", "backtest.md", "backtest.json", "backtest.png"}
    assert "coverage" in capsys.readouterr().out


@pytest.mark.parametrize("given", ["kuwait_1990", "1990_iraq_kuwait", "1990_iraq_kuwait.yaml"])
def test_episode_found_by_the_name_the_table_shows_or_its_file_name(given: str) -> None:
    assert bt.find_episode(given) == bt.EPISODES_DIR() / "1990_iraq_kuwait.yaml"


def test_episode_given_as_a_file_is_taken_as_it_is(tmp_path: Path) -> None:
    ep = tmp_path / "kuwait_1990"
    shutil.copy(bt.EPISODES_DIR() / "1990_iraq_kuwait.yaml", ep)
    assert bt.find_episode(ep) == ep


def test_unknown_episode_lists_the_episode_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ScenarioError) as exc:
        bt.find_episode("kuwait_199")
    [problem] = exc.value.problems
    assert problem.file == "kuwait_199" and "did you mean kuwait_1990?" in problem.rule
    assert all(name in problem.rule for name in MODEL_NOTES_EPISODES)
    assert main(["backtest", "kuwait_1990", "no_such_episode", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no_such_episode: no such episode file or episode name (")
    assert all(name in err[0] for name in MODEL_NOTES_EPISODES)
    assert not (tmp_path / "out").exists()


def test_cli_runs_an_episode_given_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bt"
    assert main(["backtest", "kuwait_1990", "--paths", "100", "--out", str(out)]) == 0
    assert "kuwait_1990" in capsys.readouterr().out
    assert json.loads((out / "backtest.json").read_text())["episodes"] == [
        str(bt.EPISODES_DIR() / "1990_iraq_kuwait.yaml")]
