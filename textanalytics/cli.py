"""Command-line interface: thin wrappers over the public API.

Every command loads the same :class:`~textanalytics.config.AnalysisConfig`
(``--config``, default ``analysis.toml`` when present) and calls the functions a
notebook would call. Bad input prints one line to stderr and exits with status 2;
only this module prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .errors import InputError, StepSkipped

log = logging.getLogger("textanalytics.cli")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

class _PrintableStream:
    """A text stream that escapes control characters before they reach the terminal."""

    def __init__(self, stream: Any) -> None:
        from .corpus.normalize import printable  # lazily: the CLI starts without pandas

        self._stream = stream
        self._printable = printable

    def write(self, text: str) -> int:
        return self._stream.write(self._printable(text, keep="\n\t"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _StageFormatter(logging.Formatter):
    """Short progress lines: elapsed seconds, then the message."""

    def __init__(self) -> None:
        super().__init__()
        self.start = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno <= logging.INFO else f"{record.levelname.lower()}: "
        return f"[{time.monotonic() - self.start:6.1f}s] {prefix}{record.getMessage()}"


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_StageFormatter())
    root = logging.getLogger("textanalytics")
    root.handlers = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    # Third-party chatter (gensim logs every pass at INFO) only when --verbose.
    for name in ("gensim", "matplotlib", "PIL", "numexpr"):
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.WARNING)


def _load_config(args: argparse.Namespace):
    from .config import load_config, resolve_paths

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


def _load_corpus(cfg):
    from .corpus import load_corpus_from_config

    return load_corpus_from_config(cfg.corpus)


def _print_table(df, *, max_rows: int = 60) -> None:
    import pandas as pd

    with pd.option_context("display.max_columns", 20, "display.width", 160, "display.max_colwidth", 60):
        print(df.head(max_rows).to_string(index=False) if len(df) else "(empty)")
    if len(df) > max_rows:
        print(f"... {len(df) - max_rows} more rows")


# ---------------------------------------------------------------- commands

def cmd_corpus(args: argparse.Namespace) -> int:
    from .corpus.summary import summarize_corpus

    cfg, _ = _load_config(args)
    corpus = _load_corpus(cfg)
    if args.json:
        meta = corpus.metadata.copy()
        meta["date"] = meta["date"].dt.strftime("%Y-%m-%d")
        print(meta.to_json(orient="records", force_ascii=False, indent=1))
        return EXIT_OK
    print(repr(corpus))
    for name, table in summarize_corpus(corpus).items():
        print(f"\n## {name.replace('_', ' ')}")
        _print_table(table)
    return EXIT_OK


def cmd_preprocess(args: argparse.Namespace) -> int:
    from .preprocessing import preprocess

    cfg, _ = _load_config(args)
    protected = {"the corpus": cfg.corpus.path, "the config": args.config}
    if args.store:
        return _preprocess_to_store(cfg, store=Path(args.store), rows=args.rows, protected=protected)
    out = Path(args.output)
    if out.suffix not in (".parquet", ".csv"):
        raise InputError(f"-o {out}: unsupported output format; use .parquet or .csv")
    _check_new_file(out, option="-o", protected=protected)
    corpus = _load_corpus(cfg)
    tokens = preprocess(corpus, config=cfg.preprocess)
    table = tokens.table
    from .report.io import atomic_file

    with atomic_file(out) as tmp:
        if out.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False, lineterminator="\n")
    kept = int(table["keep"].sum())
    print(f"{len(table)} tokens ({kept} kept) from {len(corpus)} statements -> {out}")
    if len(tokens.phrases):
        print(f"\n## phrases ({len(tokens.phrases)})")
        _print_table(tokens.phrases, max_rows=30)
    return EXIT_OK


def _check_new_file(out: Path, *, option: str, protected: dict) -> None:
    """A single output file may be new, never one of the user's files (or the corpus, or the config)."""
    resolved = out.expanduser().resolve()
    for label, where in protected.items():
        if where and (resolved == Path(where).resolve() or Path(where).resolve() in resolved.parents):
            raise InputError(f"{option} {out}: is or lies inside {label}; write the token table elsewhere")
    if out.is_symlink() or out.exists():
        raise InputError(f"{option} {out}: already exists; choose a new file name (nothing is overwritten)")
    if not resolved.parent.is_dir():
        raise InputError(f"{option} {out}: folder {resolved.parent} does not exist; create it first")


def _preprocess_to_store(cfg, *, store: Path, rows: int, protected: dict) -> int:
    from .corpus import iter_corpus_from_config
    from .output_folder import check_output_folder
    from .preprocessing import preprocess_chunks
    from .preprocessing.store import store_owned

    if rows < 1:
        raise InputError(f"--rows {rows}: must be a positive number of records per piece")
    # Checked before reading anything: a folder that is not a token store is never replaced.
    check_output_folder(store, option="--store", owned=store_owned, protected=protected)
    result = preprocess_chunks(iter_corpus_from_config(cfg.corpus, rows=rows), cfg.preprocess, out=store,
                               option="--store", protected=protected)
    print(f"{result.n_tokens} tokens ({result.n_kept} kept) from {result.units['statement_id'].nunique()} "
          f"statements in {len(result.chunks)} chunk(s) -> {result.path}")
    if len(result.phrases):
        print(f"\n## phrases ({len(result.phrases)})")
        _print_table(result.phrases, max_rows=30)
    return EXIT_OK


def _dtm(cfg, corpus):
    from .features import build_dtm
    from .preprocessing import preprocess

    tokens = preprocess(corpus, config=cfg.preprocess)
    return tokens, build_dtm(tokens, unit=cfg.preprocess.unit, config=cfg.vocabulary)


def cmd_topics(args: argparse.Namespace) -> int:
    from .pipeline import run_topics

    cfg, _ = _load_config(args)
    if args.k:
        cfg = cfg.replace(topics=dataclasses.replace(cfg.topics, k=args.k))
    corpus = _load_corpus(cfg)
    tokens, dtm = _dtm(cfg, corpus)
    result = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm)
    if result.selection is not None:
        print("## model selection")
        _print_table(result.selection_summary)
    print(f"\nK = {result.k}: {result.k_reason}\n")
    _print_table(result.labels)
    print()
    wide = result.topics.pivot_table(index="rank", columns="topic", values="term", aggfunc="first")
    _print_table(wide.reset_index())
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import keyness
    from .pipeline import run_topics
    from .topics import topic_shares

    cfg, _ = _load_config(args)
    corpus = _load_corpus(cfg)
    tokens, dtm = _dtm(cfg, corpus)
    key = keyness(dtm, corpus=corpus, group_by=args.by, min_dispersion=cfg.compare.min_dispersion)
    key_df = getattr(key, "table", key)
    top = (key_df.sort_values(["target", "g2"], ascending=[True, False], kind="stable")
           .groupby("target", sort=True).head(args.top))
    print(f"## keyness by {args.by} (each group vs the rest)")
    _print_table(top)
    if not args.no_topics:
        result = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm)
        print(f"\n## topic shares by {args.by} (K = {result.k})")
        _print_table(topic_shares(result.ensemble, corpus=corpus, group_by=args.by,
                                  seed=cfg.seed, config=cfg.topics))
    return EXIT_OK


def cmd_kwic(args: argparse.Namespace) -> int:
    from .compare import kwic

    cfg, _ = _load_config(args)
    corpus = _load_corpus(cfg)
    tokens = None
    if args.by == "lemma":
        from .preprocessing import preprocess

        tokens = preprocess(corpus, config=cfg.preprocess)
    hits = kwic(corpus, args.query, window=args.window, tokens=tokens, by=args.by)
    if args.json:
        print(hits.to_json(orient="records", force_ascii=False, indent=1, date_format="iso"))
        return EXIT_OK
    print(f"{len(hits)} matches of {args.query!r}")
    for row in hits.itertuples(index=False):
        print(f"{row.statement_id}:{row.paragraph:<4} {row.left[-50:]:>50} [{row.match}] {row.right[:50]}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    import os

    from .config import load_config
    from .report import build_report

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
    from .corpus.summary import problem_line

    if any(counts.values()):
        print(f"warning: {problem_line(counts, where=str(where))}", file=sys.stderr)


def _verify_report(cfg, *, base: Path, published: Path, quiet: bool, config_path: str | None = None) -> int:
    """Regenerate into a temporary folder and compare with ``published`` (exit 1 when they differ)."""
    import tempfile

    from .report import build_report
    from .report.verify import diff_reports

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


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="TOML", default=None,
                        help="analysis config (default: ./analysis.toml when present, else built-in defaults)")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    noise.add_argument("-v", "--verbose", action="store_true", help="debug logging, incl. gensim")

    parser = argparse.ArgumentParser(
        prog="textanalytics",
        description="Topic modelling and comparative text analytics: corpus -> tokens -> "
                    "vocabulary and topics -> report.",
    )
    parser.add_argument("--version", action="version", version=f"textanalytics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("corpus", parents=[common], help="summarise a corpus (statements, words, cleaning)")
    p.add_argument("path", nargs="?", default=None, help="corpus folder or table file (default: config's corpus.path, seeds/)")
    p.add_argument("--json", action="store_true", help="print the statements (without text) as JSON")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("preprocess", parents=[common], help="tokenise, lemmatise, find phrases; write the token table")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("-o", "--output", default="tokens.parquet", help="output file (.parquet or .csv)")
    p.add_argument("--store", metavar="DIR", default=None,
                   help="stream instead: read the corpus in pieces and write a token store folder "
                        "(textanalytics.TokenStore) for corpora too large for memory")
    p.add_argument("--rows", type=int, default=20_000, help="records per piece with --store (default 20000)")
    p.set_defaults(func=cmd_preprocess)

    p = sub.add_parser("topics", parents=[common], help="select K and fit topic models; print topics")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("-k", type=int, default=0, help="fit this K instead of selecting it from the grid")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: config's seed)")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("compare", parents=[common], help="keyness and topic shares across groups")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("--by", default="year", help="metadata column to group by (default: year)")
    p.add_argument("--top", type=int, default=10, help="terms shown per group")
    p.add_argument("--no-topics", action="store_true", help="keyness only (skip topic models)")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("kwic", parents=[common], help="keywords in context for a word, lemma or phrase")
    p.add_argument("query")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("--window", type=int, default=8, help="words of context on each side")
    p.add_argument("--by", choices=["auto", "word", "lemma", "phrase"], default="auto")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kwic)

    p = sub.add_parser("report", parents=[common], help="regenerate every table, figure and the report")
    p.add_argument("--corpus", metavar="PATH", default=None, help="corpus path (overrides the config)")
    p.add_argument("--out", metavar="DIR", default=None, help="output folder (default: config's report.out)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: config's seed)")
    p.add_argument("--stream-rows", type=int, default=None, metavar="N",
                   help="stream a table corpus N records at a time (tokens on disk; same tables); "
                        "0 loads it into memory (default: config's corpus.stream_rows)")
    p.add_argument("--verify", metavar="DIR", default=None,
                   help="do not write: regenerate in a temporary folder and check that DIR (e.g. reports) "
                        "reproduces, numbers within a relative 1e-4; exit status 1 when it does not")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PrintableStream(stdout), _PrintableStream(stderr)
    root = logging.getLogger("textanalytics")
    handlers = list(root.handlers)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        root.handlers = handlers  # the handler on this call's stderr goes with it


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _main(argv: Sequence[str] | None) -> int:
    from .workers import Terminated, sigterm_as_interrupt

    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        with sigterm_as_interrupt():
            return int(args.func(args) or 0)
    except (InputError, StepSkipped) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("terminated: nothing was written (temporary files removed)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted: nothing was written (temporary files removed)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # read-only folder, disk full, permissions: name the path, no traceback
        if getattr(args, "verbose", False):
            raise
        where = exc.filename or "a file"
        reason = exc.strerror or type(exc).__name__
        print(f"error: {where}: {reason}; check that the folder is writable and the disk has space "
              "(nothing was replaced)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - a CLI must not dump a traceback on users
        if getattr(args, "verbose", False):
            raise
        print(f"error: {type(exc).__name__}: {_one_line(exc)} (run with --verbose for the traceback)",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
