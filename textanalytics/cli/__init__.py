"""Command-line interface: thin wrappers over the public API.

Every command loads the same :class:`~textanalytics.config.AnalysisConfig`
(``--config``, default ``analysis.toml`` when present) and calls the functions a
notebook would call. Bad input prints one line to stderr and exits with status 2;
only this package prints.

Modules: ``app`` (:func:`main`: streams, logging, exit statuses), ``parser``
(:func:`build_parser`), one module per command group -- ``data`` (``corpus``,
``preprocess``), ``analyses`` (``topics``, ``compare``, ``kwic``), ``reports``
(``report``, ``report --verify``) -- and ``common`` (what they share). Every
module imports only the standard library at start-up: a command imports what it
uses when it runs, so ``textanalytics --help`` stays fast.
"""

from __future__ import annotations

from .analyses import cmd_compare, cmd_kwic, cmd_topics
from .app import main
from .common import (EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, QUERY_TYPES)
from .data import cmd_corpus, cmd_preprocess
from .parser import build_parser
from .reports import cmd_report

__all__ = ["main", "build_parser", "cmd_corpus", "cmd_preprocess", "cmd_topics", "cmd_compare", "cmd_kwic",
           "cmd_report", "EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED",
           "QUERY_TYPES"]
