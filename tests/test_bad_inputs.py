"""Every bad input gets a clear error: the catalogue in tests/bad_scenarios/, through the CLI
(exit 2, one line per problem naming file, line, key, rule and the value given, no traceback)
and through the Python API (ScenarioError carrying the same problems).

The catalogue's manifest is tests/bad_scenarios/expected.yaml. Inputs that should not be
committed (binary bytes, invalid UTF-8, a file of tens of megabytes) are made here in tmp_path.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import energysim
from energysim.cli import main
from energysim.errors import Problem, ScenarioError
from energysim.scenario import scenario_from_dict
from energysim.scenario.yamlio import MAX_FILE_BYTES

HERE = Path(__file__).parent
CATALOGUE = HERE / "bad_scenarios"
MANIFEST: dict[str, dict[str, Any]] = yaml.safe_load((CATALOGUE / "expected.yaml").read_text(encoding="utf-8"))
BASELINE = HERE.parent / "scenarios" / "baseline_2026.yaml"


def _matches(p: Problem, spec: dict[str, Any], scenario: Path) -> bool:
    text = p.format()
    expected_file = spec.get("file", scenario.name)
    return (
        p.file is not None and Path(p.file).name == expected_file
        and ("line" not in spec or p.line == spec["line"])
        and ("key" not in spec or p.key == spec["key"])
        and all(fragment in text for fragment in spec["expect"])
    )


def _line_matches(line: str, spec: dict[str, Any], scenario: Path) -> bool:
    where = spec.get("file", scenario.name) + (f":{spec['line']}:" if "line" in spec else ":")
    key = f" {spec['key']}: " if "key" in spec else ""
    return where in line and key in line and all(fragment in line for fragment in spec["expect"])


def test_catalogue_is_complete() -> None:
    files = sorted(p.name for p in CATALOGUE.glob("*.yaml") if p.name != "expected.yaml")
    assert len(files) >= 40
    assert files == sorted(MANIFEST), "every catalogue file needs an entry in expected.yaml, and back"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_python_api_raises_scenario_error(name: str) -> None:
    spec, path = MANIFEST[name], CATALOGUE / name
    with pytest.raises(ScenarioError) as info:
        energysim.load_scenario(path)
    problems = info.value.problems
    assert problems and all(isinstance(p, Problem) for p in problems)
    if spec.get("all"):
        text = str(info.value)
        missing = [f for f in spec["expect"] if f not in text]
        assert not missing, f"not reported: {missing}\n{text}"
        assert len(problems) >= len(spec["expect"])
    else:
        assert any(_matches(p, spec, path) for p in problems), str(info.value)


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_cli_exit_2_and_one_line_per_problem(name: str, command: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    spec, path = MANIFEST[name], CATALOGUE / name
    argv = [command, str(path)] + (["--out", str(tmp_path / "out"), "--quiet"] if command == "run" else [])
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    assert all(len(line) < 400 for line in lines)
    if spec.get("all"):
        for fragment in spec["expect"]:
            assert any(fragment in line for line in lines), f"{fragment!r} not in\n{err}"
    else:
        assert any(_line_matches(line, spec, path) for line in lines), err
    assert not (tmp_path / "out").exists(), "a bad input must not write anything"


# --- inputs made at test time ------------------------------------------------------------------


def _expect_error(path: Path, *fragments: str, capsys: pytest.CaptureFixture[str]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        energysim.load_scenario(path)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert str(path) in str(info.value)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert all(fragment in err for fragment in fragments)
    return info.value


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chart.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _expect_error(path, "not a text file", capsys=capsys)


def test_invalid_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ntitle: Caf\u00e9 au lait\n".encode("latin-1"))
    err = _expect_error(path, "not valid UTF-8", "byte 0xe9 at column 11", capsys=capsys)
    assert err.problems[0].line == 2


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: with_bom\n")
    assert energysim.load_scenario(path).scenario.name == "with_bom"


def test_huge_file_is_refused_quickly_with_bounded_memory(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.yaml"
    line = b"- {name: padding, volume_mbd: 1.0, duration_days: 30}\n"
    with path.open("wb") as fh:
        fh.write(b"name: huge\ndisruptions:\n")
        fh.write(line * (30_000_000 // len(line)))
    assert path.stat().st_size > 10 * MAX_FILE_BYTES
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        _expect_error(path, "file is too large", capsys=capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 2.0
    assert peak < 5_000_000, f"peak {peak:,} bytes: the file was read"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    _expect_error(Path("/dev/zero"), "not a regular file", capsys=capsys)


def test_validate_reports_every_problem_of_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [CATALOGUE / "many_problems.yaml", CATALOGUE / "unknown_top_key.yaml", BASELINE]
    assert main(["validate", *map(str, files)]) == 2
    out, err = capsys.readouterr()
    assert f"{BASELINE}: ok" in out
    lines = err.strip().splitlines()
    assert sum("many_problems.yaml" in line for line in lines) == 5
    assert sum("unknown_top_key.yaml" in line for line in lines) == 1


# --- command-line misuse -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "no_such_scenario.yaml"], ["no_such_scenario.yaml: file not found"]),
        (["validate", "no_such_scenario.yaml"], ["no_such_scenario.yaml: file not found"]),
        (["run", "{tmp}"], ["is a folder, expected a YAML file"]),
        (["run", str(BASELINE), "--paths", "0"], ["--paths", "whole number from 1 to 50,000,000", "0"]),
        (["run", str(BASELINE), "--paths", "-5"], ["--paths", "whole number from 1 to 50,000,000", "-5"]),
        (["run", str(BASELINE), "--paths", "lots"], ["--paths", "whole number from 1 to", "lots"]),
        (["run", str(BASELINE), "--seed", "-1"], ["--seed", "-1"]),
        (["run", str(BASELINE), "--out", "{tmp}/a_file/reports"], ["--out", "a file is in the way", "a_file"]),
        (["run", str(BASELINE), "--bogus"], ["No such option", "--bogus"]),
        (["runn", str(BASELINE)], ["No such command 'runn'"]),
    ],
)
def test_cli_misuse_is_one_line_exit_2(args: list[str], fragments: list[str], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if argv[0] == "run" and "--out" not in argv:
        argv += ["--out", str(tmp_path / "reports")]
    t0 = time.perf_counter()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    assert time.perf_counter() - t0 < 5.0, "a bad option must fail before the simulation"
    assert not (tmp_path / "reports").exists()


EPISODE = HERE.parent / "data" / "episodes" / "2011_libya.yaml"


@pytest.mark.parametrize(("args", "shown", "fragment"), [
    (["schema", "--out", "{file}/x.json"], "{file}/x.json", "cannot make the folder: a file is in the way"),
    (["schema", "--out", "{file}/sub/x.json"], "{file}/sub/x.json", "cannot make the folder: a file is in the way"),
    (["schema", "--out", "{tmp}"], "{tmp}", "is a folder, not a file"),
    (["calibrate", "--out", "{file}/x.json"], "{file}/x.json", "cannot make the folder: a file is in the way"),
    (["calibrate", "--out", "{tmp}"], "{tmp}", "is a folder, not a file"),
    (["gallery", "--out", "{file}"], "{file}", "is a file, not a folder"),
    (["gallery", "--out", "{file}/x"], "{file}/x", "cannot make the folder: a file is in the way"),
    (["backtest", str(EPISODE), "--out", "{file}"], "{file}", "is a file, not a folder"),
    (["backtest", str(EPISODE), "--out", "{file}/x"], "{file}/x", "cannot make the folder: a file is in the way"),
    (["compare", str(BASELINE), str(BASELINE), "--out", "{file}"], "{file}", "is a file, not a folder"),
    (["compare", str(BASELINE), str(BASELINE), "--out", "{file}/x"], "{file}/x", "cannot make the folder: a file is in the way"),
    (["run", str(BASELINE), "--out", "{file}"], "{file}", "is a file, not a folder"),
    (["run", str(BASELINE), "--out", "{tmp}"], "{tmp}/baseline_2026", "is a file, not a folder"),
])
def test_out_where_a_file_or_folder_is_in_the_way(args: list[str], shown: str, fragment: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Every --out: a file where a folder must go (or the reverse) is a one-line error naming the
    path given, before any work, and the file in the way is left as it was."""
    in_the_way = tmp_path / "a_file"
    in_the_way.write_text("not a folder")
    (tmp_path / "baseline_2026").write_text("a file named like the run folder")

    def fill(text: str) -> str:
        return text.replace("{file}", str(in_the_way)).replace("{tmp}", str(tmp_path))

    before = sorted(tmp_path.iterdir())
    t0 = time.perf_counter()
    code = main([fill(a) for a in args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"error: {fill(shown)}: --out: {fragment}") and len(err.splitlines()) == 1, err
    assert "choose another --out" in err and "Traceback" not in err
    assert time.perf_counter() - t0 < 5.0, "a bad --out must fail before the work"
    assert sorted(tmp_path.iterdir()) == before
    assert in_the_way.read_text() == "not a folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_out_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code = main(["run", str(BASELINE), "--paths", "10", "--quiet", "--out", str(locked / "reports")])
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2 and "not writable" in err and "Traceback" not in err


def test_paths_too_large_for_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's memory guard refuses the run up front, through the CLI, as a user error
    naming --paths (where the number came from), not the scenario's simulation.paths."""
    from energysim import memory

    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 200 * 1024**2)
    t0 = time.perf_counter()
    code = main(["run", str(BASELINE), "--paths", "5000000", "--quiet", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: --paths: ") and "memory" in err
    assert time.perf_counter() - t0 < 10.0
    assert list(tmp_path.iterdir()) == []


def test_scenario_paths_above_schema_limit_via_python_api(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: big\nsimulation:\n  paths: 60000000\n")
    with pytest.raises(ScenarioError, match=r"big.yaml:3: simulation.paths: must be <= 50,000,000 \(given: 60000000\)"):
        energysim.load_scenario(path)


def test_csv_baseline_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    """A parent's csv baseline is found next to the parent, at load and at run time alike."""
    parent_dir = tmp_path / "parents"
    parent_dir.mkdir()
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    rows = "".join(f"{m},{60 + i}\n" for i, m in enumerate(months))
    (parent_dir / "base.csv").write_text("month,usd_per_bbl\n" + rows)
    (parent_dir / "parent.yaml").write_text("name: parent\nmarket:\n  baseline:\n    csv: base.csv\n")
    (tmp_path / "child.yaml").write_text("name: child\nextends: parents/parent.yaml\n")
    loaded = energysim.load_scenario(tmp_path / "child.yaml")
    result = energysim.simulate(loaded, paths=16, seed=1)
    assert result.baseline["brent_usd_per_bbl"][0] == pytest.approx(60.0, rel=0.02)


# --- volumes larger than the world market ------------------------------------------------------


def test_volume_written_in_kbd_is_refused_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The headline scenario with its Venezuelan loss typed in kb/d (500 for 0.5 mb/d): refused by
    validate and run alike, naming the line, and nothing is written."""
    scenarios = HERE.parent / "scenarios"
    (tmp_path / "baseline_2026.yaml").write_text((scenarios / "baseline_2026.yaml").read_text(encoding="utf-8"))
    text = (scenarios / "maduro_capture.yaml").read_text(encoding="utf-8")
    old = "volume_mbd: {dist: pert, low: 0.2, mode: 0.5, high: 0.85}"
    assert text.count(old) == 1
    path = tmp_path / "maduro_capture.yaml"
    path.write_text(text.replace(old, "volume_mbd: 500"), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    demand = energysim.load_scenario(scenarios / "maduro_capture.yaml").scenario.market.world_demand_mbd.value
    expected = (f"error: {path}:{line}: disruptions[pdvsa_transition].volume_mbd: 500 mb/d is more than world demand "
                f"({demand:g} mb/d); volumes are in million barrels per day (500 kb/d = 0.5)\n")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err == expected
    assert main(["run", str(path), "--paths", "64", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == expected
    assert not (tmp_path / "out").exists()


def _with_volume(volume: Any, demand: Any = 100.0, kind: str = "disruptions") -> dict[str, Any]:
    event = {"name": "e", "volume_mbd": volume, "duration_days": 30}
    event.update({"start": "2026-02-01"} if kind == "disruptions" else {"rate_per_year": 2})
    return {"name": "x", "market": {"world_demand_mbd": demand}, kind: [event]}


@pytest.mark.parametrize(("volume", "demand"), [
    (100.0, 100.0),                                          # the whole market: extreme, not impossible
    (-100.0, 100.0),                                         # a gain as large as the market
    ({"dist": "uniform", "low": -100, "high": 100}, 100.0),
    (105.0, {"dist": "uniform", "low": 100, "high": 110}),   # within the range of an uncertain demand
    ({"dist": "normal", "mean": 1.0, "sd": 0.5}, 100.0),     # unbounded: its central value counts
    ({"dist": "lognormal", "median": 1.0, "p90": 3.0}, 100.0),
    (150.0, {"dist": "normal", "mean": 100.0, "sd": 5.0, "low": 90}),  # a demand with no upper bound
])
@pytest.mark.parametrize("kind", ["disruptions", "hazards"])
def test_volumes_up_to_world_demand_are_accepted(volume: Any, demand: Any, kind: str) -> None:
    scenario_from_dict(_with_volume(volume, demand, kind))


@pytest.mark.parametrize(("volume", "demand", "fragment"), [
    (100.5, 100.0, "100.5 mb/d is more than world demand (100 mb/d);"),
    (-250.0, 100.0, "-250 mb/d is more than world demand (100 mb/d) in size;"),
    ({"dist": "choice", "values": [0.5, 900]}, 100.0, "a range reaching 900 mb/d"),
    ({"dist": "normal", "mean": 1.0, "sd": 0.1, "low": -150, "high": 2}, 100.0, "a range reaching -150 mb/d"),
    (111.0, {"dist": "uniform", "low": 100, "high": 110}, "more than world demand (at most 110 mb/d)"),
    ({"dist": "lognormal", "median": 500.0, "p90": 900.0}, 100.0, "a central value of 500 mb/d"),
    ({"dist": "normal", "mean": -300.0, "sd": 10.0}, 100.0, "a central value of -300 mb/d"),
])
@pytest.mark.parametrize("kind", ["disruptions", "hazards"])
def test_volumes_above_world_demand_are_refused(volume: Any, demand: Any, fragment: str, kind: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_with_volume(volume, demand, kind))
    [problem] = info.value.problems
    assert problem.key == f"{kind}[e].volume_mbd"
    assert fragment in problem.rule and "volumes are in million barrels per day" in problem.rule


# --- Python API arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "key", "fragment"), [
    ({"paths": 2.9}, "paths", "whole number (an int) for paths, not a float"),
    ({"paths": 2.0}, "paths", "not a float"),
    ({"paths": True}, "paths", "not a bool"),
    ({"paths": "100"}, "paths", "not a str"),
    ({"paths": 0}, "paths", "at least 1"),
    ({"seed": 1.9}, "seed", "whole number (an int) for seed, not a float"),
    ({"seed": False}, "seed", "not a bool"),
    ({"seed": -1}, "seed", "at least 0"),
    ({"seed": 2**63}, "seed", "at most 2^63 - 1"),
    ({"seed": 2**64}, "seed", "at most 2^63 - 1"),
    ({"keep_paths": "no"}, "keep_paths", "True, False or None"),
    ({"keep_paths": 0}, "keep_paths", "not an int"),
    ({"progress": 5}, "progress", "a function progress(done_paths, total_paths) or None for progress, not an int"),
    ({"workers": 0}, "workers", "at least 1"),
    ({"workers": -2}, "workers", "at least 1"),
    ({"workers": 1.5}, "workers", "not a float"),
    ({"chunk_blocks": 0}, "chunk_blocks", "at least 1"),
])
def test_simulate_refuses_bad_arguments(kwargs: dict[str, Any], key: str, fragment: str) -> None:
    sc = energysim.load_scenario(BASELINE)
    with pytest.raises(ScenarioError) as info:
        energysim.simulate(sc, **kwargs)
    [problem] = info.value.problems
    assert problem.key == key and fragment in problem.rule, problem.format()
    assert problem.given == repr(kwargs[key])


def test_simulate_takes_numpy_integers() -> None:
    sc = energysim.load_scenario(BASELINE)
    result = energysim.simulate(sc, paths=np.int64(8), seed=np.int64(3), workers=np.int32(1))
    assert result.n_paths == 8 and result.metadata["seed"] == 3


@pytest.fixture(scope="module")
def small_result() -> Any:
    return energysim.simulate(energysim.load_scenario(BASELINE), paths=16, seed=1, keep_paths=False)


@pytest.mark.parametrize(("threshold", "fragment"), [
    (float("nan"), "finite"), (float("inf"), "finite"), (-float("inf"), "finite"),
    ("100", "not a str"), (True, "not a bool"), (None, "not a NoneType"),
])
def test_threshold_probability_refuses_what_is_not_a_price(small_result: Any, threshold: Any, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        small_result.threshold_probability("brent_usd_per_bbl", threshold)
    [problem] = info.value.problems
    assert problem.key == "threshold" and fragment in problem.rule, problem.format()


def test_threshold_probability_takes_numpy_numbers(small_result: Any) -> None:
    assert (small_result.threshold_probability("brent_usd_per_bbl", np.float64(1.0))
            == small_result.threshold_probability("brent_usd_per_bbl", 1))


@pytest.mark.parametrize(("call", "key", "fragment"), [
    (lambda r: r.monthly_quantiles("brent_usd_per_bbl", 0.5), "levels", "a sequence of quantile levels"),
    (lambda r: r.monthly_quantiles("brent_usd_per_bbl", "0.5"), "levels", "not a str"),
    (lambda r: r.monthly_quantiles("brent_usd_per_bbl", []), "levels", "at least one"),
    (lambda r: r.monthly_quantiles("brent_usd_per_bbl", (0.5, 95)), "levels[1]", "from 0 to 1"),
    (lambda r: r.monthly_quantile("brent_usd_per_bbl", 1.5), "level", "from 0 to 1"),
    (lambda r: r.monthly_quantile("brent_usd_per_bbl", float("nan")), "level", "from 0 to 1"),
    (lambda r: r.monthly_quantile("brent_usd_per_bbl", None), "level", "not a NoneType"),
    (lambda r: r.peak_month("brent_usd_per_bbl", 95), "level", "from 0 to 1"),
    (lambda r: r.quantile_path("brent_usd_per_bbl", "0.5"), "level", "a number (a quantile level from 0 to 1"),
    (lambda r: r.quantile_path("brent_usd_per_bbl", True), "level", "not a bool"),
    (lambda r: r.quantile_path("brent_usd_per_bbl", 50), "level", "from 0 to 1"),
])
def test_result_methods_refuse_what_is_not_a_level(small_result: Any, call: Any, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        call(small_result)
    [problem] = info.value.problems
    assert problem.key == key and fragment in problem.rule, problem.format()


def test_a_level_not_computed_says_how_to_compute_it(small_result: Any) -> None:
    with pytest.raises(KeyError, match="quantile 0.9 not computed; available: 0.05, 0.25, 0.5, 0.75, 0.95; "
                       "add it to outputs.quantiles in the scenario"):
        small_result.quantile_path("brent_usd_per_bbl", 0.9)


def test_result_methods_take_numpy_levels(small_result: Any) -> None:
    s = "brent_usd_per_bbl"
    np.testing.assert_array_equal(small_result.monthly_quantiles(s, np.array([0.1, 0.9])),
                                  small_result.monthly_quantiles(s, (0.1, 0.9)))
    np.testing.assert_array_equal(small_result.quantile_path(s, np.float64(0.5)), small_result.quantile_path(s, 0.5))


def test_paths_not_kept_on_request_says_so(small_result: Any) -> None:
    with pytest.raises(RuntimeError, match="asked with keep_paths=False; rerun simulate\\(\\) with keep_paths=True"):
        small_result.paths("brent_usd_per_bbl")


# --- a pure threat needs no duration -----------------------------------------------------------


def _threat(volume: Any) -> dict[str, Any]:
    return {"name": "threat_only", "disruptions": [
        {"name": "t", "start": "2026-03-01", "volume_mbd": volume, "risk_premium": {"reference": "threat"}}]}


@pytest.mark.parametrize("volume", [0, 0.0, {"dist": "fixed", "value": 0}])
def test_pure_threat_takes_no_duration(volume: Any) -> None:
    [d] = scenario_from_dict(_threat(volume)).disruptions
    assert d.duration_days.support() == (0.0, 0.0)


@pytest.mark.parametrize("volume", [0.5, -0.2, {"dist": "uniform", "low": 0, "high": 1}])
def test_a_real_loss_still_needs_its_duration(volume: Any) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_threat(volume))
    [problem] = info.value.problems
    assert problem.key == "disruptions[t].duration_days" and problem.rule == "required key is missing"


def test_pure_threat_runs_and_raises_brent_above_its_outlook() -> None:
    sc = scenario_from_dict(_threat(0))
    result = energysim.simulate(sc, paths=64, seed=1)
    march = result.months.astype(str).tolist().index("2026-03")
    assert result.monthly_quantile("brent_usd_per_bbl", 0.5)[march] > result.baseline["brent_usd_per_bbl"].max()
    assert result.path_max["net_supply_loss_mbd"].max() == 0.0


def test_json_schema_requires_duration_unless_the_volume_is_zero() -> None:
    from energysim.scenario.jsonschema import scenario_json_schema

    d = scenario_json_schema()["$defs"]["Disruption"]
    assert "duration_days" not in d["required"] and d["else"] == {"required": ["duration_days"]}
    assert {"const": 0} in d["if"]["properties"]["volume_mbd"]["anyOf"]
