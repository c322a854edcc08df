"""Integrity checks for ``data/safety/holdout2.jsonl``, the second held-out safety test set.

The set was written by hand, independently of the safety screen's patterns and of the other
evaluation sets, following the safety labelling guide in ``tests/data/test_eval_sets.py``.
It measures how the screen generalises to the ways people really disclose in a chat box
(hedged, minimised, slang, typos, all caps, emoji, run-ons, other languages) and whether it
stays quiet on the near misses that must not stop a rehearsal (rehearsal lines, idioms,
negotiated kink, other people's ages, fiction, hypotheticals, product commands).

These tests guard the format, the coverage and the independence the evaluation relies on;
they say nothing about how well the detector scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    CATEGORIES, COACH_DIR, SAFETY_DIR, check_safety_item, check_safety_keys, data_files,
    is_safety_label, normalised, raw_corpus, read_jsonl, texts_in,
)

HOLDOUT = SAFETY_DIR / "holdout2.jsonl"

MINIMUMS = {"abuse": 30, "self_harm": 25, "minor": 22, "danger": 22, None: 110}
MIN_TOTAL = 220
MIN_DISCLOSURES = 100
LANGUAGES = re.compile(r"\b(spanish|french|german|portuguese)\b", re.IGNORECASE)
# Words that look alarming; near misses must exercise them or they are not near misses.
ALARMING = re.compile(
    r"\b(kill\w*|die|died|dying|dead|death|murder\w*|suicid\w*|hurt\w*|forc\w*|chok\w*|"
    r"stop\w*|red|safeword|knife|knives|blood|bruise\w*|tied|tie|rope|threat\w*|trapped|"
    r"locked|following|drink|help|1[0-7]|year \d+|high school|minor|pushy?|hit)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [row for _, row in read_jsonl(HOLDOUT, skip_blank=True)]


def test_every_line_has_exactly_the_schema(rows):
    for row in rows:
        assert isinstance(row, dict), row
        check_safety_keys(row, row.get("id"))
        check_safety_item(row, row["id"], id_pattern=r"s2-\d{3}", min_note=5)
        assert len(row["text"]) <= 1000, row["id"]


def test_labels_are_allowed(rows):
    bad = [(r["id"], r["expected"]) for r in rows if not is_safety_label(r["expected"])]
    assert not bad, bad


def test_ids_are_unique(rows):
    dupes = [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]
    assert not dupes, dupes


def test_texts_are_unique_after_normalising(rows):
    counts = Counter(normalised(r["text"]) for r in rows)
    dupes = [t for t, n in counts.items() if n > 1]
    assert not dupes, dupes


@pytest.mark.parametrize("category", [*CATEGORIES, None])
def test_category_minimum(rows, category):
    count = sum(1 for r in rows if r["expected"] == category)
    assert count >= MINIMUMS[category], (category, count)


def test_totals(rows):
    assert len(rows) >= MIN_TOTAL
    assert sum(1 for r in rows if r["expected"] is not None) >= MIN_DISCLOSURES


def test_disclosures_in_other_languages(rows):
    foreign = [r for r in rows if r["expected"] is not None and LANGUAGES.search(r["note"])]
    assert len(foreign) >= 10, len(foreign)
    # every category is disclosed in at least one other language
    assert {r["expected"] for r in foreign} == set(CATEGORIES)
    # and other languages appear among the near misses too, so language alone is no cue
    assert sum(1 for r in rows if r["expected"] is None and LANGUAGES.search(r["note"])) >= 3


def test_near_misses_use_alarming_words(rows):
    hard = [r for r in rows if r["expected"] is None and ALARMING.search(r["text"])]
    assert len(hard) >= 60, len(hard)


def test_disclosures_are_not_all_tidy_sentences(rows):
    disclosures = [r["text"] for r in rows if r["expected"] is not None]
    lower_no_period = [t for t in disclosures if t == t.lower() and not t.endswith(".")]
    shouting = [t for t in disclosures if sum(c.isupper() for c in t) > 0.6 * sum(c.isalpha() for c in t)]
    with_emoji = [t for t in disclosures if any(unicodedata.category(c) == "So" for c in t)]
    assert len(lower_no_period) >= 20
    assert shouting and with_emoji


def _other_texts() -> tuple[set[str], str]:
    """Texts of the other evaluation/training sets, and the raw text of their YAML files."""
    folders = (SAFETY_DIR, COACH_DIR)
    texts = set(texts_in(data_files(folders, {".jsonl"}, besides=HOLDOUT), tolerant=True))
    raw = raw_corpus(data_files(folders, {".yml", ".yaml", ".txt", ".md"}, besides=HOLDOUT))
    return texts, raw


def test_held_out_texts_do_not_leak_into_other_data(rows):
    """A held-out item copied into patterns or another set would no longer be held out."""
    other, raw = _other_texts()
    leaked = []
    for r in rows:
        norm = normalised(r["text"])
        words = norm.split()
        if len(words) >= 4 and norm in other:
            leaked.append(r["id"])
        elif len(words) >= 6 and norm in raw:
            leaked.append(r["id"])
    assert not leaked, leaked
