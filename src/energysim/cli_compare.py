"""Commands ``compare``, ``diff`` and ``list``: scenarios side by side.

``compare`` runs every scenario with the same paths and seed (common random numbers) and writes
a folder atomically: ``comparison.csv``, ``differences.csv``, ``monthly_differences.csv`` and
the charts, ``differences.png`` among them (the paired differences month by month). Every file
is loaded and checked before anything is simulated or written.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import click

from .cli_options import OutPath, blamed_on_options, echo_notes, paths_option, seed_option
from .errors import Problem, ScenarioError

__all__ = ["compare", "diff", "list_scenarios", "compare_folder_name", "comparison_text"]

_MAX_FOLDER = 100
_MAX_CELL = 48  # characters of a value shown by ``diff``


def compare_folder_name(names: Sequence[str]) -> str:
    """``compare-<a>-<b>...``, shortened with a hash when too long for a folder name."""
    name = "compare-" + "-".join(names)
    if len(name) > _MAX_FOLDER:
        digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:8]
        name = name[: _MAX_FOLDER - 9] + "-" + digest
    return name


def _labels(names: Sequence[str]) -> list[str]:
    """Scenario names, made unique (``name``, ``name-2``, ...) when a file is given twice."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def _load_all(paths: Sequence[Path]) -> list:  # type: ignore[type-arg]
    """Load every file, collecting the problems of all of them before failing."""
    from .scenario import load_scenario
    from .scenario.yamlio import missing_file_hint

    loaded, problems = [], []
    for p in paths:
        if not p.is_file():
            problems.append(Problem(str(p), None, None, "scenario file not found" + missing_file_hint(p)
                                    if not p.exists() else "not a file"))
            continue
        try:
            loaded.append(load_scenario(p))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def _cell(text: str, width: int) -> str:
    """``text``, shortened with "..." to ``width`` characters."""
    return text if len(text) <= width else text[: width - 3] + "..."


def _fmt_diff(series: str, value: float) -> str:
    from .tables import format_price

    text = f"${abs(value):,.1f}" if series.endswith("_usd_per_bbl") else format_price(series, abs(value))
    if not any(c in "123456789" for c in text):  # rounds to zero: no sign (not "-$0.0")
        return text
    return ("+" if value >= 0 else "-") + text


def comparison_text(results: Sequence, labels: Sequence[str]) -> str:  # type: ignore[type-arg]
    """The printed table: per price series and scenario, the horizon average (P5/P50/P95), the
    riskiest-month P95, and against the first scenario the paired difference of the average and
    of the peak (mean [P5, P95] over paths)."""
    from .charts import SERIES_LABELS
    from .compare import paired_differences
    from .tables import format_columns, format_price

    ref = results[0]
    h = ref.metadata["horizon"]
    lines = [f"Comparison on common random numbers [{h['start']} to {h['end']}, {ref.n_paths:,} paths, "
             f"seed {ref.metadata['seed']}]; differences are against {labels[0]}, path by path.", ""]
    head = ["scenario", "avg P5", "avg P50", "avg P95", "riskiest-mo P95", "avg: paired diff [90%]",
            "peak: paired diff [90%]"]
    for s in ref.series:
        if s == "net_supply_loss_mbd":
            continue
        rows = [head]
        for k, (r, name) in enumerate(zip(results, labels)):
            q = r.horizon_mean_quantiles(s)
            _, peak = r.peak_month(s)
            cells = [name, format_price(s, q[0.05]), format_price(s, q[0.5]), format_price(s, q[0.95]),
                     format_price(s, peak)]
            if k == 0:
                cells += ["(reference)", ""]
            else:
                for key in ("horizon_average", "peak"):
                    d = paired_differences(ref, r, s)[key]
                    lo, hi = (float(x) for x in _quantiles(d))
                    cells.append(f"{_fmt_diff(s, float(d.mean()))} [{_fmt_diff(s, lo)}, {_fmt_diff(s, hi)}]")
            rows.append(cells)
        lines += [SERIES_LABELS.get(s, (s, ""))[0], *format_columns(rows, right={1, 2, 3, 4}), ""]
    lines += ["avg: the average over the horizon (P5, P50, P95 of the futures); riskiest-mo P95: the highest "
              "month's P95;",
              "paired diff: the scenario minus the reference in the same future, averaged over the futures "
              "[the range of 9 futures in 10],",
              "of the horizon average (avg) and of the highest price each future reaches (peak)."]
    return "\n".join(lines).rstrip()


def _quantiles(d):  # type: ignore[no-untyped-def]
    import numpy as np

    from .compare import DIFF_QUANTILES

    return np.quantile(d, [DIFF_QUANTILES[0], DIFF_QUANTILES[-1]])


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@paths_option("Monte Carlo paths for every scenario (default: the first's).")
@seed_option("Random seed for every scenario (default: the first's).")
@click.option("--out", "out_dir", type=OutPath(),
              help="Folder to write (default: reports/compare-<names>/).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def compare(scenarios: tuple[Path, ...], paths: int | None, seed: int | None, out_dir: Path | None,
            quiet: bool) -> None:
    """Run SCENARIOS on the same random draws and compare them with the first.

    Writes comparison.csv (per scenario), differences.csv (paired differences against the
    first), monthly_differences.csv, side-by-side fan charts (fans_<series>), the medians
    overlaid (medians_overlay) and differences.png/.svg: how much each scenario adds to the
    first, future by future, month by month (average and 9 futures in 10).
    """
    from . import charts_compare
    from .charts import save_chart
    from .charts_differences import differences_chart
    from .compare import Comparison
    from .engine import simulate
    from .runio import atomic_folder, check_out_replaced, safe_child
    from .runview import RunView

    if len(scenarios) < 2:
        raise ScenarioError.at(None, "compare needs at least two scenario files", given=len(scenarios))
    loaded = _load_all(scenarios)
    for ld in loaded:
        echo_notes(ld)
    first = loaded[0].scenario
    grid = (first.horizon.start, first.horizon.end, first.horizon.step)
    bad = []
    for ld in loaded[1:]:
        h = ld.scenario.horizon
        if (h.start, h.end, h.step) != grid:
            file, line = ld.origins.get(("horizon",), (str(ld.path), None))
            bad.append(Problem(file, line, "horizon",
                               f"must equal the first scenario's ({first.horizon.start} to {first.horizon.end}, "
                               f"{first.horizon.step}) so that paths can be paired", f"{h.start} to {h.end}, {h.step}"))
    if bad:
        raise ScenarioError(bad)
    labels = _labels([ld.scenario.name for ld in loaded])
    if out_dir is None:
        target = safe_child(Path("reports"), compare_folder_name(labels))
    else:
        check_out_replaced(out_dir)
        target = safe_child(out_dir.parent, out_dir.name)
    n_paths = paths if paths is not None else first.simulation.paths
    n_seed = seed if seed is not None else first.simulation.seed
    t0 = time.monotonic()
    try:
        results = tuple(simulate(ld, paths=n_paths, seed=n_seed, keep_paths=True) for ld in loaded)
    except ScenarioError as exc:  # name the option or the file the value came from
        raise blamed_on_options(exc, scenarios[0], first.name, paths, seed) from None
    comp = Comparison(tuple(labels), results)
    with atomic_folder(target) as tmp:
        comp.comparison().to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        comp.differences().to_csv(tmp / "differences.csv", index=False, float_format="%.6g")
        monthly = comp.monthly_differences()
        monthly.to_csv(tmp / "monthly_differences.csv", index=False, float_format="%.6g")
        views = [RunView.of(r) for r in results]
        prices = views[0].price_series
        for s in prices:
            save_chart(charts_compare.side_by_side_fans(views, labels, s), tmp / f"fans_{s}")
        save_chart(charts_compare.medians_overlay(views, labels, prices), tmp / "medians_overlay")
        save_chart(differences_chart(views, labels, monthly, prices), tmp / "differences")
    if not quiet:
        click.echo(comparison_text(results, labels))
        click.echo(f"\nWrote {target}/ ({time.monotonic() - t0:.1f} s, {n_paths:,} paths per scenario, seed {n_seed})")


@click.command()
@click.argument("scenario_a", type=click.Path(path_type=Path))
@click.argument("scenario_b", type=click.Path(path_type=Path))
@click.option("--all", "include_meta", is_flag=True, help="Also show name, title, description and sources.")
def diff(scenario_a: Path, scenario_b: Path, include_meta: bool) -> None:
    """Show the assumptions that differ between two scenarios, after inheritance."""
    from .diffing import scenario_diff

    a, b = _load_all([scenario_a, scenario_b])
    rows = scenario_diff(a.scenario, b.scenario, include_meta=include_meta)
    name_a, name_b = a.scenario.name, b.scenario.name
    if not rows:
        click.echo(f"{name_a} and {name_b} make the same assumptions.")
        return
    kw = max(len("key"), max(len(r.key) for r in rows))
    aw = min(_MAX_CELL, max(len(name_a), max(len(r.a) for r in rows)))
    bw = min(_MAX_CELL, max(len(name_b), max(len(r.b) for r in rows)))
    click.echo(f"{'key':<{kw}}  {name_a:<{aw}}  {name_b}")
    click.echo("-" * (kw + aw + 4 + max(len(name_b), 8)))
    for r in rows:
        if _cell(r.a, aw) == _cell(r.b, bw):  # they differ only past the columns' width: in full
            click.echo(f"{r.key:<{kw}}  (they differ past {aw - 3} characters; in full:)")
            click.echo(f"{'':<{kw}}    {name_a}: {r.a}")
            click.echo(f"{'':<{kw}}    {name_b}: {r.b}")
            continue
        click.echo(f"{r.key:<{kw}}  {_cell(r.a, aw):<{aw}}  {_cell(r.b, bw)}")
    click.echo(f"\n{len(rows)} difference{'s' if len(rows) != 1 else ''}.")


@click.command(name="list")
@click.argument("folder", type=click.Path(path_type=Path), default=Path("scenarios"))
def list_scenarios(folder: Path) -> None:
    """List the scenarios in FOLDER (default: scenarios/): name, what each extends, and its title."""
    from .scenario import load_scenario

    if not folder.is_dir():
        raise ScenarioError.at(str(folder), "no such folder" if not folder.exists() else "not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        click.echo(f"No scenario files (*.yaml) in {folder}.")
        return
    rows = []
    for p in files:
        try:
            sc = load_scenario(p).scenario
            rows.append((p.name, sc.name, _extends_of(p), sc.title))
        except ScenarioError as exc:
            rows.append((p.name, "(invalid)", _extends_of(p), exc.problems[0].format()))
    fw = max(len("file"), max(len(r[0]) for r in rows))
    nw = max(len("name"), max(len(r[1]) for r in rows))
    ew = max(len("extends"), max(len(r[2]) for r in rows))
    click.echo(f"{'file':<{fw}}  {'name':<{nw}}  {'extends':<{ew}}  title")
    click.echo("-" * (fw + nw + ew + 6 + 40))
    for file, name, ext, title in rows:
        click.echo(f"{file:<{fw}}  {name:<{nw}}  {ext:<{ew}}  {title}")


def _extends_of(path: Path) -> str:
    """The ``extends`` of a scenario file as written, if it can be read ("-" if none or unreadable)."""
    from .scenario.yamlio import read_yaml

    try:
        raw, _ = read_yaml(path)
    except ScenarioError:
        return "-"
    ext = raw.get("extends") if isinstance(raw, dict) else None
    return str(ext) if ext else "-"
