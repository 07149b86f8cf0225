"""Reports: render and write every table and figure (the only stage that writes files)."""

from .build import ReportResult, build_report

__all__ = ["build_report", "ReportResult"]
