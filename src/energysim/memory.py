"""Memory planning of a run: what it will need, what the machine has, and the allocator.

:func:`estimate_bytes` is a run's peak memory [bytes] (kept paths, per-path summaries, chunks
in flight, quantile brackets); :func:`plan_memory` decides whether the paths are kept and
refuses, before any work, a run that would not fit in the memory available
(:func:`available_memory_bytes`); :func:`default_chunk_blocks` sizes the chunks handed to the
worker threads; :func:`tune_allocator` lets glibc reuse the chunks' freed arrays. Used by
:func:`energysim.engine.simulate`; see docs/performance.md for the measurements behind the numbers.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys

from .errors import ScenarioError
from .inputs import RunInputs
from .sampling import BLOCK_PATHS
from .scenario.schema import Scenario

__all__ = ["BLOCK_TEMP_BYTES_PER_CELL", "CHUNK_CELLS", "KEEP_PATHS_LIMIT", "available_memory_bytes", "estimate_bytes",
           "default_chunk_blocks", "plan_memory", "tune_allocator"]


#: Bytes per (path, step) that a running chunk holds at peak: its four output series (32 B) and
#: the draws and reduction scratch (measured with tracemalloc on maduro_capture.yaml, weekly and
#: daily: 40 B), with a margin (see docs/performance.md).
BLOCK_TEMP_BYTES_PER_CELL = 6 * 8
#: Default target size of a chunk handed to a worker thread [path-steps]: 4 blocks weekly (32,768
#: paths: the per-chunk Python work of the draws is spread over more paths), 1 block daily.
CHUNK_CELLS = 4 * BLOCK_PATHS * 53
#: Kept paths are the default only below this [bytes] (and a quarter of the available memory).
KEEP_PATHS_LIMIT = 1024**3


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo [bytes], or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def estimate_bytes(n_series: int, n_steps: int, paths: int, keep_paths: bool, *, n_months: int = 12,
                   n_levels: int = 5, workers: int = 2, chunk_paths: int | None = None) -> int:
    """Peak memory of a run [bytes]: kept paths, per-path reductions, chunks in flight, quantile brackets.
    ``chunk_paths`` defaults to what :func:`energysim.simulate` uses."""
    if chunk_paths is None:
        chunk_paths = default_chunk_blocks(n_steps) * BLOCK_PATHS
    kept = n_series * n_steps * paths * 8 if keep_paths else 0
    per_path = n_series * paths * (2 + n_months) * 8
    in_flight = workers * min(paths, chunk_paths) * n_steps * BLOCK_TEMP_BYTES_PER_CELL
    # values kept inside the quantile brackets: about 6.5 sqrt(paths) per (date, level) at the
    # default levels (accumulate.QuantileSketch), bounded here by 8 sqrt(paths)
    brackets = n_series * n_steps * n_levels * int(8 * math.sqrt(paths) + 64) * 8
    return kept + per_path + in_flight + brackets


def default_chunk_blocks(n_steps: int) -> int:
    """Blocks per chunk by default: about :data:`CHUNK_CELLS` path-steps, at least one block."""
    return max(1, CHUNK_CELLS // (BLOCK_PATHS * n_steps))


def _gib(x: float) -> str:
    return f"{x / 1024**3:.1f} GiB"


def plan_memory(sc: Scenario, inp: RunInputs, paths: int, keep_paths: bool | None, workers: int,
                chunk_paths: int, n_series: int, n_months: int, n_levels: int) -> bool:
    """Decide ``keep_paths`` and refuse a run that cannot fit in the memory the machine has left."""
    m = inp.n_steps
    avail = available_memory_bytes()
    budget = int(avail * 0.8) if avail is not None else None

    def need(keep: bool) -> int:
        return estimate_bytes(n_series, m, paths, keep, n_months=n_months, n_levels=n_levels, workers=workers,
                              chunk_paths=chunk_paths)

    if keep_paths is None:
        limit = KEEP_PATHS_LIMIT if budget is None else min(KEEP_PATHS_LIMIT, budget // 4)
        keep_paths = n_series * m * paths * 8 <= limit
    if budget is not None and need(keep_paths) > budget:
        lean = need(False)
        if keep_paths and lean <= budget:
            hint = "keep_paths=False (quantiles and summaries are still exact) or fewer paths"
        else:
            fit = max(BLOCK_PATHS, int(paths * budget / max(lean, 1)) // BLOCK_PATHS * BLOCK_PATHS)
            hint = (f"at most about {fit:,} paths" + (" or a coarser horizon.step" if sc.horizon.step != "month" else ""))
        raise ScenarioError.at(
            sc.name, f"{paths:,} paths x {m} steps would need about {_gib(need(keep_paths))} of memory"
            + (" with every path kept" if keep_paths else "") + "; "
            f"{_gib(avail or 0)} is available (a run may use 80 % of it); use {hint}", key="simulation.paths", given=paths)
    return keep_paths


_ALLOCATOR_TUNED = False


def tune_allocator() -> None:
    """Let glibc keep freed large arrays for reuse instead of returning them to the system.

    Every chunk allocates its output arrays, draws and reduction scratch afresh; by default
    glibc maps every array above 128 KiB afresh and unmaps it when freed, so each one costs
    its page faults again (about 1 ms per 3.5 MB array; measured, docs/performance.md; without
    the tuning, two threads reducing at once ran up to twice as slow). Raising the mmap and trim thresholds and using one arena for all
    threads lets the same memory be reused. Process-wide, once, on glibc only; set
    ENERGYSIM_MALLOC_TUNING=0 to leave the allocator alone.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return
    _ALLOCATOR_TUNED = True
    if not sys.platform.startswith("linux") or os.environ.get("ENERGYSIM_MALLOC_TUNING", "1") == "0":
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)  # the largest glibc accepts on 64-bit
    mallopt(m_trim_threshold, 256 << 20)
    mallopt(m_arena_max, 1)
