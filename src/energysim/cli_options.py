"""Option types shared by the commands: counts within the scenario file's limits, an output path
that may not be empty, a finite monthly fuel amount.

The limits are those of ``simulation.paths`` and ``simulation.seed`` in the scenario schema
(:mod:`energysim.scenario.schema`; a test checks that they agree), so a value refused in a file is
refused on the command line too, and the reverse.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import click

from .errors import Problem, ScenarioError

__all__ = ["MAX_PATHS", "MAX_SEED", "Count", "OutPath", "Progress", "blamed_on_options", "echo_notes",
           "finite_gallons", "paths_option", "seed_option"]

#: ``simulation.paths``: 1 .. MAX_PATHS.
MAX_PATHS = 50_000_000
#: ``simulation.seed``: 0 .. MAX_SEED (a signed 64-bit integer).
MAX_SEED = 2**63 - 1


class Count(click.IntRange):
    """A whole number within [min, max], whose error says what is allowed."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            n = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip())
        except ValueError:
            n = None
        if n is None or (self.min is not None and n < self.min) or (self.max is not None and n > self.max):
            self.fail(f"must be a whole number {self._allowed()} (given: {value})", param, ctx)
        return n

    def _allowed(self) -> str:
        if self.max is None:
            return f"of at least {self.min:,}"
        return f"from {self.min:,} to {self.max:,}"


class OutPath(click.Path):
    """An output path; an empty one (``--out ""``) is refused instead of meaning the current folder."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty; give a folder or file name ('.' for the current folder)", param, ctx)
        return super().convert(value, param, ctx)


def finite_gallons(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A monthly fuel amount: a finite number, zero or more."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ScenarioError.at(None, "a monthly fuel amount must be a finite number of gallons, zero or more",
                               key=param.opts[0], given=value)
    return value


def paths_option(help_text: str, minimum: int = 1, **kw: Any) -> Any:
    return click.option("--paths", type=Count(min=minimum, max=MAX_PATHS), help=help_text, **kw)


def seed_option(help_text: str, **kw: Any) -> Any:
    return click.option("--seed", type=Count(min=0, max=MAX_SEED), help=help_text, **kw)


def blamed_on_options(exc: ScenarioError, scenario_file: Path, scenario_name: str,
                      paths: int | None, seed: int | None) -> ScenarioError:
    """The simulation's problems, each blamed where its value came from: ``--paths`` or ``--seed``
    when given on the command line, otherwise the scenario file the user gave (not its name)."""
    from_options = {"simulation.paths": ("--paths", paths), "simulation.seed": ("--seed", seed)}
    out = []
    for p in exc.problems:
        option, given = from_options.get(p.key or "", (None, None))
        if option is not None and given is not None:
            out.append(Problem(None, None, option, p.rule, p.given))
        elif p.file == scenario_name:
            out.append(Problem(str(scenario_file), p.line, p.key, p.rule, p.given))
        else:
            out.append(p)
    return ScenarioError(out)


def echo_notes(loaded: Any) -> None:
    """Print on stderr, one line each, the notes on values of a loaded scenario that are valid
    but beyond the historical record (:mod:`energysim.scenario.plausibility`)."""
    from .scenario.plausibility import notes

    for note in notes(loaded):
        click.echo(note.format(), err=True)


class Progress:
    """A plain progress bar on stderr (``simulating [####......] 12/41 runs``), only on a
    terminal and for work longer than a second; a ``progress(done, total)`` callback."""

    def __init__(self, enabled: bool, noun: str = "paths") -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.noun = noun
        self.t0 = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (time.monotonic() - self.t0 < 1.0 and done < total):
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r  simulating [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {self.noun}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
