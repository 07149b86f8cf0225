"""``[preprocess]`` section of the configuration (owned by the preprocessing stage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class PreprocessConfig:
    """Every preprocessing choice; the defaults are documented in ``analysis.toml``."""

    unit: Literal["paragraph", "statement"] = "paragraph"
    lemmatize: bool = True
    lowercase: bool = True
    stopwords: str = "english"            # packaged list name, or "" for none
    extra_stopwords: tuple[str, ...] = ()
    drop_numbers: bool = True
    min_length: int = 2
    keep_resolution_numbers: bool = True
    aliases: str = "default"              # packaged table name or a path to a CSV
    phrases: bool = True
    phrase_min_count: int = 5
    phrase_threshold: float = 0.5
    curated_phrases: tuple[str, ...] = (
        "international law",
        "double standards",
        "organized crime",
        "information space",
        "terrorist financing",
    )
    cache_dir: str = ".textanalytics_cache"  # "" disables caching
    n_jobs: int = 1
