"""The Python route refuses bad input as the files and the command line do: a scenario changed in
code (``model_copy`` does not validate) is checked again by ``simulate()`` with the loader's rules,
before any work, and a mapping with ``extends`` is refused by ``scenario_from_dict``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import energysim
from energysim import engine
from energysim.errors import ScenarioError
from energysim.inputs import build_inputs
from energysim.scenario import Scenario, content_hash, scenario_from_dict, validate_scenario
from energysim.scenario.distributions import Fixed

ROOT = Path(__file__).resolve().parents[1]
MADURO = ROOT / "scenarios" / "maduro_capture.yaml"


@pytest.fixture(scope="module")
def loaded() -> Any:
    return energysim.load_scenario(MADURO)


def _edit_disruption(sc: Scenario, **update: Any) -> Scenario:
    d = sc.disruptions[0]
    return sc.model_copy(update={"disruptions": [d.model_copy(update=update), *sc.disruptions[1:]]})


EDITS = {
    "volume above world demand": (lambda sc: _edit_disruption(sc, volume_mbd=Fixed(value=500.0)),
                                  "disruptions[pdvsa_transition].volume_mbd", "more than world demand"),
    "probability above 1": (lambda sc: _edit_disruption(sc, probability=Fixed(value=1.5)),
                            "disruptions[pdvsa_transition].probability", "must be <= 1"),
    "negative probability": (lambda sc: _edit_disruption(sc, probability=-1.0), "disruptions[pdvsa_transition].probability",
                             "must be >= 0"),
    "negative volatility": (lambda sc: sc.model_copy(update={"market": sc.market.model_copy(
        update={"volatility_annual": Fixed(value=-0.5)})}), "market.volatility_annual", "must be >= 0"),
    "a disruption twice": (lambda sc: sc.model_copy(update={"disruptions": [sc.disruptions[0]] * 2}),
                           "disruptions[1].name", "names must be unique"),
    "horizon ending before it starts": (lambda sc: sc.model_copy(update={"horizon": sc.horizon.model_copy(
        update={"end": dt.date(2025, 6, 1)})}), "horizon", "end must be after start"),
    "a quantile level of 1.5": (lambda sc: sc.model_copy(update={"outputs": sc.outputs.model_copy(
        update={"quantiles": [1.5]})}), "outputs.quantiles", "strictly between 0 and 1"),
    "text for a distribution": (lambda sc: _edit_disruption(sc, volume_mbd="lots"), "disruptions[pdvsa_transition].volume_mbd",
                                None),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_simulate_refuses_an_invalid_edit_before_any_work(edit: str, loaded: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    make, key, fragment = EDITS[edit]
    monkeypatch.setattr(engine, "build_inputs", lambda *a: pytest.fail("inputs built for an invalid scenario"))
    monkeypatch.setattr(engine, "run_blocks", lambda *a: pytest.fail("paths run for an invalid scenario"))
    edited = make(loaded.scenario)
    for given in (edited, dataclasses.replace(loaded, scenario=edited)):
        with pytest.raises(ScenarioError) as info:
            energysim.simulate(given, paths=64, seed=1)
        problem = info.value.problems[0]
        assert problem.file == "scenario 'maduro_capture'" and problem.key == key, problem.format()
        assert fragment is None or fragment in problem.rule, problem.format()
        assert "\n" not in problem.format()


def test_build_inputs_refuses_an_invalid_edit(loaded: Any) -> None:
    edited = EDITS["horizon ending before it starts"][0](loaded.scenario)
    with pytest.raises(ScenarioError, match="horizon: end must be after start"):
        build_inputs(edited)


def test_a_plain_number_edit_runs_as_the_file_would_read_it(loaded: Any) -> None:
    """``probability=0.9`` (a float where a distribution goes) is what ``probability: 0.9`` in a
    file means: a fixed distribution; before, the engine failed on it (no ``ppf`` on a float)."""
    as_float = energysim.simulate(_edit_disruption(loaded.scenario, probability=0.9), paths=512, seed=4)
    as_dist = energysim.simulate(_edit_disruption(loaded.scenario, probability=Fixed(value=0.9)), paths=512, seed=4)
    assert as_float.quantiles().equals(as_dist.quantiles())
    assert as_float.metadata["scenario_hash"] == as_dist.metadata["scenario_hash"]
    assert isinstance(as_float.scenario.disruptions[0].probability, Fixed)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_valid_scenario_validates_to_itself(path: Path) -> None:
    sc = energysim.load_scenario(path).scenario
    again = validate_scenario(sc)
    assert again == sc and content_hash(again) == content_hash(sc)


def test_a_shipped_fuel_left_out_in_code_stays_out(loaded: Any) -> None:
    sc = loaded.scenario
    first = next(iter(sc.fuels))
    one_fuel = sc.model_copy(update={"fuels": {first: sc.fuels[first]}})
    with pytest.raises(ScenarioError, match="outputs.thresholds.us_diesel_usd_per_gal: unknown series"):
        validate_scenario(one_fuel)  # as in a file: the thresholds of the fuel left out must go too
    kept = {s: t for s, t in sc.outputs.thresholds.items() if s in one_fuel.series_names()}
    one_fuel = one_fuel.model_copy(update={"outputs": sc.outputs.model_copy(update={"thresholds": kept})})
    assert list(validate_scenario(one_fuel).fuels) == [first]
    from_file = scenario_from_dict({"name": "no_diesel", "fuels": {"us_diesel": None},
                                    "outputs": {"thresholds": {"brent_usd_per_bbl": [100]}}})
    assert list(from_file.fuels) == ["us_gasoline"]
    assert validate_scenario(from_file) == from_file


def test_validate_scenario_needs_a_scenario(loaded: Any) -> None:
    with pytest.raises(TypeError, match="needs a Scenario, not LoadedScenario"):
        validate_scenario(loaded)


def test_scenario_from_dict_refuses_extends() -> None:
    """A mapping cannot inherit (its parent's folder is unknown): it used to run as a no-event
    baseline, its parent's disruptions silently left out."""
    data = yaml.safe_load("name: my_case\nextends: maduro_capture.yaml\n")
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    [problem] = info.value.problems
    assert problem.key == "extends" and "energysim.load_scenario(path)" in problem.rule
    assert problem.given == "'maduro_capture.yaml'"


def test_a_dump_without_extends_rebuilds_the_scenario(loaded: Any) -> None:
    sc = loaded.scenario
    rebuilt = scenario_from_dict(sc.model_dump(exclude={"extends"}))
    assert rebuilt == sc.model_copy(update={"extends": None})


def test_a_file_with_extends_still_loads(loaded: Any) -> None:
    assert loaded.scenario.extends == "baseline_2026.yaml" and loaded.scenario.disruptions


def test_the_largest_seed_runs() -> None:
    sc = energysim.load_scenario(ROOT / "scenarios" / "baseline_2026.yaml")
    result = energysim.simulate(sc, paths=8, seed=engine.MAX_SEED, workers=1)
    assert result.metadata["seed"] == 2**63 - 1 and np.isfinite(result.quantile_path("brent_usd_per_bbl", 0.5)).all()


# --- what a result hands out ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def result(loaded: Any) -> Any:
    return energysim.simulate(loaded, paths=600, seed=5, keep_paths=True, workers=1)


G = "us_gasoline_usd_per_gal"


def test_a_result_hands_out_read_only_arrays(result: Any) -> None:
    """``q *= 0.264`` (a conversion to litres) on the array ``quantile_path`` returns used to
    change the result's own quantiles, and every chart drawn after."""
    before = result.quantiles()
    q = result.quantile_path(G, 0.05)
    with pytest.raises(ValueError, match="read-only"):
        q *= 0.264172
    with pytest.raises(ValueError, match="read-only"):
        result.paths(G)[0, 0] = 1.0
    for a in (result.path_mean[G], result.path_max[G], result.monthly_mean[G], result.baseline[G], result.dates):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = a[0]
    assert result.quantiles().equals(before)
    assert np.shares_memory(result.paths(G), result.paths(G))  # views, not copies
    litres = result.quantile_path(G, 0.05) * 0.264172  # a new array: what a conversion should do
    assert litres.flags.writeable


def test_a_threshold_no_path_reached_has_the_report_s_bound_as_its_error(result: Any) -> None:
    """p = 0 used to come with an error of 0, which reads as certainty; the error is now the
    one-sided 95 % bound the report prints as "under X%" (about 3/n), and the same in summary()."""
    from energysim import texts

    n = result.n_paths
    never = float(result.path_max[G].max()) + 1.0
    p, err = result.threshold_probability(G, never)
    assert p == 0.0 and err == pytest.approx(1 - 0.05 ** (1 / n)) and 2.9 / n < err < 3.0 / n
    assert texts.fmt_probability(p, err, n) == f"under {100 * err:.2g}%"
    always = float(result.path_max[G].min())
    assert result.threshold_probability(G, always) == (1.0, err)
    mid = float(np.median(result.path_max[G]))
    p, err = result.threshold_probability(G, mid)
    assert 0 < p < 1 and err == pytest.approx(np.sqrt(p * (1 - p) / n))


def test_summary_carries_the_bound_of_a_threshold_no_path_reached(loaded: Any) -> None:
    sc = loaded.scenario
    high = sc.model_copy(update={"outputs": sc.outputs.model_copy(update={"thresholds": {G: [1000.0]}})})
    r = energysim.simulate(high, paths=300, seed=2, workers=1)
    [entry] = r.summary()["series"][G]["thresholds"]
    assert entry["probability"] == 0.0 and entry["mc_standard_error"] == round(1 - 0.05 ** (1 / 300), 6) > 0


def test_a_result_s_repr_is_one_short_line(result: Any) -> None:
    """A notebook cell ending in ``result`` printed the whole scenario (6,000 characters)."""
    text = repr(result)
    assert "\n" not in text and len(text) < 400
    for part in ("scenario='maduro_capture'", "paths=600", "seed=5", "2026-01-01 to 2026-12-31 (week, 53 steps)",
                 G, "0.95", "paths_kept=True"):
        assert part in text, text


@pytest.mark.parametrize("given", ["scenarios/maduro_capture.yaml", Path("scenarios/maduro_capture.yaml")])
def test_simulate_given_a_file_name_says_to_load_it_first(given: Any) -> None:
    with pytest.raises(TypeError, match=r"^simulate\(\) needs a loaded scenario, not \w+; load the file first: "
                                        r"energysim.simulate\(energysim.load_scenario\('scenarios/maduro_capture.yaml'\)\)$"):
        energysim.simulate(given, paths=10)


@pytest.mark.parametrize("name", ["baseline_2026", "maduro_capture", "sanctions_relief", "no_diesel"])
def test_to_dict_rebuilds_an_equal_scenario(name: str, tmp_path: Path) -> None:
    """scenario_from_dict(sc.to_dict()) is sc but for the record of its parent, a removed shipped
    fuel included (a plain model_dump left it out, and the rebuild brought it back)."""
    import json

    from energysim.scenario import load_scenario, scenario_from_dict

    path = ROOT / "scenarios" / f"{name}.yaml"
    if name == "no_diesel":
        path = tmp_path / "no_diesel.yaml"
        path.write_text(f"name: no_diesel\nextends: {ROOT / 'scenarios' / 'maduro_capture.yaml'}\n"
                        "fuels:\n  us_diesel: null\n", encoding="utf-8")
    sc = load_scenario(path).scenario
    data = sc.to_dict()
    assert "extends" not in data and json.loads(json.dumps(data)) == data  # plain JSON types
    rebuilt = scenario_from_dict(data)
    assert rebuilt.model_dump(exclude={"extends"}) == sc.model_dump(exclude={"extends"})
    assert set(rebuilt.fuels) == set(sc.fuels)
    if data["disruptions"]:  # a value changed in the mapping reaches the rebuilt scenario
        data["disruptions"][0]["probability"] = 0.25
        assert scenario_from_dict(data).disruptions[0].probability.value == 0.25
