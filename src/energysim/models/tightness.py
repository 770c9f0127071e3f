"""Market tightness: how much the price of a given loss depends on the buffers left.

The same loss moves prices far less in a slack market (ample spare capacity, full
inventories) than in a tight one (references §1–2). The multiplier ``m_t`` scales the
elasticity-based price of a net loss in :func:`energysim.models.price.loss_log_impact`::

    log P_t = log B_t + x_t + y_t + m_t * (L_t / D) / (eS - eD) + premia

with

    I_t = I_0 - (1 / D) * sum_{s <= t} L_s * dt_s                         [days of demand]
    H_t = max(S_avail - S_t + D * I_t / T_acute - L_t, 0)                   [mb/d]
    u_t = min(H_t / H_ample, 1)                                             [0..1]
    m_t = m_tight + (m_slack - m_tight) * u_t

``S_avail`` is the spare capacity available at the start and ``S_t`` what has been brought on,
so ``S_avail - S_t`` is the spare capacity still unused; ``I_t`` the inventories relative to
normal in days of world demand ``D``, drawn down by the net loss ``L_t``; an inventory surplus
counts as a flow it could sustain over a typical acute disruption ``T_acute``. ``H_t`` is the
headroom left *after* covering the current loss, so a loss as large as the buffers makes the
market tight even while spare capacity is still idle (1973, 1990) and a small loss against
ample buffers leaves it slack (Katrina, Libya). See docs/model.md for the derivation.

Parameters and sources
----------------------
``m_slack``, ``m_tight``
    The price rise per 1 % of world supply lost is ``m / (eS - eD)`` per cent. The working
    consensus elasticities (supply 0.05, demand -0.15; references §1) give ``1 / (eS - eD) = 5``.
    Transient or offset losses with visible spare capacity gave +1 … +3 % per 1 % (references (docs/references.md)
    §1–2: Katrina, Libya with the IEA release), so ``m_slack = 2 / 5 = 0.4`` (range 0.2–0.6);
    large persistent losses that exhausted the buffers gave +6 … +15 % per 1 % (1973, 1990), so
    ``m_tight = 10.5 / 5 = 2.1`` (range 1.2–3.0). The multipliers are the midpoints; the
    elasticity distributions carry the spread.
``H_ample``
    5.3 mb/d, the OPEC spare capacity the IEA reported in early 2025 (references §4), a level
    the notes call ample.
``T_acute``
    150 days: the median acute duration of the episodes in references §2 (5–6, ~5, 2–3,
    months, weeks–months, ~8 months).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["SLACK_MULTIPLIER", "TIGHT_MULTIPLIER", "AMPLE_HEADROOM_MBD", "ACUTE_DURATION_DAYS",
           "CONSENSUS_INVERSE_ELASTICITY", "inventory_days", "headroom_mbd", "multiplier",
           "tightness_multiplier"]

F = NDArray[np.floating]

#: 1 / (0.05 - (-0.15)): per cent price rise per 1 % of world supply at the consensus elasticities.
CONSENSUS_INVERSE_ELASTICITY = 1.0 / (0.05 + 0.15)
#: Midpoint of +1 … +3 % per 1 % (references §1–2) over the consensus 5 %.
SLACK_MULTIPLIER = 2.0 / CONSENSUS_INVERSE_ELASTICITY
#: Midpoint of +6 … +15 % per 1 % (references §2, 1973 and 1990) over the consensus 5 %.
TIGHT_MULTIPLIER = 10.5 / CONSENSUS_INVERSE_ELASTICITY
#: Headroom at which the market counts as slack [mb/d]: IEA OPEC spare capacity, early 2025.
AMPLE_HEADROOM_MBD = 5.3
#: Length over which an inventory surplus is counted as a flow [days]: median acute duration.
ACUTE_DURATION_DAYS = 150.0


def inventory_days(inventory_days_vs_normal: F | float, net_loss_mbd: F, step_days: F,
                   world_demand_mbd: F) -> F:
    """Inventories relative to normal [days of demand], drawn down by the net loss.

    ``I_t = I_0 - sum_{s<=t} L_s dt_s / D``. Shapes: ``net_loss_mbd`` (paths, steps),
    ``step_days`` (steps,), ``world_demand_mbd`` (paths,), ``I_0`` scalar or (paths,).
    """
    drawn_mb = np.cumsum(np.asarray(net_loss_mbd, float) * np.asarray(step_days, float)[None, :], axis=1)
    i0 = np.broadcast_to(np.asarray(inventory_days_vs_normal, float), (drawn_mb.shape[0],))
    return i0[:, None] - drawn_mb / np.asarray(world_demand_mbd, float)[:, None]


def headroom_mbd(spare_left_mbd: F, inventory_days_now: F, net_loss_mbd: F, world_demand_mbd: F,
                 acute_days: float = ACUTE_DURATION_DAYS) -> F:
    """Buffer left after covering the current loss [mb/d], shape (paths, steps).

    ``H = max(spare_left + D * I / T_acute - L, 0)``.
    """
    inv_flow = np.asarray(world_demand_mbd, float)[:, None] * np.asarray(inventory_days_now, float) / acute_days
    return np.maximum(np.asarray(spare_left_mbd, float) + inv_flow - np.asarray(net_loss_mbd, float), 0.0)


def multiplier(headroom: F, ample_mbd: float = AMPLE_HEADROOM_MBD, slack: float = SLACK_MULTIPLIER,
               tight: float = TIGHT_MULTIPLIER) -> F:
    """``m = tight + (slack - tight) * min(H / H_ample, 1)`` [-]."""
    u = np.clip(np.asarray(headroom, float) / ample_mbd, 0.0, 1.0)
    return tight + (slack - tight) * u


def tightness_multiplier(net_loss_mbd: F, spare_available_mbd: F, spare_used_mbd: F, world_demand_mbd: F,
                         step_days: F, inventory_days_vs_normal: F | float = 0.0, *,
                         slack: float = SLACK_MULTIPLIER, tight: float = TIGHT_MULTIPLIER) -> F:
    """The tightness multiplier ``m_t`` of the price equation, shape (paths, steps).

    Parameters
    ----------
    net_loss_mbd : array, shape (paths, steps)
        Net supply loss after spare capacity and stock releases [mb/d].
    spare_available_mbd : array, shape (paths,)
        Spare capacity available at the start [mb/d].
    spare_used_mbd : array, shape (paths, steps)
        Spare capacity brought on [mb/d].
    world_demand_mbd : array, shape (paths,)
        World demand [mb/d].
    step_days : array, shape (steps,)
        Step lengths [days].
    inventory_days_vs_normal : float or array, shape (paths,)
        Inventories relative to normal at the start [days of demand].
    slack, tight : float
        Multipliers in a slack and in a tight market (both 1 switch state dependence off).
    """
    # The same operations as inventory_days, headroom_mbd and multiplier, in place (fewer
    # temporaries, same numbers; the arrays keep the layout of net_loss_mbd).
    net = np.asarray(net_loss_mbd, float)
    demand = np.asarray(world_demand_mbd, float)[:, None]
    work = net * np.asarray(step_days, float)[None, :]
    for j in range(1, work.shape[1]):  # cumulative sum over steps (np.cumsum along the step axis is
        work[:, j] += work[:, j - 1]   # 40x slower on time-major arrays)
    work /= demand
    i0 = np.broadcast_to(np.asarray(inventory_days_vs_normal, float), (work.shape[0],))
    np.subtract(i0[:, None], work, out=work)  # inventories [days of demand]
    np.multiply(demand, work, out=work)
    work /= ACUTE_DURATION_DAYS  # their flow over an acute disruption [mb/d]
    head = np.subtract(np.asarray(spare_available_mbd, float)[:, None], spare_used_mbd)
    np.maximum(head, 0.0, out=head)
    head += work
    head -= np.maximum(net, 0.0, out=work)
    np.maximum(head, 0.0, out=head)  # headroom [mb/d]
    head /= AMPLE_HEADROOM_MBD
    np.clip(head, 0.0, 1.0, out=head)
    head *= slack - tight
    head += tight
    return head
