"""Estimating the price-dynamics and pass-through parameters from history.

Pure functions on numpy arrays: no file I/O, no pandas, no printing. The orchestration that
reads the shipped data and writes ``calibration.json`` lives in :mod:`energysim.calibrate`.

Two models are fitted.

1. Short-term crude price factor (Schwartz 1997; Schwartz & Smith 2000). The deviation of log
   Brent from a slowly moving expected path is an Ornstein-Uhlenbeck process,

       dx = -kappa x dt + sigma dW,

   whose exact discretisation on a grid of step ``dt`` [yr] is the AR(1)

       x_{t+1} = phi x_t + eps_t,   phi = exp(-kappa dt),
       Var(eps) = sigma**2 (1 - phi**2) / (2 kappa).

   So ``kappa = -ln(phi) / dt`` [1/yr] and ``sigma = sd(eps) sqrt(2 kappa / (1 - phi**2))``
   [1/sqrt(yr)], see :func:`fit_ou_log_price`.

2. Crude-to-pump pass-through with asymmetric adjustment (Borenstein, Cameron & Gilbert 1997),
   the model of :mod:`energysim.models.retail`:

       retail_t = intercept + slope * e_t / 42 + s_{m(t)} + u_t,

   with ``e_t`` the effective crude cost of :func:`energysim.models.retail.effective_crude`
   (time constants ``tau_up``, ``tau_down`` [weeks]), ``s_m`` an optional seasonal profile by
   calendar month (12 values, mean zero) and ``u_t`` an AR(1) crack-spread deviation. Fitted by
   nonlinear least squares, see :func:`fit_pass_through`. The level of the current margin regime
   is refitted on a recent window with everything else held fixed, see :func:`fit_recent_level`.

References
----------
Schwartz, E. S. (1997). The stochastic behavior of commodity prices. J. Finance 52(3):923-973.
Schwartz, E. S. & Smith, J. E. (2000). Short-term variations and long-term dynamics in commodity
prices. Management Science 46(7):893-911.
Borenstein, S., Cameron, A. C. & Gilbert, R. (1997). Do gasoline prices respond asymmetrically
to crude oil price changes? QJE 112(1):305-339.
Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. Econometrica 55(3):703-708.
Kuensch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Ann. Statist. 17(3):1217-1241 (moving-block bootstrap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares

from energysim.models.retail import effective_crude

__all__ = [
    "AR1Fit",
    "OUFit",
    "PassThroughFit",
    "HoldoutScore",
    "DAYS_PER_YEAR",
    "WEEKS_PER_YEAR",
    "fit_ar1",
    "centred_moving_average",
    "fit_ou_log_price",
    "pass_through_predict",
    "fit_pass_through",
    "fit_naive_constant",
    "naive_predict",
    "mae_cents_per_gal",
    "score_holdout",
    "RecentLevel",
    "season_design",
    "seasonal_from_free",
    "fit_recent_level",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7.0


# ---------------------------------------------------------------------------------------------
# AR(1) / Ornstein-Uhlenbeck
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AR1Fit:
    """Least-squares AR(1) fit ``x_{t+1} = c + phi x_t + eps``.

    Attributes
    ----------
    phi, se_phi : float
        Autoregressive coefficient [-] and its OLS standard error.
    const : float
        Intercept [units of x].
    resid_sd : float
        Standard deviation of the innovations ``eps`` [units of x] (ddof = 2).
    r2 : float
        Share of the variance of ``x_{t+1}`` explained by the regression [-].
    n_obs : int
        Number of (x_t, x_{t+1}) pairs used.
    """

    phi: float
    se_phi: float
    const: float
    resid_sd: float
    r2: float
    n_obs: int


def _ar1_pairs(x: FloatArray, pair_ok: BoolArray | None) -> tuple[FloatArray, FloatArray]:
    x0, x1 = x[:-1], x[1:]
    ok = np.isfinite(x0) & np.isfinite(x1)
    if pair_ok is not None:
        ok &= pair_ok
    return x0[ok], x1[ok]


def _ols_ar1(x0: FloatArray, x1: FloatArray) -> AR1Fit:
    n = x0.size
    if n < 10:
        raise ValueError(f"AR(1) fit needs at least 10 consecutive pairs of observations, got {n}")
    design = np.column_stack([np.ones(n), x0])
    coef, *_ = np.linalg.lstsq(design, x1, rcond=None)
    resid = x1 - design @ coef
    s2 = float(resid @ resid) / (n - 2)
    cov = s2 * np.linalg.inv(design.T @ design)
    tss = float(np.sum((x1 - x1.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / tss if tss > 0 else float("nan")
    return AR1Fit(
        phi=float(coef[1]),
        se_phi=float(np.sqrt(cov[1, 1])),
        const=float(coef[0]),
        resid_sd=float(np.sqrt(s2)),
        r2=r2,
        n_obs=n,
    )


def fit_ar1(x: ArrayLike, pair_ok: ArrayLike | None = None) -> AR1Fit:
    """Fit ``x_{t+1} = c + phi x_t + eps`` by ordinary least squares.

    Parameters
    ----------
    x : array, shape (n,)
        Equally spaced series [any unit]; non-finite values drop the pairs they belong to.
    pair_ok : bool array, shape (n - 1,), optional
        ``pair_ok[t]`` says whether ``(x[t], x[t+1])`` is a valid consecutive pair (use it to
        skip gaps in the sampling or breaks between training segments).

    Returns
    -------
    AR1Fit
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim != 1:
        raise ValueError(f"fit_ar1: x must be one-dimensional, got shape {xa.shape}")
    ok = None if pair_ok is None else np.asarray(pair_ok, dtype=bool)
    if ok is not None and ok.shape != (xa.size - 1,):
        raise ValueError(
            f"fit_ar1: pair_ok must have shape ({xa.size - 1},) = len(x) - 1, got {ok.shape}"
        )
    return _ols_ar1(*_ar1_pairs(xa, ok))


def centred_moving_average(x: ArrayLike, window: int) -> FloatArray:
    """Centred moving average; NaN where the window does not fit inside the series.

    Parameters
    ----------
    x : array, shape (n,)
        Equally spaced series [any unit].
    window : int
        Window length [steps], >= 2. The average at ``t`` covers the ``window`` points from
        ``t - window // 2`` to ``t - window // 2 + window - 1`` (the pandas
        ``rolling(window, center=True)`` convention).

    Returns
    -------
    array, shape (n,)
    """
    xa = np.asarray(x, dtype=np.float64)
    if window < 2 or window > xa.size:
        raise ValueError(
            f"centred_moving_average: window must be between 2 and len(x) = {xa.size}, "
            f"got {window}"
        )
    out = np.full(xa.size, np.nan)
    csum = np.concatenate([[0.0], np.cumsum(xa)])
    means = (csum[window:] - csum[:-window]) / window
    start = window // 2
    out[start : start + means.size] = means
    return out


def _ou_from_ar1(phi: float, resid_sd: float, dt_years: float) -> tuple[float, float]:
    """(kappa [1/yr], sigma [1/sqrt(yr)]) from an AR(1) by the exact OU discretisation."""
    if not 0.0 < phi < 1.0:
        return float("nan"), float("nan")
    kappa = -np.log(phi) / dt_years
    sigma = resid_sd * np.sqrt(2.0 * kappa / (1.0 - phi**2))
    return float(kappa), float(sigma)


@dataclass(frozen=True)
class OUFit:
    """Ornstein-Uhlenbeck fit of the deviation of a log price from its trend.

    Attributes
    ----------
    sigma_annual : float
        Instantaneous volatility of the OU factor [1/sqrt(yr)], i.e. annualised log-vol.
    kappa_per_year : float
        Mean-reversion rate [1/yr].
    half_life_days : float
        ``ln 2 / kappa`` [days].
    stationary_sd : float
        ``sigma / sqrt(2 kappa)``, the long-run sd of the deviation [log units].
    phi, se_phi : float
        AR(1) coefficient per step and its OLS standard error.
    se_kappa, se_sigma : float
        Asymptotic (delta-method, i.i.d. innovations) standard errors [1/yr], [1/sqrt(yr)].
    ci90_kappa, ci90_sigma : tuple of float or None
        5 % and 95 % moving-block-bootstrap quantiles (robust to volatility clustering), if a
        bootstrap was asked for.
    boot_se_kappa, boot_se_sigma : float or None
        Bootstrap standard deviations of the estimates.
    n_obs : int
        Number of AR(1) pairs.
    r2 : float
        R-squared of the AR(1) regression on the deviations.
    dt_years : float
        Step [yr].
    trend_window_steps : int or None
        Centred moving-average window used as the trend, or None (constant mean).
    """

    sigma_annual: float
    kappa_per_year: float
    half_life_days: float
    stationary_sd: float
    phi: float
    se_phi: float
    se_kappa: float
    se_sigma: float
    n_obs: int
    r2: float
    dt_years: float
    trend_window_steps: int | None
    ci90_kappa: tuple[float, float] | None = None
    ci90_sigma: tuple[float, float] | None = None
    boot_se_kappa: float | None = None
    boot_se_sigma: float | None = None
    first_index: int = 0
    last_index: int = 0


def fit_ou_log_price(
    log_price: ArrayLike,
    dt_years: float,
    *,
    trend_window_steps: int | None = 104,
    n_boot: int = 0,
    block_steps: int = 52,
    seed: int = 0,
) -> OUFit:
    """Estimate the volatility and mean reversion of log price around a slowly moving trend.

    The deviation ``x_t = ln P_t - m_t`` from a centred moving average ``m_t`` (or from a
    constant mean when ``trend_window_steps`` is None) is regressed on its own lag,
    ``x_{t+1} = c + phi x_t + eps``, and converted with the exact OU discretisation:

        kappa = -ln(phi) / dt,   sigma = sd(eps) * sqrt(2 kappa / (1 - phi**2)).

    Standard errors follow from the OLS standard error of ``phi`` by the delta method,
    ``se(kappa) = se(phi) / (phi dt)``, and for sigma by adding the sampling error of
    ``sd(eps)`` (``sd / sqrt(2 (n - 2))``) in quadrature. Because weekly returns cluster in
    volatility those are too narrow; the moving-block bootstrap (``n_boot > 0``) resamples
    blocks of consecutive (x_t, x_{t+1}) pairs and gives more honest intervals.

    Parameters
    ----------
    log_price : array, shape (n,)
        Natural log of an equally spaced price series [ln(USD/bbl)].
    dt_years : float
        Sampling step [yr], e.g. ``7 / 365.25`` for weekly data.
    trend_window_steps : int or None, default 104
        Length of the centred moving average used as the expected path [steps]. The estimated
        kappa depends strongly on this choice (a shorter window removes more of the slow
        movement and leaves faster reversion); sigma hardly does.
    n_boot : int, default 0
        Number of moving-block-bootstrap replicates (0 = none).
    block_steps : int, default 52
        Bootstrap block length [steps].
    seed : int, default 0
        Seed of the bootstrap generator (``numpy.random.default_rng``).

    Returns
    -------
    OUFit

    Raises
    ------
    ValueError
        If the input is not one-dimensional, contains non-positive steps, or the AR(1)
        coefficient is outside (0, 1) so that no stationary OU fits.
    """
    lp = np.asarray(log_price, dtype=np.float64)
    if lp.ndim != 1:
        raise ValueError(f"fit_ou_log_price: log_price must be one-dimensional, got {lp.shape}")
    if not (np.isfinite(dt_years) and dt_years > 0):
        raise ValueError(f"fit_ou_log_price: dt_years must be a positive number, got {dt_years}")
    if trend_window_steps is None:
        dev = lp - np.nanmean(lp)
    else:
        dev = lp - centred_moving_average(lp, trend_window_steps)
    finite = np.flatnonzero(np.isfinite(dev))
    if finite.size == 0:
        raise ValueError("fit_ou_log_price: no finite deviations (series shorter than window?)")
    x0, x1 = _ar1_pairs(dev, None)
    ar = _ols_ar1(x0, x1)
    if not 0.0 < ar.phi < 1.0:
        raise ValueError(
            f"fit_ou_log_price: AR(1) coefficient {ar.phi:.4f} is outside (0, 1); the deviations "
            "are not a stationary mean-reverting process at this sampling step"
        )
    kappa, sigma = _ou_from_ar1(ar.phi, ar.resid_sd, dt_years)
    n = ar.n_obs
    se_kappa = ar.se_phi / (ar.phi * dt_years)
    # sigma = s * g(phi), g = sqrt(2 kappa(phi) / (1 - phi^2)); numeric derivative in phi.
    h = 1e-6
    _, sig_hi = _ou_from_ar1(ar.phi + h, ar.resid_sd, dt_years)
    _, sig_lo = _ou_from_ar1(ar.phi - h, ar.resid_sd, dt_years)
    dsig_dphi = (sig_hi - sig_lo) / (2 * h)
    se_s = ar.resid_sd / np.sqrt(2.0 * (n - 2))
    se_sigma = float(np.hypot(dsig_dphi * ar.se_phi, sigma / ar.resid_sd * se_s))

    ci_k = ci_s = None
    bse_k = bse_s = None
    if n_boot > 0:
        ks, ss = _block_bootstrap_ou(x0, x1, dt_years, n_boot, block_steps, seed)
        ci_k = (float(np.quantile(ks, 0.05)), float(np.quantile(ks, 0.95)))
        ci_s = (float(np.quantile(ss, 0.05)), float(np.quantile(ss, 0.95)))
        bse_k, bse_s = float(np.std(ks, ddof=1)), float(np.std(ss, ddof=1))

    return OUFit(
        sigma_annual=sigma,
        kappa_per_year=kappa,
        half_life_days=float(np.log(2.0) / kappa * DAYS_PER_YEAR),
        stationary_sd=float(sigma / np.sqrt(2.0 * kappa)),
        phi=ar.phi,
        se_phi=ar.se_phi,
        se_kappa=float(se_kappa),
        se_sigma=se_sigma,
        n_obs=n,
        r2=ar.r2,
        dt_years=float(dt_years),
        trend_window_steps=trend_window_steps,
        ci90_kappa=ci_k,
        ci90_sigma=ci_s,
        boot_se_kappa=bse_k,
        boot_se_sigma=bse_s,
        first_index=int(finite[0]),
        last_index=int(finite[-1]),
    )


def _block_bootstrap_ou(
    x0: FloatArray, x1: FloatArray, dt_years: float, n_boot: int, block: int, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Moving-block bootstrap of the AR(1) pairs; returns (kappa, sigma) replicates."""
    n = x0.size
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = int(np.ceil(n / block))
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    a, b = x0[idx], x1[idx]  # (n_boot, n)
    am, bm = a.mean(axis=1, keepdims=True), b.mean(axis=1, keepdims=True)
    phi = np.sum((a - am) * (b - bm), axis=1) / np.sum((a - am) ** 2, axis=1)
    resid = (b - bm) - phi[:, None] * (a - am)
    s = np.sqrt(np.sum(resid**2, axis=1) / (n - 2))
    phi_c = np.clip(phi, 1e-12, 1.0 - 1e-12)
    kappa = -np.log(phi_c) / dt_years
    sigma = s * np.sqrt(2.0 * kappa / (1.0 - phi_c**2))
    return kappa, sigma


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
    eff = effective_crude(crude, dt_weeks, tau_up_weeks, tau_down_weeks)[0]
    pred = intercept_usd_per_gal + slope * eff / units_per_bbl
    if seasonal_usd_per_gal is not None:
        if month is None:
            raise ValueError("pass_through_predict: a seasonal profile needs the month of each row")
        pred = pred + np.asarray(seasonal_usd_per_gal, dtype=np.float64)[_month_index(month, crude.shape[1])]
    return pred


def _month_index(month: ArrayLike, n: int) -> NDArray[np.intp]:
    """0-based month index from calendar months 1-12, checked."""
    m = np.asarray(month)
    if m.shape != (n,):
        raise ValueError(f"month must have shape ({n},), got {m.shape}")
    if not np.all((m >= 1) & (m <= 12)):
        raise ValueError("month must hold calendar months 1 to 12")
    return (m.astype(np.intp) - 1)


def season_design(month: ArrayLike) -> FloatArray:
    """Sum-to-zero (effect-coded) design of a 12-month seasonal profile, shape (n, 11).

    Column ``j`` (month ``j + 1``, January to November) is 1 in that month, -1 in December and
    0 otherwise, so that with free coefficients ``c`` the profile is ``s = (c, -sum(c))``: twelve
    values with mean zero, see :func:`seasonal_from_free`.
    """
    m = np.asarray(month)
    if m.ndim != 1:
        raise ValueError(f"season_design: month must be one-dimensional, got shape {m.shape}")
    idx = _month_index(m, m.size)
    d = np.zeros((idx.size, 11))
    rows = np.flatnonzero(idx < 11)
    d[rows, idx[rows]] = 1.0
    d[idx == 11, :] = -1.0
    return d


def seasonal_from_free(free: ArrayLike, cov_free: ArrayLike | None = None) -> tuple[FloatArray, FloatArray]:
    """Twelve seasonal values (mean zero) and their standard errors from the 11 free ones.

    ``s = T c`` with ``T = [I_11; -1...-1]``; ``Var(s) = T Var(c) T'``.
    """
    c = np.asarray(free, dtype=np.float64)
    t = np.vstack([np.eye(11), -np.ones((1, 11))])
    s = t @ c
    if cov_free is None:
        return s, np.full(12, np.nan)
    cov = t @ np.asarray(cov_free, dtype=np.float64) @ t.T
    return s, np.sqrt(np.clip(np.diag(cov), 0.0, None))


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


_PARAM_NAMES = ("intercept_usd_per_gal", "slope", "tau_up_weeks", "tau_down_weeks")


def _newey_west(scores: FloatArray, lag: int) -> FloatArray:
    """Bartlett-kernel long-run covariance of the rows of ``scores`` (n, k)."""
    n = scores.shape[0]
    s = scores.T @ scores
    for ell in range(1, min(lag, n - 1) + 1):
        w = 1.0 - ell / (lag + 1.0)
        g = scores[ell:].T @ scores[:-ell]
        s += w * (g + g.T)
    return s


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
        return effective_crude(paths, dt, tau_up, tau_down) / units_per_bbl

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


# ---------------------------------------------------------------------------------------------
# Held-out scoring
# ---------------------------------------------------------------------------------------------


def fit_naive_constant(
    brent_usd_per_bbl: ArrayLike,
    retail_usd_per_gal: ArrayLike,
    train_mask: ArrayLike | None = None,
    units_per_bbl: float = 42.0,
) -> float:
    """Constant of the naive rule ``retail = crude / 42 + constant`` [USD/gal].

    The least-squares constant is the mean of ``retail - crude / 42`` over the training rows.
    """
    crude = np.asarray(brent_usd_per_bbl, dtype=np.float64)
    retail = np.asarray(retail_usd_per_gal, dtype=np.float64)
    mask = np.ones(crude.shape, dtype=bool) if train_mask is None else np.asarray(train_mask, bool)
    if not mask.any():
        raise ValueError("fit_naive_constant: train_mask selects no rows")
    return float(np.mean(retail[mask] - crude[mask] / units_per_bbl))


def naive_predict(
    brent_usd_per_bbl: ArrayLike, constant_usd_per_gal: float, units_per_bbl: float = 42.0
) -> FloatArray:
    """Naive retail price ``crude / 42 + constant`` [USD/gal] (no lag, full pass-through)."""
    return np.asarray(brent_usd_per_bbl, dtype=np.float64) / units_per_bbl + constant_usd_per_gal


def mae_cents_per_gal(
    predicted_usd_per_gal: ArrayLike, actual_usd_per_gal: ArrayLike, mask: ArrayLike | None = None
) -> float:
    """Mean absolute error [cents/gal] over the rows in ``mask`` (default all)."""
    pred = np.asarray(predicted_usd_per_gal, dtype=np.float64)
    act = np.asarray(actual_usd_per_gal, dtype=np.float64)
    if pred.shape != act.shape:
        raise ValueError(f"mae_cents_per_gal: shapes differ, {pred.shape} vs {act.shape}")
    sel = np.ones(pred.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if not sel.any():
        raise ValueError("mae_cents_per_gal: mask selects no rows")
    return float(100.0 * np.mean(np.abs(pred[sel] - act[sel])))


@dataclass(frozen=True)
class HoldoutScore:
    """Held-out errors of the fitted model and of the naive rule.

    Attributes
    ----------
    mae_cents_per_gal : float
        MAE of ``intercept + slope * e / 42`` (crack deviation zero) on the test rows.
    naive_mae_cents_per_gal : float
        MAE of ``crude / 42 + constant`` with the constant fitted on the training rows.
    naive_constant_usd_per_gal : float
        That constant [USD/gal].
    bias_cents_per_gal, naive_bias_cents_per_gal : float
        Mean of predicted minus actual [cents/gal].
    n_obs : int
        Test rows.
    """

    mae_cents_per_gal: float
    naive_mae_cents_per_gal: float
    naive_constant_usd_per_gal: float
    bias_cents_per_gal: float
    naive_bias_cents_per_gal: float
    n_obs: int


def score_holdout(
    brent_usd_per_bbl: ArrayLike,
    retail_usd_per_gal: ArrayLike,
    dt_weeks: ArrayLike | float,
    fit: PassThroughFit,
    train_mask: ArrayLike,
    test_mask: ArrayLike,
    units_per_bbl: float = 42.0,
    *,
    month: ArrayLike | None = None,
    intercept_usd_per_gal: float | None = None,
    naive_train_mask: ArrayLike | None = None,
) -> HoldoutScore:
    """Score a pass-through fit and the naive rule on held-out rows.

    Parameters
    ----------
    brent_usd_per_bbl, retail_usd_per_gal : array, shape (n,)
        Aligned crude [USD/bbl] and retail [USD/gal] over the whole sample.
    dt_weeks : float or array, shape (n,)
        Step lengths [weeks].
    fit : PassThroughFit
        Parameters fitted on ``train_mask``.
    train_mask, test_mask : bool array, shape (n,)
        Rows used to fit (the naive constant is fitted here) and rows scored.
    month : int array, shape (n,), optional
        Calendar month of each row; when given, the fit's seasonal profile is added.
    intercept_usd_per_gal : float, optional
        Level to use instead of ``fit.intercept_usd_per_gal`` (e.g. a recent-regime level from
        :func:`fit_recent_level`).
    naive_train_mask : bool array, shape (n,), optional
        Rows on which the naive constant is fitted (default ``train_mask``).

    Returns
    -------
    HoldoutScore
    """
    crude = np.asarray(brent_usd_per_bbl, dtype=np.float64)
    retail = np.asarray(retail_usd_per_gal, dtype=np.float64)
    test = np.asarray(test_mask, dtype=bool)
    level = fit.intercept_usd_per_gal if intercept_usd_per_gal is None else intercept_usd_per_gal
    pred = pass_through_predict(
        crude,
        dt_weeks,
        level,
        fit.slope,
        fit.tau_up_weeks,
        fit.tau_down_weeks,
        units_per_bbl,
        seasonal_usd_per_gal=None if month is None else fit.seasonal_usd_per_gal,
        month=month,
    )
    naive_rows = train_mask if naive_train_mask is None else naive_train_mask
    const = fit_naive_constant(crude, retail, naive_rows, units_per_bbl)
    naive = naive_predict(crude, const, units_per_bbl)
    return HoldoutScore(
        mae_cents_per_gal=mae_cents_per_gal(pred, retail, test),
        naive_mae_cents_per_gal=mae_cents_per_gal(naive, retail, test),
        naive_constant_usd_per_gal=const,
        bias_cents_per_gal=float(100.0 * np.mean(pred[test] - retail[test])),
        naive_bias_cents_per_gal=float(100.0 * np.mean(naive[test] - retail[test])),
        n_obs=int(test.sum()),
    )


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
    pred0 = pass_through_predict(
        crude, dt_weeks, 0.0, fit.slope, fit.tau_up_weeks, fit.tau_down_weeks, units_per_bbl,
        seasonal_usd_per_gal=None if month is None else fit.seasonal_usd_per_gal, month=month,
    )  # fmt: skip
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
