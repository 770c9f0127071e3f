"""Command-line options and outputs: the same limits as the scenario file, errors that name the
option or file at fault, and commands that write nothing when an input is bad."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from energysim.cli import main
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
