"""Loading a scenario file: inheritance (``extends``, see :mod:`.inherit`), validation, and
clear errors."""

from __future__ import annotations

import difflib
import hashlib
import json
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError
from ..timegrid import baseline_gap
from .inherit import MAX_EXTENDS_DEPTH, NOT_INHERITED, Origins, resolve_file
from .schema import NAME_PATTERN, Scenario
from .yamlio import format_key

__all__ = ["load_scenario", "resolve_file", "LoadedScenario", "scenario_from_dict", "content_hash",
           "MAX_EXTENDS_DEPTH", "NOT_INHERITED"]


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where each of its keys came from."""

    scenario: Scenario
    path: Path | None
    merged: dict[str, Any] = field(repr=False)
    origins: Origins = field(repr=False, default_factory=dict)
    chain: tuple[Path, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` from a type annotation."""
    import typing

    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found at the raw error location ``loc`` inside ``model``.

    ``loc`` is pydantic's own: it contains the tag of a distribution (``'pert'``) where a
    distribution was chosen, which selects the member of the union.
    """
    import typing

    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, str) and part.startswith(("function-", "tagged-union[")):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            f = current.model_fields.get(str(part))
            if f is None:
                return None
            current = f.annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin is list and isinstance(part, int) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            chosen = [m for m in members if _tag_of(m) == part]
            if len(chosen) != 1:
                return None
            current = chosen[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _tag_of(model: type[BaseModel]) -> Any:
    import typing

    f = model.model_fields.get("dist")
    args = typing.get_args(f.annotation) if f is not None else ()
    return args[0] if args else None


_UNION_TAGS = {"fixed", "uniform", "triangular", "pert", "normal", "lognormal", "choice",
               "function-before", "function-after"}


#: pydantic's bound errors, read as ``must be >= 0``
_BOUND_RULES = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for part in loc:
        if isinstance(part, str) and (part in _UNION_TAGS or part.startswith(("function-", "tagged-union["))):
            continue
        out.append(part)
    return tuple(out)


def _problems_from(exc: ValidationError, origins: Origins, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]))
        etype = err["type"]
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        given: Any = err.get("input")
        if etype == "extra_forbidden":
            key = loc[-1]
            model = _model_at(Scenario, tuple(err["loc"])[:-1])
            allowed = sorted(model.model_fields) if model else []
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            msg = f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
            if allowed:
                msg += f" (allowed here: {', '.join(allowed)})"
            given = None
        elif etype == "missing":
            msg = "required key is missing"
            given = None
        elif etype == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            names = err.get("ctx", {}).get("expected_tags", "")
            hint = difflib.get_close_matches(str(tag), [t.strip(" '") for t in str(names).split(",")], n=1)
            msg = f"unknown distribution {tag!r}" + (f"; did you mean {hint[0]!r}?" if hint else "") + f" (known: {names})"
            given = None
        elif etype == "cross_check":
            ctx = err.get("ctx", {})
            loc = tuple(ctx.get("key_path", loc))
            given = ctx.get("given")
        elif etype == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == NAME_PATTERN:
            msg = "names use lowercase letters, digits, _ and - only (at most 64, no spaces or slashes)"
        elif etype == "finite_number":
            msg = "numbers must be finite (no .nan or .inf)"
        elif etype in _BOUND_RULES and "ctx" in err:  # as the bounds of uncertain values read
            bound = next(iter(err["ctx"].values()))
            if isinstance(bound, int):
                msg = f"must be {_BOUND_RULES[etype]} {bound:,}"
            elif isinstance(bound, float):
                msg = f"must be {_BOUND_RULES[etype]} {bound:g}"
        elif isinstance(given, (dict, list)):
            given = None
        key_loc = loc
        sig = (key_loc, msg)
        if sig in seen:
            continue
        seen.add(sig)
        origin = None
        probe = key_loc
        while probe and probe not in origins:
            probe = probe[:-1]
        origin = origins.get(probe)
        problems.append(Problem(origin[0] if origin else file, origin[1] if origin else None,
                                format_key(key_loc) or None, msg,
                                None if given is None else repr(given)[:80]))
    return problems


def scenario_from_dict(data: dict[str, Any], origins: Origins | None = None, file: str = "<dict>") -> Scenario:
    """Validate a plain mapping as a scenario (no ``extends`` resolution)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, origins or {}, file)) from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, merge and validate a scenario file.

    Raises
    ------
    ScenarioError
        Every problem found, each with file, line, key path, rule and the value given.
    """
    path = Path(path)
    merged, origins, chain = resolve_file(path)
    merged = {k: v for k, v in merged.items()}
    scenario = scenario_from_dict(merged, origins, str(path))
    _check_files(scenario, origins, path)
    return LoadedScenario(scenario=scenario, path=path, merged=merged, origins=origins, chain=chain)


def _check_files(scenario: Scenario, origins: Origins, path: Path) -> None:
    """Check the files a scenario names now, so that ``validate`` sees them: a CSV baseline must
    be readable and cover the horizon."""
    csv = scenario.market.baseline.csv
    if csv is None:
        return
    from ..inputs import read_baseline_csv  # inputs imports this module

    file, line = origins.get(("market", "baseline", "csv"), (str(path), None))
    monthly = read_baseline_csv(Path(file).parent / csv, file, line, given=csv)
    h = scenario.horizon
    gap = baseline_gap(monthly, h.start, h.end, h.step)
    if gap is not None:
        raise ScenarioError.at(file, gap, line=line, key="market.baseline.csv", given=csv)


def content_hash(scenario: Scenario, extra: dict[str, Any] | None = None) -> str:
    """Short SHA-256 of the resolved scenario (and any resolved inputs), for reproducibility."""
    payload = {"scenario": scenario.model_dump(mode="json"), "extra": extra or {}}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
