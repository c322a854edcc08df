"""Integrity checks for the coach's training corpus of strengths and whole messages.

``data/coach/train/strengths.jsonl`` teaches the coach's trained classifier (its second signal
beside the rules) what the twelve strength codes look like in real wording, and what they do
*not* look like (hard negatives in ``forbidden``). It is labelled by the guide in the module
docstring of ``tests/data/test_eval_sets.py``. One utterance per line::

    {"id": "ts-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

These tests guard the format, the coverage the training relies on, and the separation from
the dev set (no dev sentence may be trained on). They say nothing about how well a model
learns from it.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    COACH_DEV_PATH, CONCERNS, STRENGTHS, TRAIN_DIR, hard_negatives, normalised, openings,
    positives, read_objects,
)

TRAIN_PATH = TRAIN_DIR / "strengths.jsonl"
DEV_PATH = COACH_DEV_PATH

MIN_ITEMS = 900
MIN_POSITIVES_PER_STRENGTH = 60
MIN_HARD_NEGATIVES_PER_STRENGTH = 25
KIND_SHARE = {"ask": 0.40, "refuse": 0.30, "renegotiate": 0.30}
KIND_SHARE_TOLERANCE = 0.06
MIN_EACH_WAY = 10  # after_refusal true and false, for the codes that depend on it
MAX_DEV_OVERLAP = 0.7  # word-set Jaccard similarity to any dev text


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(TRAIN_PATH)


def test_no_text_is_a_light_rewording_of_a_dev_sentence(rows):
    # Swapping a word or two of a dev sentence would still leak the dev set into training.
    def words(text: str) -> frozenset[str]:
        return frozenset(normalised(text).split())

    dev = [words(row["text"]) for row in read_objects(DEV_PATH)]
    close = []
    for row in rows:
        mine = words(row["text"])
        if len(mine) < 5:
            continue
        best = max(len(mine & other) / len(mine | other) for other in dev)
        if best >= MAX_DEV_OVERLAP:
            close.append((row["id"], round(best, 2)))
    assert not close, close


def test_corpus_is_large_and_balanced_across_kinds(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    for kind, share in KIND_SHARE.items():
        assert abs(counts[kind] / len(rows) - share) <= KIND_SHARE_TOLERANCE, counts


@pytest.mark.parametrize("code", STRENGTHS)
def test_each_strength_has_enough_positives_and_hard_negatives(rows, code):
    found, negatives = positives(rows, code), hard_negatives(rows, code)
    assert found >= MIN_POSITIVES_PER_STRENGTH, (code, found)
    assert negatives >= MIN_HARD_NEGATIVES_PER_STRENGTH, (code, negatives)


@pytest.mark.parametrize("code", ["accepts_answer", "proposes_revisit"])
def test_answer_dependent_strengths_are_seen_before_and_after_a_no(rows, code):
    flags = Counter(row["after_refusal"] for row in rows if code in row["codes"])
    assert flags[True] >= MIN_EACH_WAY and flags[False] >= MIN_EACH_WAY, (code, flags)


def test_strengths_are_mixed_in_whole_messages(rows):
    # The classifier must see strengths together, not one code per sentence.
    multi = [row for row in rows if len(set(row["codes"]) & set(STRENGTHS)) >= 3]
    assert len(multi) >= len(rows) // 5, len(multi)
    with_concern = [row for row in rows
                    if set(row["codes"]) & set(STRENGTHS) and set(row["codes"]) & set(CONCERNS)]
    assert len(with_concern) >= 40, len(with_concern)


def test_wording_is_varied_not_templated(rows):
    # A template loop that only swaps the activity word leaves many texts sharing the same
    # opening; hand-written items rarely share their first six words.
    starts = openings(rows, 6)
    assert starts.most_common(1)[0][1] <= 5, starts.most_common(3)
    casual = [row for row in rows if row["text"] == row["text"].lower()]
    assert len(casual) >= len(rows) // 6, len(casual)


def test_pressure_after_a_no_is_never_labelled_acceptance(rows):
    # The guide: "ok but..." followed by pressure, sulky "fine, whatever", and re-asking are
    # not acceptance; the corpus must never teach the opposite.
    for row in rows:
        if "accepts_answer" in row["codes"]:
            assert "persistence" not in row["codes"], row["id"]
            assert "guilt_trip" not in row["codes"], row["id"]
