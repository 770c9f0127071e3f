"""The random events of a chunk: the drawn disruptions and hazard incidents, no I/O.

:func:`disruptions` draws every disruption's occurrence, timing, volume and risk premium;
:func:`incidents` every hazard's incidents (a Poisson count per path by :func:`poisson_ppf`,
then each incident's start and marks), grouped by path. Both return arrays named as the
``d_*`` and ``inc_*`` arguments of :func:`energysim.kernels.paths.path_model`;
:func:`energysim.engine.chunk_inputs` hands them on. Every draw comes from the chunk's named
streams (:class:`~energysim.sampling.ChunkStreams`), so each depends only on the seed, its
stream name and its block.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .kernels import draws
from .sampling import ChunkStreams
from .scenario.schema import Scenario

__all__ = ["disruptions", "incidents", "poisson_ppf"]


def _occurs(st: ChunkStreams, name: str, probability: Any) -> np.ndarray:
    p = st.draw(name + ".probability", probability)
    out = np.ones(st.n, dtype=bool)
    for part, lo in zip(st.parts, st.offsets):  # per block: a block that surely occurs draws nothing
        pb = p[lo:lo + part.n]
        if np.all(pb >= 1.0):
            part.used.append(name + ".occurs")
        else:
            np.less(part.uniforms(name + ".occurs"), pb, out=out[lo:lo + part.n])
    return out


def poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson quantile (smallest k with CDF(k) >= u) of each ``u`` (1-d), vectorised over paths.

    Summing the pmf term by term (:func:`energysim.kernels.draws.poisson_ppf`, at most ``limit``
    terms) agrees with ``scipy.stats.poisson.ppf`` except where ``u`` is within float rounding
    (1e-15) of a CDF step; large means (where exp(-mean) underflows) and the far tail fall back
    to scipy.
    """
    mean = np.ascontiguousarray(np.broadcast_to(np.asarray(mean, float), u.shape))
    if u.size == 0:
        return np.empty(u.shape, np.int64)
    if mean.max() > 100.0:
        return _scipy_poisson_ppf(u, mean)
    limit = int(mean.max() + 12.0 * math.sqrt(mean.max()) + 30.0)
    k = np.empty(u.shape, np.int64)
    if draws.poisson_ppf(np.ascontiguousarray(u, dtype=float), mean, limit, k):
        rows = np.flatnonzero(k < 0)
        k[rows] = _scipy_poisson_ppf(u[rows], mean[rows])
    return k


def _scipy_poisson_ppf(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``scipy.stats.poisson.ppf`` as int64: the fallback of :func:`poisson_ppf`, imported only
    when needed (importing scipy.stats takes about 0.9 s)."""
    from scipy import stats

    return np.asarray(stats.poisson.ppf(u, mean)).astype(np.int64)


def disruptions(sc: Scenario, st: ChunkStreams) -> dict[str, np.ndarray]:
    """The drawn timing, volume and premium of every disruption, arrays (disruptions, paths)."""
    n, origin = st.n, sc.horizon.start
    keys = ("start", "up", "plateau", "recovery", "volume", "amp", "lead", "half_life")
    out = {k: np.zeros((len(sc.disruptions), n)) for k in keys}
    out["half_life"][:] = 1.0
    for i, d in enumerate(sc.disruptions):
        key = f"disruptions.{d.name}"
        occurs = _occurs(st, key, d.probability)
        out["start"][i] = st.draw(key + ".start", d.start.to_days(origin))
        out["volume"][i] = st.draw(key + ".volume_mbd", d.volume_mbd) * occurs
        out["plateau"][i] = st.draw(key + ".duration_days", d.duration_days)
        out["up"][i] = st.draw(key + ".ramp_up_days", d.ramp_up_days)
        out["recovery"][i] = st.draw(key + ".recovery_days", d.recovery_days)
        if d.risk_premium is not None:
            rp = d.risk_premium
            peak = st.draw(key + ".risk_premium.peak_pct", rp.peak_pct)
            out["lead"][i] = st.draw(key + ".risk_premium.lead_days", rp.lead_days)
            out["half_life"][i] = st.draw(key + ".risk_premium.half_life_days", rp.half_life_days)
            draws.premium_amplitude(peak, peak)  # in place
            out["amp"][i] = peak * occurs
    return out


#: The columns of the hazard incidents (path_model's ``inc_*`` arguments), rows of one array.
_INCIDENT_COLUMNS = ("start", "end", "volume", "amp", "lead", "half_life")
_START, _END, _VOLUME, _AMP, _LEAD, _HALF_LIFE = range(len(_INCIDENT_COLUMNS))


def incidents(sc: Scenario, st: ChunkStreams) -> dict[str, np.ndarray]:
    """Every hazard incident of the chunk, grouped by path (path ``p`` owns the incidents
    ``ptr[p]:ptr[p + 1]``, in hazard order, then slot order): start and end [days], volume
    [mb/d], premium amplitude ``log(1 + peak)`` (0 without premium), lead and half-life [days]."""
    per_hazard = [_hazard_incidents(sc, st, hz) for hz in sc.hazards]
    counts = sum((c for c, _ in per_hazard), np.zeros(st.n, np.int64))
    ptr = np.zeros(st.n + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    if len(per_hazard) == 1:
        cols = per_hazard[0][1]
    else:  # group by path, keeping hazard then slot order
        cols = np.empty((len(_INCIDENT_COLUMNS), int(ptr[-1])))
        fill = ptr[:-1].copy()
        for c, hz_cols in per_hazard:
            draws.scatter_by_path(c, hz_cols, fill, cols)
    out = dict(zip(_INCIDENT_COLUMNS, cols))
    out["ptr"] = ptr
    return out


def _hazard_incidents(sc: Scenario, st: ChunkStreams, hz: Any) -> tuple[np.ndarray, np.ndarray]:
    """One hazard's incidents in the chunk, path after path and slot after slot within a path:
    each path's number of incidents, (paths,), and their columns, (columns, incidents) in the
    order of :data:`_INCIDENT_COLUMNS`."""
    origin = sc.horizon.start
    key = f"hazards.{hz.name}"
    w0, w1 = (hz.window.start, hz.window.end) if hz.window else (sc.horizon.start, sc.horizon.end)
    # the window's days whole, from 00:00 of its first to the end of its last (docs/model.md §0):
    # an incident can start on the last day, and the window of 2026 is 365 days long
    lo, hi = float((w0 - origin).days), float((w1 - origin).days + 1)
    mean_count = np.maximum(st.draw(key + ".rate_per_year", hz.rate_per_year), 0.0) * (hi - lo) / 365.25
    # Counts by inverse transform of one uniform per path; the start and marks of incident k
    # of a path from counter-based uniforms of (path, k) (kernels.rng.slot_uniform): a change
    # of rate or of a mark's distribution keeps every other draw paired.
    u = st.uniforms(key + ".count")
    np.clip(u, 1e-16, 1.0 - 1e-16, out=u)
    counts = np.empty(st.n, np.int64)
    for part, off in zip(st.parts, st.offsets):
        counts[off:off + part.n] = poisson_ppf(u[off:off + part.n], mean_count[off:off + part.n])

    # Each mark's stream fills its row: uniforms, then their inverse CDF in place.
    rp = hz.risk_premium
    marks = [("volume_mbd", hz.volume_mbd, _VOLUME), ("duration_days", hz.duration_days, _END)]
    if rp is not None:
        marks += [("risk_premium.peak_pct", rp.peak_pct, _AMP), ("risk_premium.lead_days", rp.lead_days, _LEAD),
                  ("risk_premium.half_life_days", rp.half_life_days, _HALF_LIFE)]
    drawn = [(f"{key}.{mname}", dist, row) for mname, dist, row in marks if not dist.is_fixed]
    fixed = [(f"{key}.{mname}", dist, row) for mname, dist, row in marks if dist.is_fixed]
    cols = np.empty((len(_INCIDENT_COLUMNS), int(counts.sum())))
    if rp is None:
        cols[_AMP], cols[_LEAD], cols[_HALF_LIFE] = 0.0, 0.0, 1.0
    for part in st.parts:
        part.used.extend(name for name, _, _ in fixed)
    for _, dist, row in fixed:
        cols[row] = dist.center()
    keys = np.stack([st.keys(name) for name, _, _ in drawn] + [st.keys(key + ".start")])
    rows = np.array([row for _, _, row in drawn] + [_START], np.int64)
    draws.slot_uniforms(counts, np.asarray(st.offsets, np.int64), keys, rows, cols)
    for _, dist, row in drawn:
        draws.ppf(dist, cols[row], out=cols[row])
    # the start's uniforms become days, the durations ends, the peaks amplitudes log(1 + peak)
    draws.finish_incidents(cols[_START], cols[_END], cols[_AMP], lo, hi, rp is not None)
    return counts, cols
