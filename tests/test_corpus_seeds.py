"""End-to-end tests on the real seeds (the "done when" of issue 2) and seeds-folder validation."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from textanalytics.corpus import load_corpus, summarize_corpus
from textanalytics.corpus.assemble import STATEMENT_COLUMNS
from textanalytics.corpus.plots import corpus_overview_figure
from textanalytics.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
MINI = Path(__file__).parent / "data" / "corpus" / "seeds_mini"

# The page chrome of each raw page, written out by hand (independent of the
# cleaning rules): every line listed here is chrome; every other non-blank line
# except the statement titles is body text.
CHROME_LINES = {
    "000_c146ab12f5bd3341.txt": [
        "Embassy of the Russian Federation in the USA",
        "Phone (consular questions): (202) 939-8907 | Emergency line : (202) 298-5700",
        "/Schedule work today: 9:00–18:00",
        "Counter-terrorism", "NATIONAL ANTITERRORISM COMMITTEE",
        "20.11.19 12:28", "20.11.19 11:56", "6.09.19 14:46", "3.09.19 10:00",
    ],
    "001_ecc93dfb30059f1a.txt": [
        "Embassy of the Russian Federation in New Zealand",
        "Tel.: (04) 476 6113; Consular section: (04) 476 6742, (04) 476 9548 (Visa section, from 10:00 - 12:00)",
        "Fax: (04) 476 3843",
        "en ru",
    ],
    "002_67cbbe6840d6329f.txt": ["Permanent Mission of the Russian Federation to the United Nations"],
    "003_2242c2cab3a166d3.txt": ["7 November 201814:07", "• en-GB1 ru-RU1", "Advanced settings"],
    "004_f89109565d30355f.txt": ["04 october / 2017"],
}
# Strings that must not survive cleaning anywhere.
CHROME_STRINGS = [
    "Embassy of the Russian Federation", "Permanent Mission of the Russian Federation", "Phone (consular",
    "Emergency line", "Schedule work today", "Tel.:", "Fax:", "Consular section", "en-GB1", "ru-RU1",
    "Advanced settings", "NATIONAL ANTITERRORISM COMMITTEE", "20.11.19", "6.09.19", "3.09.19", "201814:07",
    "october / 2017", "•", "\u00a0", "\u202f", "\u2011", "\u00ad", "\u200b",
]
CHROME_PARAGRAPHS = ["en ru", "Counter-terrorism", "Fight against international terrorism"]


def _squash(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").replace("\u2011", "-").split())


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(SEEDS)


@pytest.fixture(scope="module")
def metadata() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "metadata.csv", dtype=str, keep_default_na=False)


# ----------------------------------------------------------------- done when


def test_exactly_the_eight_seed_statements(seeds, metadata):
    st = seeds.statements
    assert len(st) == 8
    assert st["statement_id"].tolist() == sorted(metadata["statement_id"])
    assert st["statement_id"].is_unique
    assert st["year"].value_counts().sort_index().to_dict() == {2017: 2, 2018: 2, 2019: 4}
    assert (st["speaker"] == "Sergey Lavrov").sum() == 2
    assert (st["speaker"] == "Igor Sirotkin").sum() == 1
    assert st["source_file"].value_counts().to_dict()["000_c146ab12f5bd3341.txt"] == 4


def test_statement_columns_and_types(seeds):
    st = seeds.statements
    assert list(st.columns[:len(STATEMENT_COLUMNS)]) == STATEMENT_COLUMNS
    for col in ("speaker_role", "venue", "publisher", "date_basis", "date_note", "published", "source_file"):
        assert col in st.columns
    assert str(st["date"].dtype) == "datetime64[ns]" and str(st["year"].dtype) == "Int64"
    assert (st["year"] == st["date"].dt.year).all()
    assert (st["n_words"] == st["text"].str.split().str.len()).all()
    assert set(st["organisation"]) == {"MFA", "FSB/NAC", "Meeting of Heads of Special Services"}
    assert set(st["genre"]) == {"speech", "communique", "joint statement", "press release", "comment",
                                "policy overview"}
    para = seeds.paragraphs
    assert para.groupby("statement_id")["paragraph"].apply(lambda p: p.tolist() == list(range(1, len(p) + 1))).all()
    joined = para.groupby("statement_id")["text"].apply("\n\n".join)
    assert (joined.reindex(st["statement_id"]).to_numpy() == st["text"].to_numpy()).all()


def test_no_chrome_survives(seeds):
    for sid, text in zip(seeds.statements["statement_id"], seeds.statements["text"]):
        for chrome in CHROME_STRINGS:
            assert chrome not in text, (sid, chrome)
        assert not re.search(r"\d{1,2}\.\d{2}\.\d{2} \d{2}:\d{2}", text), sid
    assert not set(CHROME_PARAGRAPHS) & set(seeds.paragraphs["text"])
    for title, text in zip(seeds.statements["title"], seeds.statements["text"]):
        assert title and not text.startswith(title)


def test_word_splits_are_corrected(seeds):
    text = "\n".join(seeds.statements["text"])
    assert "fr om" not in text and "wh ere" not in text and "Secretary- General" not in text
    assert "received from Europe" in text and "formats where there" in text
    corrected = seeds.problems[seeds.problems["action"].str.startswith("corrected")]
    assert len(corrected) == 3 and corrected["line"].tolist() == [13, 49, 57]


def test_cleaned_words_within_three_percent_of_body_text(seeds, metadata):
    titles = {_squash(t) for t in metadata["title"]}
    st = seeds.statements
    total_body = total_clean = 0
    for name, chrome in CHROME_LINES.items():
        lines = [_squash(line) for line in (SEEDS / "raw" / name).read_text(encoding="utf-8").split("\n")]
        body = sum(len(line.split()) for line in lines if line and line not in chrome and line not in titles)
        cleaned = int(st.loc[st["source_file"] == name, "n_words"].sum())
        assert abs(cleaned - body) <= 0.03 * body, (name, cleaned, body)
        assert cleaned <= body  # cleaning only removes
        total_body += body
        total_clean += cleaned
    assert abs(total_clean - total_body) <= 0.03 * total_body


def test_cleaning_table_accounts_for_every_raw_word(seeds):
    st = seeds.statements.set_index("statement_id")
    removed = seeds.cleaning.groupby("statement_id")["n_removed_words"].sum()
    for name in CHROME_LINES:
        raw_words = len((SEEDS / "raw" / name).read_text(encoding="utf-8").split())
        ids = st.index[st["source_file"] == name]
        assert raw_words == st.loc[ids, "n_words"].sum() + removed.reindex(ids).fillna(0).sum(), name
    # the title line is removed from every statement, and only chrome rules besides
    assert (seeds.cleaning[seeds.cleaning["rule"] == "title_line"]["n_removed_lines"] == 1).sum() == 8
    assert set(seeds.cleaning["rule"]) <= {"corrections", "site_header", "contact_line", "opening_hours",
                                           "language_toggle", "section_label", "stamp_line", "widget_text",
                                           "title_line", "list_glyphs"}


def test_lists_become_paragraphs(seeds):
    para = seeds.paragraphs
    communique = para[para["statement_id"] == "2019-10-17_meeting_communique"]["text"].tolist()
    assert "the nexus between terrorism and transnational organized crime," in communique
    assert sum(p.startswith(f"{k}. ") for k in range(1, 10) for p in communique) == 9
    joint = para[para["statement_id"] == "2019-10-17_meeting_joint_statement"]["text"].tolist()
    assert [p.split(" ", 1)[0] for p in joint[1:]] == [f"{k}." for k in range(1, 8)]


def test_metadata_decisions_are_recorded(metadata):
    assert set(metadata["date_basis"]) <= {"stated", "published", "inferred"}
    assert (metadata.loc[metadata["date_basis"] == "inferred", "date_note"].str.len() > 40).all()
    by_id = metadata.set_index("statement_id")
    assert "January 1, 2017" in by_id.loc["2017-01-01_mfa_counter_terrorism_overview", "date_note"]
    assert "28-29 June 2018" in by_id.loc["2018-06-28_sirotkin_un_counter_terrorism_conference", "date_note"]
    assert by_id.loc["2019-10-17_meeting_communique", "published"] == "2019-11-20"
    for value in metadata["published"]:
        assert value == "" or pd.Timestamp(value)
    assert (metadata["publisher"] != "").all() and (metadata["speaker_role"] != "").all()


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="shared seed pages not available")
def test_raw_pages_are_byte_for_byte_copies():
    for page in sorted((SEEDS / "raw").glob("*.txt")):
        shared = SHARED_SEEDS / page.name
        assert hashlib.sha256(page.read_bytes()).digest() == hashlib.sha256(shared.read_bytes()).digest()


def test_loading_is_deterministic(seeds):
    again = load_corpus(SEEDS)
    pd.testing.assert_frame_equal(seeds.statements, again.statements)
    pd.testing.assert_frame_equal(seeds.paragraphs, again.paragraphs)
    pd.testing.assert_frame_equal(seeds.cleaning, again.cleaning)


# ----------------------------------------------------------------- summary and figure


def test_summary_tables(seeds):
    tables = summarize_corpus(seeds)
    assert list(tables) == ["overview", "statements_per_year_speaker", "words_per_statement", "cleaning", "problems"]
    per = tables["statements_per_year_speaker"]
    assert list(per.columns) == ["year", "speaker", "n_statements", "n_words"]
    assert per["n_statements"].sum() == 8
    assert per.groupby("year")["n_statements"].sum().to_dict() == {2017: 2, 2018: 2, 2019: 4}
    assert tables["words_per_statement"]["n_words"].sum() == seeds.statements["n_words"].sum()
    cleaning = tables["cleaning"]
    assert cleaning["n_removed_words"].sum() == seeds.cleaning["n_removed_words"].sum()
    assert cleaning["rule"].iloc[0] == "corrections"
    assert tables["overview"]["n_statements"].iat[0] == 8
    for table in tables.values():
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in table.columns)


def test_overview_figure(seeds):
    fig = corpus_overview_figure(seeds)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2017", "2018", "2019"]
    fig2 = Figure()
    ax2 = fig2.add_subplot()
    assert corpus_overview_figure(seeds, ax=ax2) is fig2


# ----------------------------------------------------------------- the mini seeds folder and its errors


def test_mini_seeds_folder():
    corpus = load_corpus(MINI)
    st = corpus.statements
    assert st["statement_id"].tolist() == ["2018-03-07_doe_remarks", "2019-02-01_first_comment",
                                           "2019-02-02_second_statement"]
    first = corpus.paragraphs[corpus.paragraphs["statement_id"] == "2019-02-01_first_comment"]["text"].tolist()
    assert first == ["The first statement sends greetings from the test page. It has a UN-centered no-break "
                     "hyphen and a softhyphen.", "Taking into account:", "a bullet item,", "another bullet item."]
    # a chrome-looking line in the middle of a statement is body text and stays
    assert "We remain committed to the Counter-terrorism work." in corpus.paragraphs["text"].tolist()
    rules = set(corpus.cleaning["rule"])
    assert rules == {"corrections", "site_header", "contact_line", "opening_hours", "language_toggle",
                     "section_label", "stamp_line", "widget_text", "title_line", "list_glyphs"}


@pytest.fixture()
def mini(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(MINI, folder)
    return folder


def _edit_metadata(folder: Path, old: str, new: str) -> None:
    path = folder / "metadata.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("old, new, message", [
    ("page_b.txt,", "page_c.txt,", r"metadata\.csv: line 2: source_file 'page_c\.txt' is not in .*raw/"),
    ("2019-02-02_second_statement", "2019-02-01_first_comment",
     r"metadata\.csv: duplicate id '2019-02-01_first_comment' \(first at line 3\) in column 'statement_id' at line 4"),
    (",2018-03-07,stated", ",07.03.2018,stated", r"metadata\.csv: unparsable date '07\.03\.2018' in column 'date' at line 2"),
    (",2018-03-07,2018,", ",2018-03-07,2017,",
     r"metadata\.csv: year 2017 differs from the date's year 2018 in column 'year' at line 2"),
    ("01.02.19 10:00", "01.02.19 10:01", r"line 3: anchor '01\.02\.19 10:01' occurs 0 times in page_a\.txt"),
    ("02.02.19 11:30", "01.02.19 10:00", r"line 4: anchor '01\.02\.19 10:00' is also the anchor of another"),
    (",stated,", ",guessed,", r"line 2: date_basis 'guessed' is not one of stated, published, inferred"),
    ("meeting held the day before the stamp", "", r"line 4: date_basis is 'inferred' but date_note is empty"),
    ("2018-03-07_doe_remarks", "Doe Remarks", r"line 2: statement_id 'Doe Remarks' is not a slug"),
    ("statement_id,source_file", "statement_id,file_name", r"missing column 'source_file' \(or 'file'\)"),
])
def test_seeds_validation_errors(mini, old, new, message):
    _edit_metadata(mini, old, new)
    with pytest.raises(InputError, match=message) as info:
        load_corpus(mini)
    assert "\n" not in str(info.value)


def test_raw_page_without_metadata_record(mini):
    (mini / "raw" / "page_z.txt").write_text("A stray page.", encoding="utf-8")
    with pytest.raises(InputError, match=r"page_z\.txt: no record in .*metadata\.csv"):
        load_corpus(mini)


def test_stale_correction_is_an_error(mini):
    with open(mini / "corrections.csv", "a", encoding="utf-8") as f:
        f.write("page_b.txt,th e,the,never in the page\n")
    with pytest.raises(InputError, match=r"corrections\.csv: line 4: 'th e' -> 'the' never matches page_b\.txt; "
                                         r"the correction is stale"):
        load_corpus(mini)


def test_correction_for_unknown_file_is_an_error(mini):
    with open(mini / "corrections.csv", "a", encoding="utf-8") as f:
        f.write("page_q.txt,th e,the,\n")
    with pytest.raises(InputError, match=r"corrections\.csv: line 4: source_file 'page_q\.txt' is not a text file"):
        load_corpus(mini)


def test_undecodable_raw_page(mini):
    page = mini / "raw" / "page_b.txt"
    page.write_bytes(page.read_bytes()[:20] + b"\xc3\x28" + page.read_bytes()[20:])
    with pytest.raises(InputError, match=r"page_b\.txt: byte 20 \(0xc3\) cannot be decoded as utf-8"):
        load_corpus(mini)


def test_statement_that_is_all_chrome_is_empty_text(mini):
    (mini / "raw" / "page_b.txt").write_text("7 March 201812:00\n\nRemarks by Jane Doe at the Test Meeting, "
                                             "Testville, March 7, 2018\n\nAdvanced settings\n", encoding="utf-8")
    (mini / "corrections.csv").write_text("source_file,wrong,right,note\npage_a.txt,fr om,from,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty text after cleaning in 'page_b\.txt' in column 'text' at line 2"):
        load_corpus(mini)
    corpus = load_corpus(mini, on_error="skip")
    assert len(corpus) == 2 and corpus.problems["action"].tolist()[-1] == "skipped"


def test_title_not_found_is_reported(mini):
    _edit_metadata(mini, "First statement title", "A different title")
    corpus = load_corpus(mini)
    problems = corpus.problems[corpus.problems["field"] == "title"]
    assert len(problems) == 1 and "not found" in problems["problem"].iat[0]
