"""Performance machinery: chunking, threads, streamed quantiles and the memory guard.

These are equality and refusal checks, not timings (the timings are in benchmarks/bench_engine.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import energysim
from energysim import accumulate, memory
from energysim.cli import main
from energysim.inputs import build_inputs
from energysim.sampling import BLOCK_PATHS

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "baseline_2026.yaml"
HEADLINE = ROOT / "scenarios" / "maduro_capture.yaml"
# Three blocks and a partial one: enough for several chunks, bracket shrinks and both workers.
PATHS = 3 * BLOCK_PATHS + 1000


@pytest.fixture(scope="module")
def loaded() -> energysim.scenario.LoadedScenario:
    return energysim.load_scenario(HEADLINE if HEADLINE.is_file() else SCENARIO)


@pytest.fixture(scope="module")
def reference(loaded: energysim.scenario.LoadedScenario) -> energysim.SimulationResult:
    """One chunk of all blocks, one worker, every path kept."""
    return energysim.simulate(loaded, paths=PATHS, seed=11, workers=1, chunk_blocks=8, keep_paths=True)


def _same(a: energysim.SimulationResult, b: energysim.SimulationResult) -> None:
    assert a.levels == b.levels
    for s in a.series:
        np.testing.assert_array_equal(a._quantiles[s], b._quantiles[s])
        np.testing.assert_array_equal(a.path_mean[s], b.path_mean[s])
        np.testing.assert_array_equal(a.path_max[s], b.path_max[s])
        np.testing.assert_array_equal(a.monthly_mean[s], b.monthly_mean[s])


def test_streamed_quantiles_equal_numpy_on_all_paths(reference: energysim.SimulationResult) -> None:
    for s in reference.series:
        expected = np.quantile(reference.paths(s), reference.levels, axis=0)
        np.testing.assert_array_equal(reference._quantiles[s], expected)


def test_chunked_unchunked_and_unkept_runs_agree(loaded, reference) -> None:
    chunked = energysim.simulate(loaded, paths=PATHS, seed=11, workers=1, chunk_blocks=1, keep_paths=False)
    _same(reference, chunked)
    with pytest.raises(RuntimeError, match="not kept"):
        chunked.paths(chunked.series[0])


def test_one_and_two_workers_identical(loaded, reference) -> None:
    two = energysim.simulate(loaded, paths=PATHS, seed=11, workers=2, chunk_blocks=1, keep_paths=True)
    _same(reference, two)
    for s in reference.series:
        np.testing.assert_array_equal(reference.paths(s), two.paths(s))


def test_missed_brackets_fall_back_to_an_exact_second_pass(loaded, reference, monkeypatch) -> None:
    """With no safety margin the brackets miss; the rerun must still give the exact quantiles."""
    monkeypatch.setattr(accumulate, "BRACKET_SIGMAS", 0.0)
    restarts: list[int] = []
    original = accumulate.Accumulator.restart

    def counting(self: accumulate.Accumulator) -> None:
        restarts.append(1)
        original(self)

    monkeypatch.setattr(accumulate.Accumulator, "restart", counting)
    rerun = energysim.simulate(loaded, paths=PATHS, seed=11, workers=2, chunk_blocks=1, keep_paths=False)
    assert restarts == [1]
    _same(reference, rerun)


def test_quantile_sketch_handles_ties_and_atoms() -> None:
    """Many equal values (a loss series is mostly exactly zero) must not break exactness."""
    rng = np.random.default_rng(5)
    total, m = 5000, 3
    x = np.where(rng.random((total, m)) < 0.7, 0.0, rng.exponential(1.0, (total, m)))
    x[:, 2] = np.round(x[:, 2], 1)  # many ties at every level
    levels = (0.05, 0.5, 0.75, 0.95)
    sk = accumulate.QuantileSketch(levels, total, m)
    sk.start(x[:700])
    for lo in range(0, total, 700):
        br = sk.brackets()
        part = x[lo:lo + 700]
        sk.merge(accumulate.chunk_stats(part, *br), part.shape[0], br)
    assert not sk.missed().any()
    np.testing.assert_array_equal(sk.result(), np.quantile(x, levels, axis=0))


def test_hazard_incidents_add_up_to_volume_times_duration() -> None:
    """The incident kernel (each incident touches only the steps it overlaps) conserves volume:
    with incidents wholly inside the horizon, each path's integrated loss is a whole number of
    incidents, and the mean number of incidents is the Poisson rate times the window."""
    from energysim.scenario import scenario_from_dict

    sc = scenario_from_dict({
        "name": "t", "simulation": {"paths": 20000, "seed": 3},
        "market": {"volatility_annual": 0, "long_term_volatility_annual": 0},
        "responses": {"spare_capacity": {"share": 0}, "stock_release": None},
        "hazards": [{"name": "h", "rate_per_year": 3, "volume_mbd": 0.5, "duration_days": 10,
                     "window": {"start": "2026-02-01", "end": "2026-10-01"}}],
    })
    res = energysim.simulate(sc)
    loss = res.paths("net_supply_loss_mbd")
    incidents = (loss * res.inputs.step_days[None, :]).sum(axis=1) / (0.5 * 10)
    np.testing.assert_allclose(incidents, np.round(incidents), atol=1e-9)
    expected = 3 * (np.datetime64("2026-10-01") - np.datetime64("2026-02-01")).astype(int) / 365.25
    assert abs(incidents.mean() - expected) < 4 * np.sqrt(expected / incidents.size)
    assert loss.min() >= 0.0


def test_memory_guard_refuses_with_exit_2(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 200 * 1024**2)
    code = main(["run", str(SCENARIO), "--paths", "5000000", "--quiet", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "memory" in err and "paths" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_memory_guard_drops_kept_paths_before_refusing(loaded, monkeypatch) -> None:
    """A run that fits without its paths is not refused by default; asking for the paths is."""
    m = 53
    need_kept = memory.estimate_bytes(4, m, 200_000, True)
    need_lean = memory.estimate_bytes(4, m, 200_000, False)
    avail = int((need_lean + (need_kept - need_lean) // 4) / 0.8)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: avail)
    with pytest.raises(energysim.ScenarioError, match="keep_paths=False"):
        energysim.simulate(loaded, paths=200_000, keep_paths=True, workers=2)
    assert memory.plan_memory(loaded.scenario, build_inputs(loaded), 200_000, None, 2, 2 * BLOCK_PATHS,
                              4, 12, 5) is False


def test_a_run_does_not_import_scipy_stats(tmp_path: Path) -> None:
    """Importing scipy.stats takes about 0.9 s, most of a warm run's simulation: the engine needs it
    only for the Poisson fallback (means above 100), and nothing else on the run's path needs it."""
    code = ("import sys; from energysim.cli import main; "
            "rc = main(['run', sys.argv[1], '--paths', '500', '--out', sys.argv[2], '--quiet']); "
            "print(rc, sorted(m for m in sys.modules if m.startswith('scipy.stats')))")
    run = subprocess.run([sys.executable, "-c", code, str(HEADLINE), str(tmp_path)], capture_output=True, text=True,
                         timeout=600)
    assert run.stdout.split() == ["0", "[]"], run.stdout + run.stderr


def test_faulting_in_stops_once_cancelled() -> None:
    import threading

    arrays = [np.full(3 * accumulate._TOUCH_VALUES // 2, np.nan), np.full((4, 5), np.nan).T]  # contiguous, and not
    cancel = threading.Event()
    cancel.set()
    accumulate._touch(arrays, cancel)
    assert np.isnan(arrays[0]).all() and np.isnan(arrays[1]).all()
    accumulate._touch(arrays, threading.Event())
    assert (arrays[0] == 0).all() and (arrays[1] == 0).all()


def test_an_interrupted_run_cancels_the_faulting_in(loaded, monkeypatch) -> None:
    """Ctrl-C (or any error) in the main thread stops the thread that faults in the per-path
    arrays before waiting for the running chunks (whose reductions wait for that memory),
    instead of waiting for it to write them all (gigabytes on a large run)."""
    woken = []

    def endless_touch(self: accumulate.Accumulator) -> None:  # as a huge run's: ends when cancelled
        woken.append(self._cancel.wait(timeout=20))

    calls = []
    brackets = accumulate.Accumulator.brackets

    def interrupted(self: accumulate.Accumulator) -> dict:
        calls.append(1)
        if len(calls) == 3:  # the main thread, while chunks are queued behind the faulting in
            raise KeyboardInterrupt
        return brackets(self)

    monkeypatch.setattr(accumulate.Accumulator, "touch", endless_touch)
    monkeypatch.setattr(accumulate.Accumulator, "brackets", interrupted)
    with pytest.raises(KeyboardInterrupt):
        energysim.simulate(loaded, paths=8 * BLOCK_PATHS, workers=2, chunk_blocks=1)
    assert woken == [True]  # woken by the cancel, not by the timeout
