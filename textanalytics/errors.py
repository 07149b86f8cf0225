"""Errors the package raises on bad input, and how text from a user's data is shown.

Every error a user can cause by their data or configuration is an
:class:`InputError`: its message is one line naming the file, line or field
and what to do. The CLI prints that line and exits with status 2.
Text taken from a user's files (names, values, content) goes through
:func:`printable` before it is shown, so a message or a terminal line never
carries raw control characters.
"""

from __future__ import annotations

__all__ = ["InputError", "StepSkipped", "printable"]


class InputError(ValueError):
    """Bad corpus, metadata or configuration: a one-line, actionable message."""


class StepSkipped(RuntimeError):
    """A pipeline step cannot run on this corpus (e.g. fewer units than topics).

    The report catches it and states the reason instead of crashing.
    """


def _escape_char(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:          # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str, *, keep: str = "") -> str:
    """``text`` for display: every non-printable character (controls, bidi overrides, lone
    surrogates) as ``\\xNN``/``\\uNNNN``, except those in ``keep`` (the CLI keeps newline and tab).

    Nothing is removed: this is for showing text (messages, terminal output), not
    for cleaning it (:func:`textanalytics.corpus.clean.remove_control_characters`).

    >>> printable("a\\x1b[2Jb\\n"), printable("a\\n", keep="\\n")
    ('a\\\\x1b[2Jb\\\\x0a', 'a\\n')
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape_char(c) for c in text)
