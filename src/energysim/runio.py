"""Writing reports atomically: a run folder goes to a temporary sibling folder, a single file to
a temporary sibling file, which replaces the target only when complete, so a failure never
leaves a half-written report.

Ctrl-C is recorded as well as raised (:func:`interrupts_recorded`): Python raises
``KeyboardInterrupt`` wherever the main thread happens to be, and inside a weakref callback or a
``__del__`` method it is only printed as "Exception ignored" while the run goes on. Every move
into place (:func:`atomic_folder`, :func:`write_file`) checks the record first, so an
interrupted run never replaces what was there before.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ScenarioError

__all__ = ["atomic_folder", "check_out_file", "check_out_folder", "check_out_replaced", "interrupts_recorded",
           "safe_child", "write_file", "write_json", "written", "save_figure", "figure_formats", "FIGURE_FORMATS"]

_interrupted = threading.Event()
_written: list[Path] = []


@contextmanager
def interrupts_recorded() -> Iterator[None]:
    """Within this block, Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` and is also recorded.

    Only in the main thread, and only where SIGINT has Python's default handler (a process
    started with SIGINT ignored keeps ignoring it). A ``KeyboardInterrupt`` that Python could
    not raise (an "unraisable" one, in a weakref callback or ``__del__``) is not printed: the
    record stops the run at its next move into place instead. Also starts the list of what
    this block wrote (:func:`written`).
    """
    _interrupted.clear()
    _written.clear()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _interrupted.set()
        raise KeyboardInterrupt

    def unraisable(info: Any) -> None:
        if not (isinstance(info.exc_type, type) and issubclass(info.exc_type, KeyboardInterrupt)):
            default_hook(info)

    default_hook = sys.unraisablehook
    previous = signal.signal(signal.SIGINT, on_sigint)
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = default_hook
        _interrupted.clear()  # a later write in this process (a notebook's, a test's) is not stopped


def _stop_if_interrupted() -> None:
    """Raise the ``KeyboardInterrupt`` of a Ctrl-C whose own exception was swallowed."""
    if _interrupted.is_set():
        raise KeyboardInterrupt


def written() -> list[Path]:
    """What was moved into place, complete, since :func:`interrupts_recorded` began."""
    return list(_written)


def write_file(target: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``target`` atomically: to a hidden temporary file next to
    it, moved into place when complete, unless Ctrl-C was pressed (then ``target`` is as it was)."""
    target = Path(target)
    check_out_file(target, option=None)
    tmp = _tmp_path(target)
    try:
        _clean_stale(target)  # what a killed write of the same file left
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the usual permissions (umask)
    except OSError as exc:  # a missing or unwritable folder: name the file asked for
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        _stop_if_interrupted()
        os.replace(tmp, target)
    except BaseException:
        if not tmp.exists() and target.exists():  # interrupted just after the move
            _written.append(target)
        tmp.unlink(missing_ok=True)
        raise
    _written.append(target)


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
    check_out_folder(parent)
    _refuse_a_file_at(child, "--out")
    return child


def _refuse(path: Path, rule: str, option: str | None, given: object = None) -> ScenarioError:
    what_to_do = f"choose another {option}" if option else "choose another place"
    return ScenarioError.at(str(path), f"{rule}; {what_to_do}", key=option, given=given)


def _refuse_a_file_at(folder: Path, option: str | None) -> None:
    if folder.exists() and not folder.is_dir():
        raise _refuse(folder, "is a file, not a folder", option)


def check_out_folder(folder: Path, option: str | None = "--out", shown: Path | None = None) -> None:
    """Refuse, before any work is done, a folder that outputs cannot be written into (made if
    missing): a file at its place or in the way, or a folder above it that is not writable.

    The error names ``shown`` (default ``folder``): the path given to ``option``.
    """
    folder = Path(folder)
    where = folder if shown is None else shown
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe == where and not probe.is_dir():
        raise _refuse(where, "is a file, not a folder", option)
    if not probe.is_dir():
        raise _refuse(where, "cannot make the folder: a file is in the way", option, str(probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _refuse(where, "the folder is not writable", option, str(probe))
    try:
        _try_writing(probe, folder)
    except OSError as exc:  # what os.access cannot tell: /proc, /sys, a read-only mount, root's limits
        reason = "the system does not allow making a folder there" if exc.errno == errno.ENOENT else plain_reason(exc)
        raise _refuse(where, f"cannot write there: {reason}", option) from None


_PLAIN_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "the system does not allow writing there",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.ENAMETOOLONG: "the name is too long",
}


def plain_reason(exc: OSError) -> str:
    """Why a write failed, in plain words (the system's own for the common ones)."""
    return _PLAIN_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def _try_writing(existing: Path, folder: Path) -> None:
    """Make the folders missing from ``existing`` down to ``folder`` and a file in it, then remove
    all of them: the one sure test that outputs can be written there."""
    missing = []
    d = folder
    while d != existing:
        missing.append(d)
        d = d.parent
    made: list[Path] = []
    try:
        for m in reversed(missing):
            try:
                m.mkdir()
            except FileExistsError:  # a name like new/.. made meanwhile, or by another process
                if not m.is_dir():
                    raise
                continue
            made.append(m)
        probe_file = folder / f".energysim-probe-{os.getpid()}-{secrets.token_hex(4)}"
        os.close(os.open(probe_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe_file.unlink()
    finally:
        for m in reversed(made):
            try:
                m.rmdir()
            except OSError:  # pragma: no cover - something else wrote there meanwhile
                pass


def check_out_replaced(folder: Path, option: str | None = "--out") -> None:
    """Refuse, before any work is done, a folder that cannot be written whole in place of
    ``folder`` (:func:`atomic_folder`): a file at its place, or a folder above it that cannot be
    made or written."""
    folder = Path(folder)
    _refuse_a_file_at(folder, option)
    check_out_folder(folder.parent, option, shown=folder)


def check_out_file(target: Path, option: str | None = "--out") -> None:
    """Refuse, before any work is done, a file that cannot be written: a folder at its place, or a
    file in the way of its folder. (A missing folder is left to the command: some make it.)"""
    target = Path(target)
    if target.is_dir():
        raise _refuse(target, "is a folder, not a file", option)
    check_out_folder(target.parent, option, shown=target)


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

    ``.<name>.tmp-<pid>-*``: an unfinished report (a folder) or file of a dead process, deleted.
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
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _tmp_path(target: Path) -> Path:
    """A hidden temporary sibling of ``target``, named as :func:`_clean_stale` expects."""
    return target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"


def _make_tmp(target: Path) -> Path:
    for _ in range(100):
        tmp = _tmp_path(target)
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
    the previous report restored) by the next run writing the same target. A Ctrl-C recorded
    by :func:`interrupts_recorded` stops the swap even if its exception was swallowed.
    """
    target = Path(target)
    check_out_replaced(target, option=None)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    tmp = _make_tmp(target)
    old: Path | None = None
    try:
        yield tmp
        _stop_if_interrupted()
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException as exc:
        if not tmp.exists() and target.exists():  # interrupted just after the swap: the new one is complete
            _written.append(target)
        elif old is not None and old.exists() and not target.exists():
            os.replace(old, target)  # interrupted between the two renames: put the old report back
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and target.exists():
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(exc, OSError) and str(exc.filename or "").startswith(str(tmp)):
            # a full disk while writing: name the folder asked for, not the hidden temporary one
            shown = str(target) + str(exc.filename)[len(str(tmp)):]
            raise OSError(exc.errno, exc.strerror, shown) from None
        raise
    _written.append(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def carry_over(folder: Path, tmp: Path, skip: Callable[[str], bool]) -> None:
    """Copy into ``tmp`` (an :func:`atomic_folder` replacing ``folder``) what ``folder`` holds,
    but the names ``skip`` says the new write makes itself (or must not keep)."""
    if not folder.is_dir():
        return
    for p in sorted(folder.iterdir()):
        if skip(p.name):
            continue
        if p.is_dir():
            shutil.copytree(p, tmp / p.name)
        else:
            shutil.copy2(p, tmp / p.name)


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")


#: The formats a figure is saved in, each without a date or software stamp in the file.
FIGURE_FORMATS = ("png", "svg", "pdf")
_NO_STAMP: dict[str, dict[str, Any]] = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def figure_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """``formats`` (one format, or a list of them) checked against :data:`FIGURE_FORMATS`."""
    given = [formats] if isinstance(formats, str) else formats
    if not isinstance(given, Sequence) or not given or not all(isinstance(f, str) for f in given):
        raise ScenarioError.at(None, f"give one format or a list of them, out of {', '.join(FIGURE_FORMATS)}",
                               key="formats", given=formats)
    wanted = tuple(f.lower().lstrip(".") for f in given)
    bad = [f for f, w in zip(given, wanted) if w not in FIGURE_FORMATS]
    if bad:
        raise ScenarioError.at(None, f"unsupported format {bad[0]!r}; supported: {', '.join(FIGURE_FORMATS)}",
                               key="formats", given=formats)
    return wanted


def save_figure(fig: Any, stem: Path, formats: str | Sequence[str] = ("png", "svg"),
                on_save: Callable[[Path], None] | None = None) -> list[Path]:
    """Save a figure reproducibly (no timestamps in the files) as ``stem`` + ``.`` + each format:
    the extension is added to the name, never put in place of a dot in it."""
    out = []
    for fmt in figure_formats(formats):
        path = stem.with_name(f"{stem.name}.{fmt}")
        fig.savefig(path, format=fmt, dpi=200 if fmt == "png" else None, metadata=_NO_STAMP[fmt])
        out.append(path)
        if on_save:
            on_save(path)
    return out
