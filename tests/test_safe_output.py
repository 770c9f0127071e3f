"""No run loses or corrupts a report: a failure, Ctrl-C or kill midway leaves the previous report
intact and no partial folder; output paths cannot escape; the same seed gives the same bytes."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from energysim import report
from energysim.cli import main
from energysim.errors import ScenarioError
from energysim.runio import atomic_folder, interrupts_recorded, safe_child, write_file, written

ROOT = Path(__file__).parent.parent
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
NAME = "baseline_2026"
RUN = ["run", str(BASELINE), "--paths", "300", "--quiet"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name != NAME)


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A good report written once; each test copies it as 'yesterday's report'."""
    out = tmp_path_factory.mktemp("previous")
    assert main([*RUN, "--seed", "7", "--out", str(out)]) == 0
    return out, _snapshot(out / NAME)


def _with_previous(tmp_path: Path, previous: tuple[Path, dict[str, bytes]]) -> Path:
    out = tmp_path / "reports"
    (out / NAME).mkdir(parents=True)
    for rel, data in previous[1].items():
        (out / NAME / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / NAME / rel).write_bytes(data)
    return out


def test_same_seed_gives_identical_bytes(tmp_path: Path, previous: tuple[Path, dict[str, bytes]]) -> None:
    out = tmp_path / "again"
    assert main([*RUN, "--seed", "7", "--out", str(out)]) == 0
    again = _snapshot(out / NAME)
    first = previous[1]
    assert {"quantiles.csv", "summary.json"} <= set(first)
    assert any(name.endswith(".png") for name in first)
    assert sorted(again) == sorted(first)
    for name in first:
        assert again[name] == first[name], f"{name} differs between two runs with the same seed"
    # re-running into the same folder replaces the report with an identical one, leaving nothing else
    assert main([*RUN, "--seed", "7", "--out", str(out)]) == 0
    assert _snapshot(out / NAME) == first
    assert _leftovers(out) == []


def test_another_seed_changes_the_report(tmp_path: Path, previous: tuple[Path, dict[str, bytes]]) -> None:
    assert main([*RUN, "--seed", "8", "--out", str(tmp_path)]) == 0
    assert (tmp_path / NAME / "quantiles.csv").read_bytes() != previous[1]["quantiles.csv"]


def test_report_folder_has_ordinary_permissions(previous: tuple[Path, dict[str, bytes]]) -> None:
    mode = stat.S_IMODE((previous[0] / NAME).stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_while_writing_keeps_previous_report(exc: BaseException, tmp_path: Path,
                                                     previous: tuple[Path, dict[str, bytes]],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = _with_previous(tmp_path, previous)
    real = report.write_json
    calls: list[Path] = []

    def write_then_fail(path: Path, payload: object) -> None:
        real(path, payload)  # something is already written in the temporary folder
        calls.append(path)
        assert any(p.name.startswith(f".{NAME}.tmp-") for p in out.iterdir())
        raise exc

    monkeypatch.setattr(report, "write_json", write_then_fail)
    code = main([*RUN, "--seed", "9", "--out", str(out)])
    err = capsys.readouterr().err
    assert calls, "the failure was not injected"
    assert code == (130 if isinstance(exc, KeyboardInterrupt) else 1), err
    assert _snapshot(out / NAME) == previous[1]
    assert _leftovers(out) == []


def test_interrupt_between_the_two_renames_restores_previous(tmp_path: Path,
                                                            previous: tuple[Path, dict[str, bytes]],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = _with_previous(tmp_path, previous)
    real_replace = os.replace
    seen: list[tuple[str, str]] = []

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append((Path(src).name, Path(dst).name))
        if len(seen) == 2:  # the old report is aside, the new one not yet in place
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        with atomic_folder(out / NAME) as tmp:
            (tmp / "quantiles.csv").write_text("new")
    assert seen[0] == (NAME, f".{NAME}.old-{os.getpid()}")
    assert _snapshot(out / NAME) == previous[1]
    assert _leftovers(out) == []


def _swallowed_ctrl_c() -> None:
    """Press Ctrl-C where Python can only print its KeyboardInterrupt: in a ``__del__`` method.

    (A weakref callback, such as the ones matplotlib and numpy leave behind, is the same.)
    """
    class Finaliser:
        def __del__(self) -> None:
            # to this thread, so that the signal is delivered before pthread_kill returns (os.kill
            # may hand it to another thread, and a loaded machine then let a short loop end first)
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:  # the handler runs at a jump back, here, inside __del__
                pass

    Finaliser()


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_interrupt_swallowed_by_python_still_stops_the_swap(tmp_path: Path,
                                                            previous: tuple[Path, dict[str, bytes]]) -> None:
    out = _with_previous(tmp_path, previous)
    reached: list[bool] = []
    with interrupts_recorded(), pytest.raises(KeyboardInterrupt):
        with atomic_folder(out / NAME) as tmp:
            (tmp / "quantiles.csv").write_text("new")
            _swallowed_ctrl_c()
            reached.append(True)  # the KeyboardInterrupt did not reach this frame
    assert reached
    assert _snapshot(out / NAME) == previous[1]
    assert _leftovers(out) == []
    with atomic_folder(out / NAME) as tmp:  # the record ends with the block: later writes go ahead
        (tmp / "quantiles.csv").write_text("new")
    assert _snapshot(out / NAME) == {"quantiles.csv": b"new"}


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_interrupt_swallowed_by_python_stops_a_file_write(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("yesterday")
    with interrupts_recorded(), pytest.raises(KeyboardInterrupt):
        _swallowed_ctrl_c()
        write_file(target, "today")
    assert target.read_text() == "yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_file_written_whole_with_ordinary_permissions(tmp_path: Path) -> None:
    write_file(tmp_path / "a.md", "text é\n")
    write_file(tmp_path / "b.png", b"\x89PNG")
    assert (tmp_path / "a.md").read_bytes() == "text é\n".encode()
    assert (tmp_path / "b.png").read_bytes() == b"\x89PNG"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "a.md").stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.png"]
    # what a killed write left (a hidden temporary file of a dead process) goes with the next write
    (tmp_path / f".a.md.tmp-{_dead_pid()}-abcd1234").write_text("half")
    write_file(tmp_path / "a.md", "again")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.png"]


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_run_interrupted_where_python_swallows_it_keeps_previous_report(
        tmp_path: Path, previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = _with_previous(tmp_path, previous)
    real = report.write_json
    reached: list[Path] = []

    def write_and_swallow_ctrl_c(path: Path, payload: object) -> None:
        real(path, payload)
        _swallowed_ctrl_c()
        reached.append(path)  # the run went on, as it would have without the record

    monkeypatch.setattr(report, "write_json", write_and_swallow_ctrl_c)
    code = main([*RUN, "--seed", "9", "--out", str(out)])
    err = capsys.readouterr().err
    assert reached, "the interrupt was not swallowed"
    assert code == 130, err
    assert err.strip() == "Interrupted; nothing was written."  # no "Exception ignored" traceback either
    assert _snapshot(out / NAME) == previous[1]
    assert _leftovers(out) == []


def test_interrupt_just_after_the_swap_says_what_was_written(tmp_path: Path,
                                                             previous: tuple[Path, dict[str, bytes]],
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = _with_previous(tmp_path, previous)
    real_replace = os.replace

    def replace_then_interrupt(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        real_replace(src, dst)
        if Path(dst).name == NAME:  # the new report is in place
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    code = main([*RUN, "--seed", "9", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 130, err
    assert err.strip() == f"Interrupted; already written, complete: {out / NAME}; nothing else was written."
    assert written() == [out / NAME]
    assert _snapshot(out / NAME) != previous[1] and (out / NAME / "summary.json").exists()
    assert _leftovers(out) == []  # the previous report, moved aside, is removed


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_ignored_sigint_stays_ignored() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_recorded():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
    with interrupts_recorded():
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    assert signal.getsignal(signal.SIGINT) is before


def test_killed_between_the_two_renames_is_recovered_by_next_run(tmp_path: Path,
                                                                 previous: tuple[Path, dict[str, bytes]]) -> None:
    """What a SIGKILL leaves (the old report moved aside, a temporary folder) is put right."""
    out = _with_previous(tmp_path, previous)
    dead = _dead_pid()
    os.replace(out / NAME, out / f".{NAME}.old-{dead}")
    (out / f".{NAME}.tmp-{dead}-abcd1234").mkdir()
    (out / f".{NAME}.tmp-{dead}-abcd1234" / "quantiles.csv").write_text("half")
    with pytest.raises(RuntimeError):
        with atomic_folder(out / NAME):
            raise RuntimeError("fail before the swap")
    assert _snapshot(out / NAME) == previous[1]
    assert _leftovers(out) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_run_killed_while_writing_keeps_previous_report(sig: signal.Signals, tmp_path: Path,
                                                        previous: tuple[Path, dict[str, bytes]]) -> None:
    out = _with_previous(tmp_path, previous)
    code = "import sys; from energysim.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, *RUN, "--seed", "11", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.monotonic() + 60
    tmp_seen: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        tmp_seen = [p for p in out.iterdir() if p.name.startswith(f".{NAME}.tmp-")]
        if tmp_seen and any(tmp_seen[0].iterdir()):  # it has started writing files
            break
        time.sleep(0.002)
    assert proc.poll() is None and tmp_seen, "the run ended before it could be killed"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert _snapshot(out / NAME) == previous[1], "the previous report was touched"
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert b"Interrupted" in err and b"Traceback" not in err
        assert _leftovers(out) == []
    else:
        assert proc.returncode == -signal.SIGKILL
        assert _leftovers(out) == [tmp_seen[0].name]  # a hidden temporary folder, never the report
        # the next run writing the same report removes what the killed one left
        assert main([*RUN, "--seed", "7", "--out", str(out)]) == 0
        assert _leftovers(out) == []
        assert _snapshot(out / NAME) == previous[1]


@pytest.mark.parametrize("name", ["../../etc", "..", ".", "/etc", "a/b", "a\\b", "", "x" * 200, ".hidden",
                                  "name with space", "nul\x00"])
def test_output_folder_cannot_escape(name: str, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        safe_child(tmp_path, name)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_plain_name_is_a_child(tmp_path: Path) -> None:
    assert safe_child(tmp_path, "maduro_capture") == tmp_path / "maduro_capture"


def test_scenario_name_cannot_escape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: ../../outside\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "reports")]) == 2
    assert "bad.yaml:1: name:" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_a_file_is_never_replaced_by_a_report_folder(tmp_path: Path) -> None:
    """The Python API too: a folder written whole where a file is, or a file where a folder is, is
    refused and leaves what is there as it was (it used to move the file aside and never back)."""
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(ScenarioError, match="notes.txt: is a file, not a folder; choose another place"):
        with atomic_folder(target) as tmp:
            (tmp / "a.csv").write_text("x")
    with pytest.raises(ScenarioError, match="a file is in the way"):
        write_file(target / "x.json", "{}")
    with pytest.raises(ScenarioError, match="is a folder, not a file"):
        write_file(tmp_path, "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert target.read_text() == "keep me"
