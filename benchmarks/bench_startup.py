"""Benchmark: start-up of the command line, whole process, wall time.

Run from the project root::

    .venv/bin/python benchmarks/bench_startup.py [--runs 5] [--json]

Three commands, each in a fresh process (``python -m textanalytics.cli``, which
is what the ``textanalytics`` script runs), median of ``--runs``:

* ``--help``;
* ``corpus`` on the seeds (the default config's corpus);
* a warm ``report`` on the seeds: the preprocessing, topic-fit and figure
  caches filled by one untimed run first, then the whole process timed.

The commands run in a scratch folder laid out like the project (a copy of
``analysis.toml``, ``seeds`` linked), so the project's own cache and
``reports/`` are never touched. Each command also runs once under
``python -X importtime`` to list which heavy libraries it loaded and the
slowest imports. Timings are never unit-test assertions: this script (also
``benchmarks/run_all.py --only startup``) is how they are checked; the
target is a warm report within 2.5 s on a 2-core machine (issue 12).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Libraries the CLI should load only when a command needs them.
HEAVY = ("pandas", "numpy", "scipy", "scipy.stats", "sklearn", "gensim", "matplotlib", "pyarrow", "nltk",
         "jinja2")
COMMANDS = {"help": ["--help"], "corpus": ["corpus"], "report_warm": ["report", "--out", "out", "--quiet"]}
TARGET_WARM_REPORT_SECONDS = 2.5


def scratch_project(folder: Path) -> Path:
    """A folder laid out like the project: ``analysis.toml`` copied, ``seeds`` linked."""
    shutil.copyfile(ROOT / "analysis.toml", folder / "analysis.toml")
    (folder / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    return folder


def run(args: list[str], *, cwd: Path, importtime: bool = False) -> tuple[float, str]:
    """Wall seconds of ``python -m textanalytics.cli ARGS`` in ``cwd``, and its stderr."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "textanalytics.cli", *args]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds, proc.stderr


_IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def import_profile(stderr: str, *, top: int = 5) -> dict:
    """Heavy libraries loaded, module count, and the slowest top-level-ish imports from ``-X importtime``."""
    rows = [(int(m.group(2)), len(m.group(3)), m.group(4)) for m in map(_IMPORT_LINE.match, stderr.splitlines()) if m]
    names = {name for _, _, name in rows}
    heavy = [h for h in HEAVY if h in names]
    outer = min((depth for _, depth, _ in rows), default=0)
    slowest = sorted((r for r in rows if r[1] <= outer + 2), reverse=True)[:top]
    return {"modules": len(rows), "heavy": heavy,
            "slowest": [f"{name} {us / 1e6:.2f} s" for us, _, name in slowest]}


def measure(runs: int = 5) -> dict[str, dict]:
    """``{command: {"seconds": median, "runs": n, "heavy": [...], "modules": n, "slowest": [...]}}``."""
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        project = scratch_project(Path(tmp))
        run(COMMANDS["report_warm"], cwd=project)  # fills the caches (untimed)
        for name, args in COMMANDS.items():
            samples = [run(args, cwd=project)[0] for _ in range(runs)]
            out[name] = {"seconds": statistics.median(samples), "min_seconds": min(samples), "runs": runs,
                         **import_profile(run(args, cwd=project, importtime=True)[1])}
    return out


def markdown(results: dict[str, dict]) -> list[str]:
    labels = {"help": "`textanalytics --help`", "corpus": "`textanalytics corpus` (seeds)",
              "report_warm": "`textanalytics report` (seeds, caches filled)"}
    lines = ["## Start-up (whole process, wall time)", "",
             f"Target: a warm report within {TARGET_WARM_REPORT_SECONDS} s on 2 cores. Heavy libraries: those of "
             f"{', '.join(HEAVY)} the command loaded (`-X importtime`).", "",
             "| command | median s | min s | modules | heavy libraries loaded | slowest imports |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        lines.append(f"| {labels.get(name, name)} | {r['seconds']:.2f} | {r['min_seconds']:.2f} | {r['modules']} | "
                     f"{', '.join(r['heavy']) or 'none'} | {'; '.join(r['slowest'])} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per command (median reported)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = ap.parse_args(argv)
    results = measure(args.runs)
    print(json.dumps(results, indent=1) if args.json else "\n".join(markdown(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
