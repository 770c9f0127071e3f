"""Level of the current retail-margin regime: the pass-through intercept refitted on a recent
window with slope, time constants and season held fixed, with a Newey-West standard error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import _newey_west
from .passthrough import PassThroughFit

__all__ = ["RecentLevel", "fit_recent_level"]


# ---------------------------------------------------------------------------------------------
# Current-regime level
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecentLevel:
    """Intercept refitted on a recent window with slope, lags and season held fixed.

    Attributes
    ----------
    intercept_usd_per_gal : float
        Mean of ``retail - slope * e / 42 - s_month`` over the window [USD/gal].
    se_hac_usd_per_gal : float
        Newey-West standard error of that mean [USD/gal].
    shift_usd_per_gal : float
        ``intercept - fit.intercept_usd_per_gal``: how far the recent regime sits above the
        long-run level [USD/gal].
    residual_sd_usd_per_gal : float
        Sd of the window residuals around the recent level [USD/gal].
    n_obs : int
        Rows in the window.
    """

    intercept_usd_per_gal: float
    se_hac_usd_per_gal: float
    shift_usd_per_gal: float
    residual_sd_usd_per_gal: float
    n_obs: int


def fit_recent_level(
    brent_usd_per_bbl: ArrayLike,
    retail_usd_per_gal: ArrayLike,
    dt_weeks: ArrayLike | float,
    fit: PassThroughFit,
    window_mask: ArrayLike,
    *,
    month: ArrayLike | None = None,
    units_per_bbl: float = 42.0,
    hac_lag: int = 26,
) -> RecentLevel:
    """Level of the current margin regime: the intercept refitted on ``window_mask`` rows.

    With slope, time constants and (if ``month`` is given) the seasonal profile of ``fit``
    held fixed, the least-squares intercept is the mean over the window of
    ``retail_t - slope * e_t / 42 - s_{m(t)}``. Its standard error is the Newey-West (Bartlett,
    ``hac_lag`` lags) long-run sd of that series over ``sqrt(n)``.

    Parameters
    ----------
    brent_usd_per_bbl, retail_usd_per_gal : array, shape (n,)
        Aligned crude [USD/bbl] and retail [USD/gal].
    dt_weeks : float or array, shape (n,)
        Step lengths [weeks].
    fit : PassThroughFit
        Slope, lags and season to hold fixed.
    window_mask : bool array, shape (n,)
        Rows of the recent window.

    Returns
    -------
    RecentLevel
    """
    crude = np.asarray(brent_usd_per_bbl, dtype=np.float64)
    retail = np.asarray(retail_usd_per_gal, dtype=np.float64)
    win = np.asarray(window_mask, dtype=bool)
    if win.shape != crude.shape or retail.shape != crude.shape:
        raise ValueError("fit_recent_level: brent, retail and window_mask must have the same shape")
    if win.sum() < 2:
        raise ValueError(f"fit_recent_level: the window needs at least 2 rows, got {win.sum()}")
    pred0 = fit.predict(crude, dt_weeks, units_per_bbl, month=month, intercept_usd_per_gal=0.0)
    gap = (retail - pred0)[win]
    level = float(gap.mean())
    dev = gap - level
    lrv = float(_newey_west(dev[:, None], hac_lag)[0, 0]) / gap.size
    return RecentLevel(
        intercept_usd_per_gal=level,
        se_hac_usd_per_gal=float(np.sqrt(max(lrv, 0.0) / gap.size)),
        shift_usd_per_gal=level - fit.intercept_usd_per_gal,
        residual_sd_usd_per_gal=float(np.std(dev, ddof=1)),
        n_obs=int(gap.size),
    )
