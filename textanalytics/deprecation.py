"""Old keyword names kept working for one release, with a :class:`DeprecationWarning`.

>>> @renamed_keywords(n="top_n")
... def top(items, *, top_n=2):
...     return items[:top_n]
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     top([1, 2, 3], n=1), caught[0].category.__name__
([1], 'DeprecationWarning')
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

from .errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["renamed_keywords", "keyword_only"]


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept ``old=value`` for each ``old -> new`` rename, warning that ``new`` is the name now."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise InputError(f"{old}: renamed to {new}; give only {new}")
                    warnings.warn(f"{func.__name__}({old}=...) is deprecated; use {new}=...",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def keyword_only(*names: str, first: int = 1) -> Callable[[F], F]:
    """Accept ``names`` positionally after the first ``first`` arguments, warning that they are keyword-only now."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            extra = args[first:]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(f"{func.__name__}() takes {first} positional argument(s)")
                moved = dict(zip(names, extra))
                twice = sorted(set(moved) & set(kwargs))
                if twice:
                    raise InputError(f"{twice[0]}: given twice; pass it once, as {twice[0]}=...")
                warnings.warn(f"{func.__name__}(): pass {', '.join(f'{n}=...' for n in moved)} by keyword",
                              DeprecationWarning, stacklevel=2)
                kwargs.update(moved)
            return func(*args[:first], **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
