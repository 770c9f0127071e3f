"""Crude price: baseline, mean-reverting noise, the price of a net loss, and fear premia.

    log P_t = log B_t + x_t + m_t * (L_t / D) / (eS - eD) + sum_k g_k(t) log(1 + pi_k / 100)

``B_t`` baseline [USD/bbl]; ``x_t`` short-term Ornstein-Uhlenbeck factor (Schwartz 1997;
Schwartz & Smith 2000); ``L_t`` net supply loss [mb/d]; ``D`` world demand [mb/d]; ``eS`` and
``eD`` short-run supply and demand elasticities (Kilian & Murphy 2014; Baumeister & Hamilton
2019; Caldara, Cavallo & Iacoviello 2019), so a loss of 1 % of world supply raises the price by
about ``1 / (eS - eD)`` per cent; ``m_t`` the market-tightness multiplier (:mod:`energysim.models.tightness`: from
``m_slack`` with ample buffers to ``m_tight`` when they are used up; 0.4 and 2.1 by default);
``pi_k`` the peak premium of event ``k`` [%] and ``g_k(t)`` its profile, 1 at its peak
(Kilian 2009: precautionary demand); docs/model.md section 4.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["ou_factor", "loss_log_impact", "crude_price", "LOG_MOVE_LIMIT"]

F = NDArray[np.floating]


def ou_factor(shocks: F, dt_years: F, sigma: F | float, kappa: F | float, out: F | None = None) -> F:
    """Short-term factor ``x`` of log price, an OU process started at 0, exact discretisation.

    ``x_j = phi_j x_{j-1} + sigma * sqrt((1 - phi_j**2) / (2 kappa)) z_j`` with
    ``phi_j = exp(-kappa dt_j)``; for ``kappa = 0`` the step sd is ``sigma sqrt(dt_j)``.

    Parameters
    ----------
    shocks : array, shape (paths, steps)
        Standard normal draws.
    dt_years : array, shape (steps,)
        Step lengths [yr].
    sigma : float or array, shape (paths,)
        Volatility [1/sqrt(yr)].
    kappa : float or array, shape (paths,)
        Reversion speed [1/yr].
    out : array like ``shocks``, optional
        Where to write the factor (may be ``shocks`` itself: computed in place). Same dtype as
        the shocks (the engine passes float32 noise).
    """
    z = np.asarray(shocks)
    n_paths, n_steps = z.shape
    dt = np.broadcast_to(np.asarray(dt_years, dtype=np.float64), (n_steps,))
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (n_paths,))
    kappa = np.broadcast_to(np.asarray(kappa, dtype=np.float64), (n_paths,))
    if n_paths and np.all(sigma == sigma[0]) and np.all(kappa == kappa[0]):
        sigma, kappa = sigma[:1], kappa[:1]  # one value for every path: per-step scalars
    # Performance: ``out[:, j]`` is contiguous when the shocks are time-major; ``out`` may be the shocks themselves (the recursion reads z_j before writing x_j).
    out = np.empty_like(z) if out is None else out
    # phi_j and the step sd for every step at once, (steps, 1 or paths)
    safe_k = np.where(kappa > 0, kappa, 1.0)[None, :]
    k = kappa[None, :]
    phi = np.exp(-k * dt[:, None]).astype(z.dtype)
    var = np.where(k > 0, -np.expm1(-2.0 * k * dt[:, None]) / (2.0 * safe_k), dt[:, None])
    scale = (sigma[None, :] * np.sqrt(var)).astype(z.dtype)
    tmp = np.empty(n_paths, dtype=z.dtype)
    for j in range(n_steps):
        col = out[:, j]
        np.multiply(z[:, j], scale[j], out=col)
        if j:  # x_j = x_{j-1} phi + scale z_j (x_0 = scale z_0: the state starts at 0)
            np.multiply(out[:, j - 1], phi[j], out=tmp)
            col += tmp
    return out


def loss_log_impact(net_loss_mbd: F, world_demand_mbd: F, supply_elasticity: F, demand_elasticity: F,
                    tightness: F | float = 1.0) -> F:
    """Log price change from a net loss: ``m * (L / D) / (eS - eD)`` [-].

    Parameters are arrays of shape (paths,) except ``net_loss_mbd`` (paths, steps) and
    ``tightness`` (scalar or (paths, steps)).
    """
    share = np.asarray(net_loss_mbd) / np.asarray(world_demand_mbd, float)[:, None]
    inv = 1.0 / (np.asarray(supply_elasticity, float) - np.asarray(demand_elasticity, float))
    tight = np.asarray(tightness)
    if tight.shape == share.shape:
        share *= tight  # in place, the same products as tightness * share * inv
    else:
        share = tight * share
    share *= inv[:, None]
    return share


#: Largest log move from the baseline a path may take [-]: a factor of 1000 either way. A
#: numerical guard, not a model parameter: the whole weekly Brent record in
#: data/brent-weekly.csv (EIA RBRTE, 1987-2025) spans a factor of 15 (log 2.7, from $9.44 in
#: Dec 1998 to $141.07 in Jul 2008) and its largest one-year log move is 1.6, so the clip never
#: binds in a realistic scenario. It keeps exp() finite and the price positive for any valid
#: input (a loss of most of world demand, a volatility of 2, a near-zero elasticity gap).
LOG_MOVE_LIMIT = float(np.log(1000.0))


def crude_price(baseline_usd_per_bbl: F, factor: F, loss_impact: F, premium_log: F | float = 0.0) -> F:
    """``B * exp(clip(x + impact + premium, -LOG_MOVE_LIMIT, LOG_MOVE_LIMIT))`` [USD/bbl].

    Shape (paths, steps). The clip (see :data:`LOG_MOVE_LIMIT`) keeps every price finite and
    positive; NaN inputs stay NaN so that the engine's check reports them.
    """
    log_move = np.add(factor, loss_impact, dtype=np.float64)
    log_move += premium_log
    np.clip(log_move, -LOG_MOVE_LIMIT, LOG_MOVE_LIMIT, out=log_move)
    np.exp(log_move, out=log_move)
    log_move *= np.asarray(baseline_usd_per_bbl)[None, :]
    return log_move
