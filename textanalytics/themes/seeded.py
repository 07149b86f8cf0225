"""Keyword-assisted topics: K topics of which one per codebook category is seeded and the rest free.

The design is keyATM's (Eshima, Imai & Sasaki 2024: keyword topics plus
"no-keyword" topics) with the prior of seededlda (Watanabe & Zhou 2022),
through tomotopy's ``set_word_prior``: the seed words of a topic share
``weight`` × (tokens of the matrix) pseudo-counts as their topic-word prior in
that topic (seededlda's ``weight``, default 0.01), and get a hundredth of the
usual ``eta`` in every other topic, so they tend to stay in their category's
topic while the topic is free to take on the words that co-occur with them.
Every other word has the ordinary symmetric prior. tomotopy starts each token
in a topic drawn in proportion to its word's priors, so seed-word tokens start
in their topic (keyATM's initialisation of keywords). Seed words are the
codebook's entries that are model terms: single words as lemmas, phrases as
joined terms (``terrorist_financing``), aliases by their canonical (``isil``);
wildcards expand against the model's vocabulary. Entries that are no model
term are listed in ``params["missing_seed_words"]``.

Estimation: ``chains`` Gibbs chains (default 60, of ``chain_iterations`` = 300
iterations each), each reporting the mean of the states of its second half
(every 5th iteration); the fit is the mean of the chains' arrays.
Seeded topics are the same topic in every chain (their seeds fix their
identity), free topics are matched to the first chain's (Hungarian on
cosine). This is Monte-Carlo variance reduction of the posterior means, not a
change of model: on the seeds, one chain's seeded topics shared a quarter of
their top terms with another seed's (stability 0.26), sixty short chains 0.83,
for eighteen times the sampling (docs/themes.md, "Validation"). Chain ``j`` of seed ``s`` has the tomotopy seed
:func:`chain_seeds` draws from ``(s, j)``, so the fits of an ensemble share no
chain. A topic's distribution is tomotopy's ``(n_kw + eta) / (n_k + V eta)``:
its tokens and the scalar eta, not the seeds' pseudo-counts.

Topic numbering: seeded topics first, in codebook order, each labelled with its
category (``params["topic_names"]``); free topics after them by share. So a
seeded topic keeps its number and name across seeds and refits, and
:func:`fit_seeded_ensemble` aligns refits by pinning seeded topics to their
index and matching only the free topics (Hungarian on top-term Jaccard, as
:func:`~textanalytics.topics.make_ensemble` does for all topics). Shares,
differences, trends and labels of :mod:`textanalytics.topics` take the result
unchanged. :func:`seeded_drift` says how far each seeded topic moved from its seeds.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import logging
import multiprocessing as mp
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..config import to_dict
from ..errors import InputError
from ..provenance import digest
from ..features import DocumentTermMatrix
from ..topics import TopicConfig, TopicEnsemble, TopicModel
from ..topics import stats
from ..topics.engines import DOC_EVERY, SAMPLE_THIN, fit_engine
from ..topics.fit_cache import fit_key, read_fit, store_fit
from ..topics.fit_workers import n_workers
from ..workers import worker_pool
from ..topics.prepare import check_seeds, check_size, prepare

log = logging.getLogger(__name__)

__all__ = ["seed_priors", "fit_seeded_topics", "fit_seeded_ensemble", "seeded_drift", "DRIFT_COLUMNS"]

#: Default seededlda weight (``[themes] seed_weight``), chains per fit (``[themes] seed_chains``), states
#: averaged per chain, and the prior of a seed word in the topics it does not seed, as a share of ``eta``
#: (chosen by measurement: docs/themes.md, "Validation").
SEED_WEIGHT = 0.01
CHAINS = 60
CHAIN_ITERATIONS = 300
SAMPLES = 100
OTHER_PRIOR = 0.01

#: Columns of :func:`seeded_drift`.
DRIFT_COLUMNS = ("topic", "category", "n_seed_words", "seed_mass", "seeds_in_top", "top_terms",
                 "new_terms", "stability")


def seed_priors(seed_words: dict[str, Sequence[str]], vocabulary: Sequence[str], *, k: int, weight: float,
                eta: float, other: float = OTHER_PRIOR) -> tuple[dict[str, list[float]], dict[str, list[str]], list[str]]:
    """Word priors for tomotopy, the seed terms used per category, and the seed entries not in the vocabulary.

    Category ``i`` of ``seed_words`` (in order) is topic ``i``; a term seeded in
    several categories gets ``weight`` in each.

    >>> p, used, missing = seed_priors({"a": ["x*"], "b": ["y", "q"]}, ["x1", "x2", "y"], k=3, weight=1.0, eta=0.1)
    >>> p["x1"], used, missing
    ([0.5, 0.001, 0.001], {'a': ['x1', 'x2'], 'b': ['y']}, ['b: q'])
    """
    vocab = list(vocabulary)
    index = set(vocab)
    used: dict[str, list[str]] = {}
    missing: list[str] = []
    topics_of: dict[str, set[int]] = {}
    for i, (cat, words) in enumerate(seed_words.items()):
        used[cat] = []
        for w in words:
            w = "_".join(re.split(r"[\s_]+", str(w).strip().lower()))
            if "*" in w:
                rx = re.compile(fnmatch.translate(w))
                found = [v for v in vocab if rx.match(v)]
            else:
                found = [w] if w in index else []
            if not found:
                missing.append(f"{cat}: {w}")
            for v in found:
                if v not in used[cat]:
                    used[cat].append(v)
                    topics_of.setdefault(v, set()).add(i)
    # seededlda's weight: the seed words of a topic share `weight` pseudo-counts between them.
    per = {i: weight / max(1, len(used[c])) for i, c in enumerate(seed_words)}
    priors = {w: [per[j] if j in ts else eta * other for j in range(k)] for w, ts in sorted(topics_of.items())}
    return priors, used, missing


def fit_seeded_topics(dtm: DocumentTermMatrix, *, seed_words: dict[str, Sequence[str]], free_topics: int = 3,
                      seed: int = 1, config: TopicConfig | None = None, weight: float = SEED_WEIGHT,
                      chains: int = CHAINS, chain_iterations: int = CHAIN_ITERATIONS,
                      cache_dir: str | None = None) -> TopicModel:
    """Fit one keyword-assisted topic model: ``len(seed_words)`` seeded topics + ``free_topics`` free ones.

    ``seed_words``: ``{category: [entry, ...]}`` (e.g. ``Codebook.seed_words()``);
    ``config``: the :class:`TopicConfig` (``engine`` must be ``"tomotopy"``); ``weight``:
    seededlda's weight -- a topic's seed words share ``weight`` × (tokens of the matrix)
    pseudo-counts as their prior in that topic (0.01: 1 %); ``chains``: Gibbs chains whose posterior
    means are averaged, each of ``chain_iterations`` iterations (0: ``config.sampling_iterations``).
    Chains run on ``config.n_jobs`` forked processes; same matrix, seed and settings give the same
    arrays whatever ``n_jobs``. ``cache_dir``: a folder for the averaged arrays (``.npz`` without
    pickle + JSON), keyed by the matrix, K, seed, config, priors and chain seeds, so a report
    rerun does not sample again.

    >>> m = fit_seeded_topics(dtm, seed_words=codebook.seed_words(), free_topics=3, seed=1)  # doctest: +SKIP
    >>> m.params["topic_names"][:2]                                                          # doctest: +SKIP
    ['terrorist_financing', 'foreign_terrorist_fighters']
    """
    config = config or TopicConfig()
    if not seed_words:
        raise InputError("seed_words: give at least one category with seed words")
    if isinstance(free_topics, bool) or not isinstance(free_topics, (int, np.integer)) or free_topics < 1:
        raise InputError(f"free_topics: must be an integer of at least 1, got {free_topics!r}")
    if isinstance(chains, bool) or not isinstance(chains, (int, np.integer)) or chains < 1:
        raise InputError(f"chains: must be an integer of at least 1, got {chains!r}")
    if isinstance(chain_iterations, bool) or not isinstance(chain_iterations, (int, np.integer)) or chain_iterations < 0:
        raise InputError(f"chain_iterations: must be an integer of at least 0, got {chain_iterations!r}")
    if chain_iterations:
        config = dataclasses.replace(config, sampling_iterations=int(chain_iterations))
    prep = prepare(dtm, config)
    # A category none of whose entries is a model term (pruned away, or absent) cannot seed a topic.
    _, found, _ = seed_priors(seed_words, prep.vocabulary, k=1, weight=weight, eta=1.0)
    skipped = [c for c in seed_words if not found[c]]
    seed_words = {c: w for c, w in seed_words.items() if found[c]}
    if not seed_words:
        raise InputError("seed_words: no category has an entry among the model's terms; add entries that occur")
    if skipped:
        log.warning("seeded topics: no entry of %s is a model term (pruned or absent); no topic is seeded "
                    "with %s", ", ".join(skipped), "it" if len(skipped) == 1 else "them")
    names = list(seed_words)
    k = len(names) + int(free_topics)
    check_size(prep, k)
    eta = 1.0 / k if config.eta == "symmetric" else 0.05 if config.eta == "auto" else float(config.eta)
    pseudo = float(weight) * float(prep.counts.sum())
    priors, used, missing = seed_priors(seed_words, prep.vocabulary, k=k, weight=pseudo, eta=eta)
    s = len(names)
    topic_term, doc_topic, info = _cached_chains(prep, k=k, s=s, seeds=chain_seeds(seed, chains), config=config,
                                                 priors=priors, cache_dir=cache_dir)
    share = np.round(stats.topic_share(doc_topic[:, s:], prep.units["n_terms"].to_numpy()), 12)
    top = [prep.vocabulary[j] for j in stats.top_term_indices(topic_term[s:], 1)[:, 0]]
    free = sorted(range(k - s), key=lambda i: (-share[i], top[i], i))
    order = np.r_[np.arange(s), s + np.asarray(free, dtype=int)]
    params = {"engine": config.engine, "k": k, "seed": int(seed), "config": to_dict(config),
              "n_units": int(prep.counts.shape[0]), "n_dropped_units": len(prep.dropped_units),
              "dropped_units": list(prep.dropped_units), "n_terms": len(prep.vocabulary),
              "n_terms_before_pruning": prep.n_terms_before_pruning, "engine_info": info,
              "topic_names": names + [""] * int(free_topics), "seeded": names, "free_topics": int(free_topics),
              "seed_weight": float(weight), "chains": int(chains),
              "chain_iterations": config.sampling_iterations, "chain_seeds": chain_seeds(seed, chains),
              "samples_per_chain": SAMPLES, "seed_words": used, "missing_seed_words": missing,
              "unseeded_categories": skipped}
    return TopicModel(topic_term=topic_term[order], doc_topic=doc_topic[:, order], vocabulary=prep.vocabulary,
                      units=prep.units, term_counts=prep.term_counts, params=params, pruned=prep.pruned,
                      term_statements=prep.term_statements)


def chain_seeds(seed: int, chains: int) -> list[int]:
    """The tomotopy seeds of a fit's chains: ``seed`` itself, then ``chains - 1`` drawn from it.

    Drawn (numpy's ``SeedSequence((seed, j))``), not ``seed + j``, so the chains of the fits with
    seeds 1, 2, 3 of an ensemble share none: their agreement measures stability, not overlap.

    >>> chain_seeds(1, 3)[0], len(set(chain_seeds(1, 3)) & set(chain_seeds(2, 3)))
    (1, 0)
    """
    return [int(seed)] + [int(np.random.SeedSequence((int(seed), j)).generate_state(1)[0])
                          for j in range(1, int(chains))]


#: (counts, vocabulary, k, config, priors) of the chains being fitted, set in each (forked) worker.
_CHAIN_STATE: tuple | None = None


def _init_chain_worker(state: tuple) -> None:
    global _CHAIN_STATE
    _CHAIN_STATE = state  # forked: inherited, never pickled


def _fit_chain(chain_seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    counts, vocabulary, k, config, priors = _CHAIN_STATE  # type: ignore[misc]
    return fit_engine(counts, vocabulary=vocabulary, k=k, seed=chain_seed, config=config, word_priors=priors,
                      samples=SAMPLES)


def _cached_chains(prep, *, k: int, s: int, seeds: list[int], config: TopicConfig, priors: dict[str, list[float]],
                   cache_dir: str | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """:func:`_average_chains`, read from / written to ``cache_dir`` when one is given."""
    if not cache_dir:
        return _average_chains(prep, k=k, s=s, seeds=seeds, config=config, priors=priors)
    # How a chain's states are averaged (samples, thinning, which states give document proportions) is in the key.
    extra = json.dumps({"seeded": s, "chain_seeds": seeds, "samples": SAMPLES, "thin": SAMPLE_THIN,
                        "doc_every": DOC_EVERY,
                        "priors": {w: [round(float(x), 12) for x in v] for w, v in sorted(priors.items())}},
                       sort_keys=True)
    key = digest([fit_key(prep, k=k, seed=seeds[0], config=config), extra])
    files = Path(cache_dir) / f"seeded-{key}.npz", Path(cache_dir) / f"seeded-{key}.json"
    cached = read_fit(files)
    if cached is None:
        store_fit(files, *_average_chains(prep, k=k, s=s, seeds=seeds, config=config, priors=priors))
        cached = read_fit(files)  # what a rerun reads back (info through JSON), so both runs agree
    return cached


def _average_chains(prep, *, k: int, s: int, seeds: list[int], config: TopicConfig,
                    priors: dict[str, list[float]]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Mean topic-word and document-topic arrays of one chain per seed (each the mean of its last
    :data:`SAMPLES` states). Seeded topics are the same topic in every chain (the seeds fix their
    identity); the free topics of each chain are matched to the first chain's (Hungarian on cosine)."""
    state = (prep.counts, prep.vocabulary, k, config, priors)
    workers = n_workers(config, len(seeds))
    if workers > 1:
        # Each chain depends only on its seed, and map keeps their order: the same arrays whatever n_jobs.
        with worker_pool(max_workers=workers, mp_context=mp.get_context("fork"), initializer=_init_chain_worker,
                         initargs=(state,)) as pool:
            fits = list(pool.map(_fit_chain, seeds))
    else:
        fits = [fit_engine(prep.counts, vocabulary=prep.vocabulary, k=k, seed=c, config=config, word_priors=priors,
                           samples=SAMPLES) for c in seeds]
    ref = fits[0][0]
    topic_term, doc_topic = np.zeros_like(ref), np.zeros_like(fits[0][1])
    for tt, dt, _ in fits:
        match = np.r_[np.arange(s), s + stats.match_topics(stats.cosine_matrix(ref[s:], tt[s:]))]
        topic_term += tt[match]
        doc_topic += dt[:, match]
    info = fits[0][2]
    return topic_term / len(fits), doc_topic / len(fits), info


def fit_seeded_ensemble(dtm: DocumentTermMatrix, *, seed_words: dict[str, Sequence[str]], seeds: Sequence[int],
                        free_topics: int = 3, config: TopicConfig | None = None,
                        weight: float = SEED_WEIGHT, chains: int = CHAINS,
                        chain_iterations: int = CHAIN_ITERATIONS, cache_dir: str | None = None) -> TopicEnsemble:
    """One :func:`fit_seeded_topics` per seed, aligned to the first: seeded topics pinned by number,
    free topics matched by top-term Jaccard. ``stability`` of every topic is its mean top-term
    Jaccard with its counterpart in the other fits (the package's stability measure)."""
    config = config or TopicConfig()
    seeds = check_seeds(seeds)
    models = []
    for s in seeds:
        models.append(fit_seeded_topics(dtm, seed_words=seed_words, free_topics=free_topics, seed=s, config=config,
                                        weight=weight, chains=chains, chain_iterations=chain_iterations,
                                        cache_dir=cache_dir))
        # The first fit warned about categories that seed nothing; the others get only the usable ones.
        seed_words = {c: seed_words[c] for c in models[0].params["seeded"]}
    reference, others = models[0], models[1:]
    if not others:
        return TopicEnsemble(reference=reference)
    s, top_n = len(reference.params["seeded"]), int(config.top_n)
    aligned, jaccards = [], []
    for m in others:
        free_match, _ = stats.agreement(reference.topic_term[s:], m.topic_term[s:], top_n=top_n)
        match = np.r_[np.arange(s), s + free_match]
        topic_term = m.topic_term[match]
        jac = stats.jaccard_matrix(stats.top_term_indices(reference.topic_term, top_n),
                                   stats.top_term_indices(topic_term, top_n))
        jaccards.append(np.diag(jac))
        aligned.append(dataclasses.replace(m, topic_term=topic_term, doc_topic=m.doc_topic[:, match]))
    alignment = np.vstack(jaccards)
    reference = dataclasses.replace(reference, stability=alignment.mean(axis=0))
    return TopicEnsemble(reference=reference, refits=tuple(aligned), alignment=alignment)


def seeded_drift(model: TopicModel | TopicEnsemble, *, top_n: int = 10) -> pd.DataFrame:
    """How far each seeded topic moved from its seed words.

    Returns one row per seeded topic: ``topic, category, n_seed_words`` (seed
    terms in the vocabulary), ``seed_mass`` (the seeds' share of the topic's
    probability mass), ``seeds_in_top`` (seed terms among its ``top_n`` terms),
    ``top_terms`` (its ``top_n`` most probable terms, ``", "``-joined),
    ``new_terms`` (those of them that are not seeds), ``stability`` (NaN for one fit).
    """
    m = model.reference if isinstance(model, TopicEnsemble) else model
    names = m.params.get("seeded") or []
    if not names:
        raise InputError("model: not a keyword-assisted model (fit it with fit_seeded_topics)")
    used = m.params.get("seed_words", {})
    col = {w: j for j, w in enumerate(m.vocabulary)}
    top = stats.top_term_indices(m.topic_term, top_n)
    rows = []
    for i, cat in enumerate(names):
        seeds = [w for w in used.get(cat, []) if w in col]
        terms = [m.vocabulary[j] for j in top[i]]
        rows.append({"topic": i + 1, "category": cat, "n_seed_words": len(seeds),
                     "seed_mass": float(m.topic_term[i, [col[w] for w in seeds]].sum()) if seeds else 0.0,
                     "seeds_in_top": sum(t in seeds for t in terms), "top_terms": ", ".join(terms),
                     "new_terms": ", ".join(t for t in terms if t not in seeds),
                     "stability": float(m.stability[i]) if m.stability is not None else float("nan")})
    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
