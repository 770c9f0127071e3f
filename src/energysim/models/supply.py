"""Supply side: disruption profiles, recurring incidents, spare capacity and stock releases.

All functions are pure array maths on (paths, steps) arrays. Times are in days since the
start of the horizon; a value at step ``j`` is the *average over the step* ending at
``t_days[j]`` (so a five-day incident inside a weekly step counts for 5/7 of its volume).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["ramp_integral", "trapezoid_step_mean", "premium_profile", "lagged", "spare_response",
           "stock_release"]

F = NDArray[np.floating]


def ramp_integral(x: F, ramp: F) -> F:
    """Integral from -inf to ``x`` of a ramp rising from 0 at 0 to 1 at ``ramp`` [days].

    ``G(x) = 0`` for x <= 0, ``x**2 / (2 ramp)`` on [0, ramp], ``x - ramp / 2`` beyond;
    with ``ramp = 0`` it is ``max(x, 0)``.
    """
    ramp = np.asarray(ramp, dtype=np.float64)
    xc = np.clip(x, 0.0, ramp)
    safe = np.where(ramp > 0, ramp, 1.0)
    return np.where(ramp > 0, xc * xc / (2.0 * safe), 0.0) + np.maximum(x - ramp, 0.0)


def trapezoid_step_mean(t_days: F, step_days: F, start: F, ramp_up: F, plateau: F, recovery: F) -> F:
    """Step-averaged share (0..1) of a trapezoid profile: ramp up, plateau, linear recovery.

    Parameters
    ----------
    t_days : array, shape (steps,)
        End of each step [days since horizon start].
    step_days : array, shape (steps,)
        Length of each step [days].
    start, ramp_up, plateau, recovery : array, shape (paths,)
        Profile timing [days].

    Returns
    -------
    array, shape (paths, steps)
        Mean of the profile over each step, in [0, 1].
    """
    # Computed time-major, (steps, paths), and returned as its transpose: the (paths, steps)
    # result is then contiguous per step, the engine's layout (see docs/performance.md).
    s = np.asarray(start, float)[None, :]
    r = np.asarray(ramp_up, float)[None, :]
    e = s + r + np.asarray(plateau, float)[None, :]
    c = np.asarray(recovery, float)[None, :]
    t1 = np.asarray(t_days, float)[:, None]
    t0 = t1 - np.asarray(step_days, float)[:, None]

    def cum(t: F) -> F:
        return ramp_integral(t - s, r) - ramp_integral(t - e, c)

    return np.clip((cum(t1) - cum(t0)) / (t1 - t0), 0.0, 1.0).T


def premium_profile(t_days: F, start: F, lead_days: F, half_life_days: F) -> F:
    """Shape (0..1) of a fear premium: builds linearly over ``lead_days`` before ``start``,
    peaks at ``start``, then decays with half-life ``half_life_days``.

    Returns an array of shape (paths, steps).
    """
    x = np.subtract.outer(np.asarray(t_days, float), np.asarray(start, float))  # (steps, paths)
    lead = np.asarray(lead_days, float)[None, :]
    hl = np.asarray(half_life_days, float)[None, :]
    after = np.maximum(x, 0.0)
    after *= -np.log(2.0)
    after /= hl
    np.exp(after, out=after)
    if np.any(lead > 0):
        before = np.where(lead > 0, np.clip(1.0 + x / np.where(lead > 0, lead, 1.0), 0.0, 1.0), 0.0)
        np.copyto(after, before, where=x < 0)
    else:
        np.copyto(after, 0.0, where=x < 0)
    return after.T  # (paths, steps), contiguous per step


def lagged(values: F, lag_steps: NDArray[np.integer]) -> F:
    """Shift each path right by its own number of steps, filling with zeros."""
    n_paths, n_steps = values.shape
    lag = np.broadcast_to(np.asarray(lag_steps), (n_paths,))
    if n_paths and lag.min() < 0:  # a negative lag (never drawn by the engine): the general gather
        idx = np.arange(n_steps)[None, :] - lag[:, None]
        out = np.take_along_axis(values, np.clip(idx, 0, n_steps - 1), axis=1)
        return np.where(idx >= 0, out, 0.0)
    out = np.zeros_like(values)
    lags = np.unique(lag)
    for k in lags.tolist():  # a few distinct lags (days rounded to steps): copy whole columns
        if k >= n_steps:
            continue
        if lags.size == 1:
            out[:, k:] = values[:, :n_steps - k]
        else:
            rows = np.flatnonzero(lag == k)
            out[rows, k:] = values[rows, :n_steps - k]
    return out


def spare_response(gross_loss_mbd: F, available_mbd: F, share: F, lag_steps: NDArray[np.integer]) -> F:
    """Spare capacity brought on [mb/d]: ``min(share * lagged loss, available, current loss)``.

    It answers only losses (not gains), after a lag, and cannot exceed what is available: a
    loss larger than the spare capacity runs it out. It never exceeds the current shortfall
    (producers do not flood the market once the loss recedes), which keeps the net loss, and so
    the price, non-decreasing in the size of a disruption.
    """
    current = np.maximum(gross_loss_mbd, 0.0)
    want = np.asarray(share, float)[:, None] * np.maximum(lagged(gross_loss_mbd, lag_steps), 0.0)
    return np.minimum(np.minimum(want, np.asarray(available_mbd, float)[:, None]), current)


def stock_release(
    trigger: NDArray[np.bool_], t_days: F, step_days: F, rate_mbd: F, total_mb: F, lag_days: F
) -> F:
    """Strategic stock release [mb/d] per step, starting ``lag_days`` after the first trigger.

    Parameters
    ----------
    trigger : bool array, shape (paths, steps)
        Where the release condition holds (net loss or price above its trigger).
    rate_mbd, total_mb, lag_days : arrays, shape (paths,)
        Release rate [mb/d], total volume [million bbl] (so it lasts ``total / rate`` days),
        and the delay from decision to barrels on the market [days].
    """
    fired = trigger.any(axis=1)
    first = np.argmax(trigger, axis=1)
    t = np.asarray(t_days, float)
    start = np.where(fired, t[first] + np.asarray(lag_days, float), np.inf)
    length = np.asarray(total_mb, float) / np.asarray(rate_mbd, float)
    zeros = np.zeros_like(start)
    share = trapezoid_step_mean(t, step_days, np.where(fired, start, 1e12), zeros, length, zeros)
    return share * np.asarray(rate_mbd, float)[:, None]
