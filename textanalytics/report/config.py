"""``[report]`` section of the configuration (owned by the report stage)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportConfig:
    """What the report writes."""

    out: str = "reports"
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = 110
    float_digits: int = 6
    html: bool = True
    kwic_window: int = 8
    kwic_terms_per_topic: int = 5
    kwic_max_hits: int = 40
    title: str = "Text analysis report"
