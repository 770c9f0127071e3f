"""Crude-to-pump pass-through with asymmetric adjustment ("rockets and feathers").

The retail price of a fuel is modelled as

    retail_t = intercept + slope * e_t / units_per_bbl + u_t

where ``e_t`` [USD/bbl] is the *effective* crude cost that retail prices have caught up with,
``intercept`` [USD/unit] collects taxes, distribution and marketing margin and the mean crack
spread, ``slope`` [-] is the share of a crude move that reaches the pump, and ``u_t`` [USD/unit]
is the crack-spread deviation (an AR(1) process, see :func:`crack_deviation`).

The effective crude cost follows the spot price with a faster time constant when the spot is
above it than when it is below it:

    e_t = e_{t-1} + a_t (P_t - e_{t-1}),
    a_t = 1 - exp(-dt / tau_up)   if P_t > e_{t-1}
          1 - exp(-dt / tau_down) otherwise.

References
----------
Borenstein, Cameron & Gilbert (1997), QJE 112(1):305-339: increases reach the pump within about
4 weeks, decreases over about 8 weeks. EIA: about 50 % of a spot product change reaches retail
within 2 weeks and 80 % within 4 weeks.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["effective_crude", "pass_through_shares", "crack_deviation", "crack_coefficients", "retail_price",
           "seasonal_offset"]

FloatArray = NDArray[np.floating]


def effective_crude(
    crude_usd_per_bbl: FloatArray,
    dt_weeks: FloatArray | float,
    tau_up_weeks: FloatArray | float,
    tau_down_weeks: FloatArray | float,
    initial_usd_per_bbl: FloatArray | float | None = None,
) -> FloatArray:
    """Asymmetric exponential catch-up of retail cost to the crude price.

    Parameters
    ----------
    crude_usd_per_bbl : array, shape (paths, steps)
        Spot crude price [USD/bbl].
    dt_weeks : float or array, shape (steps,)
        Time elapsed since the previous step [weeks]; ``dt_weeks[0]`` is the gap between the
        initial state and the first step.
    tau_up_weeks, tau_down_weeks : float or array broadcastable to (paths,)
        Adjustment time constants [weeks] for rising and falling crude. Zero means immediate.
    initial_usd_per_bbl : float or array, shape (paths,), optional
        Effective crude before the first step [USD/bbl]; defaults to the first spot price.

    Returns
    -------
    array, shape (paths, steps)
        Effective crude cost [USD/bbl].
    """
    crude = np.asarray(crude_usd_per_bbl)
    n_paths, n_steps = crude.shape
    dt = np.broadcast_to(np.asarray(dt_weeks, dtype=np.float64), (n_steps,))
    tau_up = np.asarray(tau_up_weeks, dtype=np.float64)
    tau_down = np.asarray(tau_down_weeks, dtype=np.float64)
    out = np.empty_like(crude)
    if initial_usd_per_bbl is None:
        prev = crude[:, 0].copy()
    else:
        prev = np.broadcast_to(np.asarray(initial_usd_per_bbl, dtype=crude.dtype), (n_paths,)).copy()
    a_up, a_down = pass_through_shares(dt, tau_up, tau_down, crude.dtype)
    gap = np.empty(n_paths, dtype=crude.dtype)
    rise = np.empty(n_paths, dtype=bool)
    for j in range(n_steps):  # out[:, j] is contiguous when crude is time-major
        np.subtract(crude[:, j], prev, out=gap)
        np.greater(gap, 0, out=rise)
        gap *= np.where(rise, a_up[j], a_down[j])
        prev += gap
        out[:, j] = prev
    return out


def pass_through_shares(dt_weeks: FloatArray, tau_up_weeks: FloatArray | float, tau_down_weeks: FloatArray | float,
                        dtype: type | np.dtype = np.float64) -> tuple[FloatArray, FloatArray]:
    """The adjustment shares ``a_t`` of :func:`effective_crude` for rising and falling crude,
    each of shape (steps, 1 or paths): ``1 - exp(-dt / tau)`` (1 where ``tau`` is 0)."""
    dt = np.asarray(dt_weeks, dtype=np.float64)
    tau_up = np.asarray(tau_up_weeks, dtype=np.float64)
    tau_down = np.asarray(tau_down_weeks, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):
        a_up = np.where(tau_up > 0, -np.expm1(-dt[:, None] / np.atleast_1d(tau_up)), 1.0)
        a_down = np.where(tau_down > 0, -np.expm1(-dt[:, None] / np.atleast_1d(tau_down)), 1.0)
    return a_up.astype(dtype), a_down.astype(dtype)


def crack_coefficients(dt_years: FloatArray, sd_usd: float, reversion_per_year: float) -> tuple[FloatArray, FloatArray]:
    """Per-step decay ``phi_t = exp(-k dt_t)`` and shock scale ``sd * sqrt(1 - phi_t**2)`` of
    :func:`crack_deviation`, shape (steps,) each [float64]."""
    phi = np.exp(-reversion_per_year * np.asarray(dt_years, dtype=np.float64))
    return phi, sd_usd * np.sqrt(1.0 - phi**2)


def crack_deviation(
    shocks: FloatArray,
    dt_years: FloatArray | float,
    sd_usd: float,
    reversion_per_year: float,
    initial_usd: FloatArray | float = 0.0,
    out: FloatArray | None = None,
) -> FloatArray:
    """Mean-reverting (Ornstein-Uhlenbeck) deviation of the crack spread from its mean.

    ``u_t = u_{t-1} * phi_t + sd * sqrt(1 - phi_t**2) * z_t`` with ``phi_t = exp(-k dt_t)``,
    so ``sd_usd`` is the stationary standard deviation [USD/unit] and ``initial_usd`` decays
    with rate ``reversion_per_year`` [1/yr].

    Parameters
    ----------
    shocks : array, shape (paths, steps)
        Independent standard normal draws.
    dt_years : float or array, shape (steps,)
        Step lengths [years].
    out : array like ``shocks``, optional
        Where to write the deviation (may be ``shocks``: computed in place, in its dtype).
    """
    z = np.asarray(shocks)
    n_paths, n_steps = z.shape
    dt = np.broadcast_to(np.asarray(dt_years, dtype=np.float64), (n_steps,))
    phi, scale = crack_coefficients(dt, sd_usd, reversion_per_year)
    out = np.empty_like(z) if out is None else out
    prev = np.broadcast_to(np.asarray(initial_usd, dtype=z.dtype), (n_paths,)).copy()
    tmp = np.empty(n_paths, dtype=z.dtype)
    for j in range(n_steps):  # in place when out is z: z_j is read before u_j is written
        np.multiply(z[:, j], z.dtype.type(scale[j]), out=tmp)
        prev *= z.dtype.type(phi[j])
        prev += tmp
        out[:, j] = prev
    return out


def retail_price(
    effective_crude_usd_per_bbl: FloatArray,
    intercept_usd: FloatArray | float,
    slope: FloatArray | float,
    units_per_bbl: float = 42.0,
    crack_deviation_usd: FloatArray | float = 0.0,
) -> FloatArray:
    """Retail price [USD/unit] = intercept + slope * effective crude / units_per_bbl + deviation."""
    return intercept_usd + slope * effective_crude_usd_per_bbl / units_per_bbl + crack_deviation_usd


def seasonal_offset(profile_usd: list[float] | FloatArray, dates: NDArray[np.datetime64] | FloatArray) -> FloatArray:
    """Seasonal retail offset [USD/unit] at each date.

    The twelve monthly values (January first) sit on the middle day of each month and are
    interpolated linearly in time in between, cyclically, so prices move smoothly from one
    month to the next instead of stepping at month boundaries.

    Parameters
    ----------
    profile_usd : sequence of 12 floats
        Mean offset of each calendar month [USD/unit].
    dates : array of datetime64[D], or of day numbers (days since 1970-01-01, maybe fractional,
        such as a step's middle day), shape (steps,)
    """
    s = np.asarray(profile_usd, dtype=np.float64)
    raw = np.asarray(dates)
    days = raw.astype("datetime64[D]").astype(np.float64) if raw.dtype.kind == "M" else raw.astype(np.float64)
    if not np.any(s) or days.size == 0:
        return np.zeros(days.shape[0])
    lo, hi = (np.datetime64(int(math.floor(x)), "D").astype("datetime64[M]") for x in (days.min(), days.max()))
    months = np.arange(lo - 1, hi + 2)
    first = months.astype("datetime64[D]").astype(np.float64)
    last = (months + 1).astype("datetime64[D]").astype(np.float64)
    mids = (first + last - 1.0) / 2.0  # the middle day of each month
    return np.interp(days, mids, s[months.astype(np.int64) % 12])
