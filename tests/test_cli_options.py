"""Command-line options and outputs: the same limits as the scenario file, errors that name the
option or file at fault, and commands that write nothing when an input is bad."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from energysim.cli import main
from energysim.cli_options import MAX_PATHS, MAX_SEED, blamed_on_options
from energysim.errors import Problem, ScenarioError
from energysim.scenario.jsonschema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
MADURO = ROOT / "scenarios" / "maduro_capture.yaml"


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- gallery: everything checked before anything is written ----------------------------------

def _gallery_sources(tmp_path: Path, broken: dict[str, str]) -> Path:
    sc_dir = tmp_path / "scenarios"
    sc_dir.mkdir()
    (sc_dir / "baseline_2026.yaml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in broken.items():
        (sc_dir / name).write_text(text, encoding="utf-8")
    return sc_dir


def test_gallery_with_an_invalid_scenario_writes_nothing_and_reports_every_problem(tmp_path, capsys) -> None:
    sc_dir = _gallery_sources(tmp_path, {
        "c_broken.yaml": "name: c_broken\nextends: baseline_2026.yaml\nmarket: {volatility_annual: -1}\n",
        "d_broken.yaml": "name: d_broken\nextends: baseline_2026.yaml\nsimulation: {paths: 0}\n"})
    out = tmp_path / "gallery"
    out.mkdir()
    (out / "README.md").write_text("the previous gallery")
    before = _tree(out)
    assert main(["gallery", "--scenarios", str(sc_dir), "--out", str(out), "--paths", "200"]) == 2
    captured = capsys.readouterr()
    assert "c_broken.yaml" in captured.err and "volatility_annual" in captured.err
    assert "d_broken.yaml" in captured.err and "simulation.paths" in captured.err
    assert captured.out == ""  # no chart drawn
    assert _tree(out) == before and sorted(p.name for p in out.iterdir()) == ["README.md"]


def test_gallery_keeps_other_files_of_its_folder(tmp_path, capsys) -> None:
    sc_dir = _gallery_sources(tmp_path, {})
    out = tmp_path / "gallery"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / ".keep").write_text("")
    assert main(["gallery", "--scenarios", str(sc_dir), "--out", str(out), "--paths", "200"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".keep", "README.md", "baseline_2026_us_gasoline_usd_per_gal.png",
                                                     "notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"


def test_gallery_paths_error_once_and_missing_scenario_folder(tmp_path, capsys) -> None:
    sc_dir = _gallery_sources(tmp_path, {"other.yaml": BASELINE.read_text().replace("baseline_2026", "other")})
    assert main(["gallery", "--scenarios", str(sc_dir), "--out", str(tmp_path / "g"), "--paths", "0"]) == 2
    err = _error(capsys)
    assert "--paths" in err and "simulation.paths" not in err
    assert main(["gallery", "--scenarios", str(tmp_path / "nothere"), "--out", str(tmp_path / "g")]) == 2
    err = _error(capsys)
    assert "nothere" in err and "no such folder" in err
    assert not (tmp_path / "g").exists()


# --- --paths and --seed: the limits of the scenario file ---------------------------------------

def test_option_limits_are_the_schema_s() -> None:
    sim = scenario_json_schema()["$defs"]["Simulation"]["properties"]
    assert (sim["paths"]["minimum"], sim["paths"]["maximum"]) == (1, MAX_PATHS)
    assert (sim["seed"]["minimum"], sim["seed"]["maximum"]) == (0, MAX_SEED)


@pytest.mark.parametrize("args", [
    ["run", str(BASELINE)],
    ["compare", str(BASELINE), str(BASELINE)],
    ["backtest", "kuwait_1990"],
])
def test_seed_beyond_the_file_s_limit_is_refused_on_every_command(args, tmp_path, capsys) -> None:
    assert main([*args, "--seed", str(MAX_SEED + 1), "--out", str(tmp_path / "o")]) == 2
    err = _error(capsys)
    assert "--seed" in err and "whole number from 0 to 9,223,372,036,854,775,807" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["run", "compare", "gallery"])
def test_paths_help_shows_the_range(command, capsys) -> None:
    assert main([command, "--help"]) == 0
    assert f"1<=x<={MAX_PATHS}" in capsys.readouterr().out


def test_paths_beyond_the_limit_names_the_option(tmp_path, capsys) -> None:
    assert main(["run", str(MADURO), "--paths", "10000000000", "--out", str(tmp_path)]) == 2
    err = _error(capsys)
    assert "'--paths'" in err and "from 1 to 50,000,000" in err and "simulation.paths" not in err
    assert main(["run", str(MADURO), "--paths", "many", "--out", str(tmp_path)]) == 2
    assert "must be a whole number" in _error(capsys)


def test_simulation_problems_are_blamed_on_the_option_that_set_the_value() -> None:
    exc = ScenarioError([Problem("maduro_capture", None, "simulation.paths", "too many for memory", "10"),
                         Problem("maduro_capture", None, "market", "bad", None)])
    blamed = blamed_on_options(exc, MADURO, "maduro_capture", paths=10, seed=None).problems
    assert blamed[0] == Problem(None, None, "--paths", "too many for memory", "10")
    assert blamed[1].file == str(MADURO)
    from_file = blamed_on_options(exc, MADURO, "maduro_capture", paths=None, seed=None).problems
    assert from_file[0].file == str(MADURO) and from_file[0].key == "simulation.paths"


# --- --out --------------------------------------------------------------------------------------

def test_empty_out_is_refused(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["run", str(BASELINE), "--paths", "50"], ["schema"], ["gallery"]):
        assert main([*args, "--out", ""]) == 2
        assert "--out" in _error(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("out", ["/proc/xyz", "/proc/self"])
def test_out_where_the_system_refuses_to_write(out, capsys) -> None:
    """/proc passes os.access for root but refuses folders and files: the error names --out,
    the path given and what to do, not the hidden temporary folder."""
    assert main(["run", str(BASELINE), "--paths", "50", "--quiet", "--out", out]) == 2
    err = _error(capsys)
    assert err.startswith(f"error: {out}: --out: ") and "choose another --out" in err
    assert ".tmp-" not in err and ("cannot write there" in err or "not writable" in err)


def test_a_write_failing_in_the_temporary_folder_names_the_target(tmp_path) -> None:
    from energysim.runio import atomic_folder

    target = tmp_path / "report"
    with pytest.raises(OSError) as info, atomic_folder(target) as tmp:
        raise OSError(28, "No space left on device", str(tmp / "chart.png"))
    assert info.value.filename == str(target / "chart.png") and not target.exists()


@pytest.mark.parametrize("option", ["--gasoline-gal-per-month", "--diesel-gal-per-month"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_fuel_amounts_must_be_finite(option, value, tmp_path, capsys) -> None:
    assert main(["run", str(BASELINE), "--paths", "50", "--out", str(tmp_path), option, value]) == 2
    err = _error(capsys)
    assert option in err and "finite number" in err
    assert list(tmp_path.iterdir()) == []


# --- report of a damaged run folder --------------------------------------------------------------

@pytest.mark.parametrize("damaged", ["scenario.json", "results.npz"])
def test_report_names_the_damaged_file(damaged, tmp_path, capsys) -> None:
    assert main(["run", str(BASELINE), "--paths", "200", "--quiet", "--format", "md", "--out", str(tmp_path)]) == 0
    run_dir = tmp_path / "baseline_2026"
    (run_dir / damaged).write_bytes(b"\x00garbage{")
    before = _tree(run_dir)
    assert main(["report", str(run_dir)]) == 2
    err = _error(capsys)
    assert err.startswith(f"error: {run_dir / damaged}: damaged or unreadable")
    assert "energysim run" in err and "pickle" not in err
    assert _tree(run_dir) == before


# --- backtest, diff, list ------------------------------------------------------------------------

def test_an_episode_given_twice_is_run_once(tmp_path, capsys) -> None:
    out = tmp_path / "bt"
    assert main(["backtest", "kuwait_1990", "kuwait_1990", "--paths", "100", "--out", str(out)]) == 0
    assert "given more than once" in capsys.readouterr().err
    twice = json.loads((out / "backtest.json").read_text())
    assert main(["backtest", "kuwait_1990", "--paths", "100", "--out", str(out), "--quiet"]) == 0
    once = json.loads((out / "backtest.json").read_text())
    assert len(twice["episodes"]) == 1 and twice["rows"] == once["rows"]


def test_diff_shortens_both_columns_alike(tmp_path, capsys) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(f"name: a\nextends: {BASELINE}\ndescription: {'short'}\n")
    b.write_text(f"name: b\nextends: {BASELINE}\ndescription: {'long words ' * 20}\n")
    assert main(["diff", str(a), str(b), "--all"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("description"))
    shown_b = line.split("short", 1)[1].strip()
    assert shown_b.endswith("...") and len(shown_b) == 48


def test_diff_shows_in_full_values_that_differ_past_the_columns(tmp_path, capsys) -> None:
    common = "  - name: pdvsa_transition\n    duration_days: {dist: choice, values: [30, 75, 240], weights: "
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    maduro = ROOT / "scenarios" / "maduro_capture.yaml"
    a.write_text(f"name: a\nextends: {maduro}\ndisruptions:\n{common}[0.35, 0.45, 0.2]}}\n")
    b.write_text(f"name: b\nextends: {maduro}\ndisruptions:\n{common}[0.35, 0.4, 0.25]}}\n")
    assert main(["diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "weights=[0.35, 0.45, 0.2]" in out and "weights=[0.35, 0.4, 0.25]" in out, out
    assert "1 difference." in out


def test_list_shows_what_an_invalid_file_extends(tmp_path, capsys) -> None:
    (tmp_path / "bad.yaml").write_text(f"name: bad\nextends: {BASELINE}\nmarket: {{volatility_annual: -1}}\n")
    (tmp_path / "worse.yaml").write_text("name: [unclosed\n")
    assert main(["list", str(tmp_path)]) == 0
    lines = {x.split()[0]: x for x in capsys.readouterr().out.splitlines()[2:]}
    assert str(BASELINE) in lines["bad.yaml"]
    assert lines["worse.yaml"].split()[1:3] == ["(invalid)", "-"]


def test_list_shows_each_scenario_s_name_next_to_its_file(tmp_path, capsys) -> None:
    """The name (which names the report folder and the label in a comparison) can differ from the file's."""
    (tmp_path / "my_case.yaml").write_text(f"name: lane_closure\nextends: {BASELINE}\n")
    assert main(["list", str(tmp_path)]) == 0
    header, _, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["file", "name", "extends", "title"]
    assert row.split()[:3] == ["my_case.yaml", "lane_closure", str(BASELINE)]


# --- the benchmark script ------------------------------------------------------------------------

def test_a_quick_benchmark_does_not_replace_the_committed_results() -> None:
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "bench_engine.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    committed = ROOT / "benchmarks" / "results.json"
    assert bench.default_output(quick=False) == committed
    quick = bench.default_output(quick=True)
    assert quick != committed and quick.parent == committed.parent
    assert f"benchmarks/{quick.name}" in (ROOT / ".gitignore").read_text().split()


def test_out_through_a_folder_to_be_made_and_back(tmp_path, capsys, monkeypatch) -> None:
    """`new/../reports`: the check makes and removes `new` as a run would, without refusing."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--paths", "50", "--quiet", "--format", "md", "--out", "new/../reports"]) == 0
    assert (tmp_path / "reports" / "baseline_2026" / "report.md").is_file()


def test_paired_differences_that_round_to_zero_have_no_sign() -> None:
    from energysim.cli_compare import _fmt_diff

    assert _fmt_diff("brent_usd_per_bbl", -0.04) == "$0.0"
    assert _fmt_diff("us_gasoline_usd_per_gal", -0.001) == "$0.00"
    assert _fmt_diff("brent_usd_per_bbl", -0.06) == "-$0.1"
    assert _fmt_diff("us_gasoline_usd_per_gal", 0.012) == "+$0.01"
