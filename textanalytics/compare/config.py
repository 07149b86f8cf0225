"""``[compare]`` section of the configuration (owned by the comparison stage)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompareConfig:
    """Which groupings to compare and how."""

    group_by: tuple[str, ...] = ("year", "speaker", "organisation")
    top_n: int = 15
    min_dispersion: int = 1
    alpha: float = 0.05
    pairs: tuple[tuple[str, str, str], ...] = ()  # (column, group_a, group_b)
