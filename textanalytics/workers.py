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
* :func:`interrupts` (used by the CLI) turns SIGTERM into :class:`Terminated`,
  a ``KeyboardInterrupt``, for the duration of a command, and remembers every
  SIGINT/SIGTERM so :func:`raise_if_interrupted` can stop a commit even when the
  exception was swallowed by a finaliser.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

__all__ = ["Terminated", "available_cores", "forked_pool", "init_worker", "worker_pool", "interrupts", "raise_if_interrupted",
           "terminate_pool"]

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (raised by the handler :func:`interrupts` installs)."""


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


@contextlib.contextmanager
def forked_pool(processes: int) -> Iterator[Any]:
    """A ``multiprocessing`` fork pool of :func:`init_worker` processes, forked with interrupts deferred."""
    with _deferring_interrupts():
        pool = mp.get_context("fork").Pool(processes, initializer=init_worker)
    with pool:
        yield pool


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
        with _deferring_interrupts():  # a forking pool starts every worker at its first job
            pool.submit(_noop).result()
        yield pool
    except BaseException:
        terminate_pool(pool)
        raise
    pool.shutdown(wait=True)


# Signals received inside :func:`interrupts`, kept so that an interrupt Python had to
# swallow (one that arrives while a finaliser or a garbage-collector callback runs is
# printed as "Exception ignored" and lost) still stops the run before it commits.
_received: list[int] = []
# While a worker is forked, a signal is only remembered: Python runs its handler
# inside the fork's own callbacks (logging's lock release), where an exception is
# swallowed with a traceback on stderr. It is raised once the fork is done.
_deferred = threading.local()


def _on_signal(signum: int, frame: Any) -> None:
    _received.append(signum)
    if not getattr(_deferred, "active", False):
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def _deferring_interrupts() -> Iterator[None]:
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False
    raise_if_interrupted()


def _noop() -> None:
    return None


def raise_if_interrupted() -> None:
    """Raise the interrupt a signal received inside :func:`interrupts` stands for, if any.

    Called right before a result is committed (the output folder's swap), so a
    signal is never lost, even when its exception was swallowed on the way.
    """
    if _received:
        raise Terminated() if signal.SIGTERM in _received else KeyboardInterrupt()


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise in the main thread and are remembered.

    SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``), SIGINT a
    ``KeyboardInterrupt``; an ignored SIGINT (a job started in the background by
    a non-interactive shell) stays ignored. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous_term = signal.signal(signal.SIGTERM, _on_signal)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
        _received.clear()
