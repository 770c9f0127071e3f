"""The streaming reduction of a run: blocks of paths in, per-path summaries and exact quantiles out.

The :class:`Accumulator` receives blocks of paths in block order and keeps what the reports
need: every path when it fits in memory (``keep_paths``), and always the per-path reductions
(horizon mean, monthly means, maximum) from which the summary statistics are computed; at the
end it builds the :class:`~energysim.results.SimulationResult`. Per-date quantiles are streamed
exactly (:class:`QuantileSketch`, fed by :func:`chunk_stats`), so a run whose paths do not fit
in memory gives the same quantiles as one that keeps them (see docs/performance.md). The loops
are compiled in :mod:`energysim.kernels.reduce` and :mod:`energysim.kernels.sketch`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import __version__
from .data import DATA_VINTAGE
from .inputs import RunInputs
from .results import FAN_QUANTILES, SimulationResult
from .scenario.schema import Scenario

__all__ = ["Accumulator", "QuantileSketch", "chunk_stats", "lerp_quantile", "BRACKET_SIGMAS", "SHRINK_GROWTH"]


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
               workers: int = 1) -> SimulationResult:
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
