"""Loading a scenario file: inheritance (``extends``, see :mod:`.inherit`), validation, and
clear errors."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Problem, ScenarioError, short_value
from ..timegrid import baseline_gap
from .inherit import MAX_EXTENDS_DEPTH, NOT_INHERITED, Origins, resolve_file
from .schema import NAME_PATTERN, Scenario, with_removed_fuels
from .shapes import SHAPE_ERRORS, annotation_at, model_at, shape_rule
from .yamlio import KeyPath, format_key, read_yaml, unique_names

__all__ = ["load_scenario", "resolve_file", "LoadedScenario", "scenario_from_dict", "validate_scenario",
           "validate_merged", "content_hash", "MAX_EXTENDS_DEPTH", "NOT_INHERITED"]


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


def _item_labels(loc: KeyPath, data: Any, origins: Origins, files: dict[str, Any]) -> dict[KeyPath, str | int]:
    """How a message names the list items on ``loc`` (indexes into the merged ``data``): by name
    where the item has one of its own (see :func:`yamlio.unique_names`), else by its index in
    the file where it is written (a child's items follow its parent's in the merged list)."""
    labels: dict[KeyPath, str | int] = {}
    node = data
    for depth, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            names = unique_names([item.get("name") if isinstance(item, dict) else None for item in node])
            labels[loc[:depth + 1]] = names.get(part, _index_in_file(loc[:depth], part, node[part], origins, files))
            node = node[part]
        else:
            break
    return labels


def _index_in_file(list_path: KeyPath, k: int, item: Any, origins: Origins, files: dict[str, Any]) -> int:
    """The index, in the file that wrote it, of item ``k`` of the merged list at ``list_path``."""
    origin = origins.get(list_path + (k,))
    if origin is None:
        return k
    file, line = origin
    if file not in files:
        try:
            files[file] = read_yaml(Path(file))
        except ScenarioError:
            files[file] = ({}, {})
    raw, lines = files[file]
    written: Any = raw
    for part in list_path:
        written = written.get(part) if isinstance(written, dict) else None
    if not isinstance(written, list):
        return k
    at_line = [j for j in range(len(written)) if lines.get(list_path + (j,)) == line]
    same = [j for j in at_line if written[j] == item]  # several items on one line: [{...}, {...}]
    return (same or at_line or [k])[0]


def _problems_from(exc: ValidationError, origins: Origins, file: str, data: Any = None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    files: dict[str, Any] = {}  # the files read again to find an item's index in them
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]))
        etype = err["type"]
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        given: Any = err.get("input")
        if etype == "extra_forbidden":
            key = loc[-1]
            model = model_at(Scenario, tuple(err["loc"])[:-1])
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
        elif etype == "literal_error" and not isinstance(given, bool):  # one of a few words
            expected = str(err.get("ctx", {}).get("expected", ""))
            words = re.findall(r"'([^']*)'", expected)
            hint = difflib.get_close_matches(str(given).strip().lower(), words, n=1, cutoff=0.5)
            msg = f"must be one of {expected}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        elif etype == "finite_number":
            msg = "numbers must be finite (no .nan or .inf)"
        elif etype in _BOUND_RULES and "ctx" in err:  # as the bounds of uncertain values read
            bound = next(iter(err["ctx"].values()))
            if isinstance(bound, int):
                msg = f"must be {_BOUND_RULES[etype]} {bound:,}"
            elif isinstance(bound, float):
                msg = f"must be {_BOUND_RULES[etype]} {bound:g}"
        elif etype in SHAPE_ERRORS or isinstance(given, bool):  # a value of the wrong kind
            expected = annotation_at(Scenario, tuple(err["loc"]))
            if expected is not None:
                msg = shape_rule(expected, given)
            if given is None or isinstance(given, (dict, list)):  # the rule says what it is
                given = None
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
                                format_key(key_loc, _item_labels(key_loc, data, origins, files)) or None, msg,
                                None if given is None else short_value(given)))
    return problems


def scenario_from_dict(data: dict[str, Any], origins: Origins | None = None, file: str = "<dict>") -> Scenario:
    """Validate a plain mapping (e.g. ``yaml.safe_load`` of a scenario text) as a scenario, with
    the rules and messages of :func:`load_scenario`.

    A mapping cannot inherit: ``extends`` names a parent file, which only :func:`load_scenario`
    reads (relative to the child's folder), so a mapping with ``extends`` is refused rather than
    run without its parent's keys. ``origins`` (key path -> file and line) and ``file`` say where
    the keys were written, for the messages.

    Raises
    ------
    ScenarioError
        Every problem found (``file: key: rule (given: ...)``), as for a file.
    """
    if isinstance(data, dict) and data.get("extends") is not None:
        line = (origins or {}).get(("extends",), (file, None))[1]
        raise ScenarioError.at(
            file, "a mapping cannot inherit: scenario_from_dict() reads no parent file; load the scenario "
            "with energysim.load_scenario(path), or drop 'extends' from a mapping that holds every key "
            "(such as a scenario's model_dump())", line=line, key="extends", given=data["extends"])
    return validate_merged(data, origins or {}, file)


def validate_merged(data: Any, origins: Origins, file: str) -> Scenario:
    """A mapping :func:`resolve_file` made (its parents merged in; ``extends`` is then a record)
    validated as a :class:`Scenario`, every problem raised as one :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, origins or {}, file, data)) from None


def validate_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` checked again with the rules of :func:`load_scenario`; the validated copy.

    A :class:`Scenario` is frozen, and ``model_copy(update=...)`` (the way to change one in code)
    does not validate what it sets: :func:`energysim.simulate` calls this first, so a value a file
    may not hold (a probability of 1.5, a volume above world demand, a disruption listed twice) is
    refused before any work, and a plain number where a distribution goes (``probability=0.9``)
    becomes the fixed distribution a file would make of it. A valid scenario comes back equal
    to itself, with the same :func:`content_hash`. About 1 ms.

    Raises
    ------
    ScenarioError
        Every problem found, as ``scenario 'name': key path: rule (given: ...)``.
    TypeError
        If ``scenario`` is not a :class:`Scenario`.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"needs a Scenario, not {type(scenario).__name__}")
    data = scenario.model_dump(warnings=False)  # as set, even what model_copy left unchecked
    data = with_removed_fuels(data)  # a shipped fuel the scenario left out stays out
    return validate_merged(data, {}, f"scenario {str(scenario.name)[:64]!r}")


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
    scenario = validate_merged(merged, origins, str(path))
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
