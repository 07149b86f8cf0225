"""Reports: render and write every table and figure (the only stage that writes files)."""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "ReportResult"]


def __getattr__(name: str) -> Any:
    # Lazy: ``textanalytics.config`` imports ``report.config``, and ``build`` imports ``config``.
    if name in __all__:
        from . import build  # deferred: pandas, jinja2 and the pipeline (not for report.config)

        return getattr(build, name)
    raise AttributeError(name)
