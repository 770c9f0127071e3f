"""Writing a run folder atomically: everything goes to a temporary sibling folder which
replaces the target only when complete, so a failure never leaves a half-written report."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ScenarioError

__all__ = ["atomic_folder", "safe_child", "write_json"]


def safe_child(parent: Path, name: str) -> Path:
    """``parent / name`` for a plain folder name; refuses anything that would escape ``parent``.

    Also checks, before any work is done, that ``parent`` is (or can become) a writable folder,
    so an unwritable ``--out`` fails at once rather than after the simulation.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", name) or name in (".", ".."):
        raise ScenarioError.at(None, "cannot use this as an output folder name: use letters, digits, _ - .",
                               given=name)
    child = (parent / name)
    if child.resolve().parent != parent.resolve():
        raise ScenarioError.at(None, f"output folder would escape {parent}", given=name)
    probe = Path(parent)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ScenarioError.at(str(parent), "cannot create the output folder: a file is in the way",
                               key="--out", given=str(probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ScenarioError.at(str(parent), "the output folder is not writable", key="--out", given=str(probe))
    return child


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - never clean up what might be in use
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove what a killed run (SIGKILL, power loss) left next to ``target``.

    ``.<name>.tmp-<pid>-*``: an unfinished report of a dead process, deleted.
    ``.<name>.old-<pid>``: the previous report moved aside just before the swap; if the
    process died before the new one moved in, it is put back, otherwise deleted.
    """
    tmp_prefix, old_prefix = f".{target.name}.tmp-", f".{target.name}.old-"
    for entry in target.parent.iterdir():
        for prefix in (tmp_prefix, old_prefix):
            if not entry.name.startswith(prefix):
                continue
            pid = entry.name[len(prefix):].split("-")[0]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if prefix == old_prefix and not target.exists():
                os.replace(entry, target)
            else:
                shutil.rmtree(entry, ignore_errors=True)


def _make_tmp(target: Path) -> Path:
    for _ in range(100):
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            tmp.mkdir()  # the usual permissions (umask), unlike tempfile.mkdtemp's 0700
            return tmp
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
    raise FileExistsError(f"cannot create a temporary folder next to {target}")  # pragma: no cover


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target`` whole, on failure it vanishes.

    The temporary folder ``.<name>.tmp-<pid>-<random>`` sits next to ``target`` (same file
    system, so the final move is a rename). A failure or Ctrl-C leaves the previous ``target``
    untouched and removes the temporary folder; what a SIGKILL leaves behind is cleaned up (or
    the previous report restored) by the next run writing the same target.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    tmp = _make_tmp(target)
    old: Path | None = None
    try:
        yield tmp
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)  # interrupted between the two renames: put the old report back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def save_figure(fig: Any, stem: Path, formats: tuple[str, ...] = ("png", "svg"),
                on_save: Callable[[Path], None] | None = None) -> list[Path]:
    """Save a figure reproducibly (no timestamps in the files)."""
    out = []
    for fmt in formats:
        path = stem.with_suffix("." + fmt)
        meta: dict[str, Any] = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
        fig.savefig(path, format=fmt, dpi=200 if fmt == "png" else None, metadata=meta)
        out.append(path)
        if on_save:
            on_save(path)
    return out
