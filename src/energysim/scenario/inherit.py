"""Scenario inheritance (``extends``): a file and its chain of parents, read and merged.

The parent is read first and the child merged over it (docs/scenario-format.md, "Inheritance"):

- mappings merge key by key;
- a mapping with a ``dist`` key is a whole distribution: it replaces the inherited value (a
  mapping without ``dist`` over an inherited distribution changes only the keys it gives);
- the lists ``disruptions`` and ``hazards`` merge by ``name``: a child item with a parent's name
  overrides it key by key, a new name is appended, and an empty list removes the inherited items;
- ``sources`` adds to the inherited citations (the parent's first, each citation once);
- any other value replaces the parent's; ``name``, ``extends``, ``title`` and ``description``
  are never inherited.

Every merged key keeps the file and line it was written at (:data:`Origins`), so that an error
names the file where the user must act. The mistakes that only inheritance makes are refused
here: a missing parent (with the closest file name), a child with the name of a scenario it
extends (its run would replace that scenario's report), a new item or fuel that is incomplete and
matches no inherited name (a misspelt name), and an inherited disruption that cannot start inside
the horizon the file sets (in that file, with the two ways to fix it).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import Problem, ScenarioError
from .defaults import DEFAULT_FUELS
from .params import DateParam
from .schema import Disruption, Fuel, Hazard, Horizon
from .yamlio import KeyPath, LineMap, read_yaml

__all__ = ["resolve_file", "Origins", "MAX_EXTENDS_DEPTH", "NOT_INHERITED"]

MAX_EXTENDS_DEPTH = 16
#: Top-level keys a child scenario never takes from its parent (they name and describe one file).
NOT_INHERITED = ("name", "extends", "title", "description")
#: The lists merged by ``name``, with the model and the word for one item.
_NAMED_LISTS: dict[str, tuple[type[BaseModel], str]] = {"disruptions": (Disruption, "disruption"),
                                                         "hazards": (Hazard, "hazard")}
Origins = dict[KeyPath, tuple[str, int]]
_DATE = TypeAdapter(DateParam)


def resolve_file(path: Path) -> tuple[dict[str, Any], Origins, tuple[Path, ...]]:
    """Read a file and its ``extends`` chain; return the merged mapping, the file and line of
    every key, and the chain of files (the root parent first)."""
    path = Path(path)
    merged, origins, chain, _ancestors = _resolve(path, ())
    _check_inherited_starts(merged, origins, str(path))
    return merged, origins, chain


def _resolve(path: Path, seen: tuple[Path, ...]
             ) -> tuple[dict[str, Any], Origins, tuple[Path, ...], tuple[tuple[Any, Path], ...]]:
    """:func:`resolve_file` without its final check; also the (name, file) of every ancestor."""
    real = path.resolve()
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError.at(str(path), f"'extends' chain deeper than {MAX_EXTENDS_DEPTH} files", key="extends")
    raw, lines = read_yaml(path)
    origins: Origins = {k: (str(path), v) for k, v in lines.items()}
    parent_ref = raw.get("extends")
    if parent_ref is None:
        _check_new_items({}, {}, raw, lines, str(path))
        return raw, origins, (real,), ()
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError.at(str(path), "'extends' must be a file name such as baseline_2026.yaml",
                               line=lines.get(("extends",)), key="extends", given=parent_ref)
    parent_path = (path.parent / parent_ref)
    if not parent_path.is_file():
        raise ScenarioError.at(str(path), f"parent scenario not found: {parent_path}"
                               + _closest_file(parent_path, parent_ref),
                               line=lines.get(("extends",)), key="extends", given=parent_ref)
    if parent_path.resolve() in seen + (real,):  # the link that closes the cycle
        cycle = " -> ".join(p.name for p in seen + (real, parent_path.resolve()))
        raise ScenarioError.at(str(path), f"'extends' forms a cycle ({cycle}); remove one of the links",
                               line=lines.get(("extends",)), key="extends", given=parent_ref)
    try:
        parent, p_orig, chain, ancestors = _resolve(parent_path, seen + (real,))
    except ScenarioError as exc:
        looped = next((p for p in exc.problems if "cycle" in p.rule), None)
        if looped is not None:  # shown at the first file of the chain: the one the user named
            raise ScenarioError.at(str(path), looped.rule, line=lines.get(("extends",)), key="extends",
                                   given=parent_ref) from None
        raise ScenarioError(
            [Problem(p.file, p.line, p.key, p.rule + f" (inherited by {path.name})", p.given) for p in exc.problems]
        ) from None
    ancestors += ((parent.get("name"), parent_path),)
    _check_own_name(raw, lines, str(path), ancestors)
    _check_new_items(parent, p_orig, raw, lines, str(path))
    # what names and describes the parent file is not inherited: a child without a title of its
    # own is shown by its name, never under its parent's title
    parent = {k: v for k, v in parent.items() if k not in NOT_INHERITED}
    merged_orig: Origins = {}
    merged = _merge(parent, raw, p_orig, origins, (), merged_orig, (), ())
    return merged, merged_orig, chain + (real,), ancestors


def _is_distribution(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("dist"), str)


def _merge(parent: Any, child: Any, p_orig: Origins, c_orig: Origins, path: KeyPath,
           out_orig: Origins, p_path: KeyPath, c_path: KeyPath) -> Any:
    """Deep-merge child over parent, re-indexing the origin maps into ``out_orig``."""
    if isinstance(parent, dict) and isinstance(child, dict) and not _is_distribution(child):
        result: dict[str, Any] = {}
        for key in list(parent) + [k for k in child if k not in parent]:
            if key in child and key in parent:
                both_lists = isinstance(parent[key], list) and isinstance(child[key], list)
                if not path and key in _NAMED_LISTS and both_lists and child[key]:  # [] removes them
                    result[key] = _merge_named(parent[key], child[key], p_orig, c_orig, (key,), out_orig,
                                               p_path + (key,), c_path + (key,))
                elif not path and key == "sources" and both_lists:
                    result[key] = _merge_sources(parent[key], child[key], p_orig, c_orig, out_orig)
                else:
                    result[key] = _merge(parent[key], child[key], p_orig, c_orig, path + (key,), out_orig,
                                         p_path + (key,), c_path + (key,))
                _copy_origin(c_orig, c_path + (key,), out_orig, path + (key,), only_self=True)
            elif key in child:
                result[key] = child[key]
                _copy_origin(c_orig, c_path + (key,), out_orig, path + (key,))
            else:
                result[key] = parent[key]
                _copy_origin(p_orig, p_path + (key,), out_orig, path + (key,))
        return result
    _copy_origin(c_orig, c_path, out_orig, path)
    return child


def _merge_named(parent: list[Any], child: list[Any], p_orig: Origins, c_orig: Origins, path: KeyPath,
                 out_orig: Origins, p_path: KeyPath, c_path: KeyPath) -> list[Any]:
    result: list[Any] = []
    child_by_name = {_name_of(c): i for i, c in enumerate(child) if _name_of(c) is not None}
    used: set[int] = set()
    for i, item in enumerate(parent):
        j = child_by_name.get(_name_of(item)) if _name_of(item) is not None else None
        k = len(result)
        if j is not None:
            used.add(j)
            result.append(_merge(item, child[j], p_orig, c_orig, path + (k,), out_orig,
                                 p_path + (i,), c_path + (j,)))
        else:
            result.append(item)
            _copy_origin(p_orig, p_path + (i,), out_orig, path + (k,))
    for j, item in enumerate(child):
        if j not in used:
            k = len(result)
            result.append(item)
            _copy_origin(c_orig, c_path + (j,), out_orig, path + (k,))
    return result


def _merge_sources(parent: list[Any], child: list[Any], p_orig: Origins, c_orig: Origins,
                   out_orig: Origins) -> list[Any]:
    """The parent's citations, then the child's that are not among them."""
    result = list(parent)
    for i in range(len(parent)):
        _copy_origin(p_orig, ("sources", i), out_orig, ("sources", i))
    for j, item in enumerate(child):
        if item not in result:
            _copy_origin(c_orig, ("sources", j), out_orig, ("sources", len(result)))
            result.append(item)
    return result


def _name_of(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else None


def _copy_origin(src: Origins, src_path: KeyPath, dst: Origins, dst_path: KeyPath, only_self: bool = False) -> None:
    n = len(src_path)
    for key, value in src.items():
        if key[:n] == src_path and (not only_self or len(key) == n):
            dst[dst_path + key[n:]] = value


# --- mistakes only inheritance makes -----------------------------------------------------------

def _closest_file(parent_path: Path, parent_ref: str) -> str:
    """``"; did you mean maduro_capture.yaml?"`` (as ``extends`` would write it) for the closest
    YAML file name in the folder the parent was looked for in, else ``""``."""
    folder = parent_path.parent
    if not folder.is_dir():
        return f"; there is no folder {folder}"
    names = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    hint = difflib.get_close_matches(parent_path.name, names, n=1, cutoff=0.6)
    if not hint:
        return ""
    written = Path(parent_ref)
    return f"; did you mean {written.with_name(hint[0]) if written.name else hint[0]}?"


def _check_own_name(raw: dict[str, Any], lines: LineMap, file: str, ancestors: tuple[tuple[Any, Path], ...]) -> None:
    """A child named as a scenario it extends would write its run over that scenario's report."""
    name = raw.get("name")
    for ancestor_name, ancestor in ancestors:
        if name is not None and name == ancestor_name:
            raise ScenarioError.at(
                file, f"{name!r} is the name of {ancestor.name}, which this scenario extends; give this scenario a "
                "name of its own (its run would replace that scenario's report)",
                line=lines.get(("name",)), key="name", given=name)


def _check_new_items(parent: dict[str, Any], p_orig: Origins, raw: dict[str, Any], lines: LineMap, file: str) -> None:
    """A disruption, hazard or fuel of the child that matches no inherited name and misses keys a
    new one needs is most likely a misspelt name: said once, with the closest inherited name,
    instead of one "required key" error per missing key."""
    for key, (model, kind) in _NAMED_LISTS.items():
        got = parent.get(key)
        inherited: list[Any] = got if isinstance(got, list) else []
        names = [n for n in map(_name_of, inherited) if isinstance(n, str)]
        items = raw.get(key)
        if not names or not isinstance(items, list):
            continue
        for j, item in enumerate(items):
            name = _name_of(item)
            if isinstance(name, str) and name not in names:
                files = {n: Path(p_orig[(key, i, "name")][0]).name for i, n in enumerate(map(_name_of, inherited))
                         if (key, i, "name") in p_orig}
                _refuse_if_incomplete(model, item, name, f"no inherited {kind} is named {name!r}", names, files,
                                      f"a new {kind}", file, lines.get((key, j, "name")), f"{key}[{name}]")
    fuels, inherited_fuels = raw.get("fuels"), parent.get("fuels")
    if not isinstance(fuels, dict):
        return
    known = list(DEFAULT_FUELS) + [k for k in (inherited_fuels if isinstance(inherited_fuels, dict) else {})
                                   if k not in DEFAULT_FUELS]
    for key, fuel in fuels.items():
        if key not in known and isinstance(fuel, dict):
            _refuse_if_incomplete(Fuel, fuel, key, f"no shipped or inherited fuel is named {key!r}", known, {},
                                  "a new fuel", file, lines.get(("fuels", key)), f"fuels.{key}")


def _refuse_if_incomplete(model: type[BaseModel], item: dict[str, Any], name: str, rule: str, names: list[str],
                          files: dict[str, str], new: str, file: str, line: int | None, key: str) -> None:
    """``rule``, the closest of ``names`` (and the file it comes from, in ``files``) and what a new
    item needs, when ``item`` misses keys of ``model``."""
    missing = _missing_keys(model, item)
    if not missing:
        return
    hint = difflib.get_close_matches(name, names, n=1, cutoff=0.8)  # a typo, not another name
    required = [k for k, f in model.model_fields.items() if f.is_required() and k != "name"]
    if hint:
        rule += f"; did you mean {hint[0]!r}" + (f" (from {files[hint[0]]})" if hint[0] in files else "") + "?"
    elif any(k in item for k in required):
        return  # a new item begun but not finished: the schema names each missing key, among other problems
    else:
        rule += f" (known: {', '.join(names)})."
    raise ScenarioError.at(file, f"{rule} {new[0].upper()}{new[1:]} needs {', '.join(required)} "
                           f"(missing: {', '.join(missing)})", line=line, key=key)


def _missing_keys(model: type[BaseModel], item: dict[str, Any]) -> list[str]:
    """The keys of ``model`` that ``item`` lacks (as the schema sees them: a pure threat needs no
    duration)."""
    try:
        model.model_validate(item)
    except ValidationError as exc:
        return [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and len(e["loc"]) == 1]
    return []


def _check_inherited_starts(merged: dict[str, Any], origins: Origins, file: str) -> None:
    """A disruption inherited with a start that the horizon set in this file leaves no room for:
    named in this file (at its own entry for the disruption, if any, else at the horizon), where it
    must be fixed, with the two ways to fix it. Anything else is left to the schema's own check."""
    items, horizon = merged.get("disruptions"), merged.get("horizon", {})
    if not isinstance(items, list):
        return
    try:
        h = Horizon.model_validate(horizon)
    except ValidationError:
        return
    for i, item in enumerate(items):
        start_at = origins.get(("disruptions", i, "start"))
        if not isinstance(item, dict) or start_at is None or start_at[0] == file:
            continue
        try:
            lo, hi = _DATE.validate_python(item["start"]).bounds()
        except (ValidationError, KeyError):
            continue
        if hi >= h.start and lo <= h.end:  # as the schema: an error only when no possible start is inside
            continue
        here = [origins[k][1] for k in (("disruptions", i, "name"), ("horizon", "start"), ("horizon", "end"))
                if k in origins and origins[k][0] == file]
        if not any(origins.get(("horizon", k), ("",))[0] == file for k in ("start", "end")):
            continue  # this file did not move the horizon: the parent is wrong on its own, as the schema says
        name = item.get("name")
        raise ScenarioError.at(
            file, f"the disruption inherited from {Path(start_at[0]).name}:{start_at[1]} cannot start inside this "
            f"horizon ({h.start} to {h.end}); give it a start inside the horizon here, or remove the inherited "
            "disruptions with 'disruptions: []'",
            line=here[0], key=f"disruptions[{name}].start", given=str(lo) if lo == hi else f"{lo} to {hi}")
