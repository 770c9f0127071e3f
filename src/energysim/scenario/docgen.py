"""The key-by-key reference of docs/scenario-format.md, generated from the schema.

``python -m energysim.scenario.docgen docs/scenario-format.md`` rewrites the part of the file
between the ``BEGIN GENERATED`` and ``END GENERATED`` markers; a test checks it is current.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .schema import Scenario

__all__ = ["reference_markdown", "update_file"]

BEGIN = "<!-- BEGIN GENERATED: energysim.scenario.docgen -->"
END = "<!-- END GENERATED -->"

_DATA_DEFAULTS = {
    "market.world_demand_mbd": "STEO Jan 2026 world demand, 2026 average",
    "market.volatility_annual": "fitted (data/calibration.json)",
    "market.mean_reversion_per_year": "fitted (data/calibration.json)",
    "market.supply_elasticity": "triangular 0 / 0.05 / 0.15 (literature)",
    "market.demand_elasticity": "triangular −0.35 / −0.15 / −0.05 (literature)",
    "market.baseline": "`steo_release: 2026-01`",
    "responses.spare_capacity.available_mbd": "STEO Jan 2026 OPEC spare capacity",
    "fuels": "`us_gasoline` and `us_diesel`, fitted (data/calibration.json)",
    "disruptions[].duration_days": "**required**, except for a pure threat (`volume_mbd: 0`): then 0",
}


def _models(annotation: Any) -> list[type[BaseModel]]:
    out = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        out.extend(_models(arg))
    return out


def _type_text(annotation: Any) -> str:
    # a plain number field (scenario.params.Number) reads as its base type
    text = re.sub(r"Annotated\[([^,\[\]]+(?:\[[^\]]*\])?), BeforeValidator\([^)]*\)\]", r"\1", str(annotation))
    text = text.replace("typing.", "")
    if "FixedDate" in text:
        return "date or date distribution"
    if "Fixed" in text and "Uniform" in text:
        return "number or distribution"
    for token in ("datetime.date", "<class '", "'>", "energysim.scenario.schema.", "energysim.scenario.parts.",
                  "energysim.scenario.disruptions.", "NoneType"):
        text = text.replace(token, "date" if token == "datetime.date" else "null" if token == "NoneType" else "")
    return text.replace("Literal", "one of ").replace(" | ", " or ")


def _range_text(field: FieldInfo) -> str:
    parts = []
    for m in field.metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
        for fn in ("func",):
            f = getattr(m, fn, None)
            if f is not None and getattr(f, "__closure__", None):
                names = f.__code__.co_freevars
                for name, val in zip(names, [c.cell_contents for c in f.__closure__]):
                    bound = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}.get(name)
                    if bound and val is not None:
                        parts.append(f"{bound} {val:g}")
    return ", ".join(parts)


def _default_text(path: str, field: FieldInfo) -> str:
    if path in _DATA_DEFAULTS:
        return _DATA_DEFAULTS[path]
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        try:
            value = field.default_factory()  # type: ignore[call-arg]
        except Exception:  # noqa: BLE001 - data-driven default unavailable while documenting
            return "from data"
    else:
        return "**required**"
    if value is None:
        return "—"
    if hasattr(value, "dist"):  # a distribution object: as it would be written
        value = value.model_dump()
    if isinstance(value, BaseModel):  # a section of its own, with its defaults
        return "see below"
    if isinstance(value, dict) and value.get("dist") == "fixed":
        value = value["value"]
    if isinstance(value, dict) and "dist" in value:
        value = ", ".join(f"{k}: {v}" for k, v in value.items())
    return f"`{value}`"


def _rows(model: type[BaseModel], prefix: str, seen: set[str]) -> list[str]:
    rows = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{path}` | {_type_text(field.annotation)} | {desc} | {_default_text(path, field)} | {_range_text(field)} |")
        for sub in _models(field.annotation):
            if sub.__module__.endswith("distributions"):
                continue
            origin = typing.get_origin(field.annotation)
            suffix = "[]." if origin is list else ".<key>." if origin is dict else "."
            nested.append((path + suffix, sub))
    out = [f"### `{prefix.rstrip('.') or '(top level)'}`", "", (model.__doc__ or "").strip().splitlines()[0]
           if model.__doc__ else "", "",
           "| key | type | meaning and unit | default | allowed |", "|---|---|---|---|---|", *rows, ""]
    for sub_prefix, sub in nested:
        if sub_prefix not in seen:
            seen.add(sub_prefix)
            out.extend(_rows(sub, sub_prefix, seen))
    return out


def reference_markdown() -> str:
    return "\n".join([BEGIN, "", *_rows(Scenario, "", set()), END])


def update_file(path: Path) -> bool:
    """Rewrite the generated section of ``path``; return True if it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + reference_markdown() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    update_file(Path(sys.argv[1]))
