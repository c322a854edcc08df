"""Integrity checks for the second coach held-out set, ``data/coach/holdout2.jsonl``.

Written by someone who read only the rubric, the domain notes and the labelling guide in
``tests/data/test_eval_sets.py`` (no cue lists, no training or dev data, no code), after the
first held-out set had been used for a while: it measures how the coach generalises to
wording nobody tuned it on. Same schema as the dev set, ids ``h2-001`` in order.

These tests guard format, coverage and separation from the training data only; they never run
the coach.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.data.labelled_sets import (
    ALLOWED_KINDS, CODES, COACH_DIR, KINDS, TRAIN_DIR, check_coach_item, check_code_lists, copies,
    expected_and_forbidden, hard_negatives, normalised, outside_allowed_kinds, positives, read_objects,
    repeated_texts, silent_items, texts_in,
)

PATH = COACH_DIR / "holdout2.jsonl"
MIN_ITEMS = 300
MIN_POSITIVES_PER_CODE = 12
MIN_HARD_NEGATIVES_PER_CODE = 4


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(PATH)


def test_rows_have_the_dev_set_shape_and_ordered_ids(rows):
    for row in rows:
        check_coach_item(row, noted=True)
        check_code_lists(row)
    assert [row["id"] for row in rows] == [f"h2-{n:03d}" for n in range(1, len(rows) + 1)]


def test_labels_are_consistent(rows):
    assert not expected_and_forbidden(rows)
    assert not silent_items(rows)
    assert not repeated_texts(rows)


def test_set_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    assert all(counts[kind] >= 0.2 * len(rows) for kind in KINDS), counts


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_code_has_positives_and_hard_negatives(rows, code):
    assert positives(rows, code) >= MIN_POSITIVES_PER_CODE
    assert hard_negatives(rows, code) >= MIN_HARD_NEGATIVES_PER_CODE


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(rows, code):
    assert not outside_allowed_kinds(rows, code)


def test_no_sentence_is_in_the_training_data(rows):
    # Training on a held-out sentence would inflate the score. One-to-three-word replies ("no",
    # "ok 👍") are everyone's words, and the dev set is never trained on, so neither counts.
    training = texts_in(sorted(TRAIN_DIR.glob("*.jsonl")))
    sentences = [row for row in rows if len(normalised(row["text"]).split()) >= 4]
    assert not copies(sentences, training)
