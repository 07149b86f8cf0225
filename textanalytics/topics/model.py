"""Result types of the topics stage: plain arrays and tables, never engine objects."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from . import stats
from .kept_tokens import kept_token_proportions

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["TopicModel", "TopicEnsemble", "ModelSelection", "make_ensemble"]


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class TopicModel:
    """One fitted topic model, as plain arrays and tables.

    Topic ``i`` of the arrays is topic ``i + 1`` in every table. Topics are
    numbered by a deterministic rule: share of the modelled tokens
    descending, ties by the topic's most probable term; so the same matrix, config and seed always give
    the same numbering and labels.

    Attributes
    ----------
    topic_term:
        ``(K, V)`` term distributions (rows sum to 1). For NMF the normalised
        factor rows (TF-IDF weights, read as distributions).
    doc_topic:
        ``(n_units, K)`` topic distributions of the modelled units (rows sum to 1;
        for LDA the posterior mean).
    vocabulary:
        Terms, column order of ``topic_term``.
    units:
        One row per row of ``doc_topic``: ``unit_id``, ``statement_id``,
        ``paragraph`` (Int64), ``n_tokens`` (from the matrix), ``n_terms``
        (modelled tokens after pruning). Units with no modelled token are
        dropped before fitting (``params["dropped_units"]``).
    term_counts:
        ``(V,)`` corpus frequency of each term in the modelled matrix; ``p_w``
        of relevance is ``term_counts / term_counts.sum()``.
    params:
        JSON-ready: ``engine``, ``k``, ``seed``, ``config`` (the whole
        :class:`TopicConfig`), ``n_units``, ``n_dropped_units``,
        ``dropped_units``, ``n_terms``, ``n_terms_before_pruning``, ``engine_info``.
    c_npmi, c_v:
        ``(K,)`` coherence of each topic's top terms (gensim ``CoherenceModel``
        on the modelling texts), or None when no texts were given.
    stability:
        ``(K,)`` mean Jaccard agreement of each topic's top terms with its
        matched topic in fits with other seeds, or None for a single fit.
    pruned:
        ``(n_units, V_pruned)`` counts of the terms pruned before fitting (the
        matrix' :attr:`~textanalytics.features.DocumentTermMatrix.pruned`, rows
        of the modelled units), or None. Shares count these tokens too:
        :attr:`kept_doc_topic`.
    term_statements:
        ``(V,)`` statements using each term in the modelled matrix, or None (unknown):
        :func:`~textanalytics.topics.topic_labels` leaves terms of too few statements out of
        labels (``[topics] label_min_statements``).
    """

    topic_term: np.ndarray
    doc_topic: np.ndarray
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    term_counts: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    c_npmi: np.ndarray | None = None
    c_v: np.ndarray | None = None
    stability: np.ndarray | None = None
    pruned: Any = None
    term_statements: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("topic_term", "doc_topic", "term_counts", "c_npmi", "c_v", "stability", "term_statements"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    # -- plain facts -------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of topics."""
        return int(self.topic_term.shape[0])

    @property
    def topics(self) -> np.ndarray:
        """Topic ids as used in tables: ``1..K``."""
        return np.arange(1, self.k + 1)

    @property
    def stability_threshold(self) -> float:
        return float(self.params.get("config", {}).get("stability_threshold", 0.5))

    @functools.cached_property
    def _kept(self) -> tuple[np.ndarray, np.ndarray]:
        eta = self.params.get("config", {}).get("eta")
        out = kept_token_proportions(self.doc_topic, self.units["n_terms"].to_numpy(), self.pruned,
                                     eta=eta if isinstance(eta, (int, float)) and not isinstance(eta, bool) else 0.01)
        return _frozen(out[0]), _frozen(out[1])

    @property
    def kept_doc_topic(self) -> np.ndarray:
        """``(n_units, K)`` topic proportions of each unit over **all its kept tokens**: the modelled ones
        and those of terms pruned before fitting, assigned to topics by the fitted model
        (:func:`~textanalytics.topics.kept_tokens.kept_token_proportions`; computed on first use).
        Equal to ``doc_topic`` when nothing was pruned. Shares are estimated from these."""
        return self._kept[0]

    @property
    def kept_tokens(self) -> np.ndarray:
        """``(n_units,)`` kept tokens of each unit (modelled + pruned): its weight in shares."""
        return self._kept[1]

    @property
    def share(self) -> np.ndarray:
        """``(K,)`` overall share of each topic: its share of all kept tokens (pruned terms included)."""
        return stats.topic_share(self.kept_doc_topic, self.kept_tokens)

    @property
    def term_probability(self) -> np.ndarray:
        """``(V,)`` marginal term distribution of the modelled matrix."""
        return self.term_counts / self.term_counts.sum()

    @property
    def unstable(self) -> np.ndarray | None:
        """``(K,)`` bool: stability below ``config.stability_threshold`` (None for a single fit)."""
        if self.stability is None:
            return None
        return self.stability < self.stability_threshold

    def top_terms(self, n: int | None = None) -> list[list[str]]:
        """The ``n`` most probable terms of each topic (default ``config.top_n``)."""
        n = n or int(self.params.get("config", {}).get("top_n", 10))
        idx = stats.top_term_indices(self.topic_term, n)
        return [[self.vocabulary[j] for j in row] for row in idx]

    # -- tidy accessors ----------------------------------------------------------------------
    def topic_table(self) -> pd.DataFrame:
        """One row per topic: ``topic, share, c_npmi, c_v, stability, unstable``.

        Missing measurements are NaN (``unstable`` is <NA>).
        """
        nan = np.full(self.k, np.nan)
        unstable = self.unstable
        return pd.DataFrame({
            "topic": self.topics,
            "share": self.share,
            "c_npmi": nan if self.c_npmi is None else self.c_npmi,
            "c_v": nan if self.c_v is None else self.c_v,
            "stability": nan if self.stability is None else self.stability,
            "unstable": pd.array([pd.NA] * self.k if unstable is None else unstable, dtype="boolean"),
        })

    def topic_terms(self) -> pd.DataFrame:
        """Long table of the term distributions: ``topic, term, weight`` (K × V rows)."""
        return pd.DataFrame({
            "topic": np.repeat(self.topics, len(self.vocabulary)),
            "term": np.tile(np.asarray(self.vocabulary, dtype=object), self.k),
            "weight": self.topic_term.ravel(),
        })

    def doc_topics(self) -> pd.DataFrame:
        """Long table of the unit distributions: ``unit_id, statement_id, paragraph, topic, weight``."""
        n = len(self.units)
        rep = self.units.loc[np.repeat(np.arange(n), self.k), ["unit_id", "statement_id", "paragraph"]]
        return rep.reset_index(drop=True).assign(topic=np.tile(self.topics, n),
                                                 weight=self.doc_topic.ravel())

    def __repr__(self) -> str:
        p = self.params
        return (f"TopicModel(engine={p.get('engine')!r}, k={self.k}, seed={p.get('seed')}, "
                f"{len(self.units)} units, {len(self.vocabulary)} terms)")

    def _repr_html_(self) -> str:
        table = self.topic_table().assign(top_terms=[" / ".join(t[:5]) for t in self.top_terms()])
        return f"<p>{self!r}</p>" + table._repr_html_()


@dataclass(frozen=True, eq=False)
class TopicEnsemble:
    """A reference fit plus refits with other seeds, aligned to its topics.

    ``refits[r]`` has its topics permuted so that its topic ``i`` is the one
    matched to the reference's topic ``i`` (Hungarian matching on top-term
    Jaccard); ``alignment[r, i]`` is that Jaccard similarity. The reference
    carries ``stability = alignment.mean(axis=0)``. Shares and differences use
    all fits, so their intervals include the variation between seeds.
    """

    reference: TopicModel
    refits: tuple[TopicModel, ...] = ()
    alignment: np.ndarray | None = None

    @property
    def models(self) -> tuple[TopicModel, ...]:
        """Reference first, then the aligned refits."""
        return (self.reference, *self.refits)

    @property
    def seeds(self) -> list[int]:
        return [int(m.params["seed"]) for m in self.models]

    @property
    def k(self) -> int:
        return self.reference.k

    def __repr__(self) -> str:
        return f"TopicEnsemble(k={self.k}, seeds={self.seeds}, reference={self.reference!r})"

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.reference._repr_html_()


@dataclass(frozen=True, eq=False)
class ModelSelection:
    """Result of :func:`~textanalytics.topics.select_k`.

    Attributes
    ----------
    table:
        One row per fit of the grid, sorted by ``k, sample``: ``k, seed,
        sample`` (0 = the reference fit on every unit, r = subsample r),
        ``n_units``, ``heldout`` (document-completion log likelihood, nats per
        held-out token, stm's ``expected.heldout``; reference fits only, NaN for
        NMF), ``heldout_se`` (its standard error over held-out documents),
        ``heldout_pooled`` (token-weighted), ``c_npmi, c_v`` (mean over topics),
        ``semantic_coherence`` (stm's, mean over topics), ``exclusivity`` (stm's,
        mean over topics, in (0, top_n]), ``stability`` (mean matched agreement
        of a subsample fit with the reference; for the reference the mean over
        subsamples), ``baseline`` and ``baseline_mean`` (95th percentile and mean
        of that agreement between random topics; per K).
    summary:
        One row per K: the means over the K's fits (held-out figures and
        stability from the reference row), ``excess = stability − baseline``,
        and the rule's steps: ``stable``, ``fit_gate``, ``frontier``, ``score``,
        ``chosen``; ``score_se``: the standard error of ``score`` from the spread of
        the K's fits' own scores (NaN with a single fit or when no K is stable). The
        reason compares frontier Ks fit by fit to say when another is as good.
    chosen_k:
        The K to use: the rule's choice, or ``config.k`` when the researcher set it.
    rule_k:
        The K the rule picked (equal to ``chosen_k`` unless overridden).
    reason:
        Why ``chosen_k``, in words: which K won each step of the rule, and a
        caution when it is at the edge of the grid.
    params:
        ``rule``, ``stability_margin``, ``seeds``, ``k_grid`` (as searched),
        ``k_grid_automatic``, ``extended_k``, ``skipped_k``, ``heldout`` (the
        split), ``subsamples``, ``baseline``, ``config``.
    models:
        The chosen K fitted with every seed on the whole matrix (what
        :meth:`ensemble` aligns).
    grid_models:
        Every fit of the grid (``params["sample"]`` as in ``table``); fitted on
        the held-out split's training matrix, so not for description.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    chosen_k: int
    rule_k: int
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    models: tuple[TopicModel, ...] = ()
    grid_models: tuple[TopicModel, ...] = ()

    def ensemble(self, k: int | None = None) -> TopicEnsemble:
        """The chosen K's fits on the whole matrix as an aligned :class:`TopicEnsemble` (first seed = reference).

        Only the chosen K is fitted on the whole matrix; for another K, fit
        it with :func:`~textanalytics.topics.fit_topic_ensemble` (``KeyError`` here).
        """
        k = self.chosen_k if k is None else k
        fits = [m for m in self.models if m.k == k]
        if not fits:
            raise KeyError(f"K={k} was not fitted on the whole matrix (only the chosen K={self.chosen_k} is); "
                           f"use fit_topic_ensemble(dtm, k={k}, seeds=...)")
        return make_ensemble(fits)

    def plot(self, **kwargs: Any) -> "Figure":
        """Coherence against exclusivity, held-out likelihood and stability by K; see :func:`~textanalytics.topics.plot_model_selection`."""
        from .plots import plot_model_selection  # matplotlib is imported on first plot

        kwargs.setdefault("chosen_k", self.chosen_k)
        kwargs.setdefault("threshold", self.params.get("stability_threshold"))
        return plot_model_selection(self.table, **kwargs)

    def __repr__(self) -> str:
        return f"ModelSelection(chosen_k={self.chosen_k}, reason={self.reason!r})"

    def _repr_html_(self) -> str:
        return f"<p>{self.reason}</p>" + self.summary._repr_html_()


def _top_n(model: TopicModel) -> int:
    return int(model.params.get("config", {}).get("top_n", 10))


def make_ensemble(models: Sequence[TopicModel]) -> TopicEnsemble:
    """Align fits of the same K (different seeds) to the first one.

    Each refit's topics are matched one to one to the reference's by top-term
    Jaccard (Hungarian algorithm) and reordered; the reference gets per-topic
    ``stability`` = mean matched Jaccard over the refits.
    """
    if not models:
        raise InputError("models: need at least one fitted TopicModel")
    reference, others = models[0], list(models[1:])
    for m in others:
        if m.k != reference.k or m.vocabulary != reference.vocabulary or len(m.units) != len(reference.units):
            raise InputError("models: an ensemble needs fits of the same K on the same matrix")
    if not others:
        return TopicEnsemble(reference=dataclasses.replace(reference, stability=None))
    top_n = _top_n(reference)
    aligned, jaccards = [], []
    for m in others:
        match, jac = stats.agreement(reference.topic_term, m.topic_term, top_n=top_n)
        aligned.append(dataclasses.replace(
            m,
            topic_term=m.topic_term[match],
            doc_topic=m.doc_topic[:, match],
            c_npmi=None if m.c_npmi is None else m.c_npmi[match],
            c_v=None if m.c_v is None else m.c_v[match],
            stability=None,
        ))
        jaccards.append(jac)
    alignment = np.vstack(jaccards)
    reference = dataclasses.replace(reference, stability=alignment.mean(axis=0))
    return TopicEnsemble(reference=reference, refits=tuple(aligned), alignment=alignment)
