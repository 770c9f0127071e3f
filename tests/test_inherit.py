"""Scenario inheritance (``extends``): what a child changes, removes and adds, where each merged
value was written, and the errors that name the child's file where the child must be fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from energysim.errors import ScenarioError
from energysim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
MADURO = ROOT / "scenarios" / "maduro_capture.yaml"


def _child(tmp_path: Path, body: str, name: str = "child") -> Path:
    """``name.yaml`` extending the shipped maduro_capture.yaml; ``body`` starts at line 3."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: {MADURO}\n{body}", encoding="utf-8")
    return path


# --- distributions -----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "written"), [
    ("volume_mbd", {"dist": "uniform", "low": 0.3, "high": 0.9}),  # over a pert
    ("volume_mbd", {"dist": "lognormal", "median": 0.5, "p90": 0.8}),
    ("volume_mbd", {"dist": "fixed", "value": 0.7}),
    ("volume_mbd", {"dist": "pert", "low": 0.1, "mode": 0.2, "high": 0.3}),  # the same kind, given whole
    ("duration_days", {"dist": "triangular", "low": 30, "mode": 60, "high": 120}),  # over a choice
    ("start", {"dist": "uniform", "low": "2026-02-01", "high": "2026-02-28"}),  # over a triangular of dates
])
def test_a_distribution_in_a_child_replaces_the_inherited_one_whole(tmp_path: Path, key: str, written: dict) -> None:
    flow = "{" + ", ".join(f"{k}: {v}" for k, v in written.items()) + "}"
    path = _child(tmp_path, f"disruptions:\n  - name: pdvsa_transition\n    {key}: {flow}\n")
    loaded = load_scenario(path)
    merged = loaded.merged["disruptions"][0][key]
    assert {k: str(v) if key == "start" and k != "dist" else v for k, v in merged.items()} == written
    origins = {k: v for k, v in loaded.origins.items() if k[:3] == ("disruptions", 0, key)}
    assert set(origins) == {("disruptions", 0, key)} | {("disruptions", 0, key, k) for k in written}
    assert set(origins.values()) == {(str(path), 5)}


def test_a_number_and_a_distribution_replace_each_other(tmp_path: Path) -> None:
    path = _child(tmp_path, "disruptions:\n  - name: pdvsa_transition\n    volume_mbd: 0.7\n"
                            "fuels:\n  us_diesel:\n    crack_spread:\n      per_mbd_loss: {dist: fixed, value: 0.05}\n")
    loaded = load_scenario(path)
    assert loaded.merged["disruptions"][0]["volume_mbd"] == 0.7
    assert loaded.scenario.disruptions[0].volume_mbd.support() == (0.7, 0.7)
    assert loaded.scenario.fuels["us_diesel"].crack_spread.per_mbd_loss.support() == (0.05, 0.05)


def test_a_mapping_without_dist_changes_only_the_keys_it_gives(tmp_path: Path) -> None:
    """Over an inherited distribution, ``{high: 0.9}`` keeps the parent's kind and other keys."""
    path = _child(tmp_path, "disruptions:\n  - name: pdvsa_transition\n    volume_mbd: {high: 0.9}\n")
    loaded = load_scenario(path)
    assert loaded.merged["disruptions"][0]["volume_mbd"] == {"dist": "pert", "low": 0.2, "mode": 0.5, "high": 0.9}
    assert loaded.origins[("disruptions", 0, "volume_mbd", "high")] == (str(path), 5)
    assert loaded.origins[("disruptions", 0, "volume_mbd", "low")][0] == str(MADURO)


# --- removing inherited events -----------------------------------------------------------------

def test_an_empty_list_removes_the_inherited_events(tmp_path: Path) -> None:
    loaded = load_scenario(_child(tmp_path, "hazards: []\ndisruptions: []\n"))
    assert loaded.scenario.disruptions == [] and loaded.scenario.hazards == []
    assert load_scenario(MADURO).scenario.disruptions and load_scenario(MADURO).scenario.hazards
    only = load_scenario(_child(tmp_path, "hazards: []\n", name="no_hazards")).scenario
    assert only.hazards == [] and [d.name for d in only.disruptions] == ["pdvsa_transition"]


def test_an_inherited_disruption_left_outside_a_moved_horizon_is_named_in_the_child(tmp_path: Path) -> None:
    """The child moved the horizon: the error is in the child (not in the correct parent) and says
    both ways out; following either makes the file valid."""
    path = _child(tmp_path, "horizon:\n  start: 2026-07-01\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 4, "disruptions[pdvsa_transition].start")
    assert "inherited from maduro_capture.yaml:29" in problem.rule and "'disruptions: []'" in problem.rule
    overridden = _child(tmp_path, "horizon:\n  start: 2026-07-01\ndisruptions:\n  - name: pdvsa_transition\n"
                                  "    probability: 0\n", name="overridden")
    with pytest.raises(ScenarioError) as info:  # a probability of 0 does not move it: named at the entry
        load_scenario(overridden)
    assert (info.value.problems[0].file, info.value.problems[0].line) == (str(overridden), 6)
    load_scenario(_child(tmp_path, "horizon:\n  start: 2026-07-01\ndisruptions:\n  - name: pdvsa_transition\n"
                                   "    start: 2026-08-01\n", name="moved"))
    load_scenario(_child(tmp_path, "horizon:\n  start: 2026-07-01\ndisruptions: []\n", name="removed"))


def test_a_parent_wrong_on_its_own_is_still_named(tmp_path: Path) -> None:
    parent = tmp_path / "parent.yaml"
    parent.write_text("name: parent\ndisruptions:\n  - name: late\n    start: 2027-03-01\n    volume_mbd: 1\n"
                      "    duration_days: 10\n", encoding="utf-8")
    (tmp_path / "child.yaml").write_text("name: child\nextends: parent.yaml\nsimulation: {paths: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "child.yaml")
    assert (Path(info.value.problems[0].file).name, info.value.problems[0].line) == ("parent.yaml", 4)


# --- names -------------------------------------------------------------------------------------

def test_a_child_named_as_any_scenario_it_extends_is_refused_at_its_name(tmp_path: Path) -> None:
    """Its run would write over that scenario's report folder (``--out``/<name>)."""
    for name, ancestor in (("maduro_capture", "maduro_capture.yaml"), ("baseline_2026", "baseline_2026.yaml")):
        path = _child(tmp_path, "title: a variant\n", name=name)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        (problem,) = info.value.problems
        assert (problem.file, problem.line, problem.key) == (str(path), 1, "name")
        assert f"is the name of {ancestor}, which this scenario extends" in problem.rule
    load_scenario(_child(tmp_path, "title: a variant\n", name="my_variant"))


def _only_problem(path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 1, str(info.value)
    return info.value.problems[0]


def test_a_misspelt_inherited_name_is_said_once_with_the_closest_name(tmp_path: Path) -> None:
    """Instead of one "required key" error per key a new item needs."""
    p = _only_problem(_child(tmp_path, "hazards:\n  - name: caribbean_shiping_incidents\n    rate_per_year: 1\n"))
    assert (p.line, p.key) == (4, "hazards[caribbean_shiping_incidents]")
    assert "did you mean 'caribbean_shipping_incidents' (from maduro_capture.yaml)?" in p.rule
    assert "(missing: volume_mbd, duration_days)" in p.rule
    p = _only_problem(_child(tmp_path, "disruptions:\n  - name: strike\n    probability: 0.5\n", name="new_one"))
    assert "no inherited disruption is named 'strike' (known: pdvsa_transition)." in p.rule
    assert "did you mean" not in p.rule
    fuel = tmp_path / "fuel.yaml"  # no parent: the shipped fuels are the known ones
    fuel.write_text("name: fuel\nfuels:\n  us_gasolin: {taxes: 0.5}\n", encoding="utf-8")
    p = _only_problem(fuel)
    assert (p.line, p.key) == (3, "fuels.us_gasolin") and "did you mean 'us_gasoline'?" in p.rule


def test_a_complete_new_item_or_fuel_is_added(tmp_path: Path) -> None:
    path = _child(tmp_path, "disruptions:\n  - name: pdvsa_transition_2\n    start: 2026-06-01\n    volume_mbd: 0.3\n"
                            "    duration_days: 30\nfuels:\n  us_diesel_2:\n    label: Diesel 2\n    taxes: 0.5\n"
                            "    margin_and_crack: 1.0\n    slope: 1.0\n    tau_up_weeks: 1\n    tau_down_weeks: 2\n"
                            "    crack_spread: {sd: 0.1, reversion_per_year: 5}\n")
    sc = load_scenario(path).scenario
    assert [d.name for d in sc.disruptions] == ["pdvsa_transition", "pdvsa_transition_2"]
    assert "us_diesel_2" in sc.fuels


def test_a_misspelt_parent_gets_the_closest_file_as_extends_would_write_it(tmp_path: Path) -> None:
    (tmp_path / "parents").mkdir()
    (tmp_path / "parents" / "base_case.yaml").write_text("name: base_case\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    for written, hint in (("parents/bse_case.yaml", "; did you mean parents/base_case.yaml?"),
                          ("parents/base_case", "; did you mean parents/base_case.yaml?"),
                          ("parents/unrelated.yaml", ""),
                          ("parnts/base_case.yaml", f"; there is no folder {tmp_path / 'parnts'}")):
        child.write_text(f"name: child\nextends: {written}\n", encoding="utf-8")
        p = _only_problem(child)
        assert (p.line, p.key) == (2, "extends")
        assert p.rule == f"parent scenario not found: {tmp_path / written}{hint}"


# --- sources -----------------------------------------------------------------------------------

def test_a_child_s_sources_add_to_the_inherited_ones_each_once(tmp_path: Path) -> None:
    parents = load_scenario(MADURO)
    inherited = parents.scenario.sources
    assert load_scenario(_child(tmp_path, "title: no sources\n", name="bare")).scenario.sources == inherited
    path = _child(tmp_path, f"sources:\n  - {inherited[0]!r}\n  - '[7] a new citation'\n")
    loaded = load_scenario(path)
    assert loaded.scenario.sources == inherited + ["[7] a new citation"]
    assert loaded.origins[("sources", len(inherited))] == (str(path), 5)
    assert loaded.origins[("sources", 0)] == parents.origins[("sources", 0)]
    assert Path(parents.origins[("sources", 0)][0]).name == "baseline_2026.yaml"  # the root parent's first


# --- thresholds ----------------------------------------------------------------------------------

def test_thresholds_given_for_one_series_keep_the_others_defaults(tmp_path: Path) -> None:
    path = _child(tmp_path, "outputs:\n  thresholds:\n    us_gasoline_usd_per_gal: [3.5]\n"
                            "    us_diesel_usd_per_gal: []\n")
    thresholds = load_scenario(path).scenario.outputs.thresholds
    assert thresholds["us_gasoline_usd_per_gal"] == [3.5]
    assert thresholds["brent_usd_per_bbl"] == [80.0, 100.0]  # not written: the default stays
    assert thresholds["us_diesel_usd_per_gal"] == []  # [] reports none


@pytest.mark.parametrize("fuels", ["  us_diesel: null\n", "  us_diesel: {unit: litre}\n"])
def test_a_removed_or_relabelled_fuel_takes_its_default_thresholds_with_it(tmp_path: Path, fuels: str) -> None:
    sc = load_scenario(_child(tmp_path, "fuels:\n" + fuels)).scenario
    assert set(sc.outputs.thresholds) == {"brent_usd_per_bbl", "us_gasoline_usd_per_gal"}
    assert set(sc.outputs.thresholds) <= set(sc.series_names())
