"""Fuzzing the loader and the schema: whatever goes in, either it loads or ScenarioError comes
out; never a traceback of another kind. A bounded number of examples keeps the file fast."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import energysim
from energysim.errors import ScenarioError
from energysim.scenario import scenario_from_dict
from energysim.scenario.loader import resolve_file, validate_merged

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SCENARIOS = Path(__file__).parent.parent / "scenarios"

# Key names the schema knows (so fuzzed structures reach deep validators), plus near-misses.
KEYS = [
    "name", "title", "extends", "horizon", "start", "end", "step", "simulation", "paths", "seed", "market",
    "baseline", "steo_release", "constant_usd_per_bbl", "monthly_usd_per_bbl", "csv", "world_demand_mbd",
    "volatility_annual", "mean_reversion_per_year", "supply_elasticity", "demand_elasticity", "disruptions",
    "hazards", "probability", "volume_mbd", "duration_days", "ramp_up_days", "recovery_days", "risk_premium",
    "peak_pct", "lead_days", "half_life_days", "rate_per_year", "window", "responses", "spare_capacity",
    "stock_release", "fuels", "us_gasoline", "taxes", "slope", "outputs", "quantiles", "thresholds", "dist",
    "value", "low", "high", "mode", "shape", "mean", "sd", "median", "p90", "mu", "sigma", "values",
    "weights", "disruptons", "", "2026-01",
]
DISTS = ["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "choice", "unifrom"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(DISTS),
    st.text(max_size=12), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["2026-01-01", "2026-02-30", "day", "week", "month", "1e400", "-0", "outage"]),
)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=25,
)


def _load_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        energysim.load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems and all(p.rule for p in exc.problems)
        assert str(exc).strip()


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    _load_bytes(tmp_path / "fuzz.yaml", data)


YAML_ALPHABET = st.sampled_from(list("{}[]:,-&*!|>'\"#%@`?.~\\ \t\n") + ["name: x\n", "  ", "0", "1e9",
                                                                         ".nan", "!!python/object ", "<<: ",
                                                                         "&a ", "*a", "dist: ", "low", "start: ",
                                                                         "2026-02-30", "2026-01-01"])


@FUZZ
@given(st.lists(YAML_ALPHABET, max_size=60).map("".join))
def test_yaml_like_text(tmp_path: Path, text: str) -> None:
    _load_bytes(tmp_path / "fuzz.yaml", text.encode("utf-8"))


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), structures, max_size=6))
def test_structures_through_the_schema(data: dict[str, Any]) -> None:
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        assert exc.problems


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), structures, max_size=6))
def test_structures_through_yaml_files(tmp_path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    _load_bytes(tmp_path / "fuzz.yaml", text.encode("utf-8"))


def _leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, prefix + (k,))] + [prefix]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, prefix + (i,))] + [prefix]
    return [prefix]


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, value)}
    out = list(node)
    out[head] = _replace(node[head], rest, value)
    return out


SHIPPED = [resolve_file(p)[0] for p in sorted(SCENARIOS.glob("*.yaml"))]


@FUZZ
@given(st.data())
def test_one_value_changed_in_a_shipped_scenario(data: st.DataObject) -> None:
    """A valid scenario with one value (anywhere) replaced by anything: loads, or says why."""
    base = data.draw(st.sampled_from(SHIPPED))
    path = data.draw(st.sampled_from(_leaf_paths(base)))
    value = data.draw(structures)
    try:
        sc = validate_merged(_replace(base, path, value), {}, "<dict>")  # merged by resolve_file, as the loader
    except ScenarioError as exc:
        assert exc.problems
        return
    # what validates holds no NaN or infinity anywhere
    dumped = sc.model_dump(mode="python")
    assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in _values(dumped))


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _values(v)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v)]
    return [node]
