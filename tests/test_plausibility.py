"""Notes on volumes beyond the historical record: kb/d written for mb/d below world demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from energysim.cli import main
from energysim.scenario import load_scenario
from energysim.scenario.plausibility import LARGEST_LOSS_ON_RECORD_MBD, notes, volatility_notes, volume_notes

ROOT = Path(__file__).resolve().parents[1]
PARENT = ROOT / "scenarios" / "maduro_capture.yaml"


def _child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(f"name: child\nextends: {PARENT}\n{body}", encoding="utf-8")
    return path


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_shipped_scenarios_stay_within_the_record(path: Path) -> None:
    assert notes(load_scenario(path)) == []


def test_a_volume_beyond_the_record_is_noted_at_its_line_with_the_kb_per_day_reading(tmp_path: Path) -> None:
    path = _child(tmp_path, "hazards:\n  - name: caribbean_shipping_incidents\n    volume_mbd: 50\n"
                            "disruptions:\n  - name: glut\n    start: 2026-05-01\n"
                            "    volume_mbd: {dist: uniform, low: -6, high: -1}\n    duration_days: 20\n"
                            "  - name: at_record\n    start: 2026-06-01\n"
                            f"    volume_mbd: {LARGEST_LOSS_ON_RECORD_MBD}\n    duration_days: 20\n")
    notes = volume_notes(load_scenario(path))
    assert [(n.line, n.key) for n in notes] == [(9, "disruptions[glut].volume_mbd"),
                                               (5, "hazards[caribbean_shipping_incidents].volume_mbd")]
    assert "a range reaching -6 mb/d" in notes[0].text and "write -0.006" in notes[0].text
    assert notes[1].text.startswith("50 mb/d per incident is more than the largest supply loss on record (4.3 mb/d")
    assert notes[1].format() == f"{path}:5: note: hazards[caribbean_shipping_incidents].volume_mbd: {notes[1].text}"
    assert "\n" not in notes[1].format()


def test_run_validate_and_compare_print_the_note_and_go_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _child(tmp_path, "hazards:\n  - name: caribbean_shipping_incidents\n    volume_mbd: 50\n")
    expected = f"{path}:5: note: hazards[caribbean_shipping_incidents].volume_mbd: 50 mb/d per incident"
    assert main(["validate", str(path)]) == 0
    assert expected in capsys.readouterr().err
    assert main(["run", str(path), "--paths", "200", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert expected in capsys.readouterr().err
    assert (tmp_path / "out" / "child" / "summary.json").is_file()
    assert main(["compare", str(PARENT), str(path), "--paths", "200", "--out", str(tmp_path / "cmp")]) == 0
    err = capsys.readouterr().err
    assert err.count(expected) == 1 and str(PARENT) not in err


def test_the_volatility_record_is_the_highest_52_week_volatility_of_the_shipped_brent() -> None:
    import numpy as np

    from energysim import data
    from energysim.scenario.defaults import brent_volatility_record

    weekly = data.brent_weekly()
    rolling = np.log(weekly).diff().rolling(52).std() * np.sqrt(52)
    record, week = brent_volatility_record()
    assert record == pytest.approx(float(rolling.max()), rel=1e-9) and week == str(rolling.idxmax().date())
    assert 0.5 < record < 1.5  # the 2020 collapse; a sanity range, not the oracle


def test_a_volatility_written_as_a_percentage_is_noted(tmp_path: Path) -> None:
    path = _child(tmp_path, "market:\n  volatility_annual: 35\n  long_term_volatility_annual: 0.3\n")
    found = volatility_notes(load_scenario(path))
    assert [(n.line, n.key) for n in found] == [(4, "market.volatility_annual")]
    assert found[0].text.startswith("35 is more than the highest 52-week volatility of weekly Brent")
    assert "35 % is 0.35" in found[0].text
