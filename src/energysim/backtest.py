"""The backtest: run historical supply shocks as ordinary scenarios and score the bands.

An episode file (``data/episodes/*.yaml``) is a scenario file plus an ``observed:`` list, which is
not part of :class:`~energysim.scenario.schema.Scenario`: this module reads it, checks it, and
removes it before the scenario is validated. Each observation is::

    observed:
      - date: 1990-10-11          # or  days: 83   (days after horizon.start)
        price_usd_per_bbl: 41.0   # or  pct_change: 93   (per cent vs the baseline)
        what: "peak of the autumn spike"        # optional label
        source: "EIA Brent daily spot (data/brent-daily.csv); Hamilton (2011) +93 % Aug-Oct"

For every observation the model's Brent in the step holding that date (the day itself on the
episodes' daily grid) is expressed as a per cent change from the baseline (the pre-event level)
and its 5th, 50th and 95th percentiles are compared with the observed change. Coverage is the share of observations inside the 5–95 % band; sharpness is the
median band width (P95 − P5, percentage points).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ScenarioError
from .scenario.loader import LoadedScenario, resolve_file, validate_merged
from .scenario.yamlio import format_key, read_yaml

__all__ = ["Observation", "Episode", "Row", "load_episode", "episode_files", "find_episode", "run_episode", "score",
           "coverage", "sharpness", "format_table", "band_chart", "EPISODES_DIR", "BAND"]

#: The band scored: 5th to 95th percentile.
BAND = (0.05, 0.95)
BRENT = "brent_usd_per_bbl"


def EPISODES_DIR() -> Path:  # noqa: N802 - reads like a constant, resolved at call time
    from .data import data_dir

    return data_dir() / "episodes"


@dataclass(frozen=True)
class Observation:
    """One observed price move of an episode."""

    date: dt.date
    days: int
    price_usd_per_bbl: float | None
    pct_change: float | None
    what: str
    source: str


@dataclass(frozen=True)
class Episode:
    loaded: LoadedScenario
    observed: tuple[Observation, ...]

    @property
    def name(self) -> str:
        return self.loaded.scenario.name


@dataclass(frozen=True)
class Row:
    """One line of the backtest table [per cent change from the baseline]."""

    episode: str
    horizon: str
    date: str
    days: int
    what: str
    observed_pct: float
    p5_pct: float
    p50_pct: float
    p95_pct: float
    inside: bool

    @property
    def width_pct(self) -> float:
        return self.p95_pct - self.p5_pct


def _fail(file: str, lines: dict[Any, int], path: tuple[Any, ...], rule: str, given: object = None) -> ScenarioError:
    line = None
    for k in range(len(path), 0, -1):
        if path[:k] in lines:
            line = lines[path[:k]]
            break
    return ScenarioError.at(file, rule, line=line, key=format_key(path), given=given)


def _parse_observed(raw: Any, file: str, lines: dict[Any, int], start: dt.date,
                    end: dt.date) -> tuple[Observation, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(file, lines, ("observed",), "observed must be a non-empty list of observations", raw)
    out = []
    allowed = {"date", "days", "price_usd_per_bbl", "pct_change", "what", "source"}
    for i, item in enumerate(raw):
        p = ("observed", i)
        if not isinstance(item, dict):
            raise _fail(file, lines, p, "each observation is a mapping with date or days, a price or "
                        "pct_change, and a source", item)
        extra = sorted(set(item) - allowed)
        if extra:
            raise _fail(file, lines, p + (extra[0],), f"unknown key; allowed: {', '.join(sorted(allowed))}")
        src = item.get("source")
        if not isinstance(src, str) or not src.strip():
            raise _fail(file, lines, p + ("source",), "every observation needs a source (who published the number)",
                        src)
        if ("date" in item) == ("days" in item):
            raise _fail(file, lines, p, "give exactly one of date or days")
        if "date" in item:
            d = item["date"]
            if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
                raise _fail(file, lines, p + ("date",), "date must be YYYY-MM-DD", d)
            key = "date"
        else:
            days = item["days"]
            if isinstance(days, bool) or not isinstance(days, int):
                raise _fail(file, lines, p + ("days",), "days must be a whole number of days after horizon.start",
                            days)
            d = start + dt.timedelta(days=days)
            key = "days"
        if not start <= d <= end:
            raise _fail(file, lines, p + (key,), f"observation outside the horizon ({start} to {end})", item[key])
        if ("price_usd_per_bbl" in item) == ("pct_change" in item):
            raise _fail(file, lines, p, "give exactly one of price_usd_per_bbl or pct_change")
        price = item.get("price_usd_per_bbl")
        pct = item.get("pct_change")
        value_key = "price_usd_per_bbl" if price is not None else "pct_change"
        value = price if price is not None else pct
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise _fail(file, lines, p + (value_key,), "must be a number", value)
        if price is not None and price <= 0:
            raise _fail(file, lines, p + (value_key,), "price must be positive", price)
        if pct is not None and pct <= -100:
            raise _fail(file, lines, p + (value_key,), "pct_change must be above -100", pct)
        what = item.get("what", "")
        out.append(Observation(date=d, days=(d - start).days,
                               price_usd_per_bbl=None if price is None else float(price),
                               pct_change=None if pct is None else float(pct), what=str(what),
                               source=src.strip()))
    return tuple(out)


def load_episode(path: str | Path) -> Episode:
    """Read an episode file: its ``observed:`` list (checked here) and the scenario (validated).

    Raises
    ------
    ScenarioError
        One line naming the file, line and key for a bad observation (outside the horizon, no
        source, ...) or any scenario problem.
    """
    path = Path(path)
    merged, origins, chain = resolve_file(path)
    file = str(path)
    lines = {k: v[1] for k, v in origins.items()}
    if "observed" not in merged:
        raise ScenarioError.at(file, "an episode file needs an observed: list (the real price moves)", key="observed")
    raw_obs = merged.pop("observed")
    origins = {k: v for k, v in origins.items() if not (k and k[0] == "observed")}
    scenario = validate_merged(merged, origins, file)
    loaded = LoadedScenario(scenario=scenario, path=path, merged=merged, origins=origins, chain=chain)
    h = scenario.horizon
    return Episode(loaded=loaded, observed=_parse_observed(raw_obs, file, lines, h.start, h.end))


def episode_files(folder: Path | None = None) -> list[Path]:
    """Every ``*.yaml`` in the episodes folder, sorted."""
    folder = folder or EPISODES_DIR()
    return sorted(folder.glob("*.yaml"))


def find_episode(given: str | Path, folder: Path | None = None) -> Path:
    """The episode file meant by ``given``: a file as it is, else a shipped episode named so, by the
    ``name`` the backtest table shows (``kuwait_1990``) or by its file name (``1990_iraq_kuwait``).

    Raises
    ------
    ScenarioError
        One line listing the episode names when ``given`` is neither a file nor one of them.
    """
    path = Path(given)
    if path.exists():
        return path  # a file, or something load_episode says is not one
    folder = folder or EPISODES_DIR()
    files = episode_files(folder)
    bare = path.parent == Path(".")
    for file in files if bare else []:
        if path.name in (file.stem, file.name):
            return file
    by_name: dict[str, Path] = {}
    for file in files:
        try:
            name = read_yaml(file)[0].get("name")
        except ScenarioError:  # a broken episode file is reported when it is run
            name = None
        if isinstance(name, str):
            by_name.setdefault(name, file)
    if bare and path.name in by_name:
        return by_name[path.name]
    hint = difflib.get_close_matches(path.name, list(by_name), n=1)
    rule = "no such episode file or episode name" + (f"; did you mean {hint[0]}?" if hint else "")
    rule += f" (episodes in {folder}: {', '.join(sorted(by_name))})" if by_name else f" (no episodes in {folder})"
    raise ScenarioError.at(str(given), rule)


def score(observed_pct: float, model_pct: np.ndarray) -> tuple[float, float, float, bool]:
    """P5, P50, P95 of the model's per cent changes and whether the observation is inside [P5, P95]."""
    p5, p50, p95 = (float(v) for v in np.quantile(model_pct, [BAND[0], 0.5, BAND[1]]))
    return p5, p50, p95, bool(p5 <= observed_pct <= p95)


def _step_of(dates: np.ndarray, day: dt.date) -> int:
    """The index of the step holding ``day``: the last step dated on or before it (a step dated
    ``D`` covers ``[D, D + length)``; the loader keeps observations inside the horizon)."""
    return max(int(np.searchsorted(dates, np.datetime64(day, "D"), side="right")) - 1, 0)


def run_episode(ep: Episode, paths: int, seed: int | None = None) -> list[Row]:
    """Simulate one episode and score each of its observations."""
    from .engine import simulate
    from .inputs import build_inputs

    sc = ep.loaded.scenario
    inp = build_inputs(ep.loaded)
    result = simulate(ep.loaded, paths=paths, seed=seed, keep_paths=True, workers=1, inputs=inp)
    brent = result.paths(BRENT)
    dates = inp.dates
    rows = []
    horizon = f"{sc.horizon.start} to {sc.horizon.end}"
    for ob in ep.observed:
        j = _step_of(dates, ob.date)
        ref = float(inp.baseline_usd_per_bbl[j])
        model_pct = 100.0 * (np.asarray(brent[:, j], float) / ref - 1.0)
        if ob.pct_change is not None:
            obs_pct = ob.pct_change
        else:
            assert ob.price_usd_per_bbl is not None  # one of the two, checked at load
            obs_pct = 100.0 * (ob.price_usd_per_bbl / ref - 1.0)
        p5, p50, p95, inside = score(obs_pct, model_pct)
        rows.append(Row(episode=sc.name, horizon=horizon, date=str(ob.date), days=ob.days, what=ob.what,
                        observed_pct=float(obs_pct), p5_pct=p5, p50_pct=p50, p95_pct=p95, inside=inside))
    return rows


def coverage(rows: list[Row]) -> float:
    """Share of observations inside their 90 % band [0-1]."""
    if not rows:
        raise ValueError("coverage of an empty backtest")
    return sum(r.inside for r in rows) / len(rows)


def sharpness(rows: list[Row]) -> float:
    """Median width of the 90 % bands [percentage points]."""
    if not rows:
        raise ValueError("sharpness of an empty backtest")
    return float(np.median([r.width_pct for r in rows]))


def format_table(rows: list[Row], markdown: bool = False) -> str:
    """The backtest table (plain text or Markdown), with coverage and sharpness at the foot."""
    head = ["episode", "horizon", "date", "observation", "observed", "P5", "P50", "P95", "in 90% band"]
    body = [[r.episode, r.horizon, r.date, r.what, f"{r.observed_pct:+.0f}%", f"{r.p5_pct:+.0f}%",
             f"{r.p50_pct:+.0f}%", f"{r.p95_pct:+.0f}%", "yes" if r.inside else "NO"] for r in rows]
    foot = (f"coverage {coverage(rows):.0%} of {len(rows)} observations inside the 90% band; "
            f"sharpness (median band width) {sharpness(rows):.0f} percentage points")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(lines) + "\n\n" + foot.capitalize() + ".\n"
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*b) for b in body]
    return "\n".join(lines) + "\n\n" + foot


def rows_as_dicts(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(r) | {"width_pct": r.width_pct} for r in rows]


def band_chart(rows: list[Row]) -> Any:
    """Every observation against the model's 90 % band and median (one row each). Returns a Figure."""
    from matplotlib.figure import Figure  # a bare Figure needs no GUI backend

    n = len(rows)
    fig = Figure(figsize=(9.0, 1.2 + 0.42 * n), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)[::-1]
    to_x = lambda v: 100.0 * np.log1p(np.asarray(v, float) / 100.0)  # noqa: E731 - log scale in %-points
    for yi, r in zip(y, rows):
        ax.plot(to_x([r.p5_pct, r.p95_pct]), [yi, yi], color="#4c72b0", lw=6, alpha=0.35, solid_capstyle="butt")
        ax.plot(to_x([r.p50_pct]), [yi], marker="|", color="#4c72b0", ms=14, mew=2)
        ax.plot(to_x([r.observed_pct]), [yi], marker="o" if r.inside else "X", ms=8,
                color="#2a9d54" if r.inside else "#c8102e", zorder=3)
    ticks = np.array([-50, -25, 0, 25, 50, 100, 200, 300])
    ax.set_xticks(to_x(ticks), [f"{t:+d}%" if t else "0" for t in ticks], fontsize=8)
    values = [v for r in rows for v in (r.p5_pct, r.p95_pct, r.observed_pct)]
    lo, hi = to_x([min(min(values), -30.0), max(max(values), 50.0)])
    ax.set_xlim(lo - 8.0, hi + 8.0)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_yticks(y, [f"{r.episode}  {r.date}  {r.what}"[:60] for r in rows], fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Brent change from the pre-event level (log scale)")
    ax.set_title(f"Backtest: model 90 % band (bar), median (|), observation (dot inside, cross outside)\n"
                 f"coverage {coverage(rows):.0%} of {n}, median band width {sharpness(rows):.0f} percentage points",
                 fontsize=9)
    ax.grid(axis="x", color="0.9")
    return fig
