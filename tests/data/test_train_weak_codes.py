"""Integrity checks for the coach's third training corpus, ``data/coach/train/weak_codes.jsonl``.

The first two corpora (``concerns.jsonl``, ``pressure2.jsonl``, plus ``strengths.jsonl``) left
some codes with the weakest recall. This one is written for exactly those: indirect shaming
(jabs, mockery, disgust, an eye-roll emoji) in asks and refusals, hesitant asks that never name
the thing (vague_request), resigned sulks and love used as leverage (guilt_trip), the many ways
people make a no safe (offers_out), open questions (invites_response), obligations and orders
(demand), waving a concern away (minimizing), something else or another time that the speaker
does want (offers_alternative), and, in refusals, yes-and-no at once (mixed_signal) and a no
buried under excuses (over_justifying). Hard negatives contrast each one: a real open question
versus a rhetorical one, a sarcastic "no pressure", a vaguely versus specifically named ask, a
short honest reason versus a pile of excuses, a different activity versus the refused one made
smaller.

It follows the labelling guide in ``tests/data/test_eval_sets.py`` (``codes`` lists every code
that applies, strengths included; ``forbidden`` lists tempting but wrong codes) and shares no
text with the dev set or the other training files. One utterance per line::

    {"id": "tw-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

These tests guard the format and the coverage; they say nothing about how well the classifier
learns from it.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.data.labelled_sets import (
    CONCERNS, TRAIN_DIR, hard_negatives, has_emoji, looks_phone_typed, positives, read_objects,
)

TRAIN_PATH = TRAIN_DIR / "weak_codes.jsonl"

# The codes this corpus exists for, each with at least this many positives.
FOCUS = (
    "shaming", "vague_request", "guilt_trip", "offers_out", "invites_response", "demand",
    "minimizing", "offers_alternative", "mixed_signal", "over_justifying",
)
MIN_FOCUS_POSITIVES = 70
MIN_ITEMS = 700
# A hard negative holds a focus code in ``forbidden``.
MIN_HARD_NEGATIVES = 150
MIN_HARD_NEGATIVES_PER_FOCUS_CODE = 8


def _is_hard_negative(row: dict) -> bool:
    return bool(set(row["forbidden"]) & set(FOCUS))


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(TRAIN_PATH)


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    assert counts["ask"] >= 250 and counts["refuse"] >= 150 and counts["renegotiate"] >= 80, counts


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_has_many_positives(rows, code):
    assert positives(rows, code) >= MIN_FOCUS_POSITIVES


def test_hard_negatives_are_plentiful(rows):
    assert sum(_is_hard_negative(row) for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_is_contrasted_by_hard_negatives(rows, code):
    negatives = hard_negatives(rows, code)
    assert negatives >= MIN_HARD_NEGATIVES_PER_FOCUS_CODE, (code, negatives)


def test_weak_codes_are_taught_where_they_live(rows):
    def count(code: str, kind: str) -> int:
        return sum(code in row["codes"] for row in rows if row["kind"] == kind)

    # shaming is missed in refusals and in asks alike
    assert count("shaming", "refuse") >= 20 and count("shaming", "ask") >= 20
    # mixed signals and excuse piles are refusal codes first of all
    assert count("mixed_signal", "refuse") >= 40 and count("over_justifying", "refuse") >= 40
    # offers_alternative after a no in refusals and after a partner's no in asks
    assert count("offers_alternative", "refuse") >= 25
    assert sum("offers_alternative" in r["codes"] for r in rows
               if r["kind"] == "ask" and r["after_refusal"]) >= 10


def test_known_confusions_each_have_their_contrast(rows):
    def count(predicate) -> int:
        return sum(1 for row in rows if predicate(set(row["codes"]), set(row["forbidden"])))

    # a rhetorical or leading question is not an invitation
    assert count(lambda c, f: "invites_response" in f and c & {"guilt_trip", "shaming",
                                                               "persistence", "minimizing"}) >= 10
    # an undermined or sarcastic "no pressure" is not an out
    assert count(lambda c, f: "offers_out" in f and c & {"guilt_trip", "shaming", "demand",
                                                          "ultimatum"}) >= 10
    # a named activity is not vague, and a vague ask is not specific
    assert count(lambda c, f: "specific" in c and "vague_request" in f) >= 15
    assert count(lambda c, f: "vague_request" in c and "specific" in f) >= 20
    # one honest reason is not an excuse pile
    assert count(lambda c, f: "clear_no" in c and "over_justifying" in f) >= 15
    # the refused activity made smaller is persistence, not an alternative
    assert count(lambda c, f: "persistence" in c and "offers_alternative" in f) >= 8
    # a clear not-now is not a mixed signal
    assert count(lambda c, f: "clear_no" in c and "mixed_signal" in f) >= 15
    # naming a feeling without leverage is not guilt
    assert count(lambda c, f: "guilt_trip" in f and not c & set(CONCERNS)) >= 10
    # a firm own limit is not a demand
    assert count(lambda c, f: "demand" in f and not c & set(CONCERNS)) >= 8


def test_registers_are_varied(rows):
    words = [len(row["text"].split()) for row in rows]
    assert sum(n >= 35 for n in words) >= 20, "long rambling messages"
    assert sum(n <= 3 for n in words) >= 15, "very short messages"


def test_at_least_half_look_like_phone_typing(rows):
    assert sum(looks_phone_typed(row["text"]) for row in rows) >= len(rows) // 2
    assert sum(has_emoji(row["text"]) for row in rows) >= 40
