"""``[topics]`` section of the configuration (owned by the topics stage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TopicConfig:
    """Topic-model choices; the defaults are documented in ``analysis.toml``."""

    engine: Literal["gensim", "nmf"] = "gensim"
    k: int = 0                      # 0 = choose K from the grid by the documented rule
    k_grid: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    n_seeds: int = 3
    alpha: str = "auto"
    eta: str = "auto"
    passes: int = 10
    iterations: int = 200
    relevance_lambda: float = 0.6
    top_n: int = 10
    n_bootstrap: int = 200
    n_permutations: int = 2000
    stability_threshold: float = 0.5
