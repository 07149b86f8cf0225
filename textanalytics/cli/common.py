"""What every command shares: exit statuses, the config and corpus as the options say, tables on stdout."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "QUERY_TYPES", "log",
           "load_config_from_args", "load_corpus", "print_table", "deprecated_option"]

log = logging.getLogger("textanalytics.cli")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
#: ``kwic --query-type`` choices, as :func:`textanalytics.kwic`'s ``query_type`` (spelled out here so
#: that building the parser imports no pandas).
QUERY_TYPES = ("auto", "word", "lemma", "phrase")
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def load_config_from_args(args: argparse.Namespace):
    from ..config import load_config, resolve_paths  # deferred: the stage configs load pandas and scipy (not for --help)

    path = args.config
    if path is None and Path("analysis.toml").is_file():
        path = "analysis.toml"
    cfg = load_config(path)
    base = Path(path).resolve().parent if path else Path.cwd()
    corpus_path = getattr(args, "corpus", None) or getattr(args, "path", None)
    if corpus_path:
        cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, path=str(Path(corpus_path).resolve())))
    cfg = resolve_paths(cfg, base=base)
    if getattr(args, "seed", None) is not None:
        cfg = cfg.replace(seed=args.seed)
    return cfg, base


def load_corpus(cfg):
    from ..corpus import load_corpus_from_config  # deferred: pandas

    return load_corpus_from_config(cfg.corpus)


def print_table(df, *, max_rows: int = 60) -> None:
    import pandas as pd  # deferred: pandas (not for --help)

    with pd.option_context("display.max_columns", 20, "display.width", 160, "display.max_colwidth", 60):
        print(df.head(max_rows).to_string(index=False) if len(df) else "(empty)")
    if len(df) > max_rows:
        print(f"... {len(df) - max_rows} more rows")


def deprecated_option(args: argparse.Namespace, old: str, new: str) -> str | None:
    """The value of a renamed option given under its old name (with a warning), else None."""
    value = getattr(args, old.lstrip("-").replace("-", "_") + "_deprecated", None)
    if value is not None:
        logging.getLogger("textanalytics.cli").warning("%s is deprecated; use %s", old, new)
    return value
