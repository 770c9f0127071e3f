"""The JSON Schema of scenario files, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from .schema import Scenario

__all__ = ["scenario_json_schema"]


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for a scenario file as written (before inheritance).

    Keys with data-driven defaults are optional; ``required`` lists only ``name``.
    """
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "energysim scenario"
    schema["required"] = ["name"]
    return schema
