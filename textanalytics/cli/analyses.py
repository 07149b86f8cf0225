"""Commands that analyse: ``topics``, ``compare`` and ``kwic``."""

from __future__ import annotations

import argparse
import dataclasses

from .common import EXIT_OK, deprecated_option, load_config_from_args, load_corpus, print_table

__all__ = ["cmd_topics", "cmd_compare", "cmd_kwic"]


def _dtm(cfg, corpus):
    from ..features import build_dtm  # deferred: pandas, scipy
    from ..preprocessing import preprocess  # deferred: nltk, pandas

    tokens = preprocess(corpus, config=cfg.preprocess)
    return tokens, build_dtm(tokens, unit=cfg.preprocess.unit, config=cfg.vocabulary)


def cmd_topics(args: argparse.Namespace) -> int:
    from ..pipeline import run_topics  # deferred: pandas, scipy (and gensim when a fit runs)

    cfg, _ = load_config_from_args(args)
    if args.k:
        cfg = cfg.replace(topics=dataclasses.replace(cfg.topics, k=args.k))
    corpus = load_corpus(cfg)
    tokens, dtm = _dtm(cfg, corpus)
    result = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm)
    if result.selection is not None:
        print("## model selection")
        print_table(result.selection_summary)
    print(f"\nK = {result.k}: {result.k_reason}\n")
    print_table(result.labels)
    print()
    wide = result.topics.pivot_table(index="rank", columns="topic", values="term", aggfunc="first")
    print_table(wide.reset_index())
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from ..compare import keyness  # deferred: pandas, scipy
    from ..pipeline import run_topics  # deferred: pandas, scipy (and gensim when a fit runs)
    from ..topics import topic_shares  # deferred: pandas, scipy

    from ..features import build_dtm  # deferred: pandas, scipy

    cfg, _ = load_config_from_args(args)
    group_by = deprecated_option(args, "--by", "--group-by") or args.group_by
    corpus = load_corpus(cfg)
    tokens, dtm = _dtm(cfg, corpus)
    # As in the report: keyness counts every kept term of the unpruned matrix at [compare] unit
    # (pruning would drop rare, possibly group-specific words); topics use the pruned matrix.
    full = build_dtm(tokens, unit=cfg.compare.unit)
    # The report's ranking (key terms first, then adjusted statement-level p, then |Fightin' Words z|).
    top = keyness(full, corpus=corpus, group_by=group_by, **cfg.compare.keyness_options(seed=cfg.seed),
                  shortlist=args.top).table
    top = top[top["direction"] == "target"].groupby("target", sort=True).head(args.top)
    print(f"## keyness by {group_by} (each group vs the rest)")
    print_table(top)
    if not args.no_topics:
        result = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm)
        print(f"\n## topic shares by {group_by} (K = {result.k})")
        print_table(topic_shares(result.ensemble, corpus=corpus, group_by=group_by,
                                  seed=cfg.seed, config=cfg.topics).table)
    return EXIT_OK


def cmd_kwic(args: argparse.Namespace) -> int:
    from ..compare import kwic  # deferred: pandas

    cfg, _ = load_config_from_args(args)
    corpus = load_corpus(cfg)
    query_type = deprecated_option(args, "--by", "--query-type") or args.query_type
    tokens = None
    if query_type == "lemma":
        from ..preprocessing import preprocess  # deferred: nltk, pandas

        tokens = preprocess(corpus, config=cfg.preprocess)
    hits = kwic(corpus, args.query, window=args.window, tokens=tokens, query_type=query_type).table
    if args.json:
        print(hits.to_json(orient="records", force_ascii=False, indent=1, date_format="iso"))
        return EXIT_OK
    print(f"{len(hits)} matches of {args.query!r}")
    for row in hits.itertuples(index=False):
        print(f"{row.statement_id}:{row.paragraph:<4} {row.left[-50:]:>50} [{row.match}] {row.right[:50]}")
    return EXIT_OK
