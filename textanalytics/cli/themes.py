"""The ``themes`` command: a codebook's categories per statement and group, its unmatched entries, KWIC."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from .common import EXIT_BAD_INPUT, EXIT_OK, load_config_from_args, load_corpus, log, print_table

__all__ = ["cmd_themes"]


def cmd_themes(args: argparse.Namespace) -> int:
    from ..preprocessing import preprocess  # deferred: nltk, pandas
    from ..themes import count_themes, read_codebook, theme_shares  # deferred: pandas, scipy

    cfg, _ = load_config_from_args(args)
    tc = cfg.themes
    if args.codebook:
        tc = dataclasses.replace(tc, codebook=str(Path(args.codebook).resolve()))
    if args.match:
        tc = dataclasses.replace(tc, match=args.match)
    if not tc.codebook:
        log.error("no codebook: give --codebook FILE or set [themes] codebook in the config")
        return EXIT_BAD_INPUT
    codebook = read_codebook(tc.codebook)
    corpus = load_corpus(cfg)
    tokens = preprocess(corpus, config=cfg.preprocess)
    counts = count_themes(tokens, codebook, match=tc.match)
    print(f"## {codebook!r}, matched on {tc.match}s")
    print_table(counts.summary().reset_index())
    if len(counts.unmatched):
        print("\n## entries that matched nothing")
        print_table(counts.unmatched)
    if len(counts.duplicates):
        print("\n## entries under several categories (counted in each)")
        print_table(counts.duplicates)
    if args.kwic:
        from ..themes.stage import theme_kwic  # deferred: the KWIC machinery (pandas)

        lines = theme_kwic([(corpus, tokens)], counts, window=args.window, max_hits=tc.kwic_max_hits)
        lines = lines[lines["category"] == args.kwic]
        print(f"\n## {args.kwic}: {len(lines)} lines in context")
        for r in lines.itertuples(index=False):
            print(f"{r.statement_id}:{r.paragraph:<4} {r.left[-50:]:>50} [{r.match}] {r.right[:50]}")
        return EXIT_OK
    shares = theme_shares(counts, corpus=corpus, group_by=args.group_by, seed=cfg.seed, config=cfg.topics).table
    print(f"\n## theme shares by {args.group_by}")
    print_table(shares[["group", "category", "share", "lower", "upper", "n_statements", "note"]],
                max_rows=args.rows)
    return EXIT_OK
