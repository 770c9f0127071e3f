"""The Python API's comparison and chart functions check what they are given, before any work:
runs that do not pair, labels that are not one per run, an unknown series or a scenario not yet
simulated give a one-line ScenarioError naming the argument, never unpaired numbers presented
as paired, a table cut short, or an internal KeyError after a simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import energysim.engine
from energysim import charts, charts_compare, charts_differences, load_scenario, no_disruption_reference, simulate
from energysim.compare import (
    Comparison,
    comparison_table,
    differences_table,
    monthly_differences_table,
    paired_differences,
    summarise_difference,
)
from energysim.errors import ScenarioError
from energysim.runview import RunView

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
G = "us_gasoline_usd_per_gal"


@pytest.fixture(scope="module")
def runs() -> dict[str, object]:
    """baseline and maduro on the same draws (seed 1, 300 paths); maduro on another seed, and on fewer paths."""
    base, maduro = (load_scenario(SCENARIOS / f"{n}.yaml") for n in ("baseline_2026", "maduro_capture"))
    return {"a": simulate(base, paths=300, seed=1, workers=1), "b": simulate(maduro, paths=300, seed=1, workers=1),
            "other_seed": simulate(maduro, paths=300, seed=7, workers=1),
            "fewer_paths": simulate(maduro, paths=200, seed=1, workers=1), "loaded": maduro}


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation fails the test: the checks come before the no-disruption outlook is simulated."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before checking the arguments")
    monkeypatch.setattr(energysim.engine, "simulate", refuse)


def test_paired_differences_refuse_runs_that_do_not_pair(runs) -> None:  # type: ignore[no-untyped-def]
    a, b = runs["a"], runs["b"]
    assert paired_differences(a, b, G)["horizon_average"].shape == (300,)
    with pytest.raises(ScenarioError, match=r"^maduro_capture: seed: must equal the first scenario's .* paired"):
        paired_differences(a, runs["other_seed"], G)
    with pytest.raises(ScenarioError, match=r"^maduro_capture: paths: must equal"):
        paired_differences(a, runs["fewer_paths"], G)
    with pytest.raises(ScenarioError, match=r"^series: unknown series 'gasoline'; .* has: brent_usd_per_bbl, "
                                            r"us_gasoline_usd_per_gal"):
        paired_differences(a, b, "gasoline")
    with pytest.raises(ScenarioError, match=r"^b: paired_differences needs a SimulationResult .*not a LoadedScenario"):
        paired_differences(a, runs["loaded"], G)


def test_summarise_difference_needs_one_value_per_path_in_each_array() -> None:
    with pytest.raises(ScenarioError, match=r"^diff: .*shape \(paths,\)"):
        summarise_difference(np.zeros(3), np.zeros(4), np.zeros(3))


@pytest.mark.parametrize("table", [comparison_table, differences_table, monthly_differences_table])
def test_tables_need_one_label_per_result(runs, table) -> None:  # type: ignore[no-untyped-def]
    a, b = runs["a"], runs["b"]
    assert set(table([a, b], ["a", "b"]).scenario) >= {"b"}
    with pytest.raises(ScenarioError, match=r"^labels: \w+ needs one label per run: 2 runs, 1 label"):
        table([a, b], ["a"])
    with pytest.raises(ScenarioError, match=r"^labels: \w+ needs a list of labels, one per run, not a str"):
        table([a, b], "ab")
    with pytest.raises(ScenarioError, match=r"^labels: each run needs a label of its own .*given: 'a'"):
        table([a, b], ["a", "a"])
    with pytest.raises(ScenarioError, match=r"^runs: \w+ needs a list of runs, each a SimulationResult"):
        table(a, ["a"])


def test_difference_tables_and_comparisons_refuse_runs_on_other_draws(runs) -> None:  # type: ignore[no-untyped-def]
    pair = [runs["a"], runs["other_seed"]]
    for make in (differences_table, monthly_differences_table, lambda r, n: Comparison(n, r)):
        with pytest.raises(ScenarioError, match="seed: must equal"):
            make(pair, ["a", "c"])
    assert len(comparison_table(pair, ["a", "c"])) > 0  # per scenario, nothing paired
    with pytest.raises(ScenarioError, match="^labels: Comparison needs one label per run"):
        Comparison(("a",), (runs["a"], runs["b"]))
    assert Comparison(["a", "b"], [runs["a"], runs["b"]]).labels == ("a", "b")


def test_side_by_side_fans_claim_the_same_draws_only_when_the_runs_share_them(runs) -> None:  # type: ignore[no-untyped-def]
    views = {k: RunView.of(runs[k]) for k in ("a", "b", "other_seed", "fewer_paths")}

    def title(*keys: str) -> str:
        return charts_compare.side_by_side_fans([views[k] for k in keys], list(keys), G).texts[0].get_text()

    assert title("a", "b").endswith("(same axis, same random draws)")
    for other in ("other_seed", "fewer_paths"):
        assert "same random draws" not in title("a", other) and title("a", other).endswith("(same axis)")


def test_compare_charts_check_their_arguments_before_simulating(runs, no_simulation) -> None:  # type: ignore[no-untyped-def]
    a, b = runs["a"], runs["b"]
    with pytest.raises(ScenarioError, match=r"^labels: side_by_side_fans needs one label per run: 2 runs, 1 label"):
        charts_compare.side_by_side_fans([a, b], ["a"], G)
    with pytest.raises(ScenarioError, match=r"^series: unknown series 'gasoline'"):
        charts_compare.side_by_side_fans([a, b], ["a", "b"], "gasoline")
    with pytest.raises(ScenarioError, match=r"^series: medians_overlay needs a list of series names, "
                                            r"e\.g\. \['us_gasoline_usd_per_gal'\], not a str"):
        charts_compare.medians_overlay([a, b], ["a", "b"], G)
    with pytest.raises(ScenarioError, match=r"^runs\[1\]: medians_overlay needs a SimulationResult .*LoadedScenario"):
        charts_compare.medians_overlay([a, runs["loaded"]], ["a", "b"], [G])
    table = monthly_differences_table([a, b], ["a", "b"])
    with pytest.raises(ScenarioError, match="seed: must equal"):
        charts_differences.differences_chart([a, runs["other_seed"]], ["a", "b"], table, [G])
    with pytest.raises(ScenarioError, match=r"^table: the table has no monthly differences of x for "):
        charts_differences.differences_chart([a, b], ["a", "x"], table, [G])


def test_medians_overlay_draws_runs_on_different_time_grids(runs) -> None:  # type: ignore[no-untyped-def]
    """Each median on its own dates (a monthly grid against a weekly one was a broadcast error)."""
    weekly = RunView.of(runs["b"])
    monthly = RunView.of(simulate(load_scenario(SCENARIOS / "baseline_2026.yaml").scenario.model_copy(
        update={"horizon": weekly.scenario.horizon.model_copy(update={"step": "month"})}), paths=300, seed=1, workers=1))
    fig = charts_compare.medians_overlay([weekly, monthly], ["weekly", "monthly"], [G])
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("weekly", "monthly")]
    assert [len(ln.get_xdata()) for ln in lines] == [weekly.dates.size, monthly.dates.size]


def test_fan_chart_and_outlook_check_their_arguments_before_simulating(runs, no_simulation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match=r"^series: unknown series 'gasoline'; this run has: brent_usd_per_bbl"):
        charts.fan_chart(runs["b"], "gasoline")
    with pytest.raises(ScenarioError, match=r"^run: fan_chart needs a SimulationResult from energysim\.simulate "
                                            r"\(or a RunView\), not a LoadedScenario; simulate it first"):
        charts.fan_chart(runs["loaded"], G)
    with pytest.raises(ScenarioError, match=r"^result: no_disruption_reference needs a SimulationResult .*"
                                            r"not a LoadedScenario"):
        no_disruption_reference(runs["loaded"])
    with pytest.raises(ScenarioError, match=r"^run: RunView\.of needs a SimulationResult"):
        RunView.of(runs["loaded"])
