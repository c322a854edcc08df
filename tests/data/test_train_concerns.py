"""Integrity checks for the coach's training corpus of concern examples.

``data/coach/train/concerns.jsonl`` teaches the coach's trained text classifier (its second
signal beside the rules) to recognise pressure and unclear wording however it is phrased:
blunt, sulky, joking, "nice", indirect, misspelt. It follows the labelling guide in
``tests/data/test_eval_sets.py`` so its labels agree with the evaluation sets, and it shares
no text with ``data/coach/dev.jsonl``, so training on it never leaks the dev set.

One utterance per line::

    {"id": "tc-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

``codes`` lists every rubric code that applies (strengths too); ``forbidden`` lists hard
negatives: codes a careless classifier would give but which are wrong here. These tests guard
the format and the coverage a classifier needs; they say nothing about how well it learns.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.data.labelled_sets import (
    COACH_DEV_PATH, COERCION, CONCERNS, RESPECT_AND_CLARITY, STRENGTHS, TRAIN_DIR,
    hard_negatives, has_emoji, kinds_of, normalised, one_word_variants, openings, positives,
    read_objects, refusals_expecting, refusals_forbidding,
)

TRAIN_PATH = TRAIN_DIR / "concerns.jsonl"
DEV_PATH = COACH_DEV_PATH

MIN_ITEMS = 900
MIN_COERCION_POSITIVES = 70
MIN_RESPECT_POSITIVES = 50
MIN_HARD_NEGATIVES = 25          # for every concern code
MIN_STRENGTH_HARD_NEGATIVES = 8  # strengths are not this corpus's focus, but must be contrasted
MIN_PER_KIND = {"ask": 350, "refuse": 130, "renegotiate": 150}
MAX_SHARED_OPENING = 3           # texts sharing their first eight words
MIN_VOCABULARY = 1400


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(TRAIN_PATH)


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    for kind, minimum in MIN_PER_KIND.items():
        assert counts[kind] >= minimum, counts


@pytest.mark.parametrize("code", COERCION)
def test_each_coercion_code_has_many_positives(rows, code):
    assert positives(rows, code) >= MIN_COERCION_POSITIVES


@pytest.mark.parametrize("code", RESPECT_AND_CLARITY)
def test_each_respect_or_clarity_code_has_many_positives(rows, code):
    assert positives(rows, code) >= MIN_RESPECT_POSITIVES


@pytest.mark.parametrize("code", CONCERNS)
def test_each_concern_has_hard_negatives(rows, code):
    assert hard_negatives(rows, code) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", STRENGTHS)
def test_each_strength_is_both_taught_and_contrasted(rows, code):
    assert positives(rows, code) >= MIN_STRENGTH_HARD_NEGATIVES
    assert hard_negatives(rows, code) >= MIN_STRENGTH_HARD_NEGATIVES


def test_pressure_is_taught_in_asks_and_in_renegotiations(rows):
    for code in COERCION:
        kinds = kinds_of(rows, code)
        assert kinds["ask"] >= 10 and kinds["renegotiate"] >= 5, (code, kinds)


def test_persistence_is_judged_both_with_and_without_a_prior_no(rows):
    with_no = [r for r in rows if "persistence" in r["codes"] and r["after_refusal"]]
    plain_reasks = [r for r in rows if "persistence" in r["forbidden"] and not r["after_refusal"]
                    and r["kind"] == "ask"]
    assert len(with_no) >= 40
    assert len(plain_reasks) >= 8


def test_boundaries_in_refusals_are_marked_as_not_pressure(rows):
    for code in ("ultimatum", "persistence", "demand"):
        assert refusals_forbidding(rows, code) >= 8, code


def test_refusals_never_carry_pressure_codes_reserved_for_asking(rows):
    # By the guide, a person saying no cannot be persisting or issuing an ultimatum; the
    # kind-bound test covers those, this one names the other trade-or-debt codes too.
    assert not refusals_expecting(rows, {"scorekeeping", "comparison"})


def test_texts_are_varied_not_templated(rows):
    # A template loop that swaps one word ("blindfold" -> "cuffs") teaches the classifier the
    # template, not the pressure: no two texts may differ by a single word, few may share a
    # long opening, and the vocabulary must stay wide.
    assert not one_word_variants(rows)
    common = [(opening, n) for opening, n in openings(rows, 8).items() if n > MAX_SHARED_OPENING]
    assert not common, common
    vocabulary = {word for row in rows for word in normalised(row["text"]).split()}
    assert len(vocabulary) >= MIN_VOCABULARY


def test_texts_look_like_real_people_typing(rows):
    texts = [row["text"] for row in rows]
    lower_start = sum(text[:1].islower() for text in texts)
    no_final_punctuation = sum(text[-1].isalnum() for text in texts)
    emoji = sum(has_emoji(text) for text in texts)
    assert lower_start >= len(texts) // 4
    assert no_final_punctuation >= len(texts) // 5
    assert emoji >= 20
