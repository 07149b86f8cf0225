"""The ``report`` command: write the report, or ``--verify`` that a published one reproduces."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

from ..errors import InputError
from .common import EXIT_FAILED, EXIT_OK

__all__ = ["cmd_report"]


def cmd_report(args: argparse.Namespace) -> int:
    from ..config import load_config  # deferred: the stage configs load pandas and scipy
    from ..report import build_report  # deferred: pandas, jinja2 and the pipeline

    path = args.config
    if path is None and Path("analysis.toml").is_file():
        path = "analysis.toml"
    cfg = load_config(path)
    base = Path(path).resolve().parent if path else Path.cwd()
    if args.corpus:
        # Record the corpus path relative to the config's folder (no machine-specific prefix).
        cfg = cfg.replace(corpus=dataclasses.replace(
            cfg.corpus, path=os.path.relpath(Path(args.corpus).resolve(), base)))
    if args.seed is not None:
        cfg = cfg.replace(seed=args.seed)
    if args.stream_rows is not None:
        cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, stream_rows=args.stream_rows))
    if getattr(args, "backend", None) is not None:
        cfg = cfg.replace(spark=dataclasses.replace(cfg.spark, backend=args.backend))
    out = Path(args.out) if args.out else base / cfg.report.out
    option = "--out" if args.out else "[report] out"
    if args.verify:
        return _verify_report(cfg, base=base, published=Path(args.verify), quiet=args.quiet, config_path=path)
    result = build_report(cfg, out=out, base_dir=base, config_path=path, option=option)
    if not args.quiet:
        print(f"report written to {result.out} ({len(result.files)} files, K = {result.k})")
        for note in result.skipped:
            print(f"skipped: {note}")
    _warn_problems(result.problems, where=result.out / "tables" / "problems.csv")
    return EXIT_OK


def _warn_problems(counts: dict[str, int], *, where: Path) -> None:
    """One line on stderr, even with --quiet, when load time skipped or repaired records."""
    from ..corpus.summary import problem_line  # deferred: pandas

    if any(counts.values()):
        print(f"warning: {problem_line(counts, where=str(where))}", file=sys.stderr)


def _verify_report(cfg, *, base: Path, published: Path, quiet: bool, config_path: str | None = None) -> int:
    """Regenerate into a temporary folder and compare with ``published`` (exit 1 when they differ)."""
    from ..report import build_report  # deferred: pandas, jinja2 and the pipeline
    from ..report.verify import diff_reports  # deferred: pandas, numpy

    if not published.is_dir():
        raise InputError(f"--verify {published}: no such report folder; give the folder a report was written to")
    with tempfile.TemporaryDirectory(prefix="textanalytics-verify-") as tmp:
        # Nothing from earlier runs: no cached tokens, topic fits or figures.
        cfg = cfg.replace(preprocess=dataclasses.replace(cfg.preprocess, cache_dir=str(Path(tmp) / "cache")))
        build_report(cfg, out=Path(tmp) / "reports", base_dir=base, config_path=config_path)
        problems = diff_reports(published, Path(tmp) / "reports")
    if problems.empty:
        if not quiet:
            print(f"{published} reproduces: every file matches the report regenerated without caches "
                  "(decimals within a relative 1e-4, whole numbers and text exactly)")
        return EXIT_OK
    print(f"{published} does not reproduce: {len(problems)} file(s) differ", file=sys.stderr)
    for row in problems.itertuples():
        print(f"  {row.file}: {row.problem}", file=sys.stderr)
    return EXIT_FAILED
