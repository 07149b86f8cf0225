"""Reports: render and write every table and figure (the only stage that writes files)."""

from __future__ import annotations

from .._lazy import lazy_exports

# Lazy: ``textanalytics.config`` imports ``report.config``, and ``build`` imports
# ``config``; the renderers also pull in matplotlib and jinja2, which the CLI's
# other commands do not need.
_EXPORTS = {
    "build_report": "textanalytics.report.build",
    "ReportResult": "textanalytics.report.build",
    "figure_specs": "textanalytics.report.content",
    "sections": "textanalytics.report.content",
    "diff_reports": "textanalytics.report.verify",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
