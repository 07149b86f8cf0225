"""Internal to :mod:`textanalytics.preprocessing`: checking what the public functions receive.

Not public API: :func:`corpus_paragraphs` is the corpus' paragraph table as
:func:`~textanalytics.preprocess` and
:func:`~textanalytics.preprocessing.preprocess_chunks` read it;
:func:`config_by_keyword` keeps their old positional ``config`` working for one
release, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

import pandas as pd

from ..errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def config_by_keyword(func: F) -> F:
    """Accept ``func(first, config)`` for one more release (a :class:`DeprecationWarning`);
    ``config`` is keyword-only now: ``func(first, config=config)`` (issue 12).

    >>> @config_by_keyword
    ... def run(corpus, *, config=None):
    ...     return config
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     run("c", "old"), run("c", config="new"), [w.category.__name__ for w in caught]
    ('old', 'new', ['DeprecationWarning'])
    """
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) > 1:
            if len(args) > 2:
                raise TypeError(f"{name}() takes 1 positional argument but {len(args)} were given")
            if "config" in kwargs:
                raise TypeError(f"{name}() got multiple values for argument 'config'")
            warnings.warn(f"{name}(): passing the config as the second positional argument is deprecated "
                          f"and will stop working in the next release; pass it by keyword, "
                          f"{name}(..., config=config)", DeprecationWarning, stacklevel=2)
            args, kwargs = args[:1], {**kwargs, "config": args[1]}
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def corpus_paragraphs(corpus: Any) -> pd.DataFrame:
    """``statement_id, paragraph, text`` of the corpus, sorted; validated."""
    paragraphs = getattr(corpus, "paragraphs", None)
    if not isinstance(paragraphs, pd.DataFrame):
        raise InputError("preprocess: expected a Corpus (with a `paragraphs` table); "
                         "load one with textanalytics.load_corpus(...)")
    missing = [c for c in ("statement_id", "paragraph", "text") if c not in paragraphs.columns]
    if missing:
        raise InputError(f"corpus.paragraphs: column {missing[0]!r} is missing; available columns: "
                         f"{', '.join(map(str, paragraphs.columns))}")
    p = pd.DataFrame({
        "statement_id": paragraphs["statement_id"].astype(str).to_numpy(dtype=object),
        "paragraph": pd.to_numeric(paragraphs["paragraph"], errors="raise").astype("int64").to_numpy(),
        "text": paragraphs["text"].astype(object).where(paragraphs["text"].notna(), "").to_numpy(dtype=object),
    })
    p = p.sort_values(["statement_id", "paragraph"], kind="stable").reset_index(drop=True)
    dup = p.duplicated(["statement_id", "paragraph"])
    if dup.any():
        row = p[dup].iloc[0]
        raise InputError(f"corpus.paragraphs: paragraph {row['paragraph']} of statement "
                         f"{row['statement_id']!r} appears twice; paragraph numbers must be unique")
    p["text"] = [t if isinstance(t, str) else str(t) for t in p["text"]]
    return p
