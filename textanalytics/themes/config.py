"""``[themes]`` section of the configuration (owned by the themes stage)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..corpus.config import FieldChecks


@dataclass(frozen=True)
class ThemesConfig:
    """Researcher-defined themes (docs/themes.md).

    ``codebook``: a codebook file (``.toml``, ``.yml``/``.yaml``, ``.dic``,
    ``.csv``) or ``""`` for none (no theme analysis); ``match``: ``lemma`` or
    ``surface`` forms; ``seeded_topics``: also fit keyword-assisted topics, one
    seeded by each category; ``free_topics``: unseeded topics beside them (at
    least 1); ``seed_weight``: seededlda's weight, the pseudo-counts a seeded
    topic's seed words share as their prior, as a share of the matrix' tokens (> 0);
    ``seed_chains``: Gibbs chains per seeded fit, whose posterior means are averaged
    (at least 1); ``seed_chain_iterations``: Gibbs iterations of each chain (0: ``[topics]
    sampling_iterations``); docs/themes.md gives the measurements behind both defaults;
    ``kwic_max_hits``: KWIC lines kept per matched form (at least 1).

    >>> ThemesConfig(match="stem")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [themes] match = "stem": must be one of "lemma", "surface"
    """

    codebook: str = ""
    match: Literal["lemma", "surface"] = "lemma"
    seeded_topics: bool = True
    free_topics: int = 3
    seed_weight: float = 0.01
    seed_chains: int = 60
    seed_chain_iterations: int = 300
    kwic_max_hits: int = 20

    def __post_init__(self) -> None:
        check = FieldChecks(self, "themes")
        check.text("codebook", one_line=True)
        check.choice("match", ("lemma", "surface"))
        check.boolean("seeded_topics")
        check.integer("free_topics", minimum=1)
        check.number("seed_weight", minimum=0.0, min_open=True)
        check.integer("seed_chains", minimum=1)
        check.integer("seed_chain_iterations", minimum=0)
        check.integer("kwic_max_hits", minimum=1)

    def resolved(self, *, base: str | Path) -> "ThemesConfig":
        """A copy with a relative ``codebook`` made absolute against ``base`` (the config file's folder)."""
        if not self.codebook or Path(self.codebook).is_absolute():
            return self
        return dataclasses.replace(self, codebook=str((Path(base) / self.codebook).resolve()))
