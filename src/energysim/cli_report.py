"""``energysim report RUN_DIR`` (re-render without re-simulating) and ``energysim gallery``."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import ScenarioError

__all__ = ["report", "gallery", "GALLERY_DIR", "gallery_file_name"]

#: Where ``energysim gallery`` writes by default, relative to the current folder.
GALLERY_DIR = Path("docs/gallery")


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--format", "formats", help="Comma-separated outputs: png,svg,html,md (default: as before).")
@click.option("--gasoline-gal-per-month", type=float, help="Household gasoline use [gal/month] (default: as before).")
@click.option("--diesel-gal-per-month", type=float, help="Household diesel use [gal/month] (default: as before).")
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
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=GALLERY_DIR, show_default=True,
              help="Folder for the gallery images and its README.md.")
@click.option("--paths", type=int, help="Monte Carlo paths (default: each scenario's own).")
def gallery(scenario_dir: Path, out_dir: Path, paths: int | None) -> None:
    """Draw the headline chart (US gasoline fan chart) of every scenario into the gallery."""
    from . import charts, texts
    from .engine import simulate
    from .runio import check_out_folder, write_file
    from .runview import RunView
    from .scenario import load_scenario

    files = sorted(scenario_dir.glob("*.yaml"))
    if not files:
        raise ScenarioError.at(str(scenario_dir), "no *.yaml scenario files found")
    check_out_folder(out_dir)
    entries: list[tuple[str, str, str, str]] = []
    problems: list[str] = []
    for path in files:
        try:
            loaded = load_scenario(path)
            view = RunView.from_result(simulate(loaded, paths=paths))
        except ScenarioError as exc:
            problems.extend(p.format() for p in exc.problems)
            continue
        s = charts.headline_series(view)
        name = gallery_file_name(view.scenario.name, s)
        entries.append((name, view.scenario.title or view.scenario.name, texts.alt_text(view, s), path.name))
        fig = charts.fan_chart(view, s, finish=False)  # only saved
        png = charts.chart_bytes(fig, "png")
        out_dir.mkdir(parents=True, exist_ok=True)
        write_file(out_dir / name, png)
        click.echo(f"{path}: {out_dir / name}")
    if entries:
        lines = ["# Gallery", "",
                 "The headline chart of every scenario in `scenarios/`: the fan chart of the US regular gasoline "
                 "price. Regenerate all of them with", "", "```", "energysim gallery", "```", "",
                 "(run from the repository root; `--paths` and `--out` change the defaults).", ""]
        for name, title, alt, src in entries:
            lines += [f"## {title}", "", f"Scenario file: `scenarios/{src}`", "",
                      f"![{alt.replace('[', '(').replace(']', ')')}]({name})", ""]
        write_file(out_dir / "README.md", "\n".join(lines))
    if problems:
        raise ScenarioError("\n".join(problems))
