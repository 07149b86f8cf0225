"""The ``effects`` command: covariate effects on topic shares, printed (and optionally saved as CSV)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ..errors import InputError
from .common import EXIT_OK, load_config_from_args, load_corpus, print_table

__all__ = ["cmd_effects", "add_effects_parser"]


def add_effects_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("effects", parents=[common],
                       help="covariate effects on topic shares (stm's estimateEffect), e.g. --formula '~ party + s(year)'")
    p.add_argument("--formula", action="append", default=None, metavar="FORMULA",
                   help="right-hand side, e.g. '~ party + s(year)' (repeatable; default: config's [effects] formulas)")
    p.add_argument("--corpus", metavar="PATH", default=None)
    p.add_argument("-k", type=int, default=0, help="fit this K instead of selecting it from the grid")
    p.add_argument("--draws", type=int, default=None, help="draws of the composition (default: [effects] n_draws)")
    p.add_argument("--cluster", default=None, help="statement column for cluster-robust errors, e.g. speaker")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: config's seed)")
    p.add_argument("-o", "--output", default=None, metavar="CSV",
                   help="also write the coefficients to this new .csv file (contrasts and predictions beside it)")
    p.set_defaults(func=cmd_effects)


def _outputs(out: Path) -> list[Path]:
    if out.suffix != ".csv":
        raise InputError(f"-o {out}: write a .csv file")
    paths = [out, out.with_name(f"{out.stem}_contrasts.csv"), out.with_name(f"{out.stem}_predictions.csv")]
    if not out.expanduser().resolve().parent.is_dir():
        raise InputError(f"-o {out}: folder {out.expanduser().resolve().parent} does not exist; create it first")
    for path in paths:
        if path.is_symlink() or path.exists():
            raise InputError(f"-o {out}: {path} already exists; choose a new file name (nothing is overwritten)")
    return paths


def cmd_effects(args: argparse.Namespace) -> int:
    from ..effects.stage import effect_tables  # deferred: pandas, scipy, statsmodels
    from ..features import build_dtm  # deferred: pandas, scipy
    from ..pipeline import run_topics  # deferred: pandas, scipy (and the topic engines when a fit runs)
    from ..preprocessing import preprocess  # deferred: nltk, pandas
    from ..report.io import write_csv  # deferred: pandas (CSV cells made spreadsheet-safe)

    cfg, _ = load_config_from_args(args)
    changes = {k: v for k, v in (("formulas", tuple(args.formula) if args.formula else None),
                                 ("n_draws", args.draws), ("cluster", args.cluster)) if v is not None}
    effects = dataclasses.replace(cfg.effects, **changes)
    if not effects.formulas:
        raise InputError("effects: give --formula '~ party + s(year)' or set [effects] formulas in the config")
    paths = _outputs(Path(args.output)) if args.output else []
    if args.k:
        cfg = cfg.replace(topics=dataclasses.replace(cfg.topics, k=args.k))
    corpus = load_corpus(cfg)
    tokens = preprocess(corpus, config=cfg.preprocess)
    dtm = build_dtm(tokens, unit=cfg.preprocess.unit, config=cfg.vocabulary)
    run = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm)
    tables, skipped, results = effect_tables(run.ensemble, corpus=corpus, config=effects, seed=cfg.seed)
    if skipped:
        raise InputError(skipped[0])
    print(f"K = {run.k}: {run.k_reason}")
    for res in results:
        p = res.params
        print(f"\n## {p['formula']}: {p['n_statements']} statements, {p['n_draws']} draws, {p['cov_type']} errors, "
              f"p adjusted (Benjamini-Hochberg) across topics x terms")
        print_table(res.summary().round(4))
    con = tables.get("effects_contrasts")
    if con is not None:
        print("\n## adjusted differences (others held at their median / most frequent level)")
        print_table(con.sort_values("p_adjusted")[["formula", "topic", "label", "contrast", "difference", "lower",
                                                    "upper", "p_adjusted", "note"]].round(4))
    for path, name in zip(paths, ("effects_coefficients", "effects_contrasts", "effects_predictions")):
        if name in tables:
            write_csv(tables[name], path, float_digits=cfg.report.float_digits)
            print(f"-> {path}")
    return EXIT_OK
