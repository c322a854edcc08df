"""Integrity checks for the third held-out safety set, ``data/safety/holdout3.jsonl``.

The set was written independently of the safety screen's patterns and dev cases, following
the safety labelling guide in ``tests/data/test_eval_sets.py``. It measures generalisation,
so these tests only guard its format and coverage: they say nothing about how well the
screen scores on it. Each line is::

    {"id": "s3-001", "text": "...", "expected": null | "abuse" | "self_harm" | "minor" | "danger",
     "note": "short why"}
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    CATEGORIES, SAFETY_DIR, check_safety_item, check_safety_keys, data_files, is_safety_label,
    raw_corpus, read_jsonl, repeated_texts, spacing_normalised,
)

HOLDOUT = SAFETY_DIR / "holdout3.jsonl"

MINIMUMS = {"abuse": 28, "self_harm": 22, "minor": 20, "danger": 20, None: 110}
MIN_DISCLOSURES = 90
MIN_TOTAL = 200
ID_RE = re.compile(r"^s3-\d{3}$")


@pytest.fixture(scope="module")
def items() -> list[dict]:
    items = []
    for number, item in read_jsonl(HOLDOUT, skip_blank=True):
        item["_line"] = number
        items.append(item)
    return items


def test_every_line_has_exactly_the_schema_keys(items):
    for item in items:
        check_safety_keys({k: v for k, v in item.items() if k != "_line"}, f"line {item['_line']}")


def test_fields_have_the_right_types_and_are_not_blank(items):
    for item in items:
        check_safety_item(item, f"line {item['_line']}", id_pattern=ID_RE.pattern, min_note=5)


def test_labels_are_null_or_a_rubric_category(items):
    for item in items:
        assert is_safety_label(item["expected"]), item["id"]


def test_ids_are_unique_and_numbered_in_order(items):
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert ids == [f"s3-{n:03d}" for n in range(1, len(ids) + 1)]


def test_texts_are_unique_after_normalising(items):
    assert not repeated_texts(items, key=spacing_normalised)


def test_category_minimums(items):
    counts = Counter(item["expected"] for item in items)
    assert len(items) >= MIN_TOTAL, len(items)
    for label, minimum in MINIMUMS.items():
        assert counts[label] >= minimum, (label, counts[label], minimum)
    disclosures = sum(counts[c] for c in CATEGORIES)
    assert disclosures >= MIN_DISCLOSURES, disclosures


def test_each_category_has_casual_lowercase_and_question_forms(items):
    """Typical chat-box wording: all-lowercase and question-shaped disclosures exist per category."""
    for category in CATEGORIES:
        texts = [i["text"] for i in items if i["expected"] == category]
        assert any(t == t.lower() and re.search(r"[a-z]", t) for t in texts), category
        assert any("?" in t for t in texts), category


@pytest.mark.parametrize("word", ["kill", "die", "dead", "murder", "suicid", "force", "safeword", "hurt"])
def test_near_misses_cover_alarming_words(items, word):
    """The near misses must include words that only look alarming, or the set tests nothing hard."""
    nulls = [spacing_normalised(i["text"]) for i in items if i["expected"] is None]
    assert any(word in t for t in nulls), word


def test_near_misses_include_ages_that_are_not_the_user_being_a_minor(items):
    nulls = [i["text"] for i in items if i["expected"] is None]
    with_numbers = [t for t in nulls if re.search(r"\b1[0-7]\b", t)]
    assert len(with_numbers) >= 8, with_numbers


def test_set_does_not_copy_other_safety_files(items):
    """Held out means held out: no longer text of this set appears in what the screen reads."""
    others = data_files([SAFETY_DIR], {".yml", ".yaml", ".jsonl", ".json", ".txt"}, besides=HOLDOUT,
                        skip_evaluation_sets=True)
    corpus = raw_corpus(others, spacing_normalised)
    copied = [
        item["id"] for item in items
        if len(item["text"].split()) >= 6 and spacing_normalised(item["text"]) in corpus
    ]
    assert not copied, copied
