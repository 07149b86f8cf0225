"""Config values are checked when the config is made: one line naming file, section, key and value."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from textanalytics.config import MAX_SEED, AnalysisConfig, config_hash, load_config, to_dict
from textanalytics.compare.config import CompareConfig
from textanalytics.corpus.config import CorpusConfig, toml_value
from textanalytics.errors import InputError
from textanalytics.features import VocabularyConfig
from textanalytics.preprocessing.config import PreprocessConfig
from textanalytics.report.config import ReportConfig
from textanalytics.topics.config import TopicConfig


def _load(tmp_path, text: str):
    path = tmp_path / "analysis.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def _message(tmp_path, text: str) -> str:
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


# ----------------------------------------------------------------- from a file: the file name comes first


@pytest.mark.parametrize("toml, expected", [
    ("[report]\ndpi = 0", '[report] dpi = 0: must be between 20 and 1200'),
    ("[report]\ndpi = 5000", '[report] dpi = 5000: must be between 20 and 1200'),
    ('[report]\nformats = ["png", "jpg"]', '[report] formats = ["png", "jpg"]: "jpg" is not a figure format; '
                                           'use png, svg or pdf'),
    ('[report]\nformats = []', '[report] formats = []: list at least one figure format'),
    ('[report]\nformats = ["svg", "svg"]', '[report] formats = ["svg", "svg"]: lists "svg" twice'),
    ("[report]\nfloat_digits = 0", "[report] float_digits = 0: must be between 1 and 17"),
    ("[report]\nfloat_digits = 18", "[report] float_digits = 18: must be between 1 and 17"),
    ("[report]\nkwic_window = 0", "[report] kwic_window = 0: must be at least 1"),
    ("[report]\nkwic_terms_per_topic = -1", "[report] kwic_terms_per_topic = -1: must be at least 1"),
    ("[report]\nkwic_max_hits = 0", "[report] kwic_max_hits = 0: must be at least 1"),
    ('[report]\ntitle = "Report\\u001b[2J"', '[report] title = "Report\\u001b[2J": holds the control character '
                                             'U+001B'),
    ('[report]\nout = ""', '[report] out = "": name the output folder'),
    ("seed = -1", "seed = -1: must be between 0 and 4294967293"),
    ("seed = 4294967295", "seed = 4294967295: must be between 0 and 4294967293"),
    ("[topics]\nk = 1", "[topics] k = 1: must be 0 (choose from k_grid) or at least 2"),
    ("[topics]\nk = -3", "[topics] k = -3: must be 0 (choose from k_grid) or at least 2"),
    ("[topics]\nk_grid = []", "[topics] k_grid = []: needs at least one K"),
    ("[topics]\nk_grid = [1, 2]", "[topics] k_grid = [1, 2]: needs Ks of at least 2 (integers), got 1"),
    ("[topics]\nk_grid = [2, 3, 3]", "[topics] k_grid = [2, 3, 3]: lists K = 3 twice"),
    ("[topics]\nsubsample_fraction = 1.0", "[topics] subsample_fraction = 1.0: must be"),
    ("[topics]\nn_seeds = 0", "[topics] n_seeds = 0: must be at least 1"),
    ("[topics]\nn_jobs = -1", "[topics] n_jobs = -1: must be 0 (every core) or a number of processes"),
    ("[topics]\npasses = 0", "[topics] passes = 0: must be at least 1"),
    ("[topics]\niterations = -5", "[topics] iterations = -5: must be 0 (automatic) or positive"),
    ("[topics]\nchunksize = 0", "[topics] chunksize = 0: must be at least 1"),
    ("[topics]\nn_bootstrap = 0", "[topics] n_bootstrap = 0: must be at least 1"),
    ("[topics]\nn_permutations = 0", "[topics] n_permutations = 0: must be at least 1"),
    ("[topics]\ntop_n = 1", "[topics] top_n = 1: must be at least 2"),
    ("[topics]\nalpha = -0.1", '[topics] alpha = -0.1: must be a positive number or one of "symmetric"'),
    ("[topics]\nalpha = nan", '[topics] alpha = nan: must be a positive number'),
    ("[topics]\neta = inf", '[topics] eta = inf: must be a positive number or one of "symmetric", "auto"'),
    ('[topics]\nalpha = "bogus"', '[topics] alpha = "bogus": must be a positive number or one of'),
    ("[topics]\nconfidence = 1.0", "[topics] confidence = 1.0: must be in [0.5, 1.0)"),
    ("[topics]\nmax_df = 1", "[topics] max_df = 1: keeps only terms found in a single unit"),
    ("[topics]\ndecay = 0.1", "[topics] decay = 0.1: must be in [0.5, 1]"),
    ("[compare]\nalpha = 0.0", "[compare] alpha = 0.0: must be in (0.0, 1.0)"),
    ("[compare]\nalpha = 1", "[compare] alpha = 1.0: must be in (0.0, 1.0)"),
    ("[compare]\ntop_n = 0", "[compare] top_n = 0: must be at least 1"),
    ("[compare]\nmin_dispersion = 0", "[compare] min_dispersion = 0: must be at least 1"),
    ("[compare]\nmattr_window = 0", "[compare] mattr_window = 0: must be at least 1"),
    ('[compare]\ngroup_by = ["year", "year"]', '[compare] group_by = ["year", "year"]: lists "year" twice'),
    ('[compare]\ngroup_by = [""]', '[compare] group_by = [""]: holds an empty string'),
    ('[compare]\npairs = [["year", "2017", "2017"]]', 'compares "2017" with itself'),
    ("[vocabulary]\nmin_df = -1", "[vocabulary] min_df = -1: a number of units must be at least 0"),
    ("[vocabulary]\nmax_df = 1.5", "[vocabulary] max_df = 1.5: a proportion must be between 0.0 and 1.0"),
    ("[vocabulary]\nmin_df = 0.8\nmax_df = 0.5", "[vocabulary] min_df = 0.8: is larger than max_df = 0.5"),
    ("[vocabulary]\nmin_df = 5\nmax_df = 3", "[vocabulary] min_df = 5: is larger than max_df = 3"),
    ("[vocabulary]\nmax_features = -1", "[vocabulary] max_features = -1: must be 0 (all) or positive"),
    ('[corpus]\nencoding = "utf-9"', '[corpus] encoding = "utf-9": is not a known text encoding'),
    ('[corpus]\nencoding = "base64"', '[corpus] encoding = "base64": is not a known text encoding'),
    ('[corpus]\nencoding = ""', '[corpus] encoding = "": is not a known text encoding'),
    ("[corpus]\nstream_rows = -1", "[corpus] stream_rows = -1: must be 0 (in memory)"),
    ('[corpus]\npath = ""', '[corpus] path = "": name the corpus file or folder'),
    ('[corpus]\ntext_col = ""', '[corpus] text_col = "": name the column that holds the texts'),
    ('[corpus]\nderive = { m = "week:date" }', "[corpus] derive.m = \"week:date\": unknown kind 'week'"),
    ('[corpus]\nna_values = ["NA", "NA"]', '[corpus] na_values = ["NA", "NA"]: lists "NA" twice'),
    ('[corpus]\nderive = { era = "periods:date:1989-1997,1997-2009" }',
     '[corpus] derive.era = "periods:date:1989-1997,1997-2009": periods 1989–1997 and 1997–2009 overlap'),
    ('[corpus]\nderive = { era = "periods:date:1989" }', "[corpus] derive.era = \"periods:date:1989\": period '1989' "
                                                         "is not a range"),
    ('[corpus]\nderive = { Month = "month:date" }', "[corpus] derive.Month = \"month:date\": column name 'Month' "
                                                    "is not snake_case"),
    ("[preprocess]\nmin_length = -1", "[preprocess] min_length = -1: must be between 0"),
    ("[preprocess]\nmin_length = 1000", "[preprocess] min_length = 1000: must be between 0"),
    ("[preprocess]\nphrase_min_count = 0", "[preprocess] phrase_min_count = 0: must be at least 1"),
    ("[preprocess]\nphrase_threshold = 2.0", "[preprocess] phrase_threshold = 2.0: must be between -1 and 1"),
    ("[preprocess]\nphrase_passes = -1", "[preprocess] phrase_passes = -1: must be 0"),
    ("[preprocess]\nn_jobs = 0", "[preprocess] n_jobs = 0: must be at least 1"),
    ('[preprocess]\ncurated_phrases = ["terrorism"]', '[preprocess] curated_phrases = ["terrorism"]: "terrorism" '
                                                      'has fewer than two words'),
    ('[preprocess]\nextra_stopwords = ["un", " "]', '[preprocess] extra_stopwords = ["un", " "]: holds an empty '
                                                    'string'),
])
def test_bad_values_name_file_section_key_and_value(tmp_path, toml, expected):
    msg = _message(tmp_path, toml)
    assert msg.startswith(f"{tmp_path / 'analysis.toml'}: "), msg
    assert expected in msg, msg


def test_message_matches_the_documented_form(tmp_path):
    assert _message(tmp_path, "[report]\ndpi = 0") == (
        f"{tmp_path / 'analysis.toml'}: [report] dpi = 0: must be between 20 and 1200")


def test_unknown_keys_wrong_types_and_bad_toml_still_raise(tmp_path):
    assert "unknown key 'dpii'" in _message(tmp_path, "[report]\ndpii = 3")
    assert "expected an integer" in _message(tmp_path, '[report]\ndpi = "300"')
    assert "invalid TOML" in _message(tmp_path, "[report\n")
    assert "is not one of 'raise', 'skip'" in _message(tmp_path, '[corpus]\non_error = "ignore"')
    assert "corpus.na_values: expected a list, got 'NA'" in _message(tmp_path, '[corpus]\nna_values = "NA"')
    assert "corpus.na_values[1]: expected a string, got 1" in _message(tmp_path, '[corpus]\nna_values = ["NA", 1]')


def test_the_highest_seed_depends_on_n_seeds(tmp_path):
    assert _load(tmp_path, f"seed = {MAX_SEED}\n[topics]\nn_seeds = 1").seed == MAX_SEED
    assert "must be between 0 and 4294967294" in _message(tmp_path, f"seed = {MAX_SEED}\n[topics]\nn_seeds = 2")
    np.random.RandomState(MAX_SEED)  # the range is numpy's (gensim and scikit-learn pass the seed on to it)


def test_valid_edges_load(tmp_path):
    cfg = _load(tmp_path, '\n'.join([
        "seed = 0",
        "[report]", 'formats = ["pdf", "png", "svg"]', "dpi = 20", "float_digits = 17", 'title = "Tab-free: ok"',
        "[topics]", "k_grid = [5, 2, 3]", "alpha = 0.1", 'eta = "auto"', "min_df = 0.0", "max_df = 2",
        "[compare]", "alpha = 0.5", 'pairs = [["year", "2017", "2019"]]',
        "[corpus]", 'encoding = "latin-1"', 'na_values = ["", "-99"]',
        'derive = { month = "month:date", q = "quarter:date", d = "decade:date", era = "periods:date:1989-1996" }',
    ]))
    assert cfg.corpus.na_values == ("", "-99") and _load(tmp_path, "[corpus]\nna_values = []").corpus.na_values == ()
    assert cfg.report.formats == ("pdf", "png", "svg") and cfg.report.dpi == 20
    assert cfg.topics.k_grid == (2, 3, 5)  # order carries no meaning: kept sorted
    assert cfg.compare.pairs == (("year", "2017", "2019"),)


# ----------------------------------------------------------------- in Python: same checks, canonical types


@pytest.mark.parametrize("make, match", [
    (lambda: ReportConfig(dpi=True), r"\[report\] dpi = true: must be an integer"),
    (lambda: ReportConfig(html="yes"), r'\[report\] html = "yes": must be true or false'),
    (lambda: ReportConfig(formats="png"), r'\[report\] formats = "png": must be a list of strings'),
    (lambda: ReportConfig(title="a\u202eb"), r"control character U\+202E"),
    (lambda: TopicConfig(engine="lda"), r'\[topics\] engine = "lda": must be one of "vb", "gensim", "nmf", "tomotopy"'),
    (lambda: TopicConfig(k_grid="many"), r'\[topics\] k_grid = "many": must be "auto" or a list of Ks'),
    (lambda: TopicConfig(stability_measure="cosine"), r'\[topics\] stability_measure = "cosine": must be one of'),
    (lambda: TopicConfig(k="5"), r'\[topics\] k = "5": must be an integer'),
    (lambda: CompareConfig(g2_cells=3), r"\[compare\] g2_cells = 3: must be one of 4, 2"),
    (lambda: CompareConfig(pairs=[("year", "2017")]), r"each pair is \[column, group_a, group_b\]"),
    (lambda: PreprocessConfig(lowercase="false"), r'\[preprocess\] lowercase = "false": must be true or false'),
    (lambda: PreprocessConfig(extra_stopwords=[1]), r"must be a list of strings; 1 is not a string"),
    (lambda: CorpusConfig(on_error="ignore"), r'\[corpus\] on_error = "ignore": must be one of "raise", "skip"'),
    (lambda: CorpusConfig(path="a\x00b"), r"control character U\+0000"),
    (lambda: CorpusConfig(na_values="NA"), r'\[corpus\] na_values = "NA": must be a list of strings'),
    (lambda: VocabularyConfig(min_df="2"), r"must be a number of units"),
    (lambda: AnalysisConfig(seed=1.5), r"seed = 1\.5: must be an integer"),
    (lambda: AnalysisConfig(topics={}), r"topics: expected a TopicConfig, got dict"),
    (lambda: dataclasses.replace(AnalysisConfig(), seed=-2), r"seed = -2: must be between 0"),
])
def test_python_construction_is_checked(make, match):
    with pytest.raises(InputError, match=match):
        make()


def test_python_values_take_the_toml_types(tmp_path):
    made = AnalysisConfig(seed=np.int64(3), topics=TopicConfig(k_grid=[4, 2], alpha=1, n_seeds=np.int32(2)),
                          report=ReportConfig(formats=["png"]), compare=CompareConfig(alpha=np.float64(0.1)))
    read = _load(tmp_path, "seed = 3\n[topics]\nk_grid = [2, 4]\nalpha = 1.0\nn_seeds = 2\n"
                           '[report]\nformats = ["png"]\n[compare]\nalpha = 0.1')
    assert to_dict(made) == to_dict(read) and config_hash(made) == config_hash(read)
    assert type(made.seed) is int and type(made.topics.n_seeds) is int and type(made.topics.alpha) is float


def test_defaults_pass_and_analysis_toml_documents_them():
    cfg = AnalysisConfig()
    assert cfg.report.formats == ("png", "svg") and cfg.topics.k_grid == "auto"


def test_toml_value_is_one_line():
    assert toml_value("a\nb\x00") == '"a\\nb\\u0000"'
    assert toml_value([1, True, 0.5, "x"]) == '[1, true, 0.5, "x"]'
    assert len(toml_value("x" * 500)) == 80


def test_frex_weight_is_deprecated_and_mapped_to_stm_frexweight(tmp_path):
    """The old key weighed exclusivity: frex_weight = 0.7 is stm's frexweight = 0.3, with a warning."""
    with pytest.warns(DeprecationWarning, match="frexweight = 0.3"):
        old = _load(tmp_path, "[topics]\nfrex_weight = 0.7")
    new = _load(tmp_path, "[topics]\nfrexweight = 0.3")
    assert old.topics.frexweight == pytest.approx(0.3) and old.topics.frex_weight is None
    assert config_hash(old) == config_hash(new)
    assert "give only frexweight" in _message(tmp_path, "[topics]\nfrex_weight = 0.7\nfrexweight = 0.4")
    assert "label_by" in _message(tmp_path, '[topics]\nlabel_by = "saliency"')
