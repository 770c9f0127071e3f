"""The fast kernels of the engine (issue 6) against their straightforward definitions.

Each check compares a rewritten piece with the direct formula it replaces (scipy, numpy's
searchsorted, the per-step formula), on inputs that include the edge cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from energysim import events
from energysim.kernels import draws
from energysim.models import supply
from energysim.scenario.distributions import Pert

WEEKS = np.arange(1, 54) * 7.0  # step ends of a weekly 2026 horizon [days]
STEP = np.full(53, 7.0)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize(("low", "mode", "high"), [(0.2, 0.5, 0.85), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (0.0, 0.02, 1.0)])
def test_pert_table_matches_betaincinv(low: float, mode: float, high: float, compiled: bool) -> None:
    """Both the numpy reference (Pert.ppf) and the engine's compiled lookup (draws.ppf)."""
    dist = Pert(dist="pert", low=low, mode=mode, high=high)
    u = np.concatenate([np.random.default_rng(1).random(200_000), [0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1 - 2**-53]])
    span = high - low
    a, b = 1 + 4 * (mode - low) / span, 1 + 4 * (high - mode) / span
    exact = low + span * special.betaincinv(a, b, u)
    ppf = (lambda v: draws.ppf(dist, v)) if compiled else dist.ppf
    fast = ppf(u)
    ok = np.isfinite(exact)
    assert np.max(np.abs(fast - exact)[ok]) < 1e-7 * span
    assert np.all((fast >= low) & (fast <= high))
    assert np.all(np.diff(ppf(np.sort(u))) >= 0)  # still monotone: coupled draws keep their rank


def test_poisson_inverse_matches_scipy() -> None:
    rng = np.random.default_rng(2)
    u = np.clip(rng.random(100_000), 1e-16, 1 - 1e-16)
    mean = rng.uniform(0.0, 30.0, u.size)
    np.testing.assert_array_equal(events.poisson_ppf(u, mean), stats.poisson.ppf(u, mean).astype(np.int64))
    big = np.full(10, 500.0)  # exp(-mean) would underflow: scipy path
    np.testing.assert_array_equal(events.poisson_ppf(u[:10], big), stats.poisson.ppf(u[:10], big).astype(np.int64))
    none = events.poisson_ppf(np.empty(0), 2.0)  # no paths: no counts, and no scipy
    assert none.shape == (0,) and none.dtype == np.int64


def test_trapezoid_on_step_boundaries_equals_the_direct_formula() -> None:
    rng = np.random.default_rng(5)
    n = 500
    start, up = rng.uniform(-30, 380, n), rng.choice([0.0, 3.0, 14.0], n)
    plateau, rec = rng.uniform(0, 200, n), rng.choice([0.0, 5.0, 60.0], n)
    got = supply.trapezoid_step_mean(WEEKS, STEP, start, up, plateau, rec)
    t1, t0 = WEEKS[None, :], (WEEKS - STEP)[None, :]
    s, e = start[:, None], (start + up + plateau)[:, None]

    def cum(t: np.ndarray) -> np.ndarray:
        return supply.ramp_integral(t - s, up[:, None]) - supply.ramp_integral(t - e, rec[:, None])

    np.testing.assert_array_equal(got, np.clip((cum(t1) - cum(t0)) / (t1 - t0), 0.0, 1.0))


def test_lagged_equals_the_gather() -> None:
    rng = np.random.default_rng(6)
    values = np.ascontiguousarray(rng.random((53, 300))).T  # time-major, as in the engine
    lag = rng.integers(0, 60, 300)
    idx = np.arange(53)[None, :] - lag[:, None]
    expected = np.where(idx >= 0, np.take_along_axis(values, np.clip(idx, 0, 52), axis=1), 0.0)
    np.testing.assert_array_equal(supply.lagged(values, lag), expected)
