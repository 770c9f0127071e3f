"""Shared pieces of :mod:`energysim.fitting`: array type aliases, calendar constants and the
Newey-West (1987) long-run covariance used by the pass-through and current-level fits."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["DAYS_PER_YEAR", "WEEKS_PER_YEAR", "BoolArray", "FloatArray"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7.0


def _newey_west(scores: FloatArray, lag: int) -> FloatArray:
    """Bartlett-kernel long-run covariance of the rows of ``scores`` (n, k)."""
    n = scores.shape[0]
    s = scores.T @ scores
    for ell in range(1, min(lag, n - 1) + 1):
        w = 1.0 - ell / (lag + 1.0)
        g = scores[ell:].T @ scores[:-ell]
        s += w * (g + g.T)
    return s
