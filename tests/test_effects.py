"""Covariate effects on topic shares: composition, Rubin's rules, robust errors, predictions, guard rails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from matplotlib.figure import Figure

from textanalytics.effects import (contrasts, estimate_effects, plot_continuous, plot_differences,
                                   plot_point_estimates, predict_effects)
from textanalytics.effects.draws import StatementUnits, alpha_sum, draw_theta
from textanalytics.effects.formula import build_design, spline_terms
from textanalytics.effects.regression import ols_many, rubin
from textanalytics.errors import InputError
from textanalytics.topics import TopicEnsemble, TopicModel


def hand_model(statement_theta, *, paragraphs=2, tokens=200, engine="tomotopy", seed=1, noise=0.0,
               rng=None) -> TopicModel:
    """A fitted model whose statements have the given shares (``paragraphs`` equal units each)."""
    theta = np.repeat(np.asarray(statement_theta, dtype=float), paragraphs, axis=0)
    if noise:
        theta = np.clip(theta + rng.normal(0, noise, theta.shape), 1e-4, None)
        theta /= theta.sum(axis=1, keepdims=True)
    n, k = theta.shape
    sids = np.repeat([f"s{i:04d}" for i in range(len(statement_theta))], paragraphs)
    units = pd.DataFrame({"unit_id": [f"{s}:{j % paragraphs + 1}" for j, s in enumerate(sids)],
                          "statement_id": sids, "paragraph": pd.array(np.arange(n) % paragraphs + 1, dtype="Int64"),
                          "n_tokens": tokens, "n_terms": np.full(n, tokens, dtype=np.int64)})
    topic_term = np.eye(k, k + 1) * 0.9 + 0.1 / (k + 1)
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    return TopicModel(topic_term=topic_term, doc_topic=theta, vocabulary=tuple(f"t{j}" for j in range(k + 1)),
                      units=units, term_counts=np.ones(k + 1),
                      params={"engine": engine, "k": k, "seed": seed, "config": {"stability_threshold": 0.5},
                              "engine_info": {"alpha_fitted": [0.1] * k}})


def confounded(n=300, seed=0):
    """Speaker beta speaks more in later years; topic 1's share rises with the year only."""
    rng = np.random.default_rng(seed)
    year = rng.integers(2000, 2020, n)
    p_beta = (year - 2000) / 19 * 0.8 + 0.1
    speaker = np.where(rng.random(n) < p_beta, "beta", "alpha")
    share1 = np.clip(0.15 + 0.02 * (year - 2000) + rng.normal(0, 0.05, n), 0.01, 0.9)
    theta = np.column_stack([share1, (1 - share1) * 0.5, (1 - share1) * 0.5])
    meta = pd.DataFrame({"statement_id": [f"s{i:04d}" for i in range(n)], "year": year, "speaker": speaker,
                         "house": rng.choice(["x", "y", "z"], n)})
    return theta, meta


def test_adjusted_speaker_effect_covers_truth_where_naive_difference_is_biased():
    theta, meta = confounded()
    model = hand_model(theta)
    res = estimate_effects(model, corpus=meta, formula="~ speaker + year", n_draws=5, seed=3)
    row = res.table.query("topic == 1 and term == 'speaker[T.beta]'").iloc[0]
    assert row.lower < 0 < row.upper
    year = res.table.query("topic == 1 and term == 'year'").iloc[0]
    assert year.lower < 0.02 < year.upper
    naive = theta[meta.speaker == "beta", 0].mean() - theta[meta.speaker == "alpha", 0].mean()
    assert naive > 0.1          # the marginal difference exists only through the year
    c = contrasts(res, covariate="speaker").table.query("topic == 1").iloc[0]
    assert c.contrast == "beta - alpha" and c.lower < 0 < c.upper and c.p_adjusted > 0.05
    assert abs(c.difference - row.estimate) < 1e-12   # linear model: the contrast is the coefficient


def test_ols_covariances_equal_statsmodels():
    rng = np.random.default_rng(1)
    x = sm.add_constant(rng.normal(size=(60, 2)))
    y = rng.normal(size=(60, 3)) + x[:, 1:2]
    groups = rng.integers(0, 12, 60)
    for cov_type, kw in [("nonrobust", {}), ("HC1", {}), ("HC3", {}), ("cluster", {"cov_kwds": {"groups": groups}})]:
        coef, cov = ols_many(x, y, cov_type=cov_type, groups=groups if cov_type == "cluster" else None)
        for k in range(3):
            ref = sm.OLS(y[:, k], x).fit(cov_type=cov_type, **kw)
            np.testing.assert_allclose(coef[k], ref.params, rtol=1e-10)
            np.testing.assert_allclose(cov[k], ref.cov_params(), rtol=1e-8)


def test_rubin_rules_split_within_and_between():
    coefs = np.array([[[1.0, 2.0]], [[3.0, 2.0]]])       # two draws, one outcome, two coefficients
    covs = np.stack([np.eye(2)[None] * 0.5] * 2)
    out = rubin(coefs, covs, df_complete=100)
    np.testing.assert_allclose(out["estimate"], [[2.0, 2.0]])
    np.testing.assert_allclose(out["within_var"], [[0.5, 0.5]])
    np.testing.assert_allclose(out["between_var"], [[1.5 * 2.0, 0.0]])   # (1 + 1/m) · var(1, 3)
    assert out["df"][0, 0] < out["df"][0, 1] <= 100


def test_draws_add_the_models_uncertainty_and_shorter_units_vary_more():
    theta, meta = confounded(n=120)
    short = estimate_effects(hand_model(theta, tokens=10), corpus=meta, formula="~ speaker + year", n_draws=8)
    long = estimate_effects(hand_model(theta, tokens=2000), corpus=meta, formula="~ speaker + year", n_draws=8)
    b_short = short.table.query("term != 'Intercept'")["between_var"].mean()
    b_long = long.table.query("term != 'Intercept'")["between_var"].mean()
    assert b_short > 10 * b_long > 0
    point = estimate_effects(hand_model(theta), corpus=meta, formula="~ speaker + year", n_draws=1)
    assert (point.table["between_var"] == 0).all() and point.params["posterior"].startswith("none")


def test_dirichlet_draws_centre_on_the_statement_shares():
    theta = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    model = hand_model(theta, tokens=50)
    su = StatementUnits(model)
    rng = np.random.default_rng(0)
    draws = np.stack([draw_theta(model, su, rng) for _ in range(400)])
    np.testing.assert_allclose(draws.mean(axis=0), theta, atol=0.01)
    assert alpha_sum(model) == pytest.approx(0.3)
    nmf = hand_model(theta, engine="nmf", noise=0.1, rng=np.random.default_rng(1))
    d = draw_theta(nmf, StatementUnits(nmf), rng)
    np.testing.assert_allclose(d.sum(axis=1), 1.0)


def test_ensemble_refits_enter_between_variance():
    theta, meta = confounded(n=150)
    rng = np.random.default_rng(5)
    fits = [hand_model(theta, seed=s, noise=0.05, rng=rng) for s in (1, 2, 3)]
    ens = TopicEnsemble(reference=fits[0], refits=tuple(fits[1:]))
    res = estimate_effects(ens, corpus=meta, formula="~ speaker + year", n_draws=6, seed=1)
    single = estimate_effects(fits[0], corpus=meta, formula="~ speaker + year", n_draws=6, seed=1)
    assert res.params["seeds"] == [1, 2, 3]
    assert res.table["between_var"].sum() > single.table["between_var"].sum()


def test_same_seed_same_table_and_cluster_changes_errors():
    theta, meta = confounded(n=200)
    model = hand_model(theta)
    a = estimate_effects(model, corpus=meta, formula="~ speaker + s(year)", n_draws=4, seed=7)
    b = estimate_effects(model, corpus=meta, formula="~ speaker + s(year)", n_draws=4, seed=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.params["splines"] == {"year": 10}
    clustered = estimate_effects(model, corpus=meta, formula="~ speaker + year", n_draws=2, cluster="house")
    assert clustered.params["cov_type"] == "cluster" and clustered.params["n_clusters"] == 3
    assert any("3 clusters" in n for n in clustered.params["notes"])
    assert np.isfinite(clustered.table["std_error"]).all()


def test_fractional_logit_predictions_stay_in_unit_interval():
    theta, meta = confounded(n=200)
    res = estimate_effects(hand_model(theta), corpus=meta, formula="~ speaker + year", n_draws=3,
                           family="fractional_logit")
    assert res.params["scale"].startswith("log-odds")
    pred = predict_effects(res, covariate="year", n_points=5)
    assert ((pred.table["lower"] >= 0) & (pred.table["upper"] <= 1)).all()
    first, last = pred.table.query("topic == 1")["estimate"].iloc[[0, -1]]
    assert last - first == pytest.approx(0.02 * 19, abs=0.06)


def test_predictions_recover_a_nonlinear_trend_and_hold_others():
    rng = np.random.default_rng(2)
    n = 400
    year = rng.integers(1990, 2020, n).astype(float)
    truth = lambda y: 0.3 + 0.15 * np.sin((y - 1990) / 29 * np.pi)   # noqa: E731 - the planted curve
    s1 = np.clip(truth(year) + rng.normal(0, 0.04, n), 0.01, 0.99)
    theta = np.column_stack([s1, 1 - s1])
    meta = pd.DataFrame({"statement_id": [f"s{i:04d}" for i in range(n)], "year": year,
                         "party": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])})
    res = estimate_effects(hand_model(theta, tokens=1000), corpus=meta, formula="~ party + s(year, df=5)",
                           n_draws=4)
    pred = predict_effects(res, covariate="year", n_points=15)
    rows = pred.table.query("topic == 1")
    covered = ((rows["lower"] <= truth(rows["value"])) & (truth(rows["value"]) <= rows["upper"])).mean()
    assert covered >= 0.9
    assert pred.params["held_at"] == {"party": "a"}
    levels = predict_effects(res, covariate="party")
    assert list(levels.table.query("topic == 1")["value"]) == ["a", "b", "c"]
    assert pred.params["held_rule"].startswith("given in at")


def test_guard_rails_are_one_line_input_errors():
    theta, meta = confounded(n=60)
    model = hand_model(theta)
    with pytest.raises(InputError, match=r"no column 'party'.*available columns: statement_id, year"):
        estimate_effects(model, corpus=meta, formula="~ party + year")
    with pytest.raises(InputError, match=r"60 statements for 19 coefficients; need at least 95 \(5 per coefficient\)"):
        estimate_effects(model, corpus=meta, formula="~ C(year)")
    with pytest.raises(InputError, match=r"collinear covariates; year2"):
        estimate_effects(model, corpus=meta.assign(year2=meta["year"] * 2), formula="~ year + year2")
    with pytest.raises(InputError, match=r"s\(flag\) needs at least 4 distinct values of 'flag', it has 2"):
        estimate_effects(model, corpus=meta.assign(flag=(meta["year"] > 2010).astype(int)), formula="~ s(flag)")
    with pytest.raises(InputError, match="right-hand side"):
        estimate_effects(model, corpus=meta, formula="y ~ year")
    with pytest.raises(InputError, match="not in the metadata"):
        estimate_effects(model, corpus=meta.iloc[1:], formula="~ year")
    with pytest.raises(InputError, match="family"):
        estimate_effects(model, corpus=meta, formula="~ year", family="probit")
    for exc in (InputError,):
        try:
            estimate_effects(model, corpus=meta, formula="~ nothere")
        except exc as e:
            assert "\n" not in str(e)


def test_missing_values_are_dropped_and_counted():
    theta, meta = confounded(n=100)
    meta = meta.assign(speaker=meta["speaker"].where(np.arange(100) % 10 != 0, ""))
    res = estimate_effects(hand_model(theta), corpus=meta, formula="~ speaker + year", n_draws=2)
    assert res.params["n_statements_dropped"] == 10 and res.params["n_statements"] == 90


def test_spline_terms_and_design_rebuild():
    assert spline_terms("~ a + s(b) + s(c, df=3)") == {"b": None, "c": 3}
    data = pd.DataFrame({"y": np.arange(60, dtype=float) % 8, "g": ["a", "b", "c"] * 20}, index=[str(i) for i in range(60)])
    d = build_design("~ g + s(y)", data)
    assert d.splines == {"y": 7}                          # 10 capped at distinct values − 1
    x = d.rebuild(pd.DataFrame({"y": [3.0], "g": ["a"]}))
    np.testing.assert_allclose(x[0], d.matrix[3])


def test_plots_return_figures():
    theta, meta = confounded(n=120)
    res = estimate_effects(hand_model(theta), corpus=meta, formula="~ speaker + year", n_draws=2)
    for fig in (plot_continuous(predict_effects(res, covariate="year", n_points=5)),
                plot_differences(contrasts(res, covariate="speaker")),
                plot_point_estimates(predict_effects(res, covariate="speaker"), topic=1),
                res.plot(covariate="year"), res.plot(covariate="speaker")):
        assert isinstance(fig, Figure) and fig.axes
    assert "EffectsResult" in res._repr_html_() and len(res.summary()) == 3 * 2


def test_nmf_uses_a_bootstrap_of_units_and_missing_years_are_counted():
    theta, meta = confounded(n=150)
    rng = np.random.default_rng(4)
    nmf = hand_model(theta, engine="nmf", paragraphs=3, noise=0.05, rng=rng)
    meta = meta.assign(year=pd.array(np.where(np.arange(150) < 5, None, meta["year"]), dtype="Int64"))
    res = estimate_effects(nmf, corpus=meta, formula="~ speaker + year", n_draws=5)
    assert res.params["posterior"].startswith("bootstrap") and res.params["n_statements_dropped"] == 5
    assert res.table["between_var"].gt(0).all()
