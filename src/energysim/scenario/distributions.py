"""Uncertain inputs: a number, or a distribution written as a mapping with a ``dist`` key.

Numeric distributions: ``fixed``, ``uniform``, ``triangular``, ``pert``, ``normal`` (optionally
truncated by ``low``/``high``), ``lognormal`` (by ``median`` and ``p90``, or by ``mu`` and
``sigma``) and ``choice`` (weighted discrete). Date distributions: ``fixed``, ``uniform``,
``triangular`` and ``choice`` over ISO dates.

Each class validates its own parameters (low <= mode <= high, p90 > median, ...) and samples
``n`` values from a numpy Generator; sampling is pure.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import special

__all__ = ["Dist", "DateDist", "Fixed", "Uniform", "Triangular", "Pert", "Normal", "LogNormal", "Choice", "beta_table"]

_Z90 = 1.2815515655446004  # standard normal 90th percentile


def _not_boolean(value: Any) -> Any:
    """``low: no`` is not 0: YAML reads yes, no, on, off, true and false as booleans, which
    pydantic would otherwise take for 1 and 0."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


#: A parameter of a distribution: a number (a boolean is refused).
Real = Annotated[float, BeforeValidator(_not_boolean)]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws by inverse transform of ``n`` uniforms, so that two runs whose parameters
        differ draw *coupled* values (same uniform, same rank): paired comparisons stay tight."""
        return self.ppf(rng.random(n))

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        """Inverse cumulative distribution function at ``u`` in [0, 1)."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover
        raise NotImplementedError

    def center(self) -> float:  # pragma: no cover
        """A representative value (median or mode) used for baselines and descriptions."""
        raise NotImplementedError

    @property
    def is_fixed(self) -> bool:
        lo, hi = self.support()
        return lo == hi


class Fixed(_Base):
    """A known value."""

    dist: Literal["fixed"] = "fixed"
    value: Real

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def center(self) -> float:
        return self.value


class Uniform(_Base):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"]
    low: Real
    high: Real

    @model_validator(mode="after")
    def _check(self) -> "Uniform":
        if self.low > self.high:
            raise ValueError(f"low must not exceed high (given low={self.low}, high={self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        return 0.5 * (self.low + self.high)


class Triangular(_Base):
    """Triangular between ``low`` and ``high`` with most likely value ``mode``."""

    dist: Literal["triangular"]
    low: Real
    mode: Real
    high: Real

    @model_validator(mode="after")
    def _check(self) -> "Triangular":
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"need low <= mode <= high (given low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        span = self.high - self.low
        if span == 0:
            return np.full(u.shape, self.low)
        cut = (self.mode - self.low) / span
        left = self.low + np.sqrt(u * span * (self.mode - self.low))
        right = self.high - np.sqrt((1.0 - u) * span * (self.high - self.mode))
        return np.where(u < cut, left, right)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        return self.mode


@functools.lru_cache(maxsize=64)
def beta_table(a: float, b: float, size: int = 1 << 14) -> tuple[np.ndarray, np.ndarray]:
    """(CDF, x) of Beta(a, b) on a grid in x with Chebyshev spacing (dense at 0 and 1), read-only:
    :meth:`Pert.ppf` interpolates the inverse CDF in it."""
    x = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, size))
    x[0], x[-1] = 0.0, 1.0
    cdf = special.betainc(a, b, x)
    cdf.setflags(write=False)
    x.setflags(write=False)
    return cdf, x


class Pert(_Base):
    """Beta-PERT between ``low`` and ``high`` with most likely value ``mode`` (shape 4 by default)."""

    dist: Literal["pert"]
    low: Real
    mode: Real
    high: Real
    shape: Real = Field(4.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> "Pert":
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"need low <= mode <= high and low < high (given low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def beta_shapes(self) -> tuple[float, float]:
        """The shapes (a, b) of the Beta distribution on [0, 1] that this PERT rescales."""
        span = self.high - self.low
        return (1.0 + self.shape * (self.mode - self.low) / span, 1.0 + self.shape * (self.high - self.mode) / span)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        span = self.high - self.low
        a, b = self.beta_shapes()
        u = np.asarray(u, dtype=float)
        # Performance: betaincinv costs about 1.3 us a value; interpolating the inverse in a
        # table of the CDF (exact betainc on a grid dense near both ends, built once per shape)
        # costs 50x less. Always the table, so a value never depends on how many are drawn
        # together. Error below 1e-7 of the range (tests/test_engine_kernels.py), far under
        # the Monte Carlo error. The engine draws with a compiled copy of this lookup
        # (energysim.kernels.draws.pert_ppf: same table, same values).
        # The upper half through the mirrored Beta(b, a) at 1 - u (exact for u >= 0.5), so
        # that both tails are interpolated where the CDF is far from 1 (no cancellation).
        cdf, x = beta_table(a, b)
        cdf_m, _ = beta_table(b, a)
        upper = u > 0.5
        q = np.asarray(np.interp(u, cdf, x), dtype=float)
        if np.any(upper):
            q[upper] = 1.0 - np.interp(1.0 - u[upper], cdf_m, x)
        return self.low + span * q

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        return self.mode


class Normal(_Base):
    """Normal with ``mean`` and standard deviation ``sd``, optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean: Real
    sd: Real = Field(ge=0)
    low: Real | None = None
    high: Real | None = None

    @model_validator(mode="after")
    def _check(self) -> "Normal":
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        if lo >= hi:
            raise ValueError(f"low must be below high (given low={self.low}, high={self.high})")
        if self.sd == 0 and not lo <= self.mean <= hi:
            raise ValueError("with sd 0 the mean must lie inside [low, high]")
        if self.sd > 0:
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            if special.ndtr(b) - special.ndtr(a) < 1e-9:
                raise ValueError(
                    f"the truncation [low, high] leaves almost no probability (given mean={self.mean}, sd={self.sd}, low={self.low}, high={self.high})"
                )
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.sd == 0:
            return np.full(u.shape, self.mean)
        lo = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        hi = math.inf if self.high is None else (self.high - self.mean) / self.sd
        plo, phi = special.ndtr(lo), special.ndtr(hi)
        u = plo + (phi - plo) * u
        z = special.ndtri(np.clip(u, 1e-300, 1 - 1e-16))
        return np.clip(self.mean + self.sd * z, self.low if self.low is not None else -np.inf,
                       self.high if self.high is not None else np.inf)

    def support(self) -> tuple[float, float]:
        if self.sd == 0:
            return (self.mean, self.mean)
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)

    def center(self) -> float:
        return min(max(self.mean, self.support()[0]), self.support()[1])


class LogNormal(_Base):
    """Lognormal, by ``median`` and ``p90`` (p90 > median > 0) or by ``mu`` and ``sigma`` of the log."""

    dist: Literal["lognormal"]
    median: Real | None = None
    p90: Real | None = None
    mu: Real | None = None
    sigma: Real | None = None

    @model_validator(mode="after")
    def _check(self) -> "LogNormal":
        by_quantiles = self.median is not None or self.p90 is not None
        by_moments = self.mu is not None or self.sigma is not None
        if by_quantiles == by_moments:
            raise ValueError("give either median and p90, or mu and sigma")
        if by_quantiles:
            if self.median is None or self.p90 is None:
                raise ValueError("give both median and p90")
            if self.median <= 0:
                raise ValueError(f"median must be positive (given {self.median})")
            if self.p90 <= self.median:
                raise ValueError(f"p90 must be above the median (given median={self.median}, p90={self.p90})")
        else:
            if self.mu is None or self.sigma is None:
                raise ValueError("give both mu and sigma")
            if self.sigma < 0:
                raise ValueError(f"sigma must not be negative (given {self.sigma})")
        return self

    def _params(self) -> tuple[float, float]:
        if self.median is not None and self.p90 is not None:
            return math.log(self.median), math.log(self.p90 / self.median) / _Z90
        assert self.mu is not None and self.sigma is not None
        return self.mu, self.sigma

    def ppf(self, u: np.ndarray) -> np.ndarray:
        mu, sigma = self._params()
        return np.exp(mu + sigma * special.ndtri(np.clip(np.asarray(u, dtype=float), 1e-300, 1 - 1e-16)))

    def support(self) -> tuple[float, float]:
        mu, sigma = self._params()
        return (math.exp(mu), math.exp(mu)) if sigma == 0 else (0.0, math.inf)

    def center(self) -> float:
        return math.exp(self._params()[0])


class Choice(_Base):
    """One of ``values``, with probabilities proportional to ``weights`` (equal if omitted)."""

    dist: Literal["choice"]
    values: list[Real] = Field(min_length=1)
    weights: list[Real] | None = None

    @model_validator(mode="after")
    def _check(self) -> "Choice":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights and values need the same length (given {len(self.weights)} weights, {len(self.values)} values)"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self

    def probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        order = np.argsort(self.values, kind="stable")  # sorted, so a larger u gives a larger value
        values = np.asarray(self.values, float)[order]
        cdf = np.cumsum(self.probabilities()[order])
        idx = np.searchsorted(cdf, np.asarray(u) * cdf[-1], side="right")
        return values[np.minimum(idx, len(values) - 1)]

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    def center(self) -> float:
        p = self.probabilities()
        return float(self.values[int(np.argmax(p))])


Dist = Annotated[
    Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Choice, Field(discriminator="dist")
]

# ---- dates -----------------------------------------------------------------------------------


class _DateBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def to_days(self, origin: dt.date) -> Any:  # pragma: no cover
        """The same distribution in days since ``origin`` (a numeric distribution)."""
        raise NotImplementedError

    def bounds(self) -> tuple[dt.date, dt.date]:  # pragma: no cover
        raise NotImplementedError


def _days(d: dt.date, origin: dt.date) -> float:
    return float((d - origin).days)


class FixedDate(_DateBase):
    """A known date."""

    dist: Literal["fixed"] = "fixed"
    value: dt.date

    def to_days(self, origin: dt.date) -> Fixed:
        return Fixed(value=_days(self.value, origin))

    def bounds(self) -> tuple[dt.date, dt.date]:
        return (self.value, self.value)


class UniformDate(_DateBase):
    """Any date between ``low`` and ``high``, equally likely."""

    dist: Literal["uniform"]
    low: dt.date
    high: dt.date

    @model_validator(mode="after")
    def _check(self) -> "UniformDate":
        if self.low > self.high:
            raise ValueError(f"low must not be after high (given low={self.low}, high={self.high})")
        return self

    def to_days(self, origin: dt.date) -> Uniform:
        """Uniform from 00:00 of ``low`` to the end of ``high``: every day of the range, ``high``
        included, equally likely (a start on date ``d`` is at ``d - origin`` days)."""
        return Uniform(dist="uniform", low=_days(self.low, origin), high=_days(self.high, origin) + 1.0)

    def bounds(self) -> tuple[dt.date, dt.date]:
        return (self.low, self.high)


class TriangularDate(_DateBase):
    """A date between ``low`` and ``high``, most likely ``mode``."""

    dist: Literal["triangular"]
    low: dt.date
    mode: dt.date
    high: dt.date

    @model_validator(mode="after")
    def _check(self) -> "TriangularDate":
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high (given low={self.low}, mode={self.mode}, high={self.high})")
        return self

    def to_days(self, origin: dt.date) -> Triangular:
        return Triangular(
            dist="triangular", low=_days(self.low, origin), mode=_days(self.mode, origin), high=_days(self.high, origin)
        )

    def bounds(self) -> tuple[dt.date, dt.date]:
        return (self.low, self.high)


class ChoiceDate(_DateBase):
    """One of ``values`` (dates), with probabilities proportional to ``weights``."""

    dist: Literal["choice"]
    values: list[dt.date] = Field(min_length=1)
    weights: list[Real] | None = None

    @model_validator(mode="after")
    def _check(self) -> "ChoiceDate":
        Choice(dist="choice", values=[0.0] * len(self.values), weights=self.weights)
        return self

    def to_days(self, origin: dt.date) -> Choice:
        return Choice(dist="choice", values=[_days(v, origin) for v in self.values], weights=self.weights)

    def bounds(self) -> tuple[dt.date, dt.date]:
        return (min(self.values), max(self.values))


DateDist = Annotated[FixedDate | UniformDate | TriangularDate | ChoiceDate, Field(discriminator="dist")]
