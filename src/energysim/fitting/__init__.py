"""Estimating the price-dynamics and pass-through parameters from history.

Pure functions on numpy arrays: no file I/O, no pandas, no printing. The orchestration that
reads the shipped data and writes ``calibration.json`` lives in :mod:`energysim.calibrate`.

Modules: :mod:`~energysim.fitting.ou` (AR(1) and the OU fit of log Brent),
:mod:`~energysim.fitting.passthrough` (pass-through prediction and least-squares fit),
:mod:`~energysim.fitting.season` (monthly seasonal design), :mod:`~energysim.fitting.level`
(current-regime level), :mod:`~energysim.fitting.scoring` (held-out scores and the naive rule)
and :mod:`~energysim.fitting._common` (shared constants and the Newey-West covariance).

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

from ._common import DAYS_PER_YEAR, WEEKS_PER_YEAR
from .level import RecentLevel, fit_recent_level
from .ou import AR1Fit, OUFit, centred_moving_average, fit_ar1, fit_ou_log_price
from .passthrough import PassThroughFit, fit_pass_through, pass_through_predict
from .scoring import (
    HoldoutScore,
    fit_naive_constant,
    mae_cents_per_gal,
    naive_predict,
    score_holdout,
)
from .season import season_design, seasonal_from_free

__all__ = [
    "DAYS_PER_YEAR",
    "WEEKS_PER_YEAR",
    "AR1Fit",
    "HoldoutScore",
    "OUFit",
    "PassThroughFit",
    "RecentLevel",
    "centred_moving_average",
    "fit_ar1",
    "fit_naive_constant",
    "fit_ou_log_price",
    "fit_pass_through",
    "fit_recent_level",
    "mae_cents_per_gal",
    "naive_predict",
    "pass_through_predict",
    "score_holdout",
    "season_design",
    "seasonal_from_free",
]
