"""The only YAML reader of energysim: safe, bounded, and aware of line numbers.

Files are parsed with PyYAML's *safe* composer into a node tree, which is converted to plain
Python values here (so no tag can construct an object), while recording the line of every key
path. Limits keep hostile input cheap to refuse: file size, nesting depth and the number of
nodes after alias expansion ("billion laughs").
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError

__all__ = ["read_yaml", "KeyPath", "LineMap", "MAX_FILE_BYTES", "format_key", "unique_names", "missing_file_hint"]

MAX_FILE_BYTES = 2_000_000  # a scenario is a few kB; the STEO-sized inline baseline is < 50 kB
MAX_DEPTH = 40
MAX_NODES = 200_000
#: The folder of shipped scenarios, relative to where commands run (the repository root), where a
#: bare name such as ``maduro_capture`` is looked for when no such file exists.
SCENARIO_DIR = Path("scenarios")
_SUFFIXES = (".yaml", ".yml")

KeyPath = tuple[str | int, ...]
LineMap = dict[KeyPath, int]

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


#: PyYAML's wording of common slips, and what to do about them
_SYNTAX_HINTS = {
    "found character '\\t' that cannot start any token":
        "a tab character, where YAML takes only spaces (indentation included): replace the tab with spaces",
    "mapping values are not allowed here":
        "mapping values are not allowed here: a 'key: value' where only a value can be; if this line holds "
        "a key, indent it as the keys above it; if ': ' is part of a text, put the text in quotes",
}


def format_key(path: KeyPath, labels: Mapping[KeyPath, str | int] | None = None) -> str:
    """``('disruptions', 0, 'volume_mbd')`` -> ``disruptions[0].volume_mbd``, or with ``labels``
    (list item path -> what to show between the brackets) ``disruptions[closure].volume_mbd``."""
    out = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            out += f"[{labels.get(path[:i + 1], part) if labels else part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def unique_names(names: Sequence[object]) -> dict[int, str]:
    """Index -> name of the list items a message names by their ``name``: those whose name is a
    short text without spaces or brackets that no other item of the list has. The others are
    named by their index in the file."""
    usable = [n if isinstance(n, str) and re.fullmatch(r"[^\[\]\s]{1,64}", n) else None for n in names]
    return {i: n for i, n in enumerate(usable) if n is not None and usable.count(n) == 1}


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: LineMap = {}
        self.labels: dict[KeyPath, str | int] = {}  # list items named in messages (format_key)
        self.count = 0
        self._scalar = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, rule: str, path: KeyPath, given: object = None) -> ScenarioError:
        return ScenarioError.at(
            self.file, rule, line=node.start_mark.line + 1, key=format_key(path, self.labels) or None, given=given
        )

    def convert(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"too many values (over {MAX_NODES:,}, aliases included): refused", path)
        if depth > MAX_DEPTH:  # the key shown up to the third level: its full path repeats itself
            raise ScenarioError.at(self.file, f"nesting deeper than {MAX_DEPTH} levels: refused",
                                   line=node.start_mark.line + 1, key=format_key(path[:3]) + "...")
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(node, "YAML tags are not allowed; write plain values", path, node.tag)
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "YAML merge keys ('<<') are not supported; use 'extends'", path)
                key = self.convert(key_node, path, depth + 1)
                if not isinstance(key, str):
                    key = str(key)
                if key in out:
                    raise self.fail(key_node, "key appears twice in the same mapping", path + (key,), key)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.convert(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            names = unique_names([_name_in(v) for v in node.value])
            self.labels.update({path + (i,): name for i, name in names.items()})
            return [self.convert(v, path + (i,), depth + 1) for i, v in enumerate(node.value)]
        try:
            value = self._scalar.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. 2026-02-30 matches the date pattern
            rule = "not a valid date (write YYYY-MM-DD)" if node.tag.endswith(":timestamp") else "cannot read value"
            raise self.fail(node, f"{rule}: {exc}", path, node.value) from None
        # .nan and .inf are kept: the schema refuses them with the key path, alongside every
        # other problem of the file (so that 'energysim validate' lists them all at once).
        if isinstance(value, dt.datetime):
            value = value.date()
        return value


def _name_in(node: yaml.Node) -> str | None:
    """The ``name`` of a list item, read from its node before the item is converted (so that a
    message about any of its keys can name it), or None."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "name" and isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str":
                return str(value.value)
    return None


def missing_file_hint(path: Path) -> str:
    """``"; did you mean scenarios/x.yaml?"`` for a file that does not exist when a file it likely
    means does: the name with a ``.yaml`` suffix, or a bare name in ``scenarios/``; else ``""``."""
    path = Path(path)
    if not path.name:
        return ""
    stem = path.stem if path.suffix in _SUFFIXES else path.name
    names = [stem + s for s in _SUFFIXES]
    candidates = [path.with_name(n) for n in names]
    if path.parent == Path("."):
        candidates += [SCENARIO_DIR / n for n in names]
    for candidate in candidates:
        if candidate != path and candidate.is_file():
            return f"; did you mean {candidate}?"
    return ""


def read_yaml(path: Path) -> tuple[dict[str, Any], LineMap]:
    """Read a scenario-like YAML file into a dict and a map of key path -> line number.

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, bytes that are not UTF-8 text, a YAML syntax error
        (with line and column), a top level that is not a mapping, tags, or size limits.
    """
    file = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError.at(file, "file not found" + missing_file_hint(path)) from None
    except OSError as exc:
        raise ScenarioError.at(file, f"cannot read file: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError.at(file, "is a folder, expected a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError.at(file, "is not a regular file (a device, pipe or socket); expected a YAML file")
    too_large = ScenarioError.at(
        file, f"file is too large for a scenario (over {MAX_FILE_BYTES:,} bytes, the limit)", given=info.st_size
    )
    if info.st_size > MAX_FILE_BYTES:
        raise too_large
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows while we read
    except OSError as exc:
        raise ScenarioError.at(file, f"cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise too_large
    if b"\x00" in raw:
        raise ScenarioError.at(file, "not a text file (contains NUL bytes); expected a YAML scenario")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError.at(
            file, f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}); save the file as UTF-8",
            line=bad_line,
        ) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    if not text.strip():
        raise ScenarioError.at(file, "file is empty; a scenario needs at least 'name'")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        problem = (exc.problem or exc.context or "syntax error").strip()
        ctx_mark = exc.context_mark
        if problem.startswith("expected <block end>") and ctx_mark is not None:
            problem = (f"the indentation of this line does not match the lines above it (the block that starts "
                       f"at line {ctx_mark.line + 1}, column {ctx_mark.column + 1}); keys of one mapping, and "
                       "items of one list, start in the same column")
        elif exc.problem and exc.context and ctx_mark is not None and mark is not None and ctx_mark.line != mark.line:
            # e.g. an unclosed quote: the error is found at the end, the cause is where it opened
            problem += f" ({exc.context.strip()} that starts at line {ctx_mark.line + 1}, column {ctx_mark.column + 1})"
        problem = _SYNTAX_HINTS.get(problem, problem)
        raise ScenarioError.at(file, f"YAML syntax error{col}: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.at(file, f"YAML error: {exc}") from None
    except RecursionError:
        raise ScenarioError.at(file, f"nesting deeper than {MAX_DEPTH} levels: refused") from None
    if node is None:
        raise ScenarioError.at(file, "file holds no values; a scenario needs at least 'name'")
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise ScenarioError.at(
            file, f"the top level must be a mapping of keys (name:, horizon:, ...), not {kind}",
            line=node.start_mark.line + 1,
        )
    conv = _Converter(file)
    try:
        data = conv.convert(node, (), 0)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise ScenarioError.at(
            file, f"cannot read value: {exc.problem}", line=mark.line + 1 if mark else None
        ) from None
    except RecursionError:
        raise ScenarioError.at(file, f"nesting deeper than {MAX_DEPTH} levels: refused") from None
    return data, conv.lines
