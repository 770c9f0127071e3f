"""A compact, saveable view of a run: everything the charts and the report need, nothing more.

A :class:`RunView` is built once from a :class:`~energysim.results.SimulationResult` (the only
place where the per-path reductions are turned into the figures the report shows) and can be
saved to ``results.npz`` + ``scenario.json`` in the run folder, so that ``energysim report
RUN_DIR`` re-renders the charts and the report without re-simulating.

The numbers are taken from the result's own accessors (``horizon_mean_quantiles``,
``peak_month``, ``threshold_probability``), so the report shows exactly the result's numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .arguments import check_run
from .errors import ScenarioError
from .household import horizon_months
from .reference import Reference, no_disruption_reference
from .results import SimulationResult
from .scenario.schema import Scenario, fuel_series, with_removed_fuels
from .timegrid import step_centres, time_grid

__all__ = ["RunView", "series_label", "series_unit", "series_unit_text", "period_words", "RESULTS_FILE", "SCENARIO_FILE",
           "SUMMARY_LEVELS", "MAX_LEVELS", "HISTORY_DAYS"]

RESULTS_FILE = "results.npz"
SCENARIO_FILE = "scenario.json"
FORMAT_VERSION = 3  # 2: the no-disruption outlook is the median of the run without events; 3: and its P95

#: Quantiles of the horizon average and of the monthly averages shown in the tables.
SUMMARY_LEVELS = (0.05, 0.5, 0.95)
#: Quantiles of each path's maximum, for "in 1 of 10 futures it tops ..." sentences.
MAX_LEVELS = (0.5, 0.9, 0.95)
#: Real history drawn before the horizon [days].
HISTORY_DAYS = 365
#: Two-sided 95 % normal quantile, for order-statistic intervals of quantiles.
_Z95 = 1.959964

UNIT_WORDS = {"bbl": ("USD per barrel", "a barrel", "barrel"), "gal": ("USD per gallon", "a gallon", "gallon"),
              "litre": ("USD per litre", "a litre", "litre"), "mbd": ("million barrels per day", "mb/d", "mb/d")}


def quantile_standard_error(values: np.ndarray, level: float) -> float:
    """Monte Carlo s.e. of the ``level`` quantile of ``values`` (order-statistic 95 % interval / 3.92).

    The interval is [x_(k_lo), x_(k_hi)] with k = n q ± 1.96 sqrt(n q (1 - q)), the standard
    distribution-free interval for a quantile (e.g. Conover, *Practical Nonparametric Statistics*).
    """
    n = values.shape[0]
    if n < 2:
        return float("nan")
    x = np.sort(values)
    half = _Z95 * math.sqrt(n * level * (1 - level))
    lo = int(np.clip(math.floor(n * level - half), 0, n - 1))
    hi = int(np.clip(math.ceil(n * level + half), 0, n - 1))
    return float((x[hi] - x[lo]) / (2 * _Z95))


def series_label(scenario: Scenario, series: str) -> str:
    """Name of a series of ``scenario`` for readers, e.g. ``US regular gasoline``."""
    if series == "brent_usd_per_bbl":
        return "Brent crude oil"
    if series == "net_supply_loss_mbd":
        return "Net oil supply loss"
    for key, fuel in scenario.fuels.items():
        if fuel_series(key, fuel) == series:
            return fuel.label
    return series


def series_unit(series: str) -> str:
    """Short unit of a series: ``bbl``, ``gal``, ``litre`` or ``mbd``."""
    if series.endswith("_mbd"):
        return "mbd"
    return series.rsplit("_per_", 1)[-1]


def series_unit_text(series: str) -> str:
    """The unit of a series as tables write it: ``USD/bbl``, ``USD/gal``, ``USD/litre``, ``mb/d``."""
    unit = series_unit(series)
    return "mb/d" if unit == "mbd" else f"USD/{unit}"


def _calendar_year(start: dt.date, end: dt.date) -> bool:
    return start.year == end.year and (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31)


def period_words(start: dt.date, end: dt.date) -> str:
    """A horizon in words: ``2026`` for a calendar year, ``Mar 2026`` for a calendar month,
    ``Jan 2026 to Jun 2026`` for whole months, else with the days: ``1 to 20 Mar 2026``,
    ``15 Jan 2026 to 20 Mar 2026``."""
    if _calendar_year(start, end):
        return str(start.year)
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        return f"{start:%b %Y}" if (start.year, start.month) == (end.year, end.month) else f"{start:%b %Y} to {end:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} to {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"


@dataclass
class RunView:
    """What a report shows about one run; arrays are per date (steps,) or per month (months,)."""

    scenario: Scenario
    metadata: dict[str, Any]
    summary: dict[str, Any]
    dates: np.ndarray  # datetime64[D]
    months: np.ndarray  # datetime64[M]
    series: tuple[str, ...]
    levels: tuple[float, ...]
    quantiles: dict[str, np.ndarray] = field(repr=False)  # (levels, steps)
    # the no-disruption outlook (energysim.reference): medians of the futures without events
    baseline: dict[str, np.ndarray] = field(repr=False)  # (steps,)
    baseline_monthly: dict[str, np.ndarray] = field(repr=False)  # (months,)
    monthly_q: dict[str, np.ndarray] = field(repr=False)  # (len(SUMMARY_LEVELS), months)
    history_dates: dict[str, np.ndarray] = field(repr=False)  # datetime64[D]
    history_values: dict[str, np.ndarray] = field(repr=False)
    mean_q: dict[str, dict[float, float]] = field(default_factory=dict)  # horizon average quantiles
    mean_q_se: dict[str, dict[float, float]] = field(default_factory=dict)
    max_q: dict[str, dict[float, float]] = field(default_factory=dict)  # path maximum quantiles
    peak: dict[str, tuple[str, float]] = field(default_factory=dict)  # riskiest month: highest P95
    thresholds: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # level, p, s.e.
    baseline_means: dict[str, float] = field(default_factory=dict)  # the outlook's horizon average
    baseline_p95_means: dict[str, float] = field(default_factory=dict)  # P95 of it over the futures without events
    # table key -> source of the assumptions set in a file or on the command line (report_tables.assumption_sources)
    assumption_sources: dict[str, str] = field(default_factory=dict)

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def from_result(cls, result: SimulationResult, reference: Reference | None = None,
                    assumption_sources: dict[str, str] | None = None) -> "RunView":
        """Pick what the report needs out of ``result`` (uses the result's own accessors).

        ``reference``: the run's no-disruption outlook; computed when not given
        (:func:`energysim.reference.no_disruption_reference`: a second simulation of the same
        futures without events, when the scenario has events). The view's scenario holds the
        paths and seed the run used (given to ``simulate`` or the scenario's own)."""
        sc = result.scenario
        used = {"paths": int(result.metadata["paths"]), "seed": int(result.metadata["seed"])}
        if used != {"paths": sc.simulation.paths, "seed": sc.simulation.seed}:
            sc = sc.model_copy(update={"simulation": sc.simulation.model_copy(update=used)})
        ref = reference if reference is not None else no_disruption_reference(result)
        start = np.datetime64(result.dates[0], "D")
        hist_src = {"brent_usd_per_bbl": result.inputs.brent_history}
        for key, fuel in sc.fuels.items():
            hist_src[fuel_series(key, fuel)] = result.inputs.fuels[key].history
        for s in result.series:  # the levels of the monthly averages (the peak month's P95 too) in one partition
            result.monthly_quantiles(s, SUMMARY_LEVELS)
        v = cls(
            scenario=sc, metadata=dict(result.metadata), summary=result.summary(),
            dates=result.dates.astype("datetime64[D]"), months=result.months.astype("datetime64[M]"),
            series=tuple(result.series), levels=tuple(result.levels),
            quantiles={}, baseline={}, baseline_monthly={}, monthly_q={}, history_dates={}, history_values={},
            assumption_sources=dict(assumption_sources or {}),
        )
        for s in result.series:
            v.quantiles[s] = np.vstack([result.quantile_path(s, q) for q in result.levels])
            v.baseline[s] = ref.path[s]
            v.baseline_monthly[s] = ref.monthly[s]
            v.baseline_means[s] = ref.mean[s]
            v.baseline_p95_means[s] = ref.mean_p95[s]
            v.monthly_q[s] = result.monthly_quantiles(s, SUMMARY_LEVELS)
            hm = result.horizon_mean_quantiles(s)
            v.mean_q[s] = {q: hm[q] for q in SUMMARY_LEVELS}
            v.mean_q_se[s] = {q: quantile_standard_error(result.path_mean[s], q) for q in SUMMARY_LEVELS}
            mx = np.quantile(result.path_max[s], MAX_LEVELS)
            v.max_q[s] = {q: float(x) for q, x in zip(MAX_LEVELS, mx)}
            v.peak[s] = result.peak_month(s)
            v.thresholds[s] = [(t, *result.threshold_probability(s, t)) for t in sc.outputs.thresholds.get(s, [])]
            hist = hist_src.get(s)
            if hist is not None and len(hist):
                idx = hist.index.values.astype("datetime64[D]")
                keep = (idx < start) & (idx >= start - np.timedelta64(HISTORY_DAYS, "D"))
                v.history_dates[s] = idx[keep]
                v.history_values[s] = hist.to_numpy(dtype=float)[keep]
        return v

    @classmethod
    def of(cls, run: "RunView | SimulationResult") -> "RunView":
        """``run`` itself if a view, else the view of a result (its no-disruption outlook is
        simulated once per result, see :func:`energysim.reference.no_disruption_reference`)."""
        check_run(run, (SimulationResult, RunView), "RunView.of")
        return run if isinstance(run, RunView) else cls.from_result(run)

    # --- plain accessors ----------------------------------------------------------------------

    @property
    def step_days(self) -> np.ndarray:
        """Each step's length [days]: the horizon's grid (:func:`energysim.timegrid.time_grid`)
        when the view's dates are that grid, else the gaps between the dates (the last step as
        long as the one before it; one day for a single date)."""
        h = self.scenario.horizon
        dates, lengths = time_grid(h.start, h.end, h.step)
        if np.array_equal(dates, self.dates.astype("datetime64[D]")):
            return lengths
        gaps = np.diff(self.dates.astype("datetime64[D]")).astype(float)
        return np.append(gaps, gaps[-1] if gaps.size else 1.0)

    @property
    def step_centres(self) -> np.ndarray:
        """Where the charts draw each step's value, an average over the step: halfway through it
        (:func:`energysim.timegrid.step_centres`, datetime64[m])."""
        return step_centres(self.dates.astype("datetime64[D]"), self.step_days)

    @property
    def steps_end(self) -> np.ndarray:
        """The end of the last step (00:00 of the day after it), datetime64[m]: where the
        simulated days end, up to a step past ``horizon.end``."""
        return (self.dates[-1].astype("datetime64[D]") + int(self.step_days[-1])).astype("datetime64[m]")

    @property
    def price_series(self) -> list[str]:
        return [s for s in self.series if s != "net_supply_loss_mbd"]

    @property
    def n_paths(self) -> int:
        return int(self.metadata["paths"])

    def quantile_path(self, series: str, level: float) -> np.ndarray:
        for i, q in enumerate(self.levels):
            if math.isclose(q, level):
                return self.quantiles[series][i]
        raise KeyError(f"quantile {level} not kept; available: {self.levels}")

    def unit(self, series: str) -> str:
        """Short unit of a series: ``bbl``, ``gal``, ``litre`` or ``mbd``."""
        return series_unit(series)

    def label(self, series: str) -> str:
        """Name of a series for readers, e.g. ``US regular gasoline``."""
        return series_label(self.scenario, series)

    def fuel_key(self, series: str) -> str | None:
        for key, fuel in self.scenario.fuels.items():
            if fuel_series(key, fuel) == series:
                return key
        return None

    def unit_words(self, series: str) -> tuple[str, str, str]:
        """(axis label, "a gallon", "gallon") for the series' unit."""
        return UNIT_WORDS.get(self.unit(series), (series, "", ""))

    def period(self) -> str:
        """The horizon in words: ``2026`` for a calendar year, ``Mar 2026`` for a calendar month,
        ``Jan 2026 to Jun 2026`` for whole months, else with the days: ``1 to 20 Mar 2026``,
        ``15 Jan 2026 to 20 Mar 2026``."""
        return period_words(self.scenario.horizon.start, self.scenario.horizon.end)

    def is_calendar_year(self) -> bool:
        return _calendar_year(self.scenario.horizon.start, self.scenario.horizon.end)

    def horizon_months(self) -> float:
        """The horizon's length in calendar months, partly covered months pro rata (:func:`energysim.household.horizon_months`)."""
        return horizon_months(self.scenario.horizon.start, self.scenario.horizon.end)

    def baseline_p95_mean(self, series: str) -> float:
        """The 95th percentile of the horizon average over the futures without the scenario's events."""
        return self.baseline_p95_means[series]

    def baseline_mean(self, series: str) -> float:
        """The no-disruption outlook's horizon average (the median over the futures without events)."""
        return self.baseline_means[series]

    # --- saving and loading -------------------------------------------------------------------

    def save(self, folder: Path, settings: dict[str, Any] | None = None) -> None:
        """Write ``results.npz`` (arrays + a JSON header) and ``scenario.json`` into ``folder``.

        The zip entries carry a fixed date, so the same run gives the same bytes.
        """
        header = {
            "format": FORMAT_VERSION, "metadata": self.metadata, "summary": self.summary,
            "series": list(self.series), "levels": list(self.levels),
            "mean_q": {s: _keyed(d) for s, d in self.mean_q.items()},
            "mean_q_se": {s: _keyed(d) for s, d in self.mean_q_se.items()},
            "max_q": {s: _keyed(d) for s, d in self.max_q.items()},
            "peak": {s: list(p) for s, p in self.peak.items()},
            "thresholds": {s: [list(t) for t in ts] for s, ts in self.thresholds.items()},
            "baseline_means": self.baseline_means,
            "baseline_p95_means": self.baseline_p95_means,
            "settings": settings or {},
            "assumption_sources": self.assumption_sources,
        }
        arrays: dict[str, np.ndarray] = {
            "dates": self.dates.astype("datetime64[D]").astype("int64"),
            "months": self.months.astype("datetime64[M]").astype("int64"),
            "header": np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8),
        }
        for s in self.series:
            arrays[f"quantiles.{s}"] = self.quantiles[s]
            arrays[f"baseline.{s}"] = self.baseline[s]
            arrays[f"baseline_monthly.{s}"] = self.baseline_monthly[s]
            arrays[f"monthly_q.{s}"] = self.monthly_q[s]
            if s in self.history_dates:
                arrays[f"history_dates.{s}"] = self.history_dates[s].astype("int64")
                arrays[f"history_values.{s}"] = self.history_values[s]
        with zipfile.ZipFile(folder / RESULTS_FILE, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())
        text = json.dumps(self.scenario.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
        (folder / SCENARIO_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> tuple["RunView", dict[str, Any]]:
        """Read a run folder written by :meth:`save`; returns the view and the saved settings."""
        folder = Path(folder)
        npz, scj = folder / RESULTS_FILE, folder / SCENARIO_FILE
        for p in (npz, scj):
            if not p.is_file():
                raise ScenarioError.at(str(p), "not a run folder written by this version of energysim "
                                       f"(missing {p.name}); rerun 'energysim run'")
        try:
            with np.load(npz, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(arrays["header"].tobytes().decode())
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # numpy's own words mislead here
            raise _damaged(npz) from None
        try:
            scenario = Scenario.model_validate(with_removed_fuels(json.loads(scj.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            raise _damaged(scj) from None
        if header.get("format") != FORMAT_VERSION:
            raise ScenarioError.at(str(npz), "saved results have another format version; rerun 'energysim run'",
                                   given=header.get("format"))
        series = tuple(header["series"])
        v = cls(
            scenario=scenario, metadata=header["metadata"], summary=header["summary"],
            dates=arrays["dates"].astype("datetime64[D]"), months=arrays["months"].astype("datetime64[M]"),
            series=series, levels=tuple(header["levels"]),
            quantiles={s: arrays[f"quantiles.{s}"] for s in series},
            baseline={s: arrays[f"baseline.{s}"] for s in series},
            baseline_monthly={s: arrays[f"baseline_monthly.{s}"] for s in series},
            monthly_q={s: arrays[f"monthly_q.{s}"] for s in series},
            history_dates={s: arrays[f"history_dates.{s}"].astype("datetime64[D]")
                           for s in series if f"history_dates.{s}" in arrays},
            history_values={s: arrays[f"history_values.{s}"] for s in series if f"history_values.{s}" in arrays},
            mean_q={s: _unkeyed(d) for s, d in header["mean_q"].items()},
            mean_q_se={s: _unkeyed(d) for s, d in header["mean_q_se"].items()},
            max_q={s: _unkeyed(d) for s, d in header["max_q"].items()},
            peak={s: (str(p[0]), float(p[1])) for s, p in header["peak"].items()},
            thresholds={s: [(float(a), float(b), float(c)) for a, b, c in ts] for s, ts in header["thresholds"].items()},
            baseline_means={s: float(x) for s, x in header["baseline_means"].items()},
            baseline_p95_means={s: float(x) for s, x in header["baseline_p95_means"].items()},
            assumption_sources={str(k): str(x) for k, x in (header.get("assumption_sources") or {}).items()},
        )
        return v, dict(header.get("settings") or {})


def _damaged(path: Path) -> ScenarioError:
    return ScenarioError.at(str(path), "damaged or unreadable (not as 'energysim run' wrote it); "
                            "rerunning 'energysim run' on the scenario recreates it")


def _keyed(d: dict[float, float]) -> dict[str, float]:
    return {repr(float(k)): float(v) for k, v in d.items()}


def _unkeyed(d: dict[str, float]) -> dict[float, float]:
    return {float(k): float(v) for k, v in d.items()}
