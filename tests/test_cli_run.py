"""End-to-end: every shipped scenario validates and runs; CLI outputs and exit codes (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from energysim.cli import main
from energysim.tables import format_odds

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_scenarios():
    names = {p.stem for p in SCENARIO_FILES}
    assert {"baseline_2026", "maduro_capture"} <= names


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_validates_and_runs(path: Path, tmp_path: Path, capsys):
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--paths", "300", "--seed", "1", "--out", str(tmp_path), "--quiet"]) == 0
    import yaml

    name = yaml.safe_load(path.read_text())["name"]
    out = tmp_path / name
    q = pd.read_csv(out / "quantiles.csv")
    assert list(q.columns) == ["date", "series", "quantile", "value"]
    assert set(q["series"]) >= {"brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal",
                                "net_supply_loss_mbd"}
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "scenario_hash", "seed", "paths", "version", "data_vintage", "series"):
        assert key in summary
    assert summary["paths"] == 300 and summary["seed"] == 1
    gas = summary["series"]["us_gasoline_usd_per_gal"]
    assert {"horizon_mean", "peak_month_p95", "thresholds"} <= set(gas)
    assert [t["level"] for t in gas["thresholds"]] == [4.0, 5.0]
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal", "us_diesel_usd_per_gal"):
        assert (out / f"fan_{s}.png").stat().st_size > 0
        assert (out / f"fan_{s}.svg").stat().st_size > 0


def test_run_prints_a_summary_table(tmp_path: Path, capsys):
    assert main(["run", str(ROOT / "scenarios/maduro_capture.yaml"), "--paths", "200", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "US regular gasoline" in out and "Brent crude" in out and "Wrote" in out


@pytest.mark.parametrize(("probability", "paths", "shown"), [
    (0.0, 20_000, "<1%"), (0.0, 100, "<3%"),  # no path reached it: under the 95 % bound, never "0%"
    (1.0, 20_000, ">99%"), (1.0, 100, ">97%"), (0.996, 20_000, ">99%"),  # never "100%"
    (0.004, 20_000, "<1%"), (0.349, 20_000, "35%"),
])
def test_the_summary_table_never_says_a_level_is_certain_or_impossible(probability, paths, shown):
    assert format_odds(probability, paths) == shown


def test_schema_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "energysim scenario"
    assert "disruptions" in schema["properties"] and "hazards" in schema["properties"]


def test_schema_written_to_a_file(tmp_path, capsys):
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "energysim scenario"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    assert main(["schema", "--out", str(tmp_path / "missing" / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'missing' / 's.json'}: No such file or directory\n"


@pytest.mark.parametrize("text, fragment", [
    ("name: x\ndisruptons: []\n", "did you mean 'disruptions'"),
    ("name: x\nhorizon:\n  start: 2026-05-01\n  end: 2026-01-01\n", "end must be after start"),
    ("name: x\nsimulation: {paths: 0}\n", "simulation.paths"),
    ("name: x\nmarket:\n  volatility_annual: {dist: triangle, low: 0, mode: 1, high: 2}\n", "unknown distribution"),
    ("name: x\n  bad: [\n", "YAML syntax error"),
    ("- a\n- b\n", "top level must be a mapping"),
])
def test_bad_files_exit_2_with_one_line_per_problem(write_yaml, capsys, tmp_path, text, fragment):
    path = write_yaml(text)
    out_dir = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err
    assert str(path) in err
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_error_names_the_line_and_key(write_yaml, capsys):
    path = write_yaml("name: x\nmarket:\n  world_demand_mbd: -3\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:3: market.world_demand_mbd:")
    assert "> 0" in err


def test_missing_file_and_bad_options(capsys, tmp_path):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["run", str(ROOT / "scenarios/baseline_2026.yaml"), "--paths", "0"]) == 2
    assert main(["run", str(ROOT / "scenarios/baseline_2026.yaml"), "--seed", "-1"]) == 2


def test_errors_of_options_and_arguments_have_no_file_prefix(tmp_path, capsys):
    """An error that is about no file (an option, the count of arguments) starts with what is wrong,
    not with a made-up location."""
    baseline = str(ROOT / "scenarios/baseline_2026.yaml")
    assert main(["run", baseline, "--format", "bogus", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == ("error: --format: unknown output format; give a comma-separated list of "
                                       "png, svg, html, md (given: 'bogus')\n")
    assert not (tmp_path / "out").exists()
    assert main(["run", baseline, "--paths", "64", "--seed", "1", "--format", "md", "--out", str(tmp_path),
                 "--quiet"]) == 0
    assert main(["report", str(tmp_path / "baseline_2026"), "--format", "png,gif"]) == 2
    assert capsys.readouterr().err.startswith("error: --format: unknown output format; ")
    assert main(["compare", baseline]) == 2
    assert capsys.readouterr().err == "error: compare needs at least two scenario files (given: 1)\n"
    assert main(["run", baseline, "--gasoline-gal-per-month", "-3", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: --gasoline-gal-per-month: a monthly fuel amount must be ")


@pytest.mark.parametrize("argv", [
    ["run", "my_case"], ["run", "my_case.yaml"], ["validate", "my_case"], ["run", "scenarios/my_case"],
    ["compare", "my_case", "scenarios/my_case.yaml"], ["diff", "scenarios/my_case.yaml", "my_case"],
])
def test_missing_scenario_suggests_the_file_in_scenarios(argv, tmp_path, monkeypatch, capsys):
    """A scenario named without its folder or suffix: the one-line error suggests the file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "my_case.yaml").write_text("name: my_case\n", encoding="utf-8")
    given = next(a for a in argv[1:] if a != "scenarios/my_case.yaml")
    assert main(argv + (["--out", str(tmp_path / "out")] if argv[0] == "run" else [])) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {given}: ") and len(err.splitlines()) == 1, err
    assert err.endswith(f"file not found; did you mean {Path('scenarios/my_case.yaml')}?\n"), err
    assert not (tmp_path / "out").exists()


def test_missing_file_without_a_likely_one_has_no_suggestion(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "my_case"]) == 2
    assert capsys.readouterr().err == "error: my_case: file not found\n"


def test_summary_table_columns_stay_apart_for_values_of_any_width(write_yaml, tmp_path, capsys):
    """Prices of seven digits and more: every column is still two spaces or more from the next."""
    import re

    path = write_yaml("name: huge\nmarket:\n  baseline: {constant_usd_per_bbl: 1234567}\n  volatility_annual: 0\n"
                      "  long_term_volatility_annual: 0\n")
    assert main(["run", str(path), "--paths", "64", "--format", "md", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("series"))
    table = lines[start:start + 5]
    assert table[1] == "-" * len(table[0])
    cells = [re.split(r" {2,}", line) for line in [table[0], *table[2:]]]
    assert [len(c) for c in cells] == [6, 6, 6, 6], table
    brent = next(c for c in cells if c[0] == "Brent crude")
    assert brent[1:4] == ["$1,234,567"] * 3 and brent[4].startswith("$1,234,567 (")


def test_comparison_columns_stay_apart_for_values_of_any_width(write_yaml, tmp_path, capsys):
    import re

    small = write_yaml("name: small\nmarket:\n  baseline: {constant_usd_per_bbl: 60}\n", name="small.yaml")
    huge = write_yaml("name: huge\nmarket:\n  baseline: {constant_usd_per_bbl: 1234567}\n", name="huge.yaml")
    assert main(["compare", str(small), str(huge), "--paths", "64", "--out", str(tmp_path / "cmp")]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith(("scenario", "small", "huge"))]
    assert len(rows) == 9, lines
    for line in rows:
        assert len(re.split(r" {2,}", line)) == (6 if line.startswith("small") else 7), line


def test_summary_table_names_a_fuel_by_its_label(write_yaml, tmp_path, capsys):
    baseline = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline_2026.yaml")
    path = write_yaml(f"name: labelled\nextends: {baseline}\nfuels:\n  us_gasoline:\n    label: My town's gasoline\n")
    assert main(["run", str(path), "--paths", "64", "--format", "md", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "My town's gasoline " in out and "us_gasoline_usd_per_gal" not in out
