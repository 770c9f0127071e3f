"""The wording of the errors about a scenario's shape and content (the catalogue of bad files,
tests/bad_scenarios/, checks that each is refused; this checks the finer rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import energysim
from energysim.errors import ScenarioError
from energysim.scenario import scenario_from_dict


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return [p.format() for p in info.value.problems]


# --- a hazard's window and the horizon ----------------------------------------------------------


def _hazard(window: dict[str, str]) -> dict[str, Any]:
    return {"name": "x", "horizon": {"start": "2026-01-01", "end": "2026-12-31"},
            "hazards": [{"name": "h", "rate_per_year": 2, "window": window, "volume_mbd": 0.1, "duration_days": 5}]}


@pytest.mark.parametrize("window", [
    {"start": "2025-06-01", "end": "2026-01-01"},  # its last day is the horizon's first
    {"start": "2026-12-31", "end": "2027-03-01"},  # its first day is the horizon's last
    {"start": "2025-06-01", "end": "2027-06-01"},  # around the whole horizon
])
def test_hazard_window_overlapping_the_horizon_is_accepted(window: dict[str, str]) -> None:
    scenario_from_dict(_hazard(window))


@pytest.mark.parametrize(("window", "given"), [
    ({"start": "2027-01-01", "end": "2027-06-01"}, "2027-01-01 to 2027-06-01"),
    ({"start": "2025-01-01", "end": "2025-12-31"}, "2025-01-01 to 2025-12-31"),
])
def test_hazard_window_outside_the_horizon_is_refused(window: dict[str, str], given: str) -> None:
    [problem] = _problems(_hazard(window))
    assert problem == (f"<dict>: hazards[h].window: hazard 'h' cannot start inside the horizon (2026-01-01 to "
                       f"2026-12-31): its whole window lies outside it (given: '{given}')")


# --- values of the wrong kind ---------------------------------------------------------------------

_EVENT = {"name": "e", "start": "2026-03-01", "volume_mbd": 1.0, "duration_days": 30}
# one key of each kind of value the format has, as a path into the scenario mapping, and the
# kinds of value among _WRONG it takes (a mapping is a distribution or a model's keys: other errors)
_KEYS = {
    "number or distribution": (("disruptions", 0, "volume_mbd"), {"number", "mapping"}),
    "number in a distribution": (("disruptions", 0, "volume_mbd", "low"), {"number"}),
    "date or date distribution": (("disruptions", 0, "start"), {"mapping"}),
    "date in a date distribution": (("disruptions", 0, "start", "low"), set()),
    "plain number": (("fuels", "us_diesel", "taxes"), {"number"}),
    "whole number": (("simulation", "paths"), {"number"}),
    "date": (("horizon", "start"), set()),
    "text": (("title",), {"text"}),
    "mapping of keys": (("responses",), {"mapping"}),
    "optional mapping": (("disruptions", 0, "risk_premium"), {"mapping", "empty value"}),
    "list of items": (("disruptions",), {"list"}),
    "list of numbers": (("outputs", "quantiles"), {"list"}),
    "mapping of entries": (("outputs", "thresholds"), {"mapping"}),
}
_WRONG = {"list": [1.0, 2.0], "mapping": {"a": 1}, "boolean": True, "empty value": None, "text": "abc",
          "number": 7}


def _scenario_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "x", "disruptions": [
        {**_EVENT, "volume_mbd": {"dist": "uniform", "low": 1, "high": 2},
         "start": {"dist": "uniform", "low": "2026-03-01", "high": "2026-04-01"}}]}
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize("kind", sorted(_KEYS))
@pytest.mark.parametrize("wrong", sorted(_WRONG))
def test_a_value_of_the_wrong_kind_says_what_the_key_expects(kind: str, wrong: str) -> None:
    """Every message about a wrong kind of value says what the key takes and what was given, in
    the format's words (no pydantic type or class names)."""
    (path, takes), value = _KEYS[kind], _WRONG[wrong]
    try:
        scenario_from_dict(_scenario_with(path, value))
    except ScenarioError as exc:
        messages = [p.format() for p in exc.problems]
    else:
        assert wrong in takes
        return
    for m in messages:
        assert "Input should" not in m and "instance of" not in m and "Datetimes" not in m, m
    if wrong in ("list", "mapping", "boolean", "empty value") and wrong not in takes:
        assert any(f"not {'an' if wrong == 'empty value' else 'a'} {wrong}" in m for m in messages), messages
    if wrong == "boolean":
        assert all("YAML reads yes, no, on, off, true and false as booleans" in m for m in messages), messages


@pytest.mark.parametrize(("value", "fix"), [
    ([1.0, 1.8, 2.5], "for one of several values write {dist: choice, values: [1, 1.8, 2.5]}"),
    ([0.5], "for one of several values write {dist: choice, values: [0.5]}"),
    ([{"dist": "fixed", "value": 1}], None),  # not several numbers: no choice to suggest
])
def test_a_list_for_a_number_suggests_a_choice(value: Any, fix: str | None) -> None:
    [message] = _problems(_scenario_with(("disruptions", 0, "volume_mbd"), value))
    assert "expected a number or a distribution" in message and "not a list" in message
    assert (fix in message) if fix else ("choice" not in message)


def test_a_boolean_in_a_distribution_is_not_read_as_a_number() -> None:
    """``low: no`` would otherwise be 0 and ``high: yes`` 1."""
    data = _scenario_with(("disruptions", 0, "probability"), {"dist": "uniform", "low": False, "high": True})
    assert [m.split(": ", 2)[1] for m in _problems(data)] == ["disruptions[e].probability.low",
                                                               "disruptions[e].probability.high"]
    data = _scenario_with(("disruptions", 0, "volume_mbd"), {"dist": "choice", "values": [1, True]})
    assert _problems(data) == ["<dict>: disruptions[e].volume_mbd.values[1]: expected a number, not a boolean; "
                               "YAML reads yes, no, on, off, true and false as booleans (given: True)"]


# --- list items are named the same way in every message ------------------------------------------


def _load_problems(path: Path) -> list[tuple[int | None, str | None]]:
    with pytest.raises(ScenarioError) as info:
        energysim.load_scenario(path)
    return [(p.line, p.key) for p in info.value.problems]


_PARENT = """name: parent
disruptions:
  - name: first
    start: 2026-02-01
    volume_mbd: 1
    duration_days: 30
  - name: second
    start: 2026-06-01
    volume_mbd: 1
    duration_days: 30
hazards:
  - {name: pirates, rate_per_year: 2, volume_mbd: 0.05, duration_days: 5}
"""


@pytest.mark.parametrize(("start", "at_yaml_level"), [("2026-13-01", True), ("03/01/2026", False)])
def test_a_child_item_is_named_alike_by_the_yaml_reader_and_the_schema(tmp_path: Path, start: str,
                                                                        at_yaml_level: bool) -> None:
    """An impossible date is found while the file is read, a date in another format when the
    merged scenario is checked (where the child's item follows its parent's two): same key."""
    (tmp_path / "parent.yaml").write_text(_PARENT)
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: parent.yaml\ndisruptions:\n"
                     f"  - name: closure\n    start: {start}\n    volume_mbd: 1\n    duration_days: 30\n")
    assert _load_problems(child) == [(5, "disruptions[closure].start")]


def test_items_without_a_usable_name_are_named_by_their_index_in_their_file(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(_PARENT)
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: parent.yaml\ndisruptions:\n"
                     "  - {name: first, probability: 0.5}\n"                       # overrides the parent's
                     "  - {name: Big closure, start: 2026-03-01, volume_mbd: -x, duration_days: 3}\n"
                     "  - [{start: 2026-03-01}]\n"
                     "hazards: [{rate_per_year: 1, volume_mbd: 1, duration_days: 3}, {name: h, rate_per_year: 1,"
                     " volume_mbd: 1}, {rate_per_year: 2, volume_mbd: 1, duration_days: 3}]\n")
    assert sorted(_load_problems(child), key=str) == sorted([
        (5, "disruptions[1].name"),         # a name with a space: not a usable one
        (5, "disruptions[1].volume_mbd"),
        (6, "disruptions[2]"),               # a list, not an item
        (7, "hazards[0].name"),              # three items on one line, after the parent's
        (7, "hazards[h].duration_days"),
        (7, "hazards[2].name"),
    ], key=str)


def test_items_of_a_python_mapping_are_named_alike() -> None:
    data = {"name": "x", "disruptions": [{"name": "a", "start": "2026-03-01", "volume_mbd": 1},
                                         {"start": "2026-03-01", "volume_mbd": 1, "duration_days": 3}]}
    assert sorted(p.split(": ")[1] for p in _problems(data)) == ["disruptions[1].name", "disruptions[a].duration_days"]


# --- one of a few words -------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "problem"), [
    ({"horizon": {"step": "weekly"}},
     "horizon.step: must be one of 'day', 'week' or 'month'; did you mean 'week'? (given: 'weekly')"),
    ({"fuels": {"us_diesel": {"unit": "liter"}}},
     "fuels.us_diesel.unit: must be one of 'gal' or 'litre'; did you mean 'litre'? (given: 'liter')"),
    ({"horizon": {"step": "fortnight"}}, "horizon.step: must be one of 'day', 'week' or 'month' (given: 'fortnight')"),
])
def test_a_word_not_among_the_allowed_ones_names_them_and_the_closest(data: dict[str, Any], problem: str) -> None:
    assert _problems({"name": "x", **data}) == [f"<dict>: {problem}"]


# --- the responses' flows in kb/d ----------------------------------------------------------------

@pytest.mark.parametrize(("responses", "key", "value"), [
    ({"spare_capacity": {"available_mbd": 1350}}, "spare_capacity.available_mbd", 1350),
    ({"stock_release": {"rate_mbd": {"dist": "uniform", "low": 1000, "high": 2000}}}, "stock_release.rate_mbd", 2000),
    ({"stock_release": {"trigger_net_loss_mbd": 500}}, "stock_release.trigger_net_loss_mbd", 500),
])
def test_a_response_flow_in_kb_per_day_is_refused_as_a_volume_is(responses: dict[str, Any], key: str,
                                                                 value: int) -> None:
    [problem] = _problems({"name": "x", "market": {"world_demand_mbd": 104.83}, "responses": responses})
    assert problem.startswith(f"<dict>: responses.{key}: ")
    assert f"{value:g} mb/d is more than world demand (104.83 mb/d)" in problem
    assert f"({value:g} kb/d = {value / 1000:g})" in problem


@pytest.mark.parametrize(("series", "hint"), [
    ("gasoline", "did you mean 'us_gasoline_usd_per_gal'? "), ("brent", "did you mean 'brent_usd_per_bbl'? "),
    ("xyz", ""),
])
def test_a_threshold_for_an_unknown_series_names_the_closest(series: str, hint: str) -> None:
    [problem] = _problems({"name": "x", "outputs": {"thresholds": {series: [4.0]}}})
    assert problem == (f"<dict>: outputs.thresholds.{series}: unknown series; {hint}known: brent_usd_per_bbl, "
                       f"net_supply_loss_mbd, us_diesel_usd_per_gal, us_gasoline_usd_per_gal (given: '{series}')")


@pytest.mark.parametrize(("key", "value", "rule"), [
    ("start", "03/01/2026", "expected a date written YYYY-MM-DD, not text"),
    ("duration_days", "3 weeks", "expected a number or a distribution, not text"),
])
def test_text_for_a_date_or_a_number_is_quoted_once(key: str, value: str, rule: str) -> None:
    [problem] = _problems({"name": "x", "disruptions": [{**_EVENT, key: value}]})
    assert problem == f"<dict>: disruptions[e].{key}: {rule} (given: '{value}')"


@pytest.mark.parametrize(("written", "fix"), [("1e6", "1.0e+6"), ("5E-1", "5.0e-1"), ("2.5e3", "2.5e+3")])
def test_a_number_yaml_reads_as_text_says_how_to_write_it(tmp_path: Path, written: str, fix: str) -> None:
    """YAML 1.1 reads 1e6 as text; the message says so and gives the spelling it reads as a number
    (which the fix then is: the file loads)."""
    from energysim.errors import ScenarioError
    from energysim.scenario import load_scenario

    path = tmp_path / "exp.yaml"
    path.write_text(f"name: exp\nmarket:\n  mean_reversion_per_year: {written}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert f"YAML reads {written} as text: write {fix}" in str(info.value)
    path.write_text(f"name: exp\nmarket:\n  mean_reversion_per_year: {fix}\n", encoding="utf-8")
    assert load_scenario(path).scenario.market.mean_reversion_per_year.value == float(written)
