"""Crude-to-pump pass-through with asymmetric adjustment (Borenstein, Cameron & Gilbert 1997).

``retail_t = intercept + slope * e_t / 42 + s_{m(t)} + u_t``, with ``e_t`` the effective crude of
:func:`energysim.models.retail.effective_crude`: prediction from a crude path and the nonlinear
least-squares fit of intercept, slope, the two time constants and (optionally) the monthly
season, with Newey-West standard errors and an AR(1) summary of the residual crack deviation.
See :mod:`energysim.fitting` for the model and references. Pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from energysim.models.retail import effective_crude

from ._common import WEEKS_PER_YEAR, FloatArray, _newey_west
from .ou import fit_ar1
from .season import _month_index, season_design, seasonal_from_free

__all__ = ["PassThroughFit", "fit_pass_through", "pass_through_predict"]


# ---------------------------------------------------------------------------------------------
# Pass-through
# ---------------------------------------------------------------------------------------------


def pass_through_predict(
    brent_usd_per_bbl: ArrayLike,
    dt_weeks: ArrayLike | float,
    intercept_usd_per_gal: float,
    slope: float,
    tau_up_weeks: float,
    tau_down_weeks: float,
    units_per_bbl: float = 42.0,
    seasonal_usd_per_gal: ArrayLike | None = None,
    month: ArrayLike | None = None,
) -> FloatArray:
    """Retail price predicted from the crude path, with the crack deviation set to zero.

    ``retail_t = intercept + slope * e_t / units_per_bbl (+ seasonal[month_t - 1])``, ``e`` from
    :func:`energysim.models.retail.effective_crude` started at the first crude price.

    Parameters
    ----------
    brent_usd_per_bbl : array, shape (n,)
        Crude price [USD/bbl].
    dt_weeks : float or array, shape (n,)
        Step lengths [weeks].
    intercept_usd_per_gal : float
        [USD/gal].
    slope : float
        Retail [USD/gal] per crude [USD/gal] [-].
    tau_up_weeks, tau_down_weeks : float
        Adjustment time constants [weeks].
    units_per_bbl : float, default 42
        Gallons per barrel.
    seasonal_usd_per_gal : array, shape (12,), optional
        Seasonal offset by calendar month, January first [USD/gal]; needs ``month``.
    month : int array, shape (n,), optional
        Calendar month (1-12) of each row.

    Returns
    -------
    array, shape (n,)
        Retail price [USD/gal].
    """
    crude = np.asarray(brent_usd_per_bbl, dtype=np.float64)[None, :]
    eff = effective_crude(crude, np.asarray(dt_weeks, dtype=np.float64), tau_up_weeks, tau_down_weeks)[0]
    pred = intercept_usd_per_gal + slope * eff / units_per_bbl
    if seasonal_usd_per_gal is not None:
        if month is None:
            raise ValueError("pass_through_predict: a seasonal profile needs the month of each row")
        pred = pred + np.asarray(seasonal_usd_per_gal, dtype=np.float64)[_month_index(month, crude.shape[1])]
    return pred



@dataclass(frozen=True)
class PassThroughFit:
    """Nonlinear least-squares fit of the asymmetric pass-through model.

    Attributes
    ----------
    intercept_usd_per_gal : float
        Taxes, distribution and marketing and the mean crack spread [USD/gal].
    slope : float
        Retail [USD/gal] per crude [USD/gal] [-]; ``100 * slope / 42`` is the pass-through in
        [cents/gal per USD/bbl].
    tau_up_weeks, tau_down_weeks : float
        Adjustment time constants for rising and falling crude [weeks].
    std_errors_iid : dict
        Standard errors from ``s**2 (J'J)^-1`` (i.i.d. residuals; far too small here because
        the residuals are strongly autocorrelated).
    std_errors_hac : dict
        Newey-West (Bartlett kernel) sandwich standard errors with ``hac_lag`` lags.
    hac_lag : int
        Lags used by the Newey-West estimator [steps].
    n_obs : int
        Training observations.
    r2 : float
        R-squared on the training rows (crack deviation set to zero).
    residual_sd_usd_per_gal : float
        Standard deviation of the training residuals [USD/gal]; this is also the stationary
        sd of the crack deviation ``u``.
    crack_phi, crack_reversion_per_year : float
        Weekly AR(1) coefficient of the residuals and ``-ln(phi) / dt`` [1/yr].
    crack_innovation_sd_usd_per_gal : float
        Sd of the AR(1) innovations [USD/gal].
    tau_at_bound : dict
        Whether each time constant ended on a bound of ``tau_bounds_weeks``.
    tau_bounds_weeks : tuple of float
        The bounds used.
    success : bool
        Optimizer convergence flag.
    message : str
        Optimizer message.
    seasonal_usd_per_gal : tuple of 12 float
        Seasonal offset by calendar month, January first, mean zero [USD/gal]; zeros when no
        months were given to the fit.
    seasonal_se_hac, seasonal_se_iid : tuple of 12 float
        Their Newey-West and i.i.d. standard errors (NaN when not fitted).
    """

    intercept_usd_per_gal: float
    slope: float
    tau_up_weeks: float
    tau_down_weeks: float
    std_errors_iid: dict[str, float]
    std_errors_hac: dict[str, float]
    hac_lag: int
    n_obs: int
    r2: float
    residual_sd_usd_per_gal: float
    crack_phi: float
    crack_reversion_per_year: float
    crack_innovation_sd_usd_per_gal: float
    tau_at_bound: dict[str, bool]
    tau_bounds_weeks: tuple[float, float]
    success: bool
    message: str
    residuals: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))
    seasonal_usd_per_gal: tuple[float, ...] = (0.0,) * 12
    seasonal_se_hac: tuple[float, ...] = (float("nan"),) * 12
    seasonal_se_iid: tuple[float, ...] = (float("nan"),) * 12

    @property
    def has_season(self) -> bool:
        return any(v != 0.0 for v in self.seasonal_usd_per_gal)

    def predict(
        self,
        brent_usd_per_bbl: ArrayLike,
        dt_weeks: ArrayLike | float,
        units_per_bbl: float = 42.0,
        *,
        month: ArrayLike | None = None,
        intercept_usd_per_gal: float | None = None,
    ) -> FloatArray:
        """:func:`pass_through_predict` with this fit's slope and lags, its season when ``month``
        is given, and its intercept unless another level is given [USD/gal]."""
        level = self.intercept_usd_per_gal if intercept_usd_per_gal is None else intercept_usd_per_gal
        return pass_through_predict(
            brent_usd_per_bbl, dt_weeks, level, self.slope, self.tau_up_weeks, self.tau_down_weeks,
            units_per_bbl, seasonal_usd_per_gal=None if month is None else self.seasonal_usd_per_gal,
            month=month,
        )


_PARAM_NAMES = ("intercept_usd_per_gal", "slope", "tau_up_weeks", "tau_down_weeks")


def fit_pass_through(
    brent_usd_per_bbl: ArrayLike,
    retail_usd_per_gal: ArrayLike,
    dt_weeks: ArrayLike | float,
    *,
    train_mask: ArrayLike | None = None,
    tau_bounds_weeks: tuple[float, float] = (0.1, 30.0),
    units_per_bbl: float = 42.0,
    hac_lag: int = 26,
    grid_points: int = 9,
    month: ArrayLike | None = None,
) -> PassThroughFit:
    """Fit intercept, slope, tau_up and tau_down (and a monthly season) of the pass-through model.

    Minimises ``sum_t (retail_t - intercept - slope * e_t(tau_up, tau_down) / 42)**2`` over
    the training rows with :func:`scipy.optimize.least_squares` (trust-region reflective,
    bounds on the time constants). The effective crude ``e_t`` is filtered over the *whole*
    series, so rows before the first training row serve as burn-in and held-out rows inside
    the sample do not break the filter. The start is the best point of a log-spaced grid of
    time constants, with intercept and slope profiled out by OLS at each grid point.

    The residual ``u_t`` is then summarised as an AR(1) crack-spread deviation: its sd (the
    stationary sd used by :func:`energysim.models.retail.crack_deviation`) and its reversion
    rate ``-ln(phi) / dt`` [1/yr] from consecutive training weeks.

    Parameters
    ----------
    brent_usd_per_bbl : array, shape (n,)
        Crude price aligned to the retail dates [USD/bbl].
    retail_usd_per_gal : array, shape (n,)
        Retail price [USD/gal].
    dt_weeks : float or array, shape (n,)
        Step lengths [weeks]; ``dt_weeks[0]`` is ignored (the filter starts at the first price).
    train_mask : bool array, shape (n,), optional
        Rows that enter the objective (default: all).
    tau_bounds_weeks : (float, float), default (0.1, 30)
        Bounds of both time constants [weeks]. A constant that ends on a bound is reported in
        ``tau_at_bound``.
    units_per_bbl : float, default 42
        Gallons per barrel.
    hac_lag : int, default 26
        Lags of the Newey-West covariance [steps].
    grid_points : int, default 9
        Grid points per time constant for the starting values.
    month : int array, shape (n,), optional
        Calendar month (1-12) of each row. When given, a seasonal profile ``s_m`` (12 values,
        mean zero, effect-coded by :func:`season_design`) is fitted jointly with the other
        parameters, and ``intercept`` is the annual-mean level.

    Returns
    -------
    PassThroughFit

    Raises
    ------
    ValueError
        On mismatched shapes, non-finite values, or fewer than 20 training rows.
    """
    crude = np.asarray(brent_usd_per_bbl, dtype=np.float64)
    retail = np.asarray(retail_usd_per_gal, dtype=np.float64)
    if crude.ndim != 1 or crude.shape != retail.shape:
        raise ValueError(
            "fit_pass_through: brent and retail must be one-dimensional and of equal length, "
            f"got shapes {crude.shape} and {retail.shape}"
        )
    if not (np.all(np.isfinite(crude)) and np.all(np.isfinite(retail))):
        raise ValueError("fit_pass_through: brent and retail must be finite everywhere")
    n = crude.size
    dt = np.broadcast_to(np.asarray(dt_weeks, dtype=np.float64), (n,))
    mask = np.ones(n, dtype=bool) if train_mask is None else np.asarray(train_mask, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"fit_pass_through: train_mask must have shape ({n},), got {mask.shape}")
    if mask.sum() < 20:
        raise ValueError(f"fit_pass_through: need at least 20 training rows, got {mask.sum()}")
    lo, hi = float(tau_bounds_weeks[0]), float(tau_bounds_weeks[1])
    if not 0.0 < lo < hi:
        raise ValueError(f"fit_pass_through: need 0 < low < high tau bounds, got {tau_bounds_weeks}")

    y = retail[mask]
    crude_row = crude[None, :]
    season = np.zeros((n, 0)) if month is None else season_design(month)
    if season.shape[0] != n:
        raise ValueError(f"fit_pass_through: month must have shape ({n},), got {season.shape[0]} rows")
    ds = season[mask]  # (m, 0 or 11)
    n_s = ds.shape[1]

    def eff_many(tau_up: FloatArray, tau_down: FloatArray) -> FloatArray:
        paths = np.broadcast_to(crude_row, (tau_up.size, n))
        return np.asarray(effective_crude(paths, dt, tau_up, tau_down) / units_per_bbl, dtype=np.float64)

    # Starting values: profile intercept, slope (and season) out by OLS on a grid of time constants.
    grid = np.geomspace(lo, hi, grid_points)
    gu, gd = (a.ravel() for a in np.meshgrid(grid, grid, indexing="ij"))
    xs = eff_many(gu, gd)[:, mask]  # (grid, m)
    # Frisch-Waugh: project the constant (and season) out of y and of every grid column once.
    q, _ = np.linalg.qr(np.column_stack([np.ones(y.size), ds]))
    my = y - q @ (q.T @ y)
    mx = xs - (xs @ q) @ q.T
    b = np.sum(mx * my, axis=1) / np.sum(mx * mx, axis=1)
    sse = float(my @ my) - b * np.sum(mx * my, axis=1)
    best = int(np.argmin(sse))
    design = np.column_stack([np.ones(y.size), xs[best], ds])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    p0 = np.concatenate([coef[:2], [gu[best], gd[best]], coef[2:]])

    def resid(p: FloatArray) -> FloatArray:
        x = eff_many(np.array([p[2]]), np.array([p[3]]))[0, mask]
        return p[0] + p[1] * x + ds @ p[4:] - y

    def jac(p: FloatArray) -> FloatArray:
        hu = 1e-5 * max(p[2], 1.0)
        hd = 1e-5 * max(p[3], 1.0)
        # central differences, staying inside the bounds
        up = np.array([min(p[2] + hu, hi), max(p[2] - hu, lo), p[2], p[2], p[2]])
        dn = np.array([p[3], p[3], min(p[3] + hd, hi), max(p[3] - hd, lo), p[3]])
        x = eff_many(up, dn)[:, mask]
        j = np.empty((y.size, 4 + n_s))
        j[:, 0] = 1.0
        j[:, 1] = x[4]
        j[:, 2] = p[1] * (x[0] - x[1]) / (up[0] - up[1])
        j[:, 3] = p[1] * (x[2] - x[3]) / (dn[2] - dn[3])
        j[:, 4:] = ds
        return j

    p0[2:4] = np.clip(p0[2:4], lo * (1 + 1e-9), hi * (1 - 1e-9))
    res = least_squares(
        resid,
        p0,
        jac=jac,
        bounds=([-np.inf, -np.inf, lo, lo] + [-np.inf] * n_s, [np.inf, np.inf, hi, hi] + [np.inf] * n_s),
        x_scale=np.array([0.1, 0.1, 1.0, 1.0] + [0.1] * n_s),
        method="trf",
    )
    p = res.x
    r = resid(p)
    m = r.size
    k = p.size
    jm = jac(p)
    jtj_inv = np.linalg.pinv(jm.T @ jm)
    s2 = float(r @ r) / (m - k)
    cov_iid = s2 * jtj_inv
    scores = jm * r[:, None]
    cov_hac = jtj_inv @ _newey_west(scores, hac_lag) @ jtj_inv * (m / (m - k))
    if n_s:
        seas, se_s_hac = seasonal_from_free(p[4:], cov_hac[4:, 4:])
        _, se_s_iid = seasonal_from_free(p[4:], cov_iid[4:, 4:])
    else:
        seas, se_s_hac, se_s_iid = np.zeros(12), np.full(12, np.nan), np.full(12, np.nan)

    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(r @ r) / tss if tss > 0 else float("nan")

    # Crack deviation = residuals, AR(1) over consecutive training weeks.
    u_full = np.full(n, np.nan)
    u_full[mask] = r
    pair_ok = mask[:-1] & mask[1:]
    ar = fit_ar1(u_full, pair_ok)
    step = float(np.median(dt[1:][pair_ok])) if pair_ok.any() else 1.0
    crack_rev = -np.log(ar.phi) / (step / WEEKS_PER_YEAR) if 0 < ar.phi < 1 else float("nan")

    tol = 1e-3
    at_bound = {
        "tau_up_weeks": bool(p[2] <= lo * (1 + tol) or p[2] >= hi * (1 - tol)),
        "tau_down_weeks": bool(p[3] <= lo * (1 + tol) or p[3] >= hi * (1 - tol)),
    }
    return PassThroughFit(
        intercept_usd_per_gal=float(p[0]),
        slope=float(p[1]),
        tau_up_weeks=float(p[2]),
        tau_down_weeks=float(p[3]),
        std_errors_iid={nm: float(np.sqrt(cov_iid[i, i])) for i, nm in enumerate(_PARAM_NAMES)},
        std_errors_hac={nm: float(np.sqrt(cov_hac[i, i])) for i, nm in enumerate(_PARAM_NAMES)},
        hac_lag=int(hac_lag),
        n_obs=int(m),
        r2=float(r2),
        residual_sd_usd_per_gal=float(np.std(r, ddof=k)),
        crack_phi=ar.phi,
        crack_reversion_per_year=float(crack_rev),
        crack_innovation_sd_usd_per_gal=ar.resid_sd,
        tau_at_bound=at_bound,
        tau_bounds_weeks=(lo, hi),
        success=bool(res.success),
        message=str(res.message),
        residuals=u_full,
        seasonal_usd_per_gal=tuple(float(v) for v in seas),
        seasonal_se_hac=tuple(float(v) for v in se_s_hac),
        seasonal_se_iid=tuple(float(v) for v in se_s_iid),
    )
