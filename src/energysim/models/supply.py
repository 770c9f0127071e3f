"""Supply side: disruption profiles, recurring incidents, spare capacity and stock releases.

All functions are pure array maths on (paths, steps) arrays. Times are in days since the
start of the horizon (00:00 of its first day); a loss at step ``j`` is the *average over the
step* from ``t_days[j] - step_days[j]`` to ``t_days[j]``, the step's end (so a five-day incident
inside a weekly step counts for 5/7 of its volume). The engine takes a premium at each step's
middle, ``t_days - step_days / 2``.
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
    # Performance (docs/performance.md): computed time-major, (steps, paths), and returned as
    # its transpose, so that the (paths, steps) result is contiguous per step (the engine's
    # layout); on a grid of adjacent steps the cumulative profile is evaluated once per step
    # boundary instead of at both ends of every step (the same numbers: t0[j] == t1[j - 1]).
    t1 = np.asarray(t_days, float)
    t0 = t1 - np.asarray(step_days, float)
    start = np.asarray(start, float)
    r = np.asarray(ramp_up, float)
    e = start + r + np.asarray(plateau, float)
    c = np.asarray(recovery, float)
    if t1.size > 1 and np.array_equal(t0[1:], t1[:-1]):
        cum = _cum_trapezoid(np.concatenate([t0[:1], t1]), start, r, e, c)
        out = np.subtract(cum[1:], cum[:-1], out=cum[1:])
    else:
        out = _cum_trapezoid(t1, start, r, e, c)
        out -= _cum_trapezoid(t0, start, r, e, c)
    out /= (t1 - t0)[:, None]
    np.maximum(out, 0.0, out=out)
    np.minimum(out, 1.0, out=out)
    return out.T


def _cum_trapezoid(t: F, start: F, ramp_up: F, end: F, recovery: F) -> F:
    """``ramp_integral(t - start, ramp_up) - ramp_integral(t - end, recovery)``, time-major
    (steps, paths), in place: the same operations as :func:`ramp_integral`, fewer temporaries."""
    def ramp_int(x: F, ramp: F) -> F:
        xc = np.maximum(x, 0.0)
        np.minimum(xc, ramp, out=xc)  # = np.clip(x, 0, ramp)
        xc *= xc
        xc /= 2.0 * np.where(ramp > 0, ramp, 1.0)  # xc is 0 where ramp is 0
        x -= ramp
        np.maximum(x, 0.0, out=x)
        x += xc
        return x

    up = ramp_int(np.subtract.outer(t, start), ramp_up)
    up -= ramp_int(np.subtract.outer(t, end), recovery)
    return up


def premium_profile(t_days: F, start: F, lead_days: F, half_life_days: F) -> F:
    """Shape (0..1) of a fear premium at the sorted times ``t_days`` (the engine gives the
    steps' middles): builds linearly over ``lead_days`` before ``start``, peaks at ``start``,
    then decays with half-life ``half_life_days``.

    Returns an array of shape (paths, steps).
    """
    t = np.asarray(t_days, float)
    start = np.asarray(start, float)
    x = np.subtract.outer(t, start)  # (steps, paths), returned transposed (contiguous per step)
    lead = np.broadcast_to(np.asarray(lead_days, float), start.shape)
    hl = np.asarray(half_life_days, float)
    after = np.maximum(x, 0.0)
    after *= -np.log(2.0)
    after /= hl
    np.exp(after, out=after)
    np.copyto(after, 0.0, where=x < 0)
    if np.any(lead > 0):
        # the linear build-up over the lead: only the few steps ending in (start - lead, start)
        first = np.searchsorted(t, start - np.maximum(lead, 0.0), "right")
        last = np.searchsorted(t, start, "left") - 1
        length = np.maximum(last - first + 1, 0)
        path = np.repeat(np.arange(start.size), length)
        step = np.arange(path.size) - np.repeat(np.cumsum(length) - length - first, length)
        xs, ld = x[step, path], lead[path]
        after[step, path] = np.where(ld > 0, np.clip(1.0 + xs / np.where(ld > 0, ld, 1.0), 0.0, 1.0), 0.0)
    return after.T


def lagged(values: F, lag_steps: NDArray[np.integer]) -> F:
    """Shift each path right by its own number of steps, filling with zeros."""
    n_paths, n_steps = values.shape
    lag = np.broadcast_to(np.asarray(lag_steps), (n_paths,))
    if n_paths == 0 or lag.min() < 0:  # a negative lag (never drawn by the engine): the general gather
        idx = np.arange(n_steps)[None, :] - lag[:, None]
        out = np.take_along_axis(values, np.clip(idx, 0, n_steps - 1), axis=1)
        return np.where(idx >= 0, out, 0.0)
    # time-major gather: out[p, j] = values[p, j - lag[p]], from the flat (steps, paths) memory
    src = np.ascontiguousarray(values.T)
    idx = np.arange(n_steps)[:, None] * n_paths + (np.arange(n_paths) - lag * n_paths)[None, :]
    out = np.take(src.reshape(-1), idx, mode="clip")
    np.copyto(out, 0.0, where=np.arange(n_steps)[:, None] < lag[None, :])
    return out.T


def spare_response(gross_loss_mbd: F, available_mbd: F, share: F, lag_steps: NDArray[np.integer]) -> F:
    """Spare capacity brought on [mb/d]: ``min(share * lagged loss, available, current loss)``.

    It answers only losses (not gains), after a lag, and cannot exceed what is available: a
    loss larger than the spare capacity runs it out. It never exceeds the current shortfall
    (producers do not flood the market once the loss recedes), which keeps the net loss, and so
    the price, non-decreasing in the size of a disruption.
    """
    want = lagged(gross_loss_mbd, lag_steps)
    np.maximum(want, 0.0, out=want)
    want *= np.asarray(share, float)[:, None]
    np.minimum(want, np.asarray(available_mbd, float)[:, None], out=want)
    return np.minimum(want, np.maximum(gross_loss_mbd, 0.0), out=want)


def stock_release(
    trigger: NDArray[np.bool_], t_days: F, step_days: F, rate_mbd: F, total_mb: F, lag_days: F
) -> F:
    """Strategic stock release [mb/d] per step, starting ``lag_days`` after the end of the first
    step where the trigger holds (``t_days``: the steps' ends; the step's average loss is known
    when the step ends).

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
