"""AR(1) least squares and the Ornstein-Uhlenbeck fit of log Brent around a slowly moving trend.

The short-term price factor of Schwartz (1997) and Schwartz & Smith (2000): the deviation of log
Brent from a centred moving average is regressed on its own lag and converted to
(kappa [1/yr], sigma [1/sqrt(yr)]) by the exact OU discretisation, with delta-method and
moving-block-bootstrap (Kuensch 1989) uncertainty; see :mod:`energysim.fitting` for the
equations and references. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import DAYS_PER_YEAR, BoolArray, FloatArray

__all__ = ["AR1Fit", "OUFit", "centred_moving_average", "fit_ar1", "fit_ou_log_price"]


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
