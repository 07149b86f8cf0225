"""SIGINT / SIGTERM during `textanalytics report`: exit code, one-line message,
no temporary folders left, the previous report untouched, no orphaned workers;
and the sweep of stale temporary folders left by killed runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from textanalytics.output_folder import TMP_FORMAT, TMP_MARKER, sweep_stale

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is optional
    psutil = None

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CONFIG = ROOT / "analysis.toml"
DEAD_PID = 2**22 + 12345


def _command(out: Path, config: Path) -> list[str]:
    return [sys.executable, "-m", "textanalytics.cli", "report", "--corpus", str(SEEDS),
            "--out", str(out), "--config", str(config)]


def _env() -> dict[str, str]:
    return {**os.environ, "MPLBACKEND": "Agg"}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _interactive_signals() -> None:
    """Give the child the signal dispositions of a process started from a terminal.

    A non-interactive shell starts background jobs (``cmd &``, as CI does) with SIGINT
    ignored, and Python keeps an ignored SIGINT ignored: Ctrl-C cannot reach such a
    process, and the CLI respects that, as every Unix program does. A user pressing
    Ctrl-C has SIGINT at its default, which is what this test is about.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _children(pid: int) -> set[int]:
    if psutil is not None:
        try:
            return {c.pid for c in psutil.Process(pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pids = [int(x) for x in children.read_text().split()]
            except OSError:
                continue
            for child in pids:
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())


def _copy_config(folder: Path) -> Path:
    """analysis.toml in ``folder``, with the seeds' alias table it names relative to itself."""
    (folder / "seeds").mkdir()
    shutil.copy(SEEDS / "aliases.csv", folder / "seeds" / "aliases.csv")
    return Path(shutil.copy(CONFIG, folder / "analysis.toml"))


@pytest.fixture(scope="session")
def previous_report(tmp_path_factory) -> Path:
    """A report written by one complete run (copied into each test's out/)."""
    base = tmp_path_factory.mktemp("previous")
    _copy_config(base)
    out = base / "out"
    done = subprocess.run(_command(out, base / "analysis.toml"), capture_output=True, text=True,
                          env=_env(), timeout=180)
    assert done.returncode == 0, done.stderr
    assert (out / ".textanalytics-report.json").is_file()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "terminated")],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_leaves_previous_report(tmp_path, previous_report, signum, code, word):
    config = _copy_config(tmp_path)
    out = tmp_path / "out"
    shutil.copytree(previous_report, out)
    before = _snapshot(out)
    assert before

    proc = subprocess.Popen(_command(out, config), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(), preexec_fn=_interactive_signals)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.tmp-*")):
            assert proc.poll() is None, f"run ended (rc {proc.returncode}) before its temporary folder appeared"
            assert time.monotonic() < deadline, "no .out.tmp-* folder within 60 s"
            time.sleep(0.05)
        # Give the worker pool (started right after the folder) a moment, so the
        # orphan check has processes to check; signal regardless after 3 s.
        children: set[int] = set()
        wait_children = time.monotonic() + 3
        while time.monotonic() < wait_children and proc.poll() is None:
            children = _children(proc.pid)
            if children:
                break
            time.sleep(0.05)
        children |= _children(proc.pid)
        assert proc.poll() is None, "run ended before the signal"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    assert proc.returncode == code, (proc.returncode, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-4000:]
    lines = [line for line in stderr.splitlines() if line.startswith(word)]
    assert len(lines) == 1, stderr[-2000:]
    leftovers = sorted(p.name for p in tmp_path.iterdir()
                       if p.name.startswith((".out.tmp-", ".out.old-")))
    assert leftovers == []
    assert _snapshot(out) == before
    time.sleep(2)
    survivors = sorted(pid for pid in children if not _gone(pid))
    assert survivors == [], f"child processes still running after {word}: {survivors} (of {sorted(children)})"


def _tmp_marker(folder: Path, pid: int) -> None:
    (folder / TMP_MARKER).write_text(json.dumps({"format": TMP_FORMAT, "pid": pid,
                                                 "host": socket.gethostname()}), encoding="utf-8")


def test_sweep_removes_stale_marked_folder_only(tmp_path):
    stale = tmp_path / ".out.tmp-abc"
    stale.mkdir()
    (stale / "partial.csv").write_text("a,b\n", encoding="utf-8")
    _tmp_marker(stale, DEAD_PID)
    mine = tmp_path / ".out.tmp-mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes\n", encoding="utf-8")
    alive = tmp_path / ".out.tmp-live"
    alive.mkdir()
    _tmp_marker(alive, os.getppid())

    removed = sweep_stale(tmp_path / "out")

    assert removed == [stale]
    assert not stale.exists()
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert (alive / TMP_MARKER).is_file()
    assert not (tmp_path / "out").exists()


def test_sweep_restores_old_folder_when_out_missing(tmp_path):
    old = tmp_path / f".out.old-{DEAD_PID}"
    old.mkdir()
    (old / "report.md").write_text("# report\n", encoding="utf-8")
    _tmp_marker(old, DEAD_PID)

    assert sweep_stale(tmp_path / "out") == [old]
    assert not old.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.md"]
