"""Integrity checks for the coach's second pressure corpus, ``data/coach/train/pressure2.jsonl``.

The first training corpus (``concerns.jsonl``) taught the classifier pressure said plainly. This
one covers the registers it still misses: pressure as one clause in the middle of a long
ramble, wrapped in affection, asked as a question ("don't you trust me?"), sulking and
self-pity, sarcasm, jokes with an edge, therapy speak, non-native English, voice-to-text
run-ons and one-word nudges ("come onnn"). It also holds hard negatives for known false alarms:
respectful re-asks before any no, a later talk offered with a clear out after a no, an
agreement named versus a date merely mentioned, check-ins versus revisits, alternatives
versus smaller versions of the refused thing, quoted or disowned pressure, and boundaries
inside refusals.

It follows the labelling guide in ``tests/data/test_eval_sets.py`` and shares no text with the
dev set or the other training files. One utterance per line::

    {"id": "tp-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

These tests guard the format and the coverage; they say nothing about how well the classifier
learns from it.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.data.labelled_sets import (
    COERCION, CONCERNS, TRAIN_DIR, has_emoji, kinds_of, looks_phone_typed, positives, read_objects,
    refusals_expecting, refusals_forbidding,
)

TRAIN_PATH = TRAIN_DIR / "pressure2.jsonl"

# The codes this corpus exists for, each with at least this many positives.
FOCUS = COERCION + ("shaming", "vague_request")
MIN_FOCUS_POSITIVES = 60
MIN_ITEMS = 800
# A hard negative: no concern in ``codes``, at least one code in ``forbidden``.
MIN_HARD_NEGATIVES = 200
MIN_HARD_NEGATIVES_PER_FOCUS_CODE = 10
MIN_PER_KIND = {"ask": 300, "refuse": 80, "renegotiate": 120}


def _is_hard_negative(row: dict) -> bool:
    return bool(row["forbidden"]) and not set(row["codes"]) & set(CONCERNS)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(TRAIN_PATH)


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    for kind, minimum in MIN_PER_KIND.items():
        assert counts[kind] >= minimum, counts


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_has_many_positives(rows, code):
    assert positives(rows, code) >= MIN_FOCUS_POSITIVES


def test_hard_negatives_are_plentiful(rows):
    assert sum(_is_hard_negative(row) for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_is_contrasted_by_clean_hard_negatives(rows, code):
    clean = [row for row in rows if _is_hard_negative(row) and code in row["forbidden"]]
    assert len(clean) >= MIN_HARD_NEGATIVES_PER_FOCUS_CODE, (code, len(clean))


def test_refusals_never_carry_trade_or_comparison_pressure(rows):
    assert not refusals_expecting(rows, {"scorekeeping", "comparison"})


def test_pressure_is_taught_in_asks_and_in_renegotiations(rows):
    for code in COERCION:
        kinds = kinds_of(rows, code)
        assert kinds["ask"] >= 15 and kinds["renegotiate"] >= 5, (code, kinds)


def test_shaming_is_taught_inside_refusals_too(rows):
    assert len(refusals_expecting(rows, {"shaming"})) >= 20


def test_known_false_alarms_each_have_their_contrast(rows):
    def count(predicate) -> int:
        return sum(1 for row in rows if predicate(row, set(row["codes"]), set(row["forbidden"])))

    # a respectful ask with no earlier no is not persistence
    assert count(lambda r, c, f: r["kind"] == "ask" and not r["after_refusal"]
                 and "persistence" in f and not c & set(CONCERNS)) >= 20
    # after a no, a later talk with an out is a revisit and an acceptance, not persistence
    assert count(lambda r, c, f: r["after_refusal"] and {"proposes_revisit", "accepts_answer"} <= c
                 and "persistence" in f) >= 12
    # ...while scheduling the refused activity itself is persistence, not a revisit
    assert count(lambda r, c, f: "persistence" in c and "proposes_revisit" in f) >= 12
    # a genuinely different activity after a no is an alternative; a smaller version is not
    assert count(lambda r, c, f: r["after_refusal"] and "offers_alternative" in c
                 and "persistence" in f) >= 10
    assert count(lambda r, c, f: "persistence" in c and "offers_alternative" in f) >= 10
    # naming the agreement versus merely mentioning a time
    assert count(lambda r, c, f: r["kind"] == "renegotiate" and "names_agreement" in f) >= 12
    # a check-in now versus a revisit later, both ways
    assert count(lambda r, c, f: "checks_in" in c and "proposes_revisit" in f) >= 8
    assert count(lambda r, c, f: "proposes_revisit" in c and "checks_in" in f) >= 8
    # boundaries inside refusals are not ultimatums, persistence or demands
    for code in ("ultimatum", "persistence", "demand"):
        assert refusals_forbidding(rows, code) >= 10, code


def test_registers_the_first_corpus_lacked_are_present(rows):
    texts = [row["text"] for row in rows]
    words = [len(text.split()) for text in texts]
    assert sum(n >= 35 for n in words) >= 25, "long rambling messages"
    assert sum(n <= 3 for n in words) >= 25, "very short messages"
    pressure = [row["text"] for row in rows if set(row["codes"]) & set(COERCION)]
    assert sum("?" in text for text in pressure) >= 80, "pressure asked as a question"


def test_at_least_half_look_like_phone_typing(rows):
    assert sum(looks_phone_typed(row["text"]) for row in rows) >= len(rows) // 2
    assert sum(has_emoji(row["text"]) for row in rows) >= 60
