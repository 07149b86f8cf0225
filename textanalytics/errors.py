"""Errors the package raises on bad input.

Every error a user can cause by their data or configuration is an
:class:`InputError`: its message is one line naming the file, line or field
and what to do. The CLI prints that line and exits with status 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad corpus, metadata or configuration: a one-line, actionable message."""


class StepSkipped(RuntimeError):
    """A pipeline step cannot run on this corpus (e.g. fewer units than topics).

    The report catches it and states the reason instead of crashing.
    """
