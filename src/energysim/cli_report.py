"""``energysim report RUN_DIR`` (re-render without re-simulating) and ``energysim gallery``."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import OutPath, blamed_on_options, finite_gallons, paths_option
from .errors import ScenarioError

__all__ = ["report", "gallery", "GALLERY_DIR", "gallery_file_name"]

#: Where ``energysim gallery`` writes by default, relative to the current folder.
GALLERY_DIR = Path("docs/gallery")


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--format", "formats", help="Comma-separated outputs: png,svg,html,md (default: as before).")
@click.option("--gasoline-gal-per-month", type=float, callback=finite_gallons,
              help="Household gasoline use [gal/month] (default: as before).")
@click.option("--diesel-gal-per-month", type=float, callback=finite_gallons,
              help="Household diesel use [gal/month] (default: as before).")
def report(run_dir: Path, formats: str | None, gasoline_gal_per_month: float | None,
           diesel_gal_per_month: float | None) -> None:
    """Draw the charts and the report of RUN_DIR again from its saved results (no simulation)."""
    from .report import default_household, rerender
    from .runview import RunView

    household = None
    if gasoline_gal_per_month is not None or diesel_gal_per_month is not None:
        view, settings = RunView.load(run_dir)
        saved = dict(settings.get("household", {}))
        gas = gasoline_gal_per_month if gasoline_gal_per_month is not None else saved.get("us_gasoline", 0.0)
        die = diesel_gal_per_month if diesel_gal_per_month is not None else saved.get("us_diesel", 0.0)
        household = default_household(view.scenario, gas, die)
    rerender(run_dir, formats, household)
    click.echo(f"Wrote the charts and reports of {run_dir}/ again")


def gallery_file_name(scenario_name: str, series: str) -> str:
    return f"{scenario_name}_{series}.png"


@click.command()
@click.option("--scenarios", "scenario_dir", type=click.Path(path_type=Path), default=Path("scenarios"),
              show_default=True, help="Folder whose *.yaml scenarios are drawn (every one of them).")
@click.option("--out", "out_dir", type=OutPath(), default=GALLERY_DIR, show_default=True,
              help="Folder for the gallery images and its README.md.")
@paths_option("Monte Carlo paths (default: each scenario's own).")
def gallery(scenario_dir: Path, out_dir: Path, paths: int | None) -> None:
    """Draw the headline chart (US gasoline fan chart) of every scenario into the gallery.

    Every scenario is loaded and simulated before anything is written; the folder is then
    written whole (files of other names in it are kept), or not at all.
    """
    from . import charts, texts
    from .runio import atomic_folder, carry_over, check_out_replaced

    if not scenario_dir.is_dir():
        raise ScenarioError.at(str(scenario_dir), "no such folder" if not scenario_dir.exists() else "not a folder",
                               key="--scenarios")
    files = sorted(scenario_dir.glob("*.yaml"))
    if not files:
        raise ScenarioError.at(str(scenario_dir), "no *.yaml scenario files found in this folder", key="--scenarios")
    check_out_replaced(out_dir)
    views = _simulated(files, paths)
    entries: list[tuple[str, str, str, str]] = []
    with atomic_folder(out_dir) as tmp:
        carry_over(out_dir, tmp, _left_by_a_write)
        for path, view in zip(files, views):
            s = charts.headline_series(view)
            name = gallery_file_name(view.scenario.name, s)
            entries.append((name, view.scenario.title or view.scenario.name, texts.alt_text(view, s), path.name))
            fig = charts.fan_chart(view, s, finish=False)  # only saved
            (tmp / name).write_bytes(charts.chart_bytes(fig, "png"))
        (tmp / "README.md").write_text(_gallery_readme(entries), encoding="utf-8")
    for path, (name, *_rest) in zip(files, entries):
        click.echo(f"{path}: {out_dir / name}")


def _simulated(files: list[Path], paths: int | None) -> list:  # type: ignore[type-arg]
    """Every scenario loaded, then simulated; the problems of all of them before failing."""
    from .cli_compare import _load_all
    from .engine import simulate
    from .runview import RunView

    views, problems = [], []
    for path, loaded in zip(files, _load_all(files)):
        try:
            views.append(RunView.from_result(simulate(loaded, paths=paths)))
        except ScenarioError as exc:
            problems.extend(blamed_on_options(exc, path, loaded.scenario.name, paths, None).problems)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))  # an option's problem once, not per scenario
    return views


def _left_by_a_write(name: str) -> bool:
    """What an interrupted write left in the gallery folder, not the user's: not carried over."""
    return name.startswith(".") and (".tmp-" in name or ".old-" in name)


def _gallery_readme(entries: list[tuple[str, str, str, str]]) -> str:
    lines = ["# Gallery", "",
             "The headline chart of every scenario in `scenarios/`: the fan chart of the US regular gasoline "
             "price. Regenerate all of them with", "", "```", "energysim gallery", "```", "",
             "(run from the repository root; `--paths` and `--out` change the defaults).", ""]
    for name, title, alt, src in entries:
        lines += [f"## {title}", "", f"Scenario file: `scenarios/{src}`", "",
                  f"![{alt.replace('[', '(').replace(']', ')')}]({name})", ""]
    return "\n".join(lines)
