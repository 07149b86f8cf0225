"""Running a command: the terminal-safe streams, progress logging, and exit statuses for every failure."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any, Sequence

from ..errors import InputError, StepSkipped, printable
from ..workers import Terminated, interrupts
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED
from .parser import build_parser

__all__ = ["main"]


class _PrintableStream:
    """A text stream that escapes control characters before they reach the terminal."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text, keep="\n\t"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _StageFormatter(logging.Formatter):
    """Short progress lines: elapsed seconds, then the message."""

    def __init__(self) -> None:
        super().__init__()
        self.start = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno <= logging.INFO else f"{record.levelname.lower()}: "
        return f"[{time.monotonic() - self.start:6.1f}s] {prefix}{record.getMessage()}"


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_StageFormatter())
    root = logging.getLogger("textanalytics")
    root.handlers = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    # Third-party chatter (gensim logs every pass at INFO) only when --verbose.
    for name in ("gensim", "matplotlib", "PIL", "numexpr"):
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PrintableStream(stdout), _PrintableStream(stderr)
    root = logging.getLogger("textanalytics")
    handlers, level, propagate = list(root.handlers), root.level, root.propagate
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        # The handler on this call's stderr goes with it, and --quiet/--verbose end with the call.
        root.handlers, root.propagate = handlers, propagate
        root.setLevel(level)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        with interrupts():
            return int(args.func(args) or 0)
    except (InputError, StepSkipped) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("terminated: nothing was written (temporary files removed)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted: nothing was written (temporary files removed)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # read-only folder, disk full, permissions: name the path, no traceback
        if getattr(args, "verbose", False):
            raise
        where = exc.filename or "a file"
        reason = exc.strerror or type(exc).__name__
        print(f"error: {where}: {reason}; check that the folder is writable and the disk has space "
              "(nothing was replaced)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - a CLI must not dump a traceback on users
        if getattr(args, "verbose", False):
            raise
        print(f"error: {type(exc).__name__}: {_one_line(exc)} (run with --verbose for the traceback)",
              file=sys.stderr)
        return EXIT_FAILED
