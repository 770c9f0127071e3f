"""The path model as one compiled loop: from a chunk's draws to net loss, Brent and pump prices.

:func:`path_model` computes, for every path and step, what the numpy functions of
:mod:`energysim.models` compute on whole arrays (the reference, and the place where the model
is explained):

- Brent's short-term factor (Ornstein-Uhlenbeck) and long-term factor (random walk),
  :func:`~energysim.models.price.ou_factor`;
- the gross loss: disruption trapezoids (:func:`~energysim.models.supply.trapezoid_step_mean`)
  and hazard incidents (pulses), with their fear premia
  (:func:`~energysim.models.supply.premium_profile`);
- spare capacity brought on after a lag (:func:`~energysim.models.supply.spare_response`) and a
  strategic stock release (:func:`~energysim.models.supply.stock_release`);
- the tightness multiplier (:func:`~energysim.models.tightness.tightness_multiplier`), the
  price of the net loss and Brent (:mod:`energysim.models.price`);
- per fuel, the asymmetric pass-through, the crack-spread deviation and the retail price
  (:mod:`energysim.models.retail`).

Each path is computed from start to end with its state in registers and a few step-long
scratch rows, so every (paths, steps) array is read or written once, in order, and the loop
runs without the GIL. Arrays of shape (paths, steps) are C-ordered (a path's steps are
contiguous), the engine's layout. Premia decay by a per-step factor
``exp(-ln 2 dt / half-life)`` instead of an ``exp`` per step; the result differs from the
closed form by a few units in the last place (tests/test_kernels.py checks every output
against the model functions). Brent's ``exp`` is :func:`energysim.kernels.expo.exp_row`, a
vectorised one within 2 units in the last place of glibc's.

Divisions follow IEEE arithmetic (numba's ``error_model="numpy"``), as numpy's do: a division
by zero gives an infinity or NaN, which the price checks report as an input error, instead of
a ZeroDivisionError raised inside a worker thread; and the loops carry no zero test per
division (3 % of the kernel's time).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..models.price import LOG_MOVE_LIMIT
from ..models.tightness import ACUTE_DURATION_DAYS, AMPLE_HEADROOM_MBD
from .expo import exp_row
from .rng import path_normals

__all__ = ["path_model"]

LN2 = math.log(2.0)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _ramp_int(x: float, ramp: float, half_inv: float) -> float:
    """:func:`energysim.models.supply.ramp_integral` of one value, without a branch;
    ``half_inv`` is ``1 / (2 ramp)``, 0 for a ramp of 0 (then the first term is 0)."""
    xc = min(max(x, 0.0), ramp)
    return xc * xc * half_inv + max(x - ramp, 0.0)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _first_after(t: np.ndarray, x: float, per_day: float) -> int:
    """``np.searchsorted(t, x, side="right")`` (the first index with ``t[j] > x``) for a sorted
    grid of step ends: a guess from the mean number of steps per day ``per_day`` (see
    :func:`_steps_per_day`), corrected by a few comparisons (10x faster than numba's
    searchsorted on this size; the guess's multiplication instead of two divisions saves 4 %
    of the path model)."""
    m = t.size
    if m == 0 or x < t[0]:
        return 0
    if not x < t[m - 1]:  # also NaN
        return m
    j = min(max(int((x - t[0]) * per_day), 0), m - 1)
    while j < m and t[j] <= x:
        j += 1
    while j > 0 and t[j - 1] > x:
        j -= 1
    return j


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _steps_per_day(t: np.ndarray) -> float:
    """The mean number of steps per day of a grid of step ends ``t`` (0 with fewer than two
    steps, where :func:`_first_after` never guesses)."""
    m = t.size
    return (m - 1) / (t[m - 1] - t[0]) if m > 1 else 0.0


@njit(nogil=True, cache=True, error_model="numpy")
def _add_trapezoid(row: np.ndarray, t1: np.ndarray, t0: np.ndarray, per_day: float, start: float, up: float,
                   plateau: float, recovery: float, volume: float) -> None:
    """``row += volume * trapezoid_step_mean(...)`` for one path; steps outside the profile's
    support (ending before its start, starting after its end) get exactly nothing. The
    cumulative profile at a step's start is the one at the previous step's end when the steps
    are adjacent (the same number, not computed twice)."""
    if volume == 0.0:
        return
    end = start + up + plateau
    stop = end + recovery
    h_up = 0.5 / up if up > 0.0 else 0.0
    h_rec = 0.5 / recovery if recovery > 0.0 else 0.0
    j = _first_after(t1, start, per_day)  # the first step ending after the start
    b_prev, g_prev = np.nan, 0.0
    while j < t1.size and t0[j] < stop:
        a, b = t1[j], t0[j]
        g1 = _ramp_int(a - start, up, h_up) - _ramp_int(a - end, recovery, h_rec)
        g0 = g_prev if b == b_prev else _ramp_int(b - start, up, h_up) - _ramp_int(b - end, recovery, h_rec)
        row[j] += min(max((g1 - g0) / (a - b), 0.0), 1.0) * volume
        b_prev, g_prev = a, g1
        j += 1


@njit(nogil=True, cache=True, error_model="numpy")
def _add_premium(row: np.ndarray, t: np.ndarray, per_day: float, start: float, lead: float, half_life: float,
                 amp: float, regular_dt: float) -> None:
    """``row += amp * premium_profile(t, ...)`` for one path, at the sorted times ``t`` [days]
    (the steps' middles): linear build-up over ``lead`` days before ``start``, then halving
    every ``half_life`` days. On a regular grid (steps of ``regular_dt`` days; 0 for an
    irregular one) the decay is a fixed factor per step, applied to two interleaved chains (every other step), so that the multiplications do not wait on
    each other; ``row`` needs a spare slot after the grid's last step (``t.size + 1`` values),
    which the last pair may write instead of a branch on the parity of the steps left
    (mispredicted half the time)."""
    if amp == 0.0:
        return
    m = t.size
    rate = -LN2 / half_life
    j = _first_after(t, start - max(lead, 0.0), per_day)
    while j < m and t[j] < start:  # the build-up
        if lead > 0.0:
            row[j] += amp * min(max(1.0 + (t[j] - start) / lead, 0.0), 1.0)
        j += 1
    if j >= m:
        return
    v0 = amp * math.exp((t[j] - start) * rate)
    row[j] += v0
    if j + 1 >= m:
        return
    if regular_dt > 0.0:
        d1 = math.exp(rate * regular_dt)
        d2 = d1 * d1
        v1 = v0 * d1
        v0 = v1 * d1
        k = j + 1
        while k < m:  # ``row`` has a spare slot at ``m``: a last odd step's pair runs into it
            row[k] += v1
            row[k + 1] += v0
            v1 *= d2
            v0 *= d2
            k += 2
    else:
        value = v0
        for k in range(j + 1, m):
            value *= math.exp(rate * (t[k] - t[k - 1]))
            row[k] += value


@njit(nogil=True, cache=True, error_model="numpy")
def _two_factors(row, z, z2, dt, sigma, kappa, sigma_long):  # noqa: ANN001, ANN202 - compiled
    """``row += ou_factor(z, dt, sigma, kappa) + ou_factor(z2, dt, sigma_long, 0)`` for one path
    on a regular grid (steps of ``dt`` years): both recursions in one loop, so that they
    overlap; the same numbers as two :func:`_ou_add` calls."""
    if kappa > 0.0:
        phi = math.exp(-kappa * dt)
        scale = sigma * math.sqrt(-math.expm1(-2.0 * kappa * dt) / (2.0 * kappa))
    else:
        phi, scale = 1.0, sigma * math.sqrt(dt)
    scale_long = sigma_long * math.sqrt(dt)
    x = 0.0
    y = 0.0
    for j in range(row.size):
        x = x * phi + scale * z[j]
        y = y * 1.0 + scale_long * z2[j]
        row[j] += x
        row[j] += y


@njit(nogil=True, cache=True, error_model="numpy")
def _ou_add(row, z, dt_years, sigma, kappa):  # noqa: ANN001, ANN202 - compiled
    """``row += ou_factor(z, dt_years, sigma, kappa)`` for one path."""
    x, phi, scale, dt_prev = 0.0, 0.0, 0.0, -1.0
    for j in range(dt_years.size):
        dt = dt_years[j]
        if dt != dt_prev:
            dt_prev = dt
            if kappa > 0.0:
                phi = math.exp(-kappa * dt)
                scale = sigma * math.sqrt(-math.expm1(-2.0 * kappa * dt) / (2.0 * kappa))
            else:
                phi, scale = 1.0, sigma * math.sqrt(dt)
        x = x * phi + scale * z[j]
        row[j] += x


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _fuel_pair(brent, loss_pos, z_f, z_g, up_f, dn_f, ph_f, sc_f, ic_f, s_f, eff_f, dev_f, pl_f, out_f,  # noqa: ANN001
               up_g, dn_g, ph_g, sc_g, ic_g, s_g, eff_g, dev_g, pl_g, out_g):  # noqa: ANN001, ANN202 - compiled
    """The retail prices of two fuels on one path (rows of (steps,)): per fuel the asymmetric
    pass-through of Brent (``up``, ``dn`` shares), the crack-spread deviation (decay ``ph``,
    shock scale ``sc`` times its normals ``z``, widening ``pl`` per mb/d of positive net loss),
    intercept ``ic``, slope per unit ``s``, start state ``eff``, ``dev``; written to ``out``
    (checked afterwards by :func:`_count_bad`)."""
    for j in range(brent.size):
        gap_f = brent[j] - eff_f
        gap_g = brent[j] - eff_g
        # rockets and feathers, without a branch (the direction of a move is a coin flip)
        eff_f += max(gap_f, 0.0) * up_f[j] + min(gap_f, 0.0) * dn_f[j]
        eff_g += max(gap_g, 0.0) * up_g[j] + min(gap_g, 0.0) * dn_g[j]
        dev_f = dev_f * ph_f[j] + sc_f[j] * z_f[j]
        dev_g = dev_g * ph_g[j] + sc_g[j] * z_g[j]
        price_f = eff_f * s_f + ic_f[j] + (dev_f + pl_f * loss_pos[j])
        price_g = eff_g * s_g + ic_g[j] + (dev_g + pl_g * loss_pos[j])
        out_f[j] = price_f
        out_g[j] = price_g


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _count_bad(row):  # noqa: ANN001, ANN202 - compiled
    """The number of values of ``row`` that are not a positive finite price (at most 0, infinite
    or NaN: each is either not above 0 or infinite, never both). A pass of its own over the
    row just written, in the cache: two comparisons a value, which compile to SIMD; counted
    inside the recursions, as the product of two comparisons, the checks cost 4-5 % of the
    path model."""
    c = 0
    for j in range(row.size):
        x = row[j]
        c += x >= np.inf
        c += not x > 0.0
    return c


@njit(nogil=True, cache=True, error_model="numpy")
def path_model(
    # time grid, shape (steps,): step ends [days], lengths [days] and [years]; baseline Brent
    # [USD/bbl] and its log
    t1_days, step_days, dt_years, baseline, log_baseline,
    # seeding blocks: block b holds paths block_start[b]:block_start[b + 1]; the key of each
    # noise stream in each block, (streams, blocks) uint64: Brent short-term, Brent long-term,
    # then the crack spread of each fuel
    block_start, keys,
    # Brent factors (paths,): volatilities [1/sqrt(yr)] and reversion speed [1/yr]
    sigma, kappa, sigma_long,
    # disruptions, (disruptions, paths): timing [days], volume [mb/d] (0 when it does not occur),
    # premium amplitude log(1 + peak) (0 without premium), lead and half-life [days]
    d_start, d_up, d_plateau, d_recovery, d_volume, d_amp, d_lead, d_half_life,
    # hazard incidents grouped by path: path p owns inc_ptr[p]:inc_ptr[p + 1]
    inc_ptr, inc_start, inc_end, inc_volume, inc_amp, inc_lead, inc_half_life,
    # spare capacity (paths,): available [mb/d], share of the lagged loss, lag [steps]
    spare_avail, spare_share, spare_lag,
    # stock release: on/off, (paths,) rate [mb/d], total [mb], lag [days]; trigger on the net loss
    # [mb/d] and on log Brent (inf when absent)
    release, rel_rate, rel_total, rel_lag, trig_loss, trig_log_price,
    # price of a loss (paths,): world demand [mb/d], 1 / (eS - eD); tightness parameters
    demand, inv_elasticity, inventory0_days, slack_mult, tight_mult,
    # fuels: (fuels, steps) pass-through shares, intercept [USD/unit], crack decay and shock scale;
    # (fuels,) slope / units per bbl, noise on/off, initial effective crude and deviation;
    # (fuels, paths) crack widening per mb/d of net loss
    f_up, f_down, f_intercept, f_phi, f_scale, f_slope_per_unit, f_noisy, f_eff0, f_dev0, f_per_loss,
    # outputs (paths, steps): net loss [mb/d], Brent [USD/bbl]; (fuels, paths, steps) retail [USD/unit]
    net_out, brent_out, price_out,
):
    """Every path of a chunk; returns the number of non-positive or non-finite prices per price
    series (Brent first, then each fuel), which the engine reports as an input error."""
    m = t1_days.size
    n = sigma.size
    n_fuels = f_up.shape[0]
    t0 = t1_days - step_days
    t_mid = t1_days - 0.5 * step_days  # the premia are taken at each step's middle
    bad = np.zeros(1 + n_fuels, np.int64)
    factor = np.empty(m)
    gross = np.empty(m)
    prem = np.empty(m + 1)  # a spare slot for _add_premium's last pair
    spare = np.empty(m)
    net = np.empty(m)
    thr = np.empty(m)
    cap = np.empty(m)  # the stock release's rate per step
    z = np.empty(m)  # a path's normals of one stream
    zz = np.empty((2, m))  # two more: the long-term factor's, or two fuels' crack spreads
    flow = np.empty(m)  # inventory flow after each step's draw-down
    loss_pos = np.empty(m)  # the net loss where positive
    log_move = np.empty(m)  # Brent's clamped log move from its baseline
    rel_price = np.empty(m)  # its exp: Brent / baseline
    exp_poly = np.empty(m)  # scratch of exp_row
    exp_bits = np.empty(m, np.int64)
    span = slack_mult - tight_mult
    regular_dt = step_days[0] if m > 1 else 0.0  # the grid's step [days] if every step has it, else 0
    for j in range(1, m):
        if step_days[j] != regular_dt or t1_days[j] - t1_days[j - 1] != regular_dt:
            regular_dt = 0.0
    regular_years = dt_years[0] if m > 0 else 0.0  # the grid's step [years] if every step has it, else 0
    for j in range(1, m):
        if dt_years[j] != regular_years:
            regular_years = 0.0
    flow0 = inventory0_days / ACUTE_DURATION_DAYS  # inventory flow per mb/d of demand [-]
    per_day = _steps_per_day(t1_days)
    per_day_mid = _steps_per_day(t_mid)
    b = 0
    for p in range(n):
        while p >= block_start[b + 1]:  # the path's seeding block
            b += 1
        pl = np.uint64(p - block_start[b])  # the path's index in its block: its noise counter
        factor[:] = 0.0
        gross[:] = 0.0
        prem[:] = 0.0
        if sigma[p] > 0.0 and sigma_long[p] > 0.0 and regular_years > 0.0:
            path_normals(z, pl, keys[0, b])
            path_normals(zz[0], pl, keys[1, b])
            _two_factors(factor, z, zz[0], regular_years, sigma[p], kappa[p], sigma_long[p])
        else:  # a factor with no volatility draws nothing (and is exactly 0)
            if sigma[p] > 0.0:
                path_normals(z, pl, keys[0, b])
                _ou_add(factor, z, dt_years, sigma[p], kappa[p])
            if sigma_long[p] > 0.0:
                path_normals(z, pl, keys[1, b])
                _ou_add(factor, z, dt_years, sigma_long[p], 0.0)
        for d in range(d_start.shape[0]):
            _add_trapezoid(gross, t1_days, t0, per_day, d_start[d, p], d_up[d, p], d_plateau[d, p], d_recovery[d, p],
                           d_volume[d, p])
            _add_premium(prem, t_mid, per_day_mid, d_start[d, p], d_lead[d, p], d_half_life[d, p], d_amp[d, p],
                         regular_dt)
        for k in range(inc_ptr[p], inc_ptr[p + 1]):
            _add_trapezoid(gross, t1_days, t0, per_day, inc_start[k], 0.0, inc_end[k] - inc_start[k], 0.0, inc_volume[k])
            _add_premium(prem, t_mid, per_day_mid, inc_start[k], inc_lead[k], inc_half_life[k], inc_amp[k],
                         regular_dt)
        # spare capacity answers the loss of lag steps before, up to what is available and never
        # more than the current loss
        avail, share, lag = spare_avail[p], spare_share[p], spare_lag[p]
        dem = demand[p]
        per_mbd = inv_elasticity[p] / dem  # log price per mb/d of net loss, before tightness
        for j in range(m):
            want = share * max(gross[j - lag], 0.0) if j >= lag else 0.0
            spare[j] = min(min(want, avail), max(gross[j], 0.0))
            net[j] = gross[j] - spare[j]
        if release:
            # the release starts lag days after the first step where the net loss reaches the
            # trigger, and covers the shortfall beyond the trigger, up to its rate
            first = -1
            for j in range(m):
                level = trig_loss
                if trig_log_price < np.inf:
                    level = min(level, (trig_log_price - (log_baseline[j] + factor[j] + prem[j])) / per_mbd)
                thr[j] = level
                if first < 0 and net[j] >= level:
                    first = j
            if first >= 0:
                cap[:] = 0.0
                _add_trapezoid(cap, t1_days, t0, per_day, t1_days[first] + rel_lag[p], 0.0, rel_total[p] / rel_rate[p], 0.0,
                               rel_rate[p])
                for j in range(first + 1, m):
                    net[j] -= min(cap[j], max(net[j] - max(thr[j], 0.0), 0.0))
        # tightness and Brent: the inventory draw-down is a running sum (serial); the rest has
        # no recursion, so its loop compiles to SIMD
        stock = dem * flow0
        for j in range(m):
            stock -= net[j] * step_days[j] / ACUTE_DURATION_DAYS
            flow[j] = stock
        net_row = net_out[p]
        brent_row = brent_out[p]
        for j in range(m):
            nj = net[j]
            net_row[j] = nj
            loss_pos[j] = max(nj, 0.0)
            head = max(max(avail - spare[j], 0.0) + flow[j] - max(nj, 0.0), 0.0) / AMPLE_HEADROOM_MBD
            mult = min(head, 1.0) * span + tight_mult
            move = factor[j] + nj * per_mbd * mult + prem[j]
            log_move[j] = min(max(move, -LOG_MOVE_LIMIT), LOG_MOVE_LIMIT)
        exp_row(log_move, rel_price, exp_poly, exp_bits)  # vectorised exp (kernels.expo)
        for j in range(m):
            brent_row[j] = rel_price[j] * baseline[j]
        bad[0] += _count_bad(brent_row)
        # each fuel's pass-through, crack spread and retail price, two fuels at a time (their
        # recursions overlap; a last odd fuel is computed as its own pair)
        for f in range(0, n_fuels, 2):
            g = min(f + 1, n_fuels - 1)
            for h in range(f, g + 1):
                if f_noisy[h]:
                    path_normals(zz[h - f], pl, keys[2 + h, b])
                else:
                    zz[h - f, :] = 0.0
            _fuel_pair(brent_row, loss_pos, zz[0], zz[g - f], f_up[f], f_down[f], f_phi[f], f_scale[f], f_intercept[f],
                       f_slope_per_unit[f], f_eff0[f], f_dev0[f], f_per_loss[f, p], price_out[f, p], f_up[g], f_down[g],
                       f_phi[g], f_scale[g], f_intercept[g], f_slope_per_unit[g], f_eff0[g], f_dev0[g], f_per_loss[g, p],
                       price_out[g, p])
            bad[1 + f] += _count_bad(price_out[f, p])
            if g != f:
                bad[1 + g] += _count_bad(price_out[g, p])
    return bad
