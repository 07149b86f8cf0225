"""Tests for textanalytics.corpus.normalize, .chrome and .clean: normalisation, each chrome rule, paragraphs."""

from __future__ import annotations

import pytest

from textanalytics.corpus import chrome
from textanalytics.corpus.chrome import (
    CHROME_RULES,
    is_contact_line,
    is_language_toggle,
    is_opening_hours,
    is_section_label,
    is_site_header,
    is_stamp_line,
    is_title_line,
    is_widget_text,
    strip_chrome,
)
from textanalytics.corpus.clean import clean_text, split_inline_numbered, split_paragraphs
from textanalytics.corpus.normalize import count_words, normalize_text, normalize_unicode, normalize_whitespace

# ----------------------------------------------------------------- Unicode


@pytest.mark.parametrize("raw, expected", [
    ("a\u00a0b", "a b"),                 # no-break space
    ("a\u202fb", "a b"),                 # narrow no-break space
    ("UN\u2011centered", "UN-centered"),  # no-break hyphen
    ("anti\u2010terror", "anti-terror"),  # hyphen
    ("soft\u00adhyphen", "softhyphen"),   # soft hyphen removed
    ("zero\u200bwidth\u200d", "zerowidth"),
    ("\ufeffBOM", "BOM"),
    ("\ufb01nance", "finance"),           # ligature folded
    ("\uff21\uff22", "AB"),               # full-width ASCII folded
    ("e\u0301", "\u00e9"),                # NFC
])
def test_normalize_unicode_maps_special_characters(raw, expected):
    assert normalize_unicode(raw) == expected


@pytest.mark.parametrize("kept", ["“quoted” ’s", "2013–2014 — dash", "km²", "½", "Ó Sé", "ISIL’s"])
def test_normalize_unicode_keeps_text_characters(kept):
    assert normalize_unicode(kept) == kept


def test_normalize_unicode_ascii_is_returned_unchanged():
    text = "plain ascii\twith tab"
    assert normalize_unicode(text) is text


def test_normalize_whitespace_collapses_and_strips_lines():
    assert normalize_whitespace("  a   b \r\n\r\n\t c\t\r d  ") == "a b\n\nc\nd"
    assert normalize_text("3.09.19\u00a0 10:00 ") == "3.09.19 10:00"


def test_count_words_is_whitespace_split():
    assert count_words("  one two\n\nthree ") == 3
    assert count_words("") == 0


# ----------------------------------------------------------------- chrome rules, one by one

RULE_CASES = {
    "site_header": (is_site_header,
                    ["Embassy of the Russian Federation in the USA",
                     "Embassy of the Russian Federation in New Zealand",
                     "Permanent Mission of the Russian Federation to the United Nations"],
                    ["The Embassy of the Russian Federation in the USA said that talks failed",
                     "Embassy staff were evacuated."]),
    "contact_line": (is_contact_line,
                     ["Phone (consular questions): (202) 939-8907 | Emergency line : (202) 298-5700",
                      "Tel.: (04) 476 6113; Consular section: (04) 476 6742",
                      "Fax: (04) 476 3843"],
                     ["Telephone lines were cut during the attack.", "Phones: a history"]),
    "opening_hours": (is_opening_hours,
                      ["/Schedule work today: 9:00–18:00", "Opening hours: 10:00-12:00"],
                      ["The schedule of work today was busy."]),
    "language_toggle": (is_language_toggle,
                        ["en ru", "• en-GB1 ru-RU1", "de-DE1 en-GB1 es-ES1 ru-RU1 fr-FR1"],
                        ["in on", "en", "en route"]),
    "section_label": (is_section_label,
                      ["Counter-terrorism", "NATIONAL ANTITERRORISM COMMITTEE"],
                      ["Fight against international terrorism", "Counter-terrorism cooperation grows."]),
    "stamp_line": (is_stamp_line,
                   ["20.11.19 12:28", "3.09.19 10:00", "6.09.19 14:46", "7 November 201814:07",
                    "04 october / 2017", "16 October 2019 12:11", "November 7, 2018"],
                   ["On 16-17 October 2019, in the city of Sochi", "1373 (2001)", "2017-2019"]),
    "widget_text": (is_widget_text, ["Advanced settings", "advanced settings"],
                    ["Advanced settings are available to members."]),
}


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_each_chrome_rule_matches_chrome_and_not_body(rule):
    predicate, chrome, body = RULE_CASES[rule]
    assert CHROME_RULES[rule] is predicate
    for line in chrome:
        assert predicate(normalize_text(line)), line
    for line in body:
        assert not predicate(normalize_text(line)), line


def test_every_chrome_rule_is_tested_and_documented():
    assert set(CHROME_RULES) == set(RULE_CASES)
    for predicate in CHROME_RULES.values():
        assert predicate.__doc__ and ">>>" in predicate.__doc__


def test_title_line_rule_ignores_case_and_spacing():
    assert is_title_line("Joint  Statement by participants.", title="Joint statement by Participants")
    assert not is_title_line("Joint statement", title="Joint statement by participants")
    assert not is_title_line("anything", title="")


def test_section_label_fight_against_terrorism_is_not_a_label():
    # On page 001 it is the page's own title: handled by the title rule, not as a label.
    assert "Fight against international terrorism" not in [s for s in chrome.SECTION_LABELS]


# ----------------------------------------------------------------- stripping from the edges


def test_strip_chrome_peels_edges_and_counts_words_and_lines():
    text = ("Embassy of the Russian Federation in the USA\nFax: 1\n\nCounter-terrorism\n\n20.11.19 12:28\n\n"
            "The Title\n\nBody one.\n\nBody two.\n\nAdvanced settings")
    result = strip_chrome(text, title="The Title")
    assert result.text == "Body one.\n\nBody two."
    assert result.removed == {"site_header": (8, 1), "contact_line": (2, 1), "section_label": (1, 1),
                              "stamp_line": (2, 1), "title_line": (2, 1), "widget_text": (2, 1)}
    assert [name for name, _ in result.removed_lines][0] == "site_header"


def test_strip_chrome_never_touches_the_middle():
    text = "Body one.\n\nCounter-terrorism\n\nen ru\n\nAdvanced settings\n\nBody two."
    result = strip_chrome(text)
    assert result.text == text
    assert result.removed == {}


def test_strip_chrome_all_chrome_gives_empty_text():
    assert strip_chrome("en ru\n\n20.11.19 12:28").text == ""


# ----------------------------------------------------------------- paragraphs


def test_bullets_are_paragraphs_without_glyph():
    paragraphs, glyphs = split_paragraphs("Taking into account:\n  • first threat,\n  • second threat,")
    assert paragraphs == ["Taking into account:", "first threat,", "second threat,"]
    assert glyphs == 2


def test_glyph_attached_to_word_is_not_counted_as_a_word():
    assert split_paragraphs("•item") == (["item"], 0)


def test_numbered_items_are_paragraphs_and_keep_their_number():
    paragraphs, glyphs = split_paragraphs("Decided to:\n\n  1. Issue a statement.\n  2. Share data.")
    assert paragraphs == ["Decided to:", "1. Issue a statement.", "2. Share data."]
    assert glyphs == 0


def test_inline_numbered_list_is_split_only_in_order():
    text = "We, participants, advocating, 1. Express concern. 2. Fully support (2019). 3. Advocate more."
    assert split_inline_numbered(text) == ["We, participants, advocating,", "1. Express concern.",
                                           "2. Fully support (2019).", "3. Advocate more."]
    assert split_inline_numbered("Resolution 2253. 2. Next") == ["Resolution 2253. 2. Next"]
    assert split_inline_numbered("Only 1. One item here.") == ["Only 1. One item here."]


def test_blank_lines_separate_paragraphs_and_wrapped_lines_join():
    assert split_paragraphs("A line\nwrapped.\n\nB.")[0] == ["A line wrapped.", "B."]


def test_single_newlines_split_when_there_is_no_blank_line():
    assert split_paragraphs("One.\nTwo.\nThree.")[0] == ["One.", "Two.", "Three."]


def test_empty_text_has_no_paragraphs():
    assert split_paragraphs("  \n \n") == ([], 0)


# ----------------------------------------------------------------- one statement


def test_clean_text_accounts_for_every_removed_word():
    raw = ("Embassy of the Russian Federation in the USA\n/Schedule work today: 9:00–18:00\n\n"
           "3.09.19\u00a0 10:00\n\nA Title\n\nBody\u00a0text here.\n  • item\n\nAdvanced settings")
    cleaned = clean_text(raw, title="A Title")
    assert cleaned.paragraphs == ("Body text here.", "item")
    removed_words = sum(n for n, _ in cleaned.removed.values())
    assert cleaned.n_words_before - removed_words == count_words(cleaned.text)
    assert set(cleaned.removed) == {"site_header", "opening_hours", "stamp_line", "title_line",
                                    "widget_text", "list_glyphs"}


def test_clean_text_counts_words_lost_to_invisible_characters():
    cleaned = clean_text("a \u200b b", chrome=False)
    assert cleaned.removed == {"normalize_unicode": (1, 0)}
    assert cleaned.text == "a b"


def test_clean_text_without_chrome_keeps_chrome_like_lines():
    cleaned = clean_text("en ru\n\nBody.", chrome=False)
    assert cleaned.paragraphs == ("en ru", "Body.")
