"""Coherence: the array implementation gives gensim CoherenceModel's figures."""

from __future__ import annotations

import numpy as np
import pytest

from textanalytics.errors import InputError
from textanalytics.topics import coherence


def _texts(seed: int, n_docs: int, vocab: int, max_len: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    # Few terms and long texts: repeated words inside windows, texts longer than both windows.
    return [[f"w{j}" for j in rng.integers(0, vocab, rng.integers(0, max_len))] for _ in range(n_docs)]


@pytest.mark.parametrize("max_len", [12, 160])
def test_fast_equals_gensim(max_len):
    texts = _texts(1, 40, 25, max_len)
    rng = np.random.default_rng(2)
    present = sorted({w for t in texts for w in t})
    topics = [list(rng.choice(present, 6, replace=False)) for _ in range(7)]
    fast = coherence(topics, texts=texts)
    ref = coherence(topics, texts=texts, method="gensim")
    for m in ("c_npmi", "c_v"):
        assert np.allclose(fast[m], ref[m], rtol=0, atol=1e-12), m


def test_batched_topics_score_as_alone():
    texts = _texts(3, 30, 20, 40)
    topics = [["w1", "w2", "w3"], ["w4", "w5", "w6", "w7"]]
    both = coherence(topics, texts=texts)
    alone = coherence(topics[1:], texts=texts)
    assert both["c_v"][1] == pytest.approx(alone["c_v"][0])
    assert both["c_npmi"][1] == pytest.approx(alone["c_npmi"][0])


def test_perfect_co_occurrence_scores_one():
    texts = [["tax", "budget", "debt"], ["war", "army"], ["tax", "debt"], ["army", "war", "peace"]]
    out = coherence([["tax", "debt"], ["war", "army"]], texts=texts, measures=["c_npmi"])
    assert out["c_npmi"] == pytest.approx([1.0, 1.0], abs=1e-6)


def test_unknown_term_is_a_clear_error():
    with pytest.raises(InputError, match="'zzz' does not occur"):
        coherence([["a", "zzz"]], texts=[["a", "b"]])


def test_coherence_counted_piece_by_piece_equals_one_pass():
    """PieceTexts sums each piece's window counts (the Spark backend's executors): the same scores."""
    from types import SimpleNamespace

    from textanalytics.topics import PieceTexts

    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(30)]
    texts = [[vocab[j] for j in rng.integers(0, 12 if i % 2 else 30, size=rng.integers(0, 40))] for i in range(25)]
    topics = [["w0", "w1", "w2", "w3"], ["w4", "w9", "w11", "w2"], ["w5", "w6", "w7", "w8"]]
    cut = [0, 7, 8, 8, 20, 25]  # an empty piece and a one-text piece among them
    pieces = [SimpleNamespace(documents=lambda unit, part=texts[a:b]: (None, part)) for a, b in zip(cut, cut[1:])]
    calls = []

    def map_pieces(fn):
        calls.append(fn)
        for piece in pieces:
            yield fn(None, piece)

    class Unread:  # the texts are never iterated here: only the pieces are counted
        def __iter__(self):
            raise AssertionError("texts read in this process")

    split = coherence(topics, texts=PieceTexts(Unread(), unit="paragraph", map_pieces=map_pieces))
    whole = coherence(topics, texts=texts)
    for measure in ("c_npmi", "c_v"):
        assert np.array_equal(split[measure], whole[measure]), measure
    assert len(calls) == 2  # one pass over the pieces per measure
    assert list(PieceTexts(texts, unit="paragraph", map_pieces=map_pieces)) == texts  # iterates as its texts
