"""Held-out scoring of a pass-through fit against the naive rule ``retail = crude / 42 + constant``:
the naive constant and prediction, the mean absolute error [cents/gal] and :func:`score_holdout`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray
from .passthrough import PassThroughFit

__all__ = ["HoldoutScore", "fit_naive_constant", "mae_cents_per_gal", "naive_predict", "score_holdout"]


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
    pred = fit.predict(crude, dt_weeks, units_per_bbl, month=month, intercept_usd_per_gal=intercept_usd_per_gal)
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
