"""``[report]`` section of the configuration (owned by the report stage)."""

from __future__ import annotations

from dataclasses import dataclass

from ..corpus.config import FieldChecks

#: Figure formats :func:`~textanalytics.report.io.save_figure` writes reproducibly
#: (matplotlib's vector and raster back ends whose metadata it pins).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ReportConfig:
    """What the report writes.

    ``out``: output folder (relative to the config file); ``formats``: figure
    formats, any of ``png``, ``svg``, ``pdf``, each once; ``dpi``: raster
    resolution, 20 to 1200; ``float_digits``: significant digits of floats in
    CSV and Markdown tables, 1 to 17 (17 round-trips every double);
    ``html``: also write ``report.html``; ``kwic_window``: words either side of
    a keyword in context; ``kwic_terms_per_topic``, ``kwic_max_hits``: top
    terms per topic shown in context and hits kept per term (each at least 1);
    ``title``: one line, no control characters.

    >>> ReportConfig(formats=("png", "jpg"))
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [report] formats = ["png", "jpg"]: "jpg" is not a figure format; use png, svg or pdf
    """

    out: str = "reports"
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = 110
    float_digits: int = 6
    html: bool = True
    kwic_window: int = 8
    kwic_terms_per_topic: int = 5
    kwic_max_hits: int = 40
    title: str = "Text analysis report"

    def __post_init__(self) -> None:
        check = FieldChecks(self, "report")
        check.text("out", nonempty=True, problem="name the output folder")
        formats = check.texts("formats", unique=True)
        if not formats:
            check.fail("formats", "list at least one figure format: png, svg or pdf")
        for fmt in formats:
            if fmt not in FIGURE_FORMATS:
                check.fail("formats", f'"{fmt}" is not a figure format; use png, svg or pdf')
        check.integer("dpi", minimum=20, maximum=1200)
        check.integer("float_digits", minimum=1, maximum=17)
        check.boolean("html")
        for name in ("kwic_window", "kwic_terms_per_topic", "kwic_max_hits"):
            check.integer(name, minimum=1)
        check.text("title", one_line=True)
