"""Internal to :mod:`textanalytics.preprocessing`: checking what the public functions receive.

Not public API: :func:`corpus_paragraphs` is the corpus' paragraph table as
:func:`~textanalytics.preprocess` and
:func:`~textanalytics.preprocessing.preprocess_chunks` read it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InputError


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
