"""``energysim backtest [EPISODES...]``: run historical episodes and score the model's bands."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from .cli_options import OutPath, paths_option, seed_option
from .errors import ScenarioError

__all__ = ["backtest"]


@click.command()
@click.argument("episodes", nargs=-1)
@paths_option("Monte Carlo paths per episode.", minimum=100, default=4000, show_default=True)
@seed_option("Random seed (default: each episode's).")
@click.option("--out", "out_dir", type=OutPath(), default=Path("reports/backtest"),
              show_default=True, help="Folder written: backtest.csv, backtest.md, backtest.json, backtest.png.")
@click.option("--quiet", is_flag=True, help="Do not print the table.")
def backtest(episodes: tuple[str, ...], paths: int, seed: int | None, out_dir: Path, quiet: bool) -> None:
    """Run each episode (default: every file in data/episodes/) and compare with the observed moves.

    EPISODES are episode files, or the names of shipped episodes as the table shows them
    (kuwait_1990) or as their files are named (1990_iraq_kuwait).
    """
    from .backtest import (
        band_chart,
        coverage,
        episode_files,
        find_episode,
        format_table,
        load_episode,
        rows_as_dicts,
        run_episode,
        sharpness,
    )
    from .runio import atomic_folder, check_out_replaced, save_figure, write_json

    files: list[Path] = []
    problems, repeated = [], []
    for given in episodes:  # a file, or an episode's name as the table shows it
        try:
            found = find_episode(given)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if any(found.resolve() == f.resolve() for f in files):
            repeated.append(given)  # the same episode twice would count its observations twice
        else:
            files.append(found)
    if problems:
        raise ScenarioError(problems)
    if repeated and not quiet:
        click.echo(f"note: {', '.join(repeated)}: the same episode given more than once; run once", err=True)
    files = files or episode_files()
    if not files:
        raise ScenarioError("no episode files given and none found in data/episodes/")
    loaded = [load_episode(f) for f in files]  # every file checked before anything runs
    check_out_replaced(out_dir)
    rows = []
    for ep in loaded:
        rows.extend(run_episode(ep, paths=paths, seed=seed))
    with atomic_folder(out_dir) as tmp:
        with (tmp / "backtest.csv").open("w", newline="", encoding="utf-8") as fh:
            records = rows_as_dicts(rows)
            writer = csv.DictWriter(fh, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
        (tmp / "backtest.md").write_text(format_table(rows, markdown=True), encoding="utf-8")
        write_json(tmp / "backtest.json", {
            "coverage": coverage(rows), "sharpness_median_width_pct": sharpness(rows),
            "band": [0.05, 0.95], "paths": paths, "seed": seed,
            "episodes": [str(f) for f in files], "rows": records})
        fig = band_chart(rows)
        save_figure(fig, tmp / "backtest", formats=("png",))
    if not quiet:
        click.echo(format_table(rows))
        click.echo(f"\nWrote {out_dir}/")
