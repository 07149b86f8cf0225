"""``[topics]`` section of the configuration (owned by the topics stage)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import Literal

from ..corpus.config import FieldChecks, toml_value

@dataclass(frozen=True)
class TopicConfig:
    """Every topic-model choice, with its default.

    Engine and K
    ------------
    engine = "tomotopy"
        ``"tomotopy"`` (default): LDA by collapsed Gibbs sampling (tomotopy),
        one worker and tomotopy's SSE2 build, so a seed gives the same topics on
        any machine and with any ``n_jobs``. Chosen by measurement
        (``docs/topics.md``, ``benchmarks/bench_engines.py``): on news_articles
        (K = 20) and the Commons sample (K = 10) it gave the most coherent,
        exclusive and stable LDA topics of all engines; the variational engines
        are faster but put the same generic terms in most topics.
        ``"vb"``: LDA by variational Bayes -- gensim's ``LdaModel``
        with a vectorised E-step (same results, 7x faster on short paragraphs)
        and the package's alpha update (gensim's Newton step, halved until alpha
        stays positive, where gensim skips it: with batch learning and
        ``alpha = "auto"`` stock gensim never learns alpha);
        ``"gensim"``: gensim's ``LdaModel`` untouched, same settings (equal to
        ``"vb"`` to rounding whenever gensim does not skip the alpha step, see
        ``engines.py``); ``"sklearn_lda"``: scikit-learn's
        ``LatentDirichletAllocation`` (``passes`` = its ``max_iter``);
        ``"nmf"``: scikit-learn NMF on TF-IDF, a cross-check with a different
        model family (its weights are not token shares);
        ``"mllib"``: Spark MLlib's LDA (variational Bayes) on the executors,
        with ``[spark] backend = "spark"`` (``docs/scaling.md``): ``learning``
        ``"batch"`` (all units every iteration) or ``"online"`` (mini-batches of
        ``chunksize`` units), ``passes``, ``offset`` and ``decay`` as for ``"vb"``;
        ``alpha = "auto"`` is MLlib's own update; eta cannot be learned. Settings left
        at the package's defaults take the engine's own: batch learning, 50 passes,
        eta 0.005, alpha ``"symmetric"`` (measured against tomotopy on news_articles).
    mllib_defaults = True
        With ``engine = "mllib"``: settings left at the package's defaults take the engine's
        own (above). The config cannot tell a value left out from one written equal to the
        default, so ``false`` is how to fit MLlib with exactly the ``[topics]`` values as
        written (e.g. ``alpha = "auto"``, MLlib's learned alpha; ``passes = 10``).
    k = 0
        Number of topics. 0 = choose K from ``k_grid`` with the rule documented in
        :func:`~textanalytics.topics.select_k`; a positive value overrides the rule.
    k_grid = "auto"
        The Ks :func:`select_k` compares, each at least 2 and listed once
        (kept sorted: the order means nothing). ``"auto"``: a grid that grows
        with the number of modelling units n, from 2 to ``round(2 · n^(1/3))``
        (every K up to 8, then wider steps; 2..12 for 230 paragraphs, ..30 for
        3,800 articles; :func:`~textanalytics.topics.selection_rule.default_k_grid`),
        extended once when the rule picks its largest K.
    n_seeds = 3
        Fits per K, with seeds ``seed, seed + 1, ...`` of the analysis' master
        seed (:meth:`seeds`). Stability needs at least 2; intervals combine all.

    LDA priors and training
    -----------------------
    alpha = "auto"
        Document-topic prior: a number, ``"symmetric"`` (1/K), ``"asymmetric"`` or
        ``"auto"`` (learned from the data: tomotopy starts at 0.1 and re-estimates
        it every 10 iterations; vb and gensim by Newton steps). A number is kept fixed.
    eta = 0.05
        Topic-term prior: a number or ``"symmetric"`` (1/K) / ``"auto"`` (learned by
        vb and gensim; tomotopy keeps 0.05). With tomotopy (1,000 iterations, 3
        seeds) eta = 0.05 gave more coherent and more stable topics than 0.01
        (tomotopy's default) or 0.02: news_articles K = 20 c_npmi 0.092 / 0.085 /
        0.089, stability 0.60 / 0.46 / 0.52, at an exclusivity of 0.65 / 0.69 /
        0.66 ([vocabulary] max_df = 0.5); Commons K = 10 c_npmi 0.031 / 0.024, stability 0.48 / 0.39,
        exclusivity 0.74 / 0.78. With the vb engine small values did better: on
        news_articles (K=20, 3 seeds, chunksize 1000, 20 iterations) mean
        c_npmi was 0.082 / 0.084 / 0.080 / 0.071 / 0.045 for eta = 0.001 /
        0.005 / 0.01 / 0.1 / 0.5; use eta = 0.01 with vb.
    learning = "auto"
        gensim's update schedule. ``"auto"``: batch when all units fit in one
        chunk (``chunksize``), else online. ``"batch"``: one M-step per pass over all
        units, replacing the topics by the new estimate (variational EM; gensim
        ``update_every=0`` with ``decay=0``). ``"online"``: an M-step after every
        ``chunksize`` units, blending old and new topics with weight
        ``(offset + t) ** -decay`` (Hoffman, Blei & Bach 2010; gensim's default).
        On the seeds, batch learning reaches in 10 passes topics that online
        learning needs 20 passes for, with higher coherence.
    passes = 10
        Passes over the corpus (gensim).
    iterations = 0
        Maximum E-step iterations per document and chunk (gensim; most documents
        converge sooner). 0 = 50 with batch learning, 20 with online learning:
        on the seeds' short paragraphs (batch) 20 iterations lowered stability
        (top-10 Jaccard at K=3: 0.41 instead of 0.48), while on news_articles
        (online) 20 iterations gave higher c_npmi than 50 in every comparison
        (5 seeds: 0.080 vs 0.072 on the package's tokens, 0.093 vs 0.076 on
        regex tokens) in half the time.
    chunksize = 1000
        Units per E-step chunk (gensim; with online learning, per update).
        On news_articles (3,788 articles) 1,000 gave higher coherence in less
        time than gensim's 2,000 or 500.
    decay = 0.5, offset = 1.0
        κ and τ0 of online learning (gensim's defaults; unused in batch learning).
    sampling_iterations = 1000
        Gibbs sampling iterations (tomotopy). 500 gave less stable topics
        (top-10 Jaccard across seeds 0.30 instead of 0.39 on the Commons sample,
        0.43 instead of 0.46 on news_articles).
    search_iterations = 300
        Gibbs sampling iterations of the K search's fits (tomotopy; 0 = as
        ``sampling_iterations``). The search fits a reference and
        ``n_subsamples`` fits for every K of the grid; the chosen K's final
        fits keep ``sampling_iterations``. On the seeds, the Commons sample and
        news the chains' log-likelihood per word was within 0.01-0.03 nats of
        its plateau by 300 iterations (benchmarks in ``docs/topics.md``), and
        the cold seeds report fell from 14 s to under 10 s.
    nmf_max_iter = 400
        Iterations of the NMF solver.
    nmf_init = "random"
        NMF initialisation: ``"random"`` (from the seed, so that stability
        across seeds means something, as in Greene et al. 2014) or
        ``"nndsvda"`` (SVD-based, nearly seed-independent: its "stability" is
        then close to 1 by construction).

    Vocabulary (pruned on top of the document-term matrix' own pruning)
    ---------------------------------------------------------------------
    min_df = 1, max_df = 1.0, max_features = 0
        As in ``[vocabulary]`` (:meth:`DocumentTermMatrix.prune`): an int is a
        number of units, a float a proportion; ``max_features`` keeps the most
        frequent terms (0 = all). The defaults prune nothing beyond the matrix.

    Description, stability and intervals
    ------------------------------------
    relevance_lambda = 0.6
        λ of the relevance score (Sievert & Shirley 2014 found 0.6 best for
        interpretation).
    frex_weight (deprecated)
        The old FREX weight, on *exclusivity*; read as ``frexweight = 1 - frex_weight``
        with a warning. Use ``frexweight``.
    top_n = 10
        Terms per topic in descriptions, coherence and stability (at least 2:
        coherence scores pairs of top terms).
    stability_threshold = 0.5
        A topic whose mean top-``top_n`` Jaccard agreement across seeds is below
        this is flagged ``unstable`` (the K rule uses ``stability_margin`` instead).
    n_bootstrap = 200
        Bootstrap replicates for share and difference intervals.
    n_permutations = 2000
        Permutation test: exact enumeration when the number of distinct relabelings
        is at most this, otherwise this many Monte-Carlo relabelings.
    confidence = 0.95
        Coverage of the percentile intervals.
    group_weight = "tokens"
        How statements combine into a group share: ``"tokens"`` = weighted by their
        number of modelled tokens (the group's share of words); ``"statements"`` =
        every statement counts equally.

    Computing
    ---------
    n_jobs = 0
        Worker processes for the K × seed grid and the seed ensemble: 0 = every
        core this process may use (at most one worker per fit), 1 = fit in this
        process. Workers are forked (Linux only; elsewhere fits run in this
        process) and share the matrix copy-on-write, but each needs memory of its
        own (about 300 MB on 8 M words); use 1 on a tight memory budget. Each
        fit depends only on the matrix, K, seed and the settings above, so
        results are identical for any value, and the fit cache ignores it.

    Labels
    ------
    frexweight = 0.5
        FREX's weight on *frequency*, as stm's ``labelTopics(frexweight=)`` and
        ``calcfrex(w=)`` (Roberts et al. 2016): 0.5 weighs frequency and
        exclusivity equally (stm's default), smaller values favour exclusive
        terms. Exclusivity is shrunk for rare terms by their corpus counts, as
        ``labelTopics`` does.
    label_by = "frex"
        Which ranking names topics: ``"frex"`` (default: what sets a topic
        apart), ``"relevance"`` (LDAvis, λ = ``relevance_lambda``),
        ``"weight"`` (the most probable terms: often words every topic
        shares), ``"lift"`` or ``"score"`` (stm's). ``topic_labels`` lists the
        top terms of every ranking beside the label.
    label_min_statements = 5
        A term used in fewer statements never names a topic nor appears in
        ``topic_labels``' ranked lists or ``describe_topics``' table (the most probable terms excepted): FREX and
        lift favour words a few speeches repeat (Commons: "scam" and "regeneration",
        3 speeches each of 1,000, led labels). Never more than 1 % of the statements
        is asked, so a corpus of 100 statements or fewer keeps every term; 0 = off.

    Choosing K (:func:`~textanalytics.topics.select_k`; rule in
    :data:`~textanalytics.topics.selection_rule.K_RULE`)
    ---------------------------------------------------------------------------
    n_subsamples = 4, subsample_fraction = 0.8
        Per K, one reference fit on every unit plus this many fits on random
        subsamples of ``subsample_fraction`` of the units (without replacement);
        stability = mean matched top-``top_n`` agreement of the subsample fits
        with the reference (Greene, O'Callaghan & Cunningham 2014, who used
        0.8). 0 = no subsample fits and no stability gate.
    heldout_documents = 0.1, heldout_proportion = 0.5
        Held-out likelihood by document completion (stm's ``searchK``): this
        share of the units lose this share of their tokens, which the fits on the
        rest must predict; one split for every K and fit.
    stability_margin = 0.1
        A K passes the stability gate when its stability exceeds the 95th
        percentile of the agreement of random topics (same K, same pool of
        top terms) by at least this.
    stability_measure = "average_jaccard"
        Similarity of two topics' top terms in the K search: ``"average_jaccard"``
        (Greene et al.: mean Jaccard of the top-1, top-2, ... prefixes; weights
        the first terms more) or ``"jaccard"`` of the sets (as the per-topic
        ``stability`` across seeds).
    baseline_draws = 200
        Monte Carlo draws of the random-topic baseline (seeded from the master seed and K).
    """

    engine: Literal["vb", "gensim", "nmf", "tomotopy", "sklearn_lda", "mllib"] = "tomotopy"
    mllib_defaults: bool = True
    k: int = 0
    k_grid: tuple[int, ...] | Literal["auto"] = "auto"
    n_seeds: int = 3
    alpha: str | float = "auto"
    eta: str | float = 0.05
    learning: Literal["auto", "batch", "online"] = "auto"
    passes: int = 10
    iterations: int = 0
    chunksize: int = 1000
    decay: float = 0.5
    offset: float = 1.0
    sampling_iterations: int = 1000
    search_iterations: int = 300
    nmf_max_iter: int = 400
    nmf_init: Literal["random", "nndsvda"] = "random"
    min_df: int | float = 1
    max_df: int | float = 1.0
    max_features: int = 0
    relevance_lambda: float = 0.6
    frex_weight: float | None = None
    top_n: int = 10
    stability_threshold: float = 0.5
    n_bootstrap: int = 200
    n_permutations: int = 2000
    confidence: float = 0.95
    group_weight: Literal["tokens", "statements"] = "tokens"
    n_jobs: int = 0
    frexweight: float = 0.5
    label_by: Literal["frex", "relevance", "weight", "lift", "score"] = "frex"
    label_min_statements: int = 5
    n_subsamples: int = 4
    subsample_fraction: float = 0.8
    heldout_documents: float = 0.1
    heldout_proportion: float = 0.5
    stability_margin: float = 0.1
    stability_measure: Literal["jaccard", "average_jaccard"] = "average_jaccard"
    baseline_draws: int = 200

    def seeds(self, seed: int) -> list[int]:
        """The ``n_seeds`` fit seeds derived from the analysis' master ``seed``: ``seed, seed + 1, ...``.

        >>> TopicConfig(n_seeds=3).seeds(7)
        [7, 8, 9]
        """
        return [int(seed) + i for i in range(self.n_seeds)]

    def __post_init__(self) -> None:
        check = FieldChecks(self, "topics")
        check.choice("engine", ("vb", "gensim", "nmf", "tomotopy", "sklearn_lda", "mllib"))
        check.boolean("mllib_defaults")
        check.integer("k", minimum=0, problem="must be 0 (choose from k_grid) or at least 2")
        if self.k == 1:
            check.fail("k", "must be 0 (choose from k_grid) or at least 2")
        grid = self.k_grid
        if isinstance(grid, (str, bytes)) or not hasattr(grid, "__iter__"):
            if grid == "auto":
                grid = None
            else:
                check.fail("k_grid", 'must be "auto" or a list of Ks, e.g. [2, 3, 4, 5]')
        if grid is not None:
            self._check_grid(check, tuple(grid))
        check.integer("n_seeds", minimum=1)
        for name in ("alpha", "eta"):
            allowed = ("symmetric", "asymmetric", "auto") if name == "alpha" else ("symmetric", "auto")
            problem = f"must be a positive number or one of {', '.join(map(toml_value, allowed))}"
            if not isinstance(getattr(self, name), str):
                check.number(name, minimum=0.0, min_open=True, problem=problem)
            elif getattr(self, name) not in allowed:
                check.fail(name, problem)
        check.choice("learning", ("auto", "batch", "online"))
        check.integer("iterations", minimum=0, problem="must be 0 (automatic) or positive")
        check.integer("search_iterations", minimum=0, problem="must be 0 (as sampling_iterations) or positive")
        for name in ("passes", "chunksize", "sampling_iterations", "nmf_max_iter", "n_bootstrap", "n_permutations"):
            check.integer(name, minimum=1)
        check.number("decay", minimum=0.5, maximum=1.0, problem="must be in [0.5, 1] (Hoffman et al. 2010)")
        check.number("offset", minimum=1.0)
        check.choice("nmf_init", ("random", "nndsvda"))
        check.document_frequency("min_df")
        check.document_frequency("max_df")
        check.df_pair()
        check.integer("max_features", minimum=0, problem="must be 0 (all) or positive")
        check.number("relevance_lambda", minimum=0.0, maximum=1.0)
        if self.frex_weight is not None:
            check.number("frex_weight", minimum=0.0, maximum=1.0, min_open=True, max_open=True)
            if self.frexweight != 0.5:
                check.fail("frex_weight", "is the deprecated form of frexweight (weight on exclusivity); "
                           "give only frexweight")
            warnings.warn("[topics] frex_weight is deprecated: it weighed exclusivity; use "
                          f"frexweight = {1.0 - self.frex_weight:g} (weight on frequency, as stm's labelTopics)",
                          DeprecationWarning, stacklevel=3)
            object.__setattr__(self, "frexweight", round(1.0 - float(self.frex_weight), 12))
            object.__setattr__(self, "frex_weight", None)
        check.number("frexweight", minimum=0.0, maximum=1.0, min_open=True, max_open=True)
        check.integer("label_min_statements", minimum=0,
                      problem="must be a number of statements, 0 (no floor) or more")
        check.choice("label_by", ("frex", "relevance", "weight", "lift", "score"))
        check.integer("top_n", minimum=2, problem="must be at least 2 (coherence scores pairs of top terms)")
        check.number("stability_threshold", minimum=0.0, maximum=1.0)
        check.number("confidence", minimum=0.5, maximum=1.0, max_open=True)
        check.choice("group_weight", ("tokens", "statements"))
        check.integer("n_jobs", minimum=0, problem="must be 0 (every core) or a number of processes")
        check.integer("n_subsamples", minimum=0, problem="must be 0 (no stability gate) or a number of subsamples")
        check.number("subsample_fraction", minimum=0.0, maximum=1.0, min_open=True, max_open=True)
        check.number("heldout_documents", minimum=0.0, maximum=1.0, min_open=True, max_open=False)
        check.number("heldout_proportion", minimum=0.0, maximum=1.0, min_open=True, max_open=True)
        check.number("stability_margin", minimum=0.0, maximum=1.0)
        check.choice("stability_measure", ("jaccard", "average_jaccard"))
        check.integer("baseline_draws", minimum=20)

    def _check_grid(self, check: FieldChecks, grid: tuple) -> None:
        if not grid:
            check.fail("k_grid", 'needs at least one K of at least 2, e.g. [2, 3, 4, 5], or "auto"')
        for k in grid:
            if not isinstance(k, Integral) or isinstance(k, bool) or k < 2:
                check.fail("k_grid", f"needs Ks of at least 2 (integers), got {toml_value(k)}", value=grid)
        if len(set(grid)) != len(grid):
            twice = next(k for k in grid if grid.count(k) > 1)
            check.fail("k_grid", f"lists K = {int(twice)} twice; list each K once", value=grid)
        # The order of the grid means nothing (select_k sorts it); keep one canonical form.
        object.__setattr__(self, "k_grid", tuple(sorted(int(k) for k in grid)))
