"""The corpus stage's loggers, and a quiet second reading of the same file.

A streamed report reads a table twice (tokens first, then texts for keywords in
context). The second reading finds the same skipped records and repairs; saying
so again would double every warning. :func:`repeated_reading` marks a reading as
a repeat; while it is active the corpus modules' loggers (made by
:func:`corpus_logger`) pass on errors only.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from typing import Iterator

_REPEAT: contextvars.ContextVar[bool] = contextvars.ContextVar("textanalytics_corpus_repeat", default=False)


class _FirstReadingOnly(logging.Filter):
    """Drops records below ERROR while a repeated reading is active."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not _REPEAT.get()


def corpus_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the repeated-reading filter (added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _FirstReadingOnly) for f in logger.filters):
        logger.addFilter(_FirstReadingOnly())
    return logger


@contextlib.contextmanager
def repeated_reading() -> Iterator[None]:
    """Within the block, corpus loading logs nothing below ERROR (it already did, the first time).

    >>> with repeated_reading():
    ...     _REPEAT.get()
    True
    """
    previous = _REPEAT.get()
    _REPEAT.set(True)
    try:
        yield
    finally:
        _REPEAT.set(previous)
