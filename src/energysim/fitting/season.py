"""Monthly seasonal profile of the pass-through model: effect-coded (sum-to-zero) design of 12
calendar-month offsets and the mapping from the 11 free coefficients back to 12 values."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._common import FloatArray

__all__ = ["season_design", "seasonal_from_free"]


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
