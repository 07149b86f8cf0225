"""Commands on the corpus and its tokens: ``corpus`` and ``preprocess``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from ..files import atomic_write
from ..output_folder import check_output_folder
from .common import EXIT_OK, load_config_from_args, load_corpus, print_table

__all__ = ["cmd_corpus", "cmd_preprocess"]


def cmd_corpus(args: argparse.Namespace) -> int:
    from ..corpus.summary import summarize_corpus  # deferred: pandas

    cfg, _ = load_config_from_args(args)
    corpus = load_corpus(cfg)
    if args.json:
        meta = corpus.metadata.copy()
        meta["date"] = meta["date"].dt.strftime("%Y-%m-%d")
        print(meta.to_json(orient="records", force_ascii=False, indent=1))
        return EXIT_OK
    print(repr(corpus))
    for name, table in summarize_corpus(corpus).items():
        print(f"\n## {name.replace('_', ' ')}")
        print_table(table)
    return EXIT_OK


def cmd_preprocess(args: argparse.Namespace) -> int:
    from ..preprocessing import preprocess  # deferred: nltk, pandas

    cfg, _ = load_config_from_args(args)
    protected = {"the corpus": cfg.corpus.path, "the config": args.config}
    if args.store:
        return _preprocess_to_store(cfg, store=Path(args.store), rows=args.rows, protected=protected)
    out = Path(args.output)
    if out.suffix not in (".parquet", ".csv"):
        raise InputError(f"-o {out}: unsupported output format; use .parquet or .csv")
    _check_new_file(out, option="-o", protected=protected)
    corpus = load_corpus(cfg)
    tokens = preprocess(corpus, config=cfg.preprocess)
    table = tokens.table
    with atomic_write(out) as tmp:
        if out.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False, lineterminator="\n")
    kept = int(table["keep"].sum())
    print(f"{len(table)} tokens ({kept} kept) from {len(corpus)} statements -> {out}")
    if len(tokens.phrases):
        print(f"\n## phrases ({len(tokens.phrases)})")
        print_table(tokens.phrases, max_rows=30)
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
    from ..corpus import iter_corpus_from_config  # deferred: pandas
    from ..preprocessing import preprocess_chunks  # deferred: nltk, pandas, scipy
    from ..preprocessing.store import store_owned  # deferred: nltk, pandas, scipy

    if rows < 1:
        raise InputError(f"--rows {rows}: must be a positive number of records per piece")
    # Checked before reading anything: a folder that is not a token store is never replaced.
    check_output_folder(store, option="--store", owned=store_owned, protected=protected)
    result = preprocess_chunks(iter_corpus_from_config(cfg.corpus, rows=rows), config=cfg.preprocess, out=store,
                               option="--store", protected=protected)
    print(f"{result.n_tokens} tokens ({result.n_kept} kept) from {result.units['statement_id'].nunique()} "
          f"statements in {len(result.chunks)} chunk(s) -> {result.path}")
    if len(result.phrases):
        print(f"\n## phrases ({len(result.phrases)})")
        print_table(result.phrases, max_rows=30)
    return EXIT_OK

