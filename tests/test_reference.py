"""The no-disruption outlook: the same futures without the scenario's events (energysim.reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from energysim import load_scenario, simulate
from energysim.reference import no_disruption_reference, without_events

ROOT = Path(__file__).resolve().parents[1]


def test_without_events_drops_disruptions_and_hazards_only() -> None:
    sc = load_scenario(ROOT / "scenarios" / "maduro_capture.yaml").scenario
    assert sc.disruptions and sc.hazards
    bare = without_events(sc)
    assert bare is not None and not bare.disruptions and not bare.hazards
    assert bare.model_dump(exclude={"disruptions", "hazards"}) == sc.model_dump(exclude={"disruptions", "hazards"})
    assert without_events(bare) is None


def test_futures_without_events_are_paired_path_by_path() -> None:
    """Removing the events changes no other draw: a future in which no event happened is the
    same future, bitwise, in the run without events; the others differ."""
    loaded = load_scenario(ROOT / "scenarios" / "maduro_capture.yaml")
    run = simulate(loaded, paths=3000, seed=5, keep_paths=True)
    bare = simulate(without_events(loaded.scenario), paths=3000, seed=5, inputs=run.inputs, keep_paths=True)
    quiet = ~np.any(run.paths("net_supply_loss_mbd") != 0.0, axis=1)
    assert 0 < quiet.sum() < quiet.size
    for s in ("brent_usd_per_bbl", "us_gasoline_usd_per_gal"):
        np.testing.assert_array_equal(run.paths(s)[quiet], bare.paths(s)[quiet])
        assert np.any(run.paths(s)[~quiet] != bare.paths(s)[~quiet])
    ref = no_disruption_reference(run)
    np.testing.assert_array_equal(ref.path["brent_usd_per_bbl"], np.quantile(bare.paths("brent_usd_per_bbl"), 0.5, axis=0))
    assert ref.mean["us_diesel_usd_per_gal"] == np.quantile(bare.path_mean["us_diesel_usd_per_gal"], 0.5)


def test_a_large_run_s_outlook_uses_its_first_paths(monkeypatch) -> None:
    import energysim.reference as reference

    monkeypatch.setattr(reference, "MAX_PATHS", 1000)
    loaded = load_scenario(ROOT / "scenarios" / "maduro_capture.yaml")
    run = simulate(loaded, paths=2500, seed=3)
    ref = no_disruption_reference(run)
    first = simulate(without_events(loaded.scenario), paths=1000, seed=3, inputs=run.inputs)
    np.testing.assert_array_equal(ref.path["us_gasoline_usd_per_gal"], first.quantile_path("us_gasoline_usd_per_gal", 0.5))
    assert ref.mean["brent_usd_per_bbl"] == np.quantile(first.path_mean["brent_usd_per_bbl"], 0.5)


def test_the_outlook_is_simulated_once_per_result(monkeypatch) -> None:
    """A second chart of the same result does not simulate the no-disruption outlook again; a
    result of another seed gets its own outlook, not the first one's."""
    import energysim.engine
    from energysim import charts

    calls: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["seed"])
        return simulate(*args, **kwargs)

    loaded = load_scenario(ROOT / "scenarios" / "maduro_capture.yaml")
    run = simulate(loaded, paths=400, seed=3, workers=1)
    monkeypatch.setattr(energysim.engine, "simulate", counted)
    for series in ("us_gasoline_usd_per_gal", "brent_usd_per_bbl"):
        charts.fan_chart(run, series, finish=False)
    first = no_disruption_reference(run)
    assert calls == [3]
    other = simulate(loaded, paths=400, seed=4, workers=1)
    second = no_disruption_reference(other)
    assert calls == [3, 4] and second is not first
    assert not np.array_equal(second.path["brent_usd_per_bbl"], first.path["brent_usd_per_bbl"])
    assert no_disruption_reference(other) is second and calls == [3, 4]
