"""``[compare]`` section of the configuration (owned by the comparison stage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CompareConfig:
    """Which groupings to compare and how.

    ``group_by``: statement columns to compare (each needs >= 2 groups);
    ``top_n``: terms per group in distinctive-term tables and per side in
    keyness charts; ``min_dispersion``: a key term must occur in at least this
    many statements of the side it is typical of; ``alpha``: level for
    BH-adjusted p-values; ``pairs``: extra pair comparisons
    ``(column, group_a, group_b)``; ``unit``: matrix unit for comparisons
    (``paragraph`` also gives paragraph dispersion); ``g2_cells``: 4 = G² of
    the full 2×2 table, 2 = Rayson & Garside's two-term formula;
    ``distinctive_idf``: idf over ``groups`` or over ``units`` (see
    ``distinctive_terms``); ``linkage``: clustering method of the similarity
    dendrogram; ``mattr_window``: tokens per MATTR window.
    """

    group_by: tuple[str, ...] = ("year", "speaker", "organisation")
    top_n: int = 15
    min_dispersion: int = 1
    alpha: float = 0.05
    pairs: tuple[tuple[str, str, str], ...] = ()  # (column, group_a, group_b)
    unit: Literal["paragraph", "statement"] = "paragraph"
    g2_cells: Literal[4, 2] = 4
    distinctive_idf: Literal["groups", "units"] = "groups"
    linkage: Literal["average", "complete", "single", "weighted"] = "average"
    mattr_window: int = 50
