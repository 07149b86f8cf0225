"""Worker processes that stop with their parent, and SIGTERM handled like SIGINT.

Three stages fan out to worker processes (tokenising, topic fits, figure
rendering). A run that is interrupted (Ctrl-C, ``kill``, a batch scheduler's
SIGTERM) must leave nothing behind: the parent unwinds through the atomic
output folder (which removes its temporary folder) and its workers stop with it.

* :func:`init_worker` runs first in every worker: SIGINT is ignored (the parent
  decides), SIGTERM has its default action (so ``terminate()`` stops a worker at
  once), and on Linux the kernel sends the worker SIGTERM when its parent dies,
  even by SIGKILL.
* :func:`worker_pool` is a ``ProcessPoolExecutor`` that, when the block it
  guards raises (KeyboardInterrupt included), terminates its workers instead of
  waiting for their jobs to finish.
* :func:`sigterm_as_interrupt` (used by the CLI) turns SIGTERM into
  :class:`Terminated`, a ``KeyboardInterrupt``, for the duration of a command.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

__all__ = ["Terminated", "available_cores", "init_worker", "worker_pool", "sigterm_as_interrupt", "terminate_pool"]

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (raised by the handler :func:`sigterm_as_interrupt` installs)."""


def available_cores() -> int:
    """Cores this process may use (CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def init_worker(initializer: Callable[..., Any] | None = None, *args: Any) -> None:
    """Signal set-up for a worker process, then ``initializer(*args)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if initializer is not None:
        initializer(*args)


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop every worker of ``pool`` now (queued jobs are dropped)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


@contextlib.contextmanager
def worker_pool(*, max_workers: int, initializer: Callable[..., Any] | None = None,
                initargs: tuple = (), mp_context: Any = None) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers are stopped, not awaited, when the guarded block fails."""
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=mp_context, initializer=init_worker,
                               initargs=(initializer, *initargs))
    try:
        yield pool
    except BaseException:
        terminate_pool(pool)
        raise
    pool.shutdown(wait=True)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread (like Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
