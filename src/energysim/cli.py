"""Command line: ``energysim run | validate | schema | ...``.

The one place where errors become exit codes: 0 success, 2 bad input (one line per problem,
no traceback, nothing written), 1 an internal error.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from . import __version__
from .cli_options import OutPath, Progress, blamed_on_options, echo_notes, finite_gallons, paths_option, seed_option
from .errors import ScenarioError

__all__ = ["main", "cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="energysim")
def cli() -> None:
    """energysim: how far could crude, gasoline and diesel prices move, and how likely is each outcome."""


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@paths_option("Monte Carlo paths (default: the scenario's).")
@seed_option("Random seed (default: the scenario's).")
@click.option("--out", "out_dir", type=OutPath(), default=Path("reports"), show_default=True,
              help="Folder in which the run folder <scenario name>/ is written.")
@click.option("--quiet", is_flag=True, help="No progress bar, no table.")
@click.option("--format", "formats", default="png,svg,html,md", show_default=True,
              help="Comma-separated outputs: chart images (png, svg), report.html + embed snippets (html), "
                   "report.md + snippets (md).")
@click.option("--gasoline-gal-per-month", type=float, callback=finite_gallons,
              help="Household gasoline use for the budget [gal/month] (default 50).")
@click.option("--diesel-gal-per-month", type=float, callback=finite_gallons, help="Household heating or generator diesel [gal/month] (default 0).")
def run(scenario: Path, paths: int | None, seed: int | None, out_dir: Path, quiet: bool, formats: str,
        gasoline_gal_per_month: float | None, diesel_gal_per_month: float | None) -> None:
    """Simulate SCENARIO and write quantiles, summary and charts to OUT/<name>/."""
    from .engine import simulate
    from .report import default_household, parse_formats, write_run
    from .report_tables import assumption_sources
    from .runio import safe_child
    from .scenario import load_scenario
    from .tables import summary_table

    loaded = load_scenario(scenario)
    echo_notes(loaded)
    target = safe_child(out_dir, loaded.scenario.name)
    fmts = parse_formats(formats)
    household = default_household(loaded.scenario, gasoline_gal_per_month, diesel_gal_per_month)
    progress = Progress(not quiet)
    t0 = time.monotonic()
    try:
        result = simulate(loaded, paths=paths, seed=seed, progress=progress)
    except ScenarioError as exc:  # name the option or the file the value came from
        raise blamed_on_options(exc, scenario, loaded.scenario.name, paths, seed) from None
    finally:
        progress.close()
    options = {k: o for k, o, x in (("simulation.paths", "--paths", paths), ("simulation.seed", "--seed", seed))
               if x is not None}
    write_run(result, target, fmts, household, assumption_sources(loaded, options))
    if not quiet:
        click.echo(summary_table(result))
        click.echo(f"\nWrote {target}/ ({time.monotonic() - t0:.1f} s, {result.n_paths:,} paths, seed {result.metadata['seed']})")


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files without running them; report every problem found."""
    from .backtest import load_episode
    from .scenario import load_scenario
    from .scenario.yamlio import read_yaml

    problems = []
    for path in scenarios:
        try:
            raw, _ = read_yaml(Path(path))
            if "observed" in raw:  # a backtest episode: a scenario plus its observed price moves
                load_episode(path)
                click.echo(f"{path}: ok (episode)")
                continue
            loaded = load_scenario(path)
            click.echo(f"{path}: ok")
            echo_notes(loaded)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


@cli.command()
@click.option("--out", "out_file", type=OutPath(), help="Write to a file instead of printing.")
def schema(out_file: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    from .runio import check_out_file, write_file
    from .scenario.jsonschema import scenario_json_schema

    if out_file:
        check_out_file(out_file)
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if out_file:
        write_file(out_file, text)
    else:
        click.echo(text, nl=False)


# --- commands defined in other modules are registered here ----------------------------------
# (each module defines click commands and is listed once; keep this list sorted)
from .cli_backtest import backtest  # noqa: E402
from .cli_calibrate import calibrate  # noqa: E402
from .cli_compare import compare, diff, list_scenarios  # noqa: E402
from .cli_report import gallery, report  # noqa: E402
from .cli_sensitivity import sensitivity  # noqa: E402
from .cli_sweep import sweep  # noqa: E402

cli.add_command(backtest)
cli.add_command(calibrate)
cli.add_command(compare)
cli.add_command(diff)
cli.add_command(list_scenarios)
cli.add_command(gallery)
cli.add_command(report)
cli.add_command(sensitivity)
cli.add_command(sweep)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI and return the exit code (never raises for user errors)."""
    from .runio import interrupts_recorded

    with interrupts_recorded():
        return _main(argv)


def _interrupted() -> int:
    from .runio import written

    done = written()
    if not done:
        click.echo("Interrupted; nothing was written.", err=True)
    else:
        click.echo(f"Interrupted; already written, complete: {', '.join(map(str, done))}; nothing else was written.",
                   err=True)
    return 130


def _main(argv: Sequence[str] | None) -> int:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="energysim", standalone_mode=False)
    except ScenarioError as exc:
        msg = str(exc)
        click.echo(msg if msg.startswith("error") else "error: " + msg.replace("\n", "\nerror: "), err=True)
        return 2
    except click.exceptions.Abort:  # click turns Ctrl-C (KeyboardInterrupt) into Abort
        return _interrupted()
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:  # a bad option or argument: one line, and where to look
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"error: {exc.format_message()}{where}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 2
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a full disk, a file vanishing: not a bug
        from .runio import plain_reason

        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{plain_reason(exc)}", err=True)
        return 2
    except MemoryError:
        click.echo("error: out of memory; rerun with fewer --paths", err=True)
        return 2
    except Exception as exc:  # an internal error: say so, and how to report it
        import traceback

        traceback.print_exc()
        click.echo(f"internal error ({type(exc).__name__}): {exc}. This is a bug in energysim; please report it.",
                   err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
