"""Command ``sweep``: the scenario as written and its variants with one or two values moved over a range.

Everything is checked before any simulation (the keys, every value, the number of variants);
the folder ``OUT/<scenario name>-sweep/`` is written whole or not at all: ``sweep.csv`` (one
row per variant and series, :func:`energysim.sweep.sweep_table`) and a chart per price series
(``sweep_<series>.png/.svg``, :func:`energysim.charts_sweep.sweep_chart`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import click
import pandas as pd

from .cli_options import OutPath, Progress, blamed_on_options, echo_notes, paths_option, seed_option
from .errors import ScenarioError

__all__ = ["sweep", "sweep_text"]


def _values(table: pd.DataFrame, row: pd.Series) -> list[str]:
    from .charts_sweep import value_text
    from .sweep import words_of

    keys = table.attrs["keys"]
    if row["variant"] == 0:
        return [f"as written ({value_text(row[k], words_of(table, k)[1])})" if pd.notna(row[k]) else "as written (drawn at random)"
                for k in keys]
    return [value_text(row[k], words_of(table, k)[1]) for k in keys]


def _signed(series: str, value: float, se: float) -> str:
    """A paired difference in dollars (cents for a barrel, tenths of a cent for a gallon) and its
    Monte Carlo standard error to one significant digit: ``+$0.21 ± 0.002``."""
    d = 2 if series.endswith("_bbl") else 3
    sign = "-" if round(value, d) < 0 else "+"
    floor = 10.0 ** -(d + 3)  # a thousandth of the difference's last digit: below it, rounding noise
    if se < floor:  # e.g. a tax change moves every future alike: its error is float noise
        return f"{sign}${abs(value):,.{d}f} ± <{floor:.{d + 3}f}"
    se = float(f"{se:.1g}")  # one significant digit, then as many decimals as that needs
    se_d = max(d, -math.floor(math.log10(se)))
    return f"{sign}${abs(value):,.{d}f} ± {se:.{se_d}f}"


def sweep_text(table: pd.DataFrame) -> str:
    """The printed table: per price series and variant, the swept values, the horizon average
    (P5/P50/P95), the riskiest month's P95 and the paired difference from the scenario as written
    (mean ± Monte Carlo standard error)."""
    from .sweep import words_of
    from .tables import format_columns, format_odds, format_price
    from .texts import step_average

    m = table.attrs["metadata"]
    h = table.attrs["horizon"]
    lines = [f"Sweep of {m['scenario']} on common random numbers [{h['start']} to {h['end']}, {m['paths']:,} paths, "
             f"seed {m['seed']}]; differences are against the scenario as written, path by path.", ""]
    keys = [f"{n} ({u})" if u else n for n, u in (words_of(table, k) for k in table.attrs["keys"])]
    n = len(keys)
    for s, rows in table.groupby("series", sort=False):
        s = str(s)
        if s.endswith("_mbd"):
            continue
        levels = [c for c in rows.columns if c.startswith("threshold_") and rows[c].notna().all()]
        head = keys + ["avg P5", "avg P50", "avg P95", "riskiest-mo P95"] + \
            [f"{format_price(s, float(rows[c].iloc[0]))}+" for c in levels] + ["avg vs as written"]
        out = [head]
        for _, r in rows.iterrows():
            diff = "" if r["variant"] == 0 else _signed(s, r["diff_mean"], r["diff_mc_se_paired"])
            odds = [format_odds(float(r[c.replace("threshold_", "p_reach_")]), int(r["paths"])) for c in levels]
            out.append(_values(table, r) + [format_price(s, r[c]) for c in ("avg_p05", "avg_p50", "avg_p95",
                                                                             "riskiest_month_p95")] + odds + [diff])
        lines += [table.attrs["labels"].get(s, s) + f" ({rows['unit'].iloc[0]})",
                  *format_columns(out, right=set(range(n, len(head)))), ""]
    lines += ["avg: the average over the horizon (P5, P50, P95 of the futures); riskiest-mo P95: the highest month's P95;",
              f"$4.00+ etc.: the chance a {step_average(h['step'])} reaches the threshold at least once in the horizon;",
              "avg vs as written: the variant minus the scenario as written in the same future, averaged over the",
              "futures, ± its Monte Carlo standard error."]
    return "\n".join(lines)


def _parse_sets(scenario: object, sets: tuple[str, ...]) -> dict[str, str]:
    from .sweep_options import parse_set

    out: dict[str, str] = {}
    for text in sets:
        key, values = parse_set(text)
        if key in out:
            raise ScenarioError.at(None, f"{key} is given twice; give all its values in one --set {key}=VALUES",
                                   key="--set")
        out[key] = values
    return out


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, required=True, metavar="KEY=VALUES",
              help="A value to sweep and its values: 0.2,0.4,0.8 or LOW:HIGH:N (N values, both ends) or "
                   "dates 2026-02-01,2026-05-01. Repeat for the grid of several keys (at most 60 variants).")
@paths_option("Monte Carlo paths for every variant (default: the scenario's).")
@seed_option("Random seed for every variant (default: the scenario's).")
@click.option("--out", "out_dir", type=OutPath(), default=Path("reports"), show_default=True,
              help="Folder in which <scenario name>-sweep/ is written.")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def sweep(scenario: Path, sets: tuple[str, ...], paths: int | None, seed: int | None, out_dir: Path,
          quiet: bool) -> None:
    """Run SCENARIO as written and with each --set value, on the same random draws.

    Writes OUT/<name>-sweep/: sweep.csv (per variant and series: the horizon average's P5, P50,
    P95 and mean, the riskiest month's P95, the chance of each threshold, and the paired
    difference from the scenario as written with its Monte Carlo error) and a chart per price
    series (sweep_<series>.png/.svg).
    """
    from .charts import save_chart
    from .charts_sweep import sweep_chart
    from .runio import atomic_folder, safe_child
    from .scenario import load_scenario
    from .sweep import sweep_table, sweep_variants

    loaded = load_scenario(scenario)
    echo_notes(loaded)
    values = _parse_sets(loaded.scenario, sets)
    sweep_variants(loaded, values)  # every key and value checked before any simulation
    target = safe_child(out_dir, f"{loaded.scenario.name}-sweep")
    t0 = time.monotonic()

    progress = Progress(not quiet, "runs")
    try:
        table = sweep_table(loaded, values, paths=paths, seed=seed, progress=progress)
    except ScenarioError as exc:
        raise blamed_on_options(exc, scenario, loaded.scenario.name, paths, seed) from None
    finally:
        progress.close()
    with atomic_folder(target) as tmp:
        table.to_csv(tmp / "sweep.csv", index=False, float_format="%.6g")
        if len(values) <= 2:  # a chart draws one key on x, and one line per value of a second
            for s in dict.fromkeys(table["series"]):
                if not str(s).endswith("_mbd"):
                    save_chart(sweep_chart(table, str(s)), tmp / f"sweep_{s}")
    if len(values) > 2:
        click.echo(f"note: no charts: a chart draws one or two swept keys, not {len(values)}; sweep.csv holds "
                   "every variant", err=True)
    if not quiet:
        click.echo(sweep_text(table))
        m = table.attrs["metadata"]
        click.echo(f"\nWrote {target}/ ({time.monotonic() - t0:.1f} s, {len(set(table['variant']))} runs of "
                   f"{m['paths']:,} paths, seed {m['seed']})")
