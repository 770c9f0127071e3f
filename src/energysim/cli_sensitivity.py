"""Command ``sensitivity``: which uncertain inputs move a scenario's average price most.

Loads the scenario and checks every option and every variant before simulating
(:func:`energysim.sensitivity.variations`), runs :func:`energysim.sensitivity.tornado_table`
and writes ``OUT/<scenario name>-sensitivity/`` whole (an interrupted run leaves nothing half
written): ``sensitivity.csv`` and one tornado chart per series (``tornado_<series>.png/.svg``);
the console shows the top inputs per series.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
import pandas as pd

from .cli_options import OutPath, Progress, blamed_on_options, echo_notes, paths_option, seed_option
from .errors import ScenarioError

__all__ = ["sensitivity", "sensitivity_text", "csv_values", "TOP_ROWS"]

#: Inputs printed per series.
TOP_ROWS = 10


def sensitivity_text(table: pd.DataFrame, top: int = TOP_ROWS) -> str:
    """The printed table: per series, the base outcome and the inputs with the largest swings."""
    from .charts_tornado import amount_text, input_name, price_decimals, price_text, values_line
    from .tables import format_columns

    a = table.attrs
    low, high = a["levels"]
    lines = [f"Sensitivity of {a['scenario']} [{a['period']} average, {a['paths']:,} paths per run, seed {a['seed']}]: "
             f"each input fixed at its P{low * 100:g} and P{high * 100:g} (a disruption: not happening, happening),",
             "the others uncertain as in the scenario, on the same random draws; swing = high minus low.", ""]
    for s, label in a["series_labels"].items():
        rows = table[table["series"] == s]
        unit = a["units"][s]
        d = price_decimals(unit, [float(x) for x in rows["swing"]])
        out = [["#", "input", "settings (low to high)", "at low", "at high", "swing", "\u00b1 s.e."]]
        for k, (_, r) in enumerate(rows.head(top).iterrows(), 1):
            out.append([str(k), input_name(r), values_line(r, (low, high), a.get("fuel_units")),
                        price_text(unit, float(r["outcome_low"]), d), price_text(unit, float(r["outcome_high"]), d),
                        amount_text(unit, float(r["swing"]), signed=True),
                        amount_text(unit, float(r["mc_standard_error"]))])
        base = price_text(unit, float(rows["base"].iloc[0]), d)
        lines += [f"{label}: scenario as given {base}", *format_columns(out, right={0, 3, 4, 5, 6})]
        if not (rows["swing"] != 0).any():
            lines.append("No input moves it: every swing is exactly 0 on these futures.")
        more = len(rows) - top
        if more > 0:
            lines.append(f"... and {more} more input{'s' if more > 1 else ''} (all in sensitivity.csv)")
        lines.append("")
    lines.append("One input at a time: interactions between inputs are not shown, and swings depend on the quantiles "
                 "chosen (--low, --high).")
    return "\n".join(lines)


def csv_values(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the input values as a CSV shows them: dates as YYYY-MM-DD, numbers to 6
    significant digits like the other columns (a P90 of 41.900000000000006 as 41.9)."""
    def text(v: object) -> str:
        return v.isoformat() if isinstance(v, dt.date) else f"{float(v):.6g}"  # type: ignore[arg-type]

    return table.assign(low_value=table["low_value"].map(text), high_value=table["high_value"].map(text))


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--series", "series", multiple=True,
              help="A series to rank the inputs for (repeat for several; default: every price series).")
@paths_option("Monte Carlo paths per run (default 20,000; each input costs two runs).")
@seed_option("Random seed of every run (default: the scenario's).")
@click.option("--low", type=float, default=0.1, show_default=True, help="Low quantile at which each input is fixed.")
@click.option("--high", type=float, default=0.9, show_default=True, help="High quantile at which each input is fixed.")
@click.option("--out", "out_dir", type=OutPath(), default=Path("reports"), show_default=True,
              help="Folder in which <scenario name>-sensitivity/ is written.")
@click.option("--quiet", is_flag=True, help="No progress, no table.")
def sensitivity(scenario: Path, series: tuple[str, ...], paths: int | None, seed: int | None, low: float, high: float,
                out_dir: Path, quiet: bool) -> None:
    """Rank SCENARIO's uncertain inputs by how much they move the horizon average price.

    Each input is fixed at its --low and --high quantile (default P10 and P90), and each
    disruption that may or may not happen is made certain not to and certain to happen, every
    run on the same paths and seed. Writes sensitivity.csv and tornado_<series>.png/.svg to
    OUT/<scenario name>-sensitivity/. One input at a time: interactions are not shown.
    """
    from .charts import save_chart
    from .charts_tornado import tornado_chart
    from .runio import atomic_folder, safe_child
    from .scenario import load_scenario
    from .scenario.yamlio import missing_file_hint
    from .sensitivity import DEFAULT_PATHS, check_levels, check_series_names, tornado_table, variations

    if not scenario.is_file():
        raise ScenarioError.at(str(scenario), "scenario file not found" + missing_file_hint(scenario)
                               if not scenario.exists() else "not a file")
    check_levels((low, high), key="--low/--high")
    loaded = load_scenario(scenario)
    echo_notes(loaded)
    sc = loaded.scenario
    chosen = check_series_names(sc, list(series) if series else None, key="--series")
    variations(sc, (low, high))  # every variant valid, before any simulation
    target = safe_child(out_dir, f"{sc.name}-sensitivity")
    n_paths = paths if paths is not None else DEFAULT_PATHS
    progress = Progress(not quiet, "runs")
    t0 = time.monotonic()
    try:
        table = tornado_table(loaded, chosen, paths=n_paths, seed=seed, levels=(low, high), progress=progress)
    except ScenarioError as exc:  # name the option or the file the value came from
        raise blamed_on_options(exc, scenario, sc.name, paths, seed) from None
    finally:
        progress.close()
    with atomic_folder(target) as tmp:
        csv_values(table).to_csv(tmp / "sensitivity.csv", index=False, float_format="%.6g")
        for s in chosen:
            save_chart(tornado_chart(table, s), tmp / f"tornado_{s}")
    if not quiet:
        click.echo(sensitivity_text(table))
        click.echo(f"\nWrote {target}/ ({time.monotonic() - t0:.1f} s, {len(table) // len(chosen) * 2 + 1} runs of "
                   f"{n_paths:,} paths, seed {table.attrs['seed']})")
