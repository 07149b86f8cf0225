"""A tiny, hand-checkable corpus for the comparison tests (Corpus + Tokens built directly).

Tokens come from a naive tokeniser so the tests do not depend on the
preprocessing stage: words are ``\\w+`` runs, punctuation single characters;
``lemma`` is the lower-cased word without a plural ``s``; stopwords and
punctuation are dropped; a sentence ends at ``.``.
"""

from __future__ import annotations

import re

import pandas as pd

from textanalytics.corpus.model import Corpus
from textanalytics.preprocessing.model import Tokens

STOPWORDS = {"the", "of", "and", "a", "we", "in"}

STATEMENTS = [
    # statement_id, year, speaker, organisation, genre, paragraphs
    ("s1", 2017, "Lavrov", "MFA", "speech",
     ["Terrorism threatens the world.", "We oppose double standards and terrorism."]),
    ("s2", 2018, "Lavrov", "MFA", "speech",
     ["Double\nstandards of the West. Terrorists act.", "Law and order."]),
    ("s3", 2018, "Sirotkin", "FSB/NAC", "speech",
     ["Terrorist financing and terrorism.", "Financing of terrorism, financing of crime."]),
    ("s4", 2019, "", "MFA", "comment", ["Peace and law in the world."]),
]


def lemma(word: str) -> str:
    w = word.lower()
    return w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 4 else w


def tiny_corpus() -> Corpus:
    statements = pd.DataFrame({
        "statement_id": [s[0] for s in STATEMENTS],
        "title": [f"Title {s[0]}" for s in STATEMENTS],
        "date": pd.to_datetime([f"{s[1]}-06-01" for s in STATEMENTS]),
        "year": pd.array([s[1] for s in STATEMENTS], dtype="Int64"),
        "speaker": [s[2] for s in STATEMENTS],
        "organisation": [s[3] for s in STATEMENTS],
        "genre": [s[4] for s in STATEMENTS],
        "text": ["\n\n".join(s[5]) for s in STATEMENTS],
        "n_words": [len(" ".join(s[5]).split()) for s in STATEMENTS],
        "venue": ["Moscow"] * len(STATEMENTS),
    })
    paragraphs = pd.DataFrame([
        {"statement_id": s[0], "paragraph": i, "text": p, "n_words": len(p.split())}
        for s in STATEMENTS for i, p in enumerate(s[5], start=1)
    ])
    return Corpus(statements=statements, paragraphs=paragraphs, source="tiny")


def tiny_tokens(corpus: Corpus | None = None) -> Tokens:
    corpus = corpus or tiny_corpus()
    rows = []
    for sid, par, text in zip(corpus.paragraphs["statement_id"], corpus.paragraphs["paragraph"],
                              corpus.paragraphs["text"]):
        sentence = 1
        for pos, tok in enumerate(re.findall(r"\w+|[^\w\s]", text), start=1):
            punct = not tok[0].isalnum()
            lem = tok if punct else lemma(tok)
            stop = lem in STOPWORDS
            rows.append({"statement_id": sid, "paragraph": int(par), "sentence": sentence,
                         "position": pos, "token": tok, "lemma": lem, "term": lem,
                         "keep": not (punct or stop),
                         "reason": "punctuation" if punct else ("stopword" if stop else "")})
            if tok == ".":
                sentence += 1
    return Tokens(table=pd.DataFrame(rows), phrases=pd.DataFrame(columns=["phrase", "source", "count", "score"]))
