"""The argument parser: one sub-command per job, each calling its ``cmd_*`` function."""

from __future__ import annotations

import argparse

from .. import __version__
from .analyses import cmd_compare, cmd_kwic, cmd_topics
from .common import QUERY_TYPES
from .data import cmd_corpus, cmd_preprocess
from .effects import add_effects_parser
from .reports import cmd_report
from .themes import cmd_themes

__all__ = ["build_parser"]


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
    p.add_argument("--group-by", default="year", help="metadata column to group by (default: year)")
    p.add_argument("--by", dest="by_deprecated", default=None, help=argparse.SUPPRESS)
    p.add_argument("--top", type=int, default=10, help="terms shown per group")
    p.add_argument("--no-topics", action="store_true", help="keyness only (skip topic models)")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("kwic", parents=[common], help="keywords in context for a word, lemma or phrase")
    p.add_argument("query")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("--window", type=int, default=8, help="words of context on each side")
    p.add_argument("--query-type", choices=QUERY_TYPES, default="auto",
                   help="how the query matches: auto (default), word, lemma or phrase")
    p.add_argument("--by", dest="by_deprecated", choices=QUERY_TYPES, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kwic)

    add_effects_parser(sub, common)
    p = sub.add_parser("themes", parents=[common],
                       help="count a codebook's themes (dictionary) per statement and group; KWIC of a theme")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("--codebook", metavar="FILE", default=None,
                   help="codebook .toml, .yml/.yaml, .dic or .csv (default: config's [themes] codebook)")
    p.add_argument("--match", choices=("lemma", "surface"), default=None,
                   help="match lemmas or surface forms (default: config's [themes] match)")
    p.add_argument("--group-by", default="year", help="metadata column to group by (default: year)")
    p.add_argument("--kwic", metavar="CATEGORY", default=None, help="print the keywords in context of one theme")
    p.add_argument("--window", type=int, default=8, help="words of context on each side (with --kwic)")
    p.add_argument("--rows", type=int, default=60, help="rows of the shares table shown")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_themes)

    p = sub.add_parser("report", parents=[common], help="regenerate every table, figure and the report")
    p.add_argument("--corpus", metavar="PATH", default=None, help="corpus path (overrides the config)")
    p.add_argument("--out", metavar="DIR", default=None, help="output folder (default: config's report.out)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: config's seed)")
    p.add_argument("--stream-rows", type=int, default=None, metavar="N",
                   help="stream a table corpus N records at a time (tokens on disk; same tables); "
                        "0 loads it into memory (default: config's corpus.stream_rows)")
    p.add_argument("--backend", choices=("local", "spark"), default=None,
                   help="where corpus reading and preprocessing run: this process, or Apache Spark "
                        "(same tables; default: config's spark.backend)")
    p.add_argument("--verify", metavar="DIR", default=None,
                   help="do not write: regenerate in a temporary folder and check that DIR (e.g. reports) "
                        "reproduces, numbers within a relative 1e-4; exit status 1 when it does not")
    p.set_defaults(func=cmd_report)
    return parser
