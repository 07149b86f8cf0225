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


@pytest.fixture(scope="session")
def previous_report(seeds_report) -> Path:
    """A report written by one complete run (copied into each test's out/)."""
    out, _ = seeds_report
    assert (out / ".textanalytics-report.json").is_file()
    return out


def _config_with_warm_analysis(folder: Path, *, project: Path) -> Path:
    """``analysis.toml`` in ``folder``, its cache holding ``project``'s tokens and topic fits but no figures.

    The run then reaches the write stage within seconds, and still forks workers to draw figures.
    """
    config = folder / "analysis.toml"
    text = CONFIG.read_text(encoding="utf-8")
    # Figures at a high resolution: drawing them takes seconds even on a fast machine, so the
    # signal always arrives while the report is being written, not after the run has ended.
    assert "\ndpi = 110\n" in text
    config.write_text(text.replace("\ndpi = 110\n", "\ndpi = 300\n"), encoding="utf-8")
    (folder / "seeds").symlink_to(project / "seeds", target_is_directory=True)  # the alias table it names
    cache = folder / ".textanalytics_cache"
    cache.mkdir()
    for part in ("preprocess", "topics"):
        (cache / part).symlink_to(project / ".textanalytics_cache" / part, target_is_directory=True)
    return config


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "terminated")],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_leaves_previous_report(tmp_path, seeds_project, previous_report, signum, code, word):
    config = _config_with_warm_analysis(tmp_path, project=seeds_project)
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
    deadline = time.monotonic() + 5  # workers get SIGTERM from the kernel when their parent dies
    while any(not _gone(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
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


@pytest.fixture
def sigint_at_its_default():
    """SIGINT at Python's default handler during the test, as in a process started from a terminal.

    pytest started in the background by a non-interactive shell inherits SIGINT ignored, which
    :func:`~textanalytics.workers.interrupts` rightly keeps ignored (``_interactive_signals``).
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class _SignalInFinaliser:
    """Sends SIGINT to this process from ``__del__``, where Python swallows the exception."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10_000):  # the handler runs here, inside the finaliser
            pass


def test_interrupt_swallowed_by_a_finaliser_still_keeps_the_previous_report(tmp_path, monkeypatch,
                                                                           sigint_at_its_default):
    from textanalytics.output_folder import atomic_output_folder
    from textanalytics.workers import interrupts

    swallowed = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: swallowed.append(info.exc_type))

    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous report", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with interrupts(), atomic_output_folder(out) as tmp:
            (tmp / "new.txt").write_text("half a report", encoding="utf-8")
            _SignalInFinaliser()  # dropped at once: the interrupt is "ignored" by Python
    assert swallowed == [KeyboardInterrupt]  # Python did swallow the interrupt
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_interrupt_during_a_fork_is_raised_after_it_without_a_traceback(capsys, sigint_at_its_default):
    from textanalytics.workers import _deferring_interrupts, interrupts

    with pytest.raises(KeyboardInterrupt):
        with interrupts():
            with _deferring_interrupts():
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(10_000):
                    pass
                reached = True  # the handler ran above and did not raise
    assert reached
    assert "Traceback" not in capsys.readouterr().err
