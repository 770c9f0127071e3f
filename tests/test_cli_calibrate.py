"""``energysim calibrate``: writes the calibration and prints the key fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energysim import data
from energysim.cli import main


def test_calibrate_writes_json_identical_to_shipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "calibration.json"
    assert main(["calibrate", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    fitted = json.loads(out.read_text(encoding="utf-8"))
    assert fitted == data.calibration()  # the shipped file is what the command writes
    b = fitted["brent"]
    assert f"{b['volatility_annual']:.3f}" in printed and f"{b['long_term_volatility_annual']:.3f}" in printed
    assert "held-out" in printed and "naive" in printed
    for key, f in fitted["fuels"].items():  # the summary gives the shipped model's error and the fit's s.e.
        block = printed.split(f"{key} pass-through", 1)[1]
        lv, se = f["level"], f["train"]["std_errors"]
        assert f"{lv['rolling_mean_mae_recent_cents_per_gal']:.1f} c/gal with the recent level" in block
        assert f"(s.e. {se['slope'] * 100 / 42:.2f}; 1/42 = 2.38)" in block
        assert ("at its lower bound" in block.split("tau down")[0]) == f["train"]["tau_at_bound"]["tau_up_weeks"]
    # the long-term factor closes the gap between the OU's one-year spread and history
    lt = b["long_term"]
    assert lt["one_year_sd_from_known_start"] == pytest.approx(lt["sd_52_week_log_change"], rel=0.15)


def test_calibrate_bad_data_dir_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--data-dir", str(tmp_path), "--out", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c.json").exists()
