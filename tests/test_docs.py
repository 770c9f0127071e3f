"""The documentation generated from code is current."""

from __future__ import annotations

import json
from pathlib import Path

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
