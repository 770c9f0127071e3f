"""The result of a run: per-date quantiles, per-path summaries, metadata.

The :class:`Accumulator` receives blocks of paths in block order and keeps what the reports
need: every path when it fits in memory (``keep_paths``), and always the per-path reductions
(horizon mean, monthly means, maximum) from which the summary statistics are computed.
Per-date quantiles are streamed exactly (:class:`QuantileSketch`), so a run whose paths do not
fit in memory gives the same quantiles as one that keeps them (see docs/performance.md).
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .data import DATA_VINTAGE
from .errors import ScenarioError, a_type
from .inputs import RunInputs
from .scenario.schema import Scenario

__all__ = ["SimulationResult", "Accumulator", "QuantileSketch", "chunk_stats", "FAN_QUANTILES", "never_seen_bound"]

#: Quantiles always computed, whatever the scenario asks: the fan chart's bands.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


#: Safety margin of the streaming quantile brackets, in binomial standard deviations.
BRACKET_SIGMAS = 6.0
#: The brackets shrink each time the paths seen grow by this factor (each shrink is a pass over
#: the values kept in the main thread, compiled: kernels.sketch). The values kept
#: inside a bracket are at most about 12 sqrt(q (1 - q)) sqrt(SHRINK_GROWTH * paths): at 2, on
#: average over the default levels, 6.2 sqrt(paths) per (date, level), within the
#: 8 sqrt(paths) that memory.estimate_bytes allows.
SHRINK_GROWTH = 2.0


def lerp_quantile(lo: np.ndarray, hi: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's 'linear' interpolation between adjacent order statistics (same rounding as np.quantile)."""
    diff = hi - lo
    out = lo + diff * t
    return np.where(t >= 0.5, hi - diff * (1 - t), out)


def chunk_stats(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """What one chunk contributes to the quantile brackets of one series. Pure; runs in worker threads.

    ``a`` is (paths, steps); ``lo``, ``hi`` (steps, levels) the current brackets. Returns the
    counts (steps, levels) below ``lo``, equal to ``lo``, equal to ``hi`` (zero when
    ``lo == hi``) and above ``hi``, the values strictly inside the brackets (concatenated in
    (step, level) order; unsorted within a (step, level)) and their number per (step, level).
    Counted by comparison in a compiled kernel (:func:`energysim.kernels.reduce.reduce_chunk`).
    """
    return _reduce(a, lo, hi)


def _kernel_layout(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """``a`` (paths, steps) as the kernel reads it: a C-contiguous float64 array, and whether its
    memory is (paths, steps). Time-major and C-ordered arrays are read without a copy."""
    if a.dtype == np.float64 and a.T.flags.c_contiguous:
        return a.T, False
    return np.ascontiguousarray(a, dtype=np.float64), True


_NO_SUMMARIES = (np.empty(0, np.int64), np.empty(0), 0, np.empty(0), np.empty(0), np.empty((0, 0)))


def _reduce(a: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            summaries: tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray] | None = None,
            ) -> tuple[np.ndarray, ...]:
    """:func:`chunk_stats`; with ``summaries`` (each step's month, each month's number of steps,
    the run index of the first path, and the run's per-path mean, max and month-major monthly
    (months, paths) arrays) also the paths' summaries, written in place."""
    from .kernels.reduce import reduce_chunk  # compiled on first use (and cached)

    rows, path_major = _kernel_layout(a)
    lo = np.ascontiguousarray(lo, dtype=np.float64)
    hi = np.ascontiguousarray(hi, dtype=np.float64)
    n, m = a.shape
    if lo.ndim != 2 or lo.shape != hi.shape or lo.shape[0] != m:  # the kernel does not check bounds
        raise ValueError(f"brackets of shape {lo.shape} and {hi.shape} for {m} steps")
    if summaries is None:
        return reduce_chunk(rows, path_major, lo, hi, False, *_NO_SUMMARIES)
    month_index, month_counts, first, mean, peak, monthly = summaries
    end = first + n
    if (month_index.shape != (m,) or month_counts.shape != (monthly.shape[0],) or mean.shape[0] < end
            or peak.shape[0] < end or monthly.shape[1] < end or not monthly.flags.c_contiguous):
        raise ValueError("per-path summary arrays do not fit the chunk")
    return reduce_chunk(rows, path_major, lo, hi, True, month_index, month_counts, first, mean, peak, monthly)


class QuantileSketch:
    """Exact per-date quantiles of one series, streamed, in memory O(sqrt(paths)) per date.

    For every (date, level) it keeps a value bracket ``[lo, hi]``, the exact numbers of values
    seen below ``lo``, equal to ``lo``, equal to ``hi`` and above ``hi``, and every value
    strictly inside. Ties are counted, not stored, so a series with an atom (a loss that is
    exactly zero on most paths) costs nothing. Brackets start from a first block of paths
    (:meth:`start`) and shrink as paths arrive (whenever the count grows by half) to
    ``BRACKET_SIGMAS`` binomial standard deviations of rank around the level, so they hold the
    order statistics the quantile needs except with negligible probability; the answer is the
    exact order statistic (numpy's 'linear' interpolation) whatever the chunking. A miss is
    detected (:meth:`missed`), never silent: the engine then reruns the (deterministic) paths
    with those brackets unbounded.
    """

    def __init__(self, levels: tuple[float, ...], total: int, n_steps: int) -> None:
        self.q = np.asarray(levels, float)
        self.total = total
        shape = (n_steps, len(levels))
        self.lo = np.full(shape, -np.inf)
        self.hi = np.full(shape, np.inf)
        self.frozen = np.zeros(shape, bool)  # unbounded for good (after a miss)
        self.n_lt = np.zeros(shape, np.int64)
        self.n_eq_lo = np.zeros(shape, np.int64)
        self.n_eq_hi = np.zeros(shape, np.int64)
        self.n_gt = np.zeros(shape, np.int64)
        self.seen = 0
        self.next_shrink = 0
        # the values strictly inside each (step, level) bracket: one flat array, group after
        # group in (step, level) order, ``sizes`` values each (kernels.sketch)
        self.vals = np.empty(0)
        self.sizes = np.zeros(shape[0] * shape[1], np.int64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []

    def brackets(self) -> tuple[np.ndarray, np.ndarray]:
        return self.lo, self.hi

    def start(self, pilot: np.ndarray) -> None:
        """Initial brackets from a first block of paths (``pilot``, shape (paths, steps)), so no
        chunk is ever reduced with unbounded brackets (which would store every value per level)."""
        n = pilot.shape[0]
        if n >= self.total:
            return  # the pilot is the whole run: keep everything, it is small
        srt = np.sort(pilot.T, axis=1)
        delta = BRACKET_SIGMAS * np.sqrt(self.q * (1 - self.q) / n) + 2.0 / n
        r_lo = np.floor((self.q - delta) * (n - 1)).astype(np.int64)
        r_hi = np.ceil((self.q + delta) * (n - 1)).astype(np.int64)
        lo = np.where(r_lo >= 0, srt[:, np.clip(r_lo, 0, n - 1)], -np.inf)
        hi = np.where(r_hi <= n - 1, srt[:, np.clip(r_hi, 0, n - 1)], np.inf)
        self.lo = np.where(self.frozen, -np.inf, lo)
        self.hi = np.where(self.frozen, np.inf, hi)
        self.next_shrink = int(SHRINK_GROWTH * n) + 1

    def merge(self, stats: tuple[np.ndarray, ...], n: int, used: tuple[np.ndarray, np.ndarray]) -> None:
        """Add a chunk's :func:`chunk_stats`, computed with the brackets ``used`` (a snapshot of
        :meth:`brackets`, never narrower than the current ones)."""
        lt, eq_lo, eq_hi, gt, vals, lens = stats
        if used[0] is not self.lo or used[1] is not self.hi:  # older, wider brackets: reclassify
            from .kernels.sketch import reclassify

            shape = self.lo.shape
            counts = [np.array(c, np.int64).ravel() for c in (lt, eq_lo, eq_hi, gt)]  # copies, updated in place
            edges = [np.ascontiguousarray(e, dtype=np.float64).ravel() for e in (*used, self.lo, self.hi)]
            vals, lens = reclassify(np.ascontiguousarray(vals, dtype=np.float64), np.asarray(lens, np.int64).ravel(),
                                    *edges, *counts)
            lt, eq_lo, eq_hi, gt = (c.reshape(shape) for c in counts)
            lens = lens.reshape(shape)
        self.n_lt += lt
        self.n_eq_lo += eq_lo
        self.n_eq_hi += eq_hi
        self.n_gt += gt
        self.pending.append((vals, lens))
        self.seen += n
        if self.seen >= self.next_shrink and self.seen < self.total:
            self._shrink()
            self.next_shrink = int(self.seen * SHRINK_GROWTH) + 1

    def _gather(self) -> None:
        """Append the merged chunks' values to their groups (compiled, kernels.sketch.gather)."""
        if not self.pending:
            return
        from .kernels.sketch import gather

        new_vals = np.concatenate([np.ascontiguousarray(v, dtype=np.float64) for v, _ in self.pending])
        new_lens = np.stack([np.asarray(n, np.int64).ravel() for _, n in self.pending])
        self.vals, self.sizes = gather(self.vals, self.sizes, new_vals, new_lens)
        self.pending = []

    def _shrink(self) -> None:
        """Narrow each bracket to the ranks ``(q -+ delta) * seen`` of the values seen so far
        (compiled, kernels.sketch.shrink: selection per group, no sort)."""
        from .kernels.sketch import shrink

        self._gather()
        self.lo = self.lo.copy()  # workers may hold the old arrays: never mutate what they read
        self.hi = self.hi.copy()
        n_seen = self.seen
        delta = BRACKET_SIGMAS * np.sqrt(self.q * (1 - self.q) / n_seen) + 2.0 / n_seen
        r_lo = np.floor((self.q - delta) * (n_seen - 1)).astype(np.int64)
        r_hi = np.ceil((self.q + delta) * (n_seen - 1)).astype(np.int64)
        skip = (self.frozen | (self.lo == self.hi)).ravel()
        shape = self.lo.shape
        flat = [np.array(x, dtype=t).ravel() for x, t in ((self.lo, float), (self.hi, float), (self.n_lt, np.int64),
                                                           (self.n_eq_lo, np.int64), (self.n_eq_hi, np.int64),
                                                           (self.n_gt, np.int64))]
        lo, hi, n_lt, n_eq_lo, n_eq_hi, n_gt = flat
        self.vals, self.sizes = shrink(self.vals, self.sizes, lo, hi, n_lt, n_eq_lo, n_eq_hi, n_gt, skip, r_lo,
                                       r_hi)  # updates the flat arrays in place
        self.lo, self.hi, self.n_lt, self.n_eq_lo, self.n_eq_hi, self.n_gt = (x.reshape(shape) for x in flat)

    def _ranks(self) -> tuple[np.ndarray, np.ndarray]:
        h = (self.total - 1) * self.q
        k0 = np.floor(h).astype(np.int64)
        return np.broadcast_to(k0, self.lo.shape), np.broadcast_to(np.minimum(k0 + 1, self.total - 1), self.lo.shape)

    def missed(self) -> np.ndarray:
        """(steps, levels) bool: brackets that do not hold the order statistics needed."""
        self._gather()
        k0, k1 = self._ranks()
        sizes = self.sizes.reshape(self.lo.shape) + self.n_eq_lo + self.n_eq_hi
        return (k0 < self.n_lt) | (k1 >= self.n_lt + sizes)

    def reset(self, unbound: np.ndarray) -> None:
        """Start again (for a second pass), with the brackets flagged in ``unbound`` unbounded for good."""
        self.frozen |= unbound
        self.lo = np.where(self.frozen, -np.inf, self.lo)
        self.hi = np.where(self.frozen, np.inf, self.hi)
        for c in (self.n_lt, self.n_eq_lo, self.n_eq_hi, self.n_gt):
            c[:] = 0
        self.vals = np.empty(0)
        self.sizes[:] = 0
        self.pending = []
        self.seen = 0
        self.next_shrink = self.total + 1  # keep the (good) brackets of the first pass

    def result(self) -> np.ndarray:
        """(levels, steps) quantiles; call after every path was merged and :meth:`missed` is all False."""
        from .kernels.sketch import order_statistics

        self._gather()
        k0, k1 = self._ranks()
        flat = [np.ascontiguousarray(x).ravel() for x in (self.lo, self.hi, self.n_lt, self.n_eq_lo, k0, k1)]
        x0, x1 = (x.reshape(self.lo.shape) for x in order_statistics(self.vals, self.sizes, *flat))
        t = (self.total - 1) * self.q - np.floor((self.total - 1) * self.q)
        return lerp_quantile(x0, x1, np.broadcast_to(t, x0.shape)).T


#: Values written per call while faulting in the per-path arrays (64 MiB): between two calls
#: a cancelled run stops (Ctrl-C), instead of waiting for gigabytes to be written.
_TOUCH_VALUES = 1 << 23


def _touch(arrays: list[np.ndarray], cancel: threading.Event) -> None:
    """Write every page of ``arrays`` once, each in one sequential pass (numpy releases the GIL),
    in pieces of :data:`_TOUCH_VALUES`; stop early once ``cancel`` is set.

    The workers fill the accumulator's arrays chunk by chunk, a few hundred kilobytes per row
    at a time; the first write to a page costs a page fault, which on a virtual machine was
    measured at about 8 us per 4 KiB page (a million-path run's summaries: about 0.8 s of the
    workers' time). Written in one pass (numpy's large arrays are eligible for the kernel's
    huge pages), the same memory costs about 16 ms per 96 MB (docs/performance.md)."""
    for a in arrays:
        if not a.flags.c_contiguous:  # (not the accumulator's; reshape would write to a copy)
            a.fill(0.0)
            continue
        flat = a.reshape(-1)
        for i in range(0, flat.size, _TOUCH_VALUES):
            if cancel.is_set():
                return
            flat[i:i + _TOUCH_VALUES] = 0.0


class Accumulator:
    """Collects blocks of paths: per-path reductions, kept paths (optional) and streamed quantiles.

    :meth:`reduce` is pure with respect to shared state except for writes to the rows of its own
    block, so worker threads call it; :meth:`merge` runs in the main thread, in block order.
    """

    def __init__(self, sc: Scenario, inp: RunInputs, paths: int, series: list[str], keep_paths: bool) -> None:
        from .sampling import BLOCK_PATHS

        self.sc, self.inp, self.n, self.series, self.keep = sc, inp, paths, series, keep_paths
        self.block = BLOCK_PATHS
        m = inp.n_steps
        months = inp.dates.astype("datetime64[M]")
        self.months = np.unique(months)
        self.month_index = np.searchsorted(self.months, months).astype(np.int64)
        self.month_counts = np.bincount(self.month_index, minlength=len(self.months)).astype(float)
        self.levels = tuple(sorted(set(FAN_QUANTILES) | set(sc.outputs.quantiles)))
        # (paths, steps), C-ordered like the engine's chunks: copying a chunk is one contiguous block
        self.kept = {s: np.empty((paths, m)) for s in series} if keep_paths else {}
        self.mean = {s: np.empty(paths) for s in series}
        self.max = {s: np.empty(paths) for s in series}
        # (paths, months) with month-major memory: a block's monthly sums are contiguous rows
        self.monthly = {s: np.empty((len(self.months), paths)).T for s in series}
        self._untouched = [*self.kept.values(), *self.mean.values(), *self.max.values(),
                           *(a.T for a in self.monthly.values())]
        self.sketch = {s: QuantileSketch(self.levels, paths, m) for s in series}
        self.filled = 0
        self._cancel = threading.Event()

    def touch(self) -> None:
        """Fault in the memory of the per-path arrays in one pass each (see :func:`_touch`);
        thread-safe to run while the first block is computed, before anything is reduced."""
        arrays, self._untouched = self._untouched, []
        _touch(arrays, self._cancel)

    def cancel_touch(self) -> None:
        """Stop :meth:`touch` early (the run is being abandoned; thread-safe)."""
        self._cancel.set()

    def start(self, arrays: dict[str, np.ndarray]) -> None:
        """Set the first quantile brackets from the first block (call before reducing it)."""
        for s in self.series:
            self.sketch[s].start(arrays[s])

    def brackets(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The current quantile brackets (a snapshot to hand to :meth:`reduce`)."""
        return {s: self.sketch[s].brackets() for s in self.series}

    def reduce(self, first_block: int, arrays: dict[str, np.ndarray],
               brackets: dict[str, tuple[np.ndarray, np.ndarray]], *, paths_only: bool = False) -> dict[str, Any]:
        """Per-path reductions of consecutive blocks starting at ``first_block`` (written in
        place, rows of these blocks only) and their quantile statistics (returned)."""
        lo = first_block * self.block
        out: dict[str, Any] = {}
        for s in self.series:
            a = arrays[s]
            if paths_only:
                out[s] = _reduce(a, *brackets[s])
                continue
            if self.keep:
                self.kept[s][lo:lo + a.shape[0]] = a
            # mean, max and monthly means (month-major memory) of these paths, in the same pass
            summaries = (self.month_index, self.month_counts, lo, self.mean[s], self.max[s], self.monthly[s].T)
            out[s] = _reduce(a, *brackets[s], summaries)
        return out

    def merge(self, stats: dict[str, Any], n: int, brackets: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Add :meth:`reduce`'s statistics of ``n`` paths; call in block order."""
        for s in self.series:
            self.sketch[s].merge(stats[s], n, brackets[s])
        self.filled += n

    def add(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        """Reduce and merge one block (single-threaded use)."""
        br = self.brackets()
        self.merge(self.reduce(block, arrays, br), arrays[self.series[0]].shape[0], br)

    def missed(self, workers: int = 1) -> bool:
        """Whether a quantile bracket missed; then :meth:`restart` and feed every block again.
        The series are checked on ``workers`` threads (each first appends its last chunks'
        values to its groups: compiled, without the GIL)."""
        if workers > 1 and len(self.series) > 1:
            with ThreadPoolExecutor(max_workers=min(workers, len(self.series))) as pool:
                return any(pool.map(lambda s: bool(self.sketch[s].missed().any()), self.series))
        return any(self.sketch[s].missed().any() for s in self.series)

    def restart(self) -> None:
        for s in self.series:
            self.sketch[s].reset(self.sketch[s].missed())
        self.filled = 0

    def finish(self, *, seed: int, scenario_hash: str, baseline: dict[str, np.ndarray],
               workers: int = 1) -> "SimulationResult":
        """The result; the quantiles of the series computed on ``workers`` threads."""
        if self.filled != self.n:
            raise RuntimeError(f"accumulator received {self.filled} of {self.n} paths")
        if self.missed():
            raise RuntimeError("a quantile bracket missed; restart() and feed the blocks again")
        levels = list(self.levels)
        if workers > 1 and len(self.series) > 1:  # the order statistics are compiled, without the GIL
            with ThreadPoolExecutor(max_workers=min(workers, len(self.series))) as pool:
                q = dict(zip(self.series, pool.map(lambda s: self.sketch[s].result(), self.series)))
        else:
            q = {s: self.sketch[s].result() for s in self.series}
        meta = {
            "scenario": self.sc.name,
            "title": self.sc.title,
            "scenario_hash": scenario_hash,
            "seed": seed,
            "paths": self.n,
            "version": __version__,
            "data_vintage": DATA_VINTAGE,
            # as written (the last step date is the last step's first day, not the horizon's end)
            "horizon": {"start": str(self.sc.horizon.start), "end": str(self.sc.horizon.end), "step": self.sc.horizon.step},
        }
        return SimulationResult(
            scenario=self.sc, inputs=self.inp, dates=self.inp.dates, series=tuple(self.series),
            levels=tuple(levels), _quantiles=q, _paths=self.kept or None, path_mean=self.mean,
            path_max=self.max, monthly_mean=self.monthly, months=self.months, baseline=baseline, metadata=meta,
        )


def never_seen_bound(n: int) -> float:
    """One-sided 95 % upper bound on the probability of an event never seen in ``n`` independent
    trials: the exact (Clopper-Pearson) ``1 - 0.05 ** (1 / n)``, which the rule of three 3/n
    approximates for large ``n``. By symmetry, 1 minus it bounds from below one seen every time."""
    return -math.expm1(math.log(0.05) / n)


def _level_arg(value: object, name: str = "level") -> float:
    """A quantile level given to a result's method: a number from 0 to 1 (not text, not NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ScenarioError.at(None, f"{name} must be a number (a quantile level from 0 to 1, such as 0.95), "
                               f"not {a_type(value)}", key=name, given=value)
    level = float(value)
    if not 0.0 <= level <= 1.0:  # NaN too
        raise ScenarioError.at(None, f"{name} must be a quantile level from 0 to 1 (0.95 for the 95th percentile)",
                               key=name, given=value)
    return level


def _levels_arg(value: object) -> list[float]:
    """The ``levels`` of :meth:`SimulationResult.monthly_quantiles`: a non-empty sequence of levels."""
    if (isinstance(value, (str, bytes, numbers.Number)) or not isinstance(value, Iterable)
            or (isinstance(value, np.ndarray) and value.ndim == 0)):
        raise ScenarioError.at(None, "levels must be a sequence of quantile levels such as (0.05, 0.5, 0.95), not "
                               f"{a_type(value)} (monthly_quantile takes one level)", key="levels", given=value)
    levels = [_level_arg(q, f"levels[{i}]") for i, q in enumerate(value)]
    if not levels:
        raise ScenarioError.at(None, "levels must hold at least one quantile level", key="levels", given=value)
    return levels


def _read_only(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` that cannot be written (``a`` itself is left as it is)."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass
class SimulationResult:
    """What a run produced. ``quantiles()`` and ``paths(series)`` are the main accessors."""

    scenario: Scenario
    inputs: RunInputs = field(repr=False)
    dates: np.ndarray = field(repr=False)
    series: tuple[str, ...]
    levels: tuple[float, ...]
    _quantiles: dict[str, np.ndarray] = field(repr=False)
    _paths: dict[str, np.ndarray] | None = field(repr=False)
    path_mean: dict[str, np.ndarray] = field(repr=False)
    path_max: dict[str, np.ndarray] = field(repr=False)
    monthly_mean: dict[str, np.ndarray] = field(repr=False)
    months: np.ndarray = field(repr=False)
    baseline: dict[str, np.ndarray] = field(repr=False)
    metadata: dict[str, Any] = field(default_factory=dict)
    _monthly_q: dict[tuple[str, float], np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    #: ``keep_paths`` as given to :func:`energysim.simulate` (None: decided by the memory it takes)
    keep_paths_asked: bool | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Every array the result hands out is a read-only view (no copy): a caller converting
        units in place (``q *= 0.264``) gets numpy's "read-only" error instead of changing the
        result's quantiles, summaries and later charts."""
        self.dates, self.months = _read_only(self.dates), _read_only(self.months)
        for table in (self._quantiles, self._paths or {}, self.path_mean, self.path_max, self.monthly_mean,
                      self.baseline):
            for key, a in table.items():
                table[key] = _read_only(a)

    def __repr__(self) -> str:
        """One line: what was run and what the result holds (the scenario itself is ``.scenario``)."""
        h = self.metadata.get("horizon", {})
        return (f"SimulationResult(scenario={self.scenario.name!r}, paths={self.n_paths:,}, "
                f"seed={self.metadata.get('seed')}, horizon={h.get('start')} to {h.get('end')} "
                f"({h.get('step')}, {len(self.dates)} steps), series={list(self.series)}, "
                f"levels={[float(q) for q in self.levels]}, paths_kept={self._paths is not None})")

    @property
    def n_paths(self) -> int:
        return int(self.metadata["paths"])

    def quantile_path(self, series: str, level: float) -> np.ndarray:
        """The ``level`` quantile of ``series`` at every date, shape (steps,); read-only (a view of
        the result's own array: ``.copy()`` it to change it). The levels computed are
        :attr:`levels`: the fan chart's and the scenario's ``outputs.quantiles``.

        Raises
        ------
        KeyError
            An unknown series, or a level not computed (the message says how to add it).
        ScenarioError
            A level that is not a number from 0 to 1.
        """
        self._check(series)
        i = self._level_index(_level_arg(level))
        return self._quantiles[series][i]

    def _level_index(self, level: float) -> int:
        for i, q in enumerate(self.levels):
            if math.isclose(q, level):
                return i
        raise KeyError(f"quantile {level:g} not computed; available: {', '.join(f'{q:g}' for q in self.levels)}; "
                       "add it to outputs.quantiles in the scenario and run again to compute it")

    def _check(self, series: str) -> None:
        if series not in self.series:
            raise KeyError(f"unknown series {series!r}; available: {', '.join(self.series)}")

    def quantiles(self) -> pd.DataFrame:
        """Tidy table: columns ``date, series, quantile, value``."""
        frames = []
        dates = pd.to_datetime(self.dates)
        for s in self.series:
            for i, q in enumerate(self.levels):
                frames.append(pd.DataFrame({"date": dates, "series": s, "quantile": q,
                                            "value": self._quantiles[s][i]}))
        return pd.concat(frames, ignore_index=True)

    def paths(self, series: str) -> np.ndarray:
        """Every path of ``series``, shape (paths, steps); read-only (the result's own array, not a
        copy: ``.copy()`` it to change it)."""
        self._check(series)
        if self._paths is None:
            if self.keep_paths_asked is False:
                raise RuntimeError("paths were not kept for this run: it was asked with keep_paths=False; "
                                   "rerun simulate() with keep_paths=True (or without keep_paths) to keep them")
            raise RuntimeError("paths were not kept for this run (too many to hold in memory); "
                               "rerun with fewer paths or keep_paths=True")
        return self._paths[series]

    def threshold_probability(self, series: str, threshold: float) -> tuple[float, float]:
        """Chance that ``series`` reaches ``threshold`` at least once, and its Monte Carlo error:
        that some step's value (the average over the step, so the chance depends on
        ``horizon.step``) is at or above it.

        The error is the binomial standard error ``sqrt(p (1 - p) / n)``, except where no path
        reached the threshold (``p`` = 0) or every path did (``p`` = 1): that formula then gives
        0, which would read as certainty, so the error is the one-sided 95 % bound for an event
        never (always) seen in ``n`` paths, :func:`never_seen_bound` (about 3/n): the chance is
        below it (above 1 minus it). The report says the same in words ("under 0.15%")."""
        self._check(series)
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
            raise ScenarioError.at(None, f"threshold must be a number (a price), not {a_type(threshold)}",
                                   key="threshold", given=threshold)
        if not math.isfinite(threshold):
            raise ScenarioError.at(None, "threshold must be a finite number (a price)", key="threshold",
                                   given=threshold)
        p = float(np.mean(self.path_max[series] >= threshold))
        if p <= 0.0 or p >= 1.0:
            return p, never_seen_bound(self.n_paths)
        return p, math.sqrt(p * (1 - p) / self.n_paths)

    def horizon_mean_quantiles(self, series: str) -> dict[float, float]:
        """Quantiles over paths of the horizon-average of ``series``."""
        self._check(series)
        vals = np.quantile(self.path_mean[series], self.levels)
        return {q: float(v) for q, v in zip(self.levels, vals)}

    def monthly_quantiles(self, series: str, levels: tuple[float, ...]) -> np.ndarray:
        """The ``levels`` quantiles over paths of each month's average of ``series``, shape
        (levels, months).

        Computed once per (series, level), the levels not yet known in one partition, on the
        month-major memory of the per-path monthly averages (a contiguous row per month: 2-3x
        faster than along the paths axis of the (paths, months) view; the same numbers).

        Raises
        ------
        ScenarioError
            ``levels`` not a sequence of numbers from 0 to 1 (one level: :meth:`monthly_quantile`).
        """
        self._check(series)
        asked = _levels_arg(levels)
        missing = sorted(set(asked) - {q for s, q in self._monthly_q if s == series})
        if missing:
            rows = np.ascontiguousarray(self.monthly_mean[series].T)
            for q, values in zip(missing, np.quantile(rows, missing, axis=1)):
                self._monthly_q[(series, q)] = values
        return np.vstack([self._monthly_q[(series, q)] for q in asked])

    def monthly_quantile(self, series: str, level: float) -> np.ndarray:
        """:meth:`monthly_quantiles` of one level, shape (months,)."""
        return self.monthly_quantiles(series, (_level_arg(level),))[0]

    def peak_month(self, series: str, level: float = 0.95) -> tuple[str, float]:
        """The month whose ``level`` quantile of the monthly average is highest, and that value."""
        q = self.monthly_quantile(series, level)
        k = int(np.argmax(q))
        return str(self.months[k]), float(q[k])

    def summary(self) -> dict[str, Any]:
        """Summary figures per series, as written to summary.json (a threshold's
        ``mc_standard_error`` is :meth:`threshold_probability`'s error: the 95 % bound where no
        path, or every path, reached it)."""
        per_series: dict[str, Any] = {}
        thresholds = self.scenario.outputs.thresholds
        for s in self.series:
            month, peak = self.peak_month(s)
            entry: dict[str, Any] = {
                "horizon_mean": {f"{q:g}": round(v, 6) for q, v in self.horizon_mean_quantiles(s).items()},
                "baseline_mean": round(float(np.mean(self.baseline[s])), 6),
                "peak_month_p95": {"month": month, "value": round(peak, 6)},
                "thresholds": [],
            }
            for t in thresholds.get(s, []):
                p, se = self.threshold_probability(s, t)
                entry["thresholds"].append({"level": t, "probability": round(p, 6), "mc_standard_error": round(se, 6)})
            per_series[s] = entry
        return {**self.metadata, "quantile_levels": list(self.levels), "series": per_series}
