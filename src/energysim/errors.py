"""One exception tree for energysim.

``ScenarioError`` is what a user mistake raises: the CLI turns it into exit code 2 and a
one-line message, never a traceback. Everything else escaping the library is a bug (exit 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["EnergysimError", "ScenarioError", "Problem", "a_type", "short_value"]


class EnergysimError(Exception):
    """Base class of every error energysim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, which rule, what was given."""

    file: str | None
    line: int | None
    key: str | None
    rule: str
    given: str | None = None

    def format(self) -> str:
        """``file:line: key: rule (given: ...)``; a problem of no file (a command line option, a
        count of arguments) starts with its key, or with the rule."""
        parts = []
        if self.file is not None or self.line is not None:
            where = self.file or "<input>"
            if self.line is not None:
                where += f":{self.line}"
            parts.append(where)
        if self.key:
            parts.append(self.key)
        msg = ": ".join(parts + [self.rule])
        if self.given is not None:
            msg += f" (given: {self.given})"
        return msg


class ScenarioError(EnergysimError, ValueError):
    """A bad input (scenario file, option, episode file). Carries one or more problems."""

    def __init__(self, problems: Problem | list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(None, None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def at(
        cls,
        file: str | None,
        rule: str,
        *,
        line: int | None = None,
        key: str | None = None,
        given: object = None,
    ) -> "ScenarioError":
        shown = None if given is None else short_value(given)
        return cls(Problem(file, line, key, rule, shown))


def a_type(value: object) -> str:
    """The type of ``value`` with its article, for "..., not a str" messages: ``an int``, ``a float``."""
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def short_value(value: object, limit: int = 80) -> str:
    """A value as a message shows it: a date as YYYY-MM-DD, anything else as its repr, cut at ``limit``."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text
