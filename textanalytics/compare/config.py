"""``[compare]`` section of the configuration (owned by the comparison stage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..corpus.config import FieldChecks, toml_value


@dataclass(frozen=True)
class CompareConfig:
    """Which groupings to compare and how.

    ``group_by``: statement columns to compare (each needs >= 2 groups; each
    listed once); ``top_n``: terms per group in distinctive-term tables and
    per side in keyness charts (at least 1); ``min_dispersion``: a key term
    must occur in at least this many statements of the side it is typical of
    (at least 1; 1 = no dispersion filter); ``min_dispersion_share``: a ``key``
    term occurs in at least this share of its side's statements, in [0, 1);
    ``n_permutations``: relabelings of statements for the statement-level
    keyness test (exact enumeration up to this many); ``keyness_test``: ``auto``
    (exact permutation for small groups, else a robust score test), ``permutation``
    or ``robust_score``; ``fw_prior``: scale of the Fightin' Words prior (> 0); ``alpha``: level for BH-adjusted
    p-values, in (0, 1); ``pairs``: extra pair comparisons ``(column,
    group_a, group_b)`` of two different groups, each pair once; ``unit``:
    matrix unit for comparisons (``paragraph`` also gives paragraph
    dispersion); ``g2_cells``: 4 = G² of the full 2×2 table, 2 = Rayson &
    Garside's two-term formula; ``distinctive_idf``: ``class`` (c-TF-IDF,
    BERTopic's class-based weight), idf over ``groups`` or over ``units`` (see
    ``distinctive_terms``); ``linkage``: clustering method
    of the similarity dendrogram; ``mattr_window``: tokens per MATTR window
    (at least 1).

    >>> CompareConfig(alpha=1.5)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [compare] alpha = 1.5: must be in (0.0, 1.0)
    """

    group_by: tuple[str, ...] = ("year", "speaker", "organisation")
    top_n: int = 15
    min_dispersion: int = 1
    min_dispersion_share: float = 0.02
    n_permutations: int = 1000
    keyness_test: Literal["auto", "permutation", "robust_score"] = "auto"
    fw_prior: float = 1.0
    alpha: float = 0.05
    pairs: tuple[tuple[str, str, str], ...] = ()  # (column, group_a, group_b)
    unit: Literal["paragraph", "statement"] = "paragraph"
    g2_cells: Literal[4, 2] = 4
    distinctive_idf: Literal["class", "groups", "units"] = "class"
    linkage: Literal["average", "complete", "single", "weighted"] = "average"
    mattr_window: int = 50

    def __post_init__(self) -> None:
        check = FieldChecks(self, "compare")
        check.texts("group_by", unique=True)
        check.integer("top_n", minimum=1)
        check.integer("min_dispersion", minimum=1, problem="must be at least 1 (1 = no dispersion filter)")
        check.number("min_dispersion_share", minimum=0.0, maximum=1.0, max_open=True)
        check.integer("n_permutations", minimum=1)
        check.choice("keyness_test", ("auto", "permutation", "robust_score"))
        check.number("fw_prior", minimum=0.0, min_open=True)
        check.number("alpha", minimum=0.0, maximum=1.0, min_open=True, max_open=True)
        if not isinstance(self.pairs, (list, tuple)):
            check.fail("pairs", "must be a list of [column, group_a, group_b] lists")
        pairs: list[tuple[str, str, str]] = []
        for pair in self.pairs:
            if not isinstance(pair, (list, tuple)) or len(pair) != 3 or not all(isinstance(p, str) for p in pair):
                check.fail("pairs", f'each pair is [column, group_a, group_b] (three strings), got {toml_value(pair)}')
            column, a, b = tuple(pair)
            if not column.strip():
                check.fail("pairs", f"the pair {toml_value([column, a, b])} names no column")
            if a == b:
                check.fail("pairs", f"the pair {toml_value([column, a, b])} compares {toml_value(a)} with itself; "
                           "name two groups")
            if (column, a, b) in pairs:
                check.fail("pairs", f"lists {toml_value([column, a, b])} twice; list each pair once")
            pairs.append((column, a, b))
        object.__setattr__(self, "pairs", tuple(pairs))
        check.choice("unit", ("paragraph", "statement"))
        check.choice("g2_cells", (4, 2))
        check.choice("distinctive_idf", ("class", "groups", "units"))
        check.choice("linkage", ("average", "complete", "single", "weighted"))
        check.integer("mattr_window", minimum=1)

    def keyness_options(self, *, seed: int) -> dict[str, object]:
        """The keyword arguments of ``keyness`` this section sets (the report's and the CLI's)."""
        return {"min_dispersion": self.min_dispersion, "min_dispersion_share": self.min_dispersion_share,
                "alpha": self.alpha, "g2_cells": self.g2_cells, "seed": seed,
                "n_permutations": self.n_permutations, "test": self.keyness_test, "fw_prior": self.fw_prior}
