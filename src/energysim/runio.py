"""Writing a run folder atomically: everything goes to a temporary sibling folder which
replaces the target only when complete, so a failure never leaves a half-written report."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ScenarioError

__all__ = ["atomic_folder", "safe_child", "write_json"]


def safe_child(parent: Path, name: str) -> Path:
    """``parent / name`` for a plain folder name; refuses anything that would escape ``parent``."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", name) or name in (".", ".."):
        raise ScenarioError.at(None, f"cannot use {name!r} as an output folder name: use letters, digits, _ - .")
    child = (parent / name)
    if child.resolve().parent != parent.resolve():
        raise ScenarioError.at(None, f"output folder {name!r} would escape {parent}")
    return child


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target`` whole, on failure it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
