"""The documentation generated from code is current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import energysim
from energysim.scenario import scenario_from_dict
from energysim.scenario.docgen import BEGIN, END, reference_markdown
from energysim.scenario.jsonschema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_format_reference_is_current():
    text = (ROOT / "docs/scenario-format.md").read_text(encoding="utf-8")
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == reference_markdown(), "run: python -m energysim.scenario.docgen docs/scenario-format.md"


def test_shipped_json_schema_is_current():
    shipped = json.loads((ROOT / "docs/scenario.schema.json").read_text(encoding="utf-8"))
    assert shipped == scenario_json_schema(), "run: energysim schema --out docs/scenario.schema.json"


def test_every_top_level_key_is_documented():
    text = (ROOT / "docs/scenario-format.md").read_text(encoding="utf-8")
    for key in scenario_json_schema()["properties"]:
        assert f"`{key}`" in text


def _table_row(text: str, label: str) -> list[str]:
    """The cells of the markdown table row that starts with ``label``."""
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {label} |"))
    return [c.strip().strip("*") for c in line.strip("|").split("|")]


def test_calibration_check_against_steo_matches_a_run():
    """docs/calibration.md's "after" column is what the baseline scenario gives today."""
    text = (ROOT / "docs/calibration.md").read_text(encoding="utf-8")
    result = energysim.simulate(energysim.load_scenario(ROOT / "scenarios/baseline_2026.yaml"))
    months = np.array(result.dates, dtype="datetime64[M]").astype(int) % 12 + 1

    def median_path(series: str) -> np.ndarray:
        return np.asarray(result.quantile_path(series, 0.5))

    brent = re.search(r"the median path of\s+Brent averages \$(\d+\.\d)", text)
    assert brent and float(brent.group(1)) == round(float(median_path("brent_usd_per_bbl").mean()), 1)
    for series, label in [("us_gasoline_usd_per_gal", "Gasoline 2026 average"),
                          ("us_diesel_usd_per_gal", "Diesel 2026 average")]:
        assert float(_table_row(text, label)[2]) == round(float(median_path(series).mean()), 2), label
    by_month = [float(v) for v in re.findall(r"\d\.\d\d", _table_row(text, "Gasoline median by month, Jan / Jun / Dec")[2])]
    gasoline = median_path("us_gasoline_usd_per_gal")
    assert by_month == [round(float(gasoline[months == m].mean()), 2) for m in (1, 6, 12)]


def test_readme_python_examples_run(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every ```python block of the README runs as written (from a folder holding scenarios/), and
    its "Python API" section shows what an analyst needs: charts, comparisons, monthly quantiles,
    a scenario changed in code."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    section = text[text.index("## Python API"):text.index("\n## ", text.index("## Python API") + 1)]
    for name in ("fan_chart", "save_chart", "Comparison", "monthly_quantiles", "scenario_from_dict", "model_copy"):
        assert name in section, name
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    for k, code in enumerate(blocks):
        exec(compile(code, f"README.md (python block {k + 1})", "exec"), {})


def test_every_default_in_the_reference_is_stated():
    """A default given as "see below" has a section below (a nested mapping with its own keys);
    any other default is written out."""
    text = reference_markdown()
    sections = set(re.findall(r"^### `([^`]+)`", text, flags=re.M))
    deferred = [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|.*\| see below \|", text, flags=re.M)]
    assert deferred and all(key in sections for key in deferred), [k for k in deferred if k not in sections]


# optional keys whose default comes from the shipped data (the reference names its source)
_DATA_DRIVEN = {("SpareCapacity", "available_mbd")}


def test_json_schema_states_the_defaults_a_scenario_gets():
    """Every optional number or distribution of an event or a response carries its default in the
    JSON Schema, and a scenario that writes those defaults out is the one that leaves them out."""
    defs = scenario_json_schema()["$defs"]
    given: dict[str, dict[str, object]] = {}
    for model in ("Disruption", "SpareCapacity", "StockRelease", "CrackSpread"):
        props, required = defs[model]["properties"], set(defs[model].get("required", []))
        unstated = {k for k, v in props.items() if "default" not in v and k not in required
                    and (model, k) not in _DATA_DRIVEN and k != "duration_days"}  # required but for a threat
        assert not unstated, (model, unstated)
        given[model] = {k: v["default"] for k, v in props.items() if "default" in v and v["default"] is not None}
    event = {"name": "e", "start": "2026-03-01", "volume_mbd": 1.0, "duration_days": 30}
    fuel = {"crack_spread": {"sd": 0.1, "reversion_per_year": 5.0}}
    implicit = {"name": "x", "disruptions": [event], "fuels": {"us_diesel": fuel}}
    explicit = {"name": "x", "disruptions": [{**given["Disruption"], **event}],
                "responses": {"spare_capacity": given["SpareCapacity"], "stock_release": given["StockRelease"]},
                "fuels": {"us_diesel": {"crack_spread": {**given["CrackSpread"], **fuel["crack_spread"]}}}}
    assert given["Disruption"]["probability"] is not None
    assert scenario_from_dict(explicit) == scenario_from_dict(implicit)
