"""Integrity checks for the coach's fourth weak-code corpus, ``data/coach/train/weak4.jsonl``.

Written for the codes that still generalised worst to sentences written by others: heavy
hedging that piles up soft qualifiers ("i feel like", "no idea if", "ignore me if that's weird")
rather than the same few maybes, mockery and condescension aimed at the partner (shaming),
sulks and self-pity used as leverage (guilt_trip), waving a worry away (minimizing), pressing
after a no (persistence), going slowly (pacing) and warm acknowledgement (validates). Three
strengths had the opposite problem, too many false findings, so the corpus holds their hard
negatives above all: a view asked about a proposal or "are you sure?" after a no is not
``checks_in``; a past chat mentioned in an ask or a refusal, or a limit stopped without naming
the agreement, is not ``names_agreement``; "maybe sometime we could try...", opening a
renegotiation now, "I'll bring it up again" and leaving any revisit to the partner are not
``proposes_revisit``.

Hard negatives contrast each focus code: a sincere feeling without leverage, self-directed
embarrassment, "it's not a big deal if you'd rather not", accepting a no, one hedge in a clear
message, "no need for a safeword", "thanks" tacked onto one's own no.

It follows the labelling guide in ``tests/data/test_eval_sets.py`` and the shared checks of
``tests/data/test_train_sets.py``. One utterance per line::

    {"id": "wq-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
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

TRAIN_PATH = TRAIN_DIR / "weak4.jsonl"

# The codes this corpus teaches, each with at least this many positives.
FOCUS = ("heavy_hedging", "shaming", "guilt_trip", "minimizing", "persistence", "pacing", "validates")
MIN_FOCUS_POSITIVES = 40
# The codes it mostly contrasts (they were found too often).
PRECISION_FOCUS = ("checks_in", "names_agreement", "proposes_revisit")
MIN_ITEMS = 450
MIN_HARD_NEGATIVES = 200
MIN_HARD_NEGATIVES_PER_FOCUS_CODE = 15
MIN_HARD_NEGATIVES_PER_PRECISION_CODE = 10


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_objects(TRAIN_PATH)


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    assert counts["ask"] >= 250 and counts["refuse"] >= 80 and counts["renegotiate"] >= 60, counts
    assert sum(row["after_refusal"] for row in rows) >= 100


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_has_many_positives(rows, code):
    assert positives(rows, code) >= MIN_FOCUS_POSITIVES


def test_hard_negatives_are_plentiful(rows):
    focus = set(FOCUS) | set(PRECISION_FOCUS)
    assert sum(bool(set(row["forbidden"]) & focus) for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_is_contrasted_by_hard_negatives(rows, code):
    assert hard_negatives(rows, code) >= MIN_HARD_NEGATIVES_PER_FOCUS_CODE, code


@pytest.mark.parametrize("code", PRECISION_FOCUS)
def test_over_found_strengths_have_hard_negatives(rows, code):
    assert hard_negatives(rows, code) >= MIN_HARD_NEGATIVES_PER_PRECISION_CODE, code


def test_known_confusions_each_have_their_contrast(rows):
    def count(predicate) -> int:
        return sum(1 for row in rows if predicate(row, set(row["codes"]), set(row["forbidden"])))

    # a feeling named without leverage is not guilt
    assert count(lambda r, c, f: "guilt_trip" in f and not c & set(CONCERNS)) >= 25
    # a sulk after a no is guilt, not pressing again
    assert count(lambda r, c, f: r["after_refusal"] and "guilt_trip" in c and "persistence" not in c) >= 20
    # self-directed embarrassment and a kind no are not shaming
    assert count(lambda r, c, f: "shaming" in f and not c & set(CONCERNS)) >= 25
    # shaming in every kind, not only in refusals
    for kind, least in (("refuse", 25), ("ask", 10), ("renegotiate", 4)):
        assert sum("shaming" in r["codes"] for r in rows if r["kind"] == kind) >= least, kind
    # one or two hedges in a clear message are not heavy hedging
    assert count(lambda r, c, f: "heavy_hedging" in f) >= 15
    # heavy hedging in refusals and renegotiations too
    assert sum("heavy_hedging" in r["codes"] for r in rows if r["kind"] != "ask") >= 15
    # "thanks" on one's own no and "I hear you, but..." before pressure are not validation
    assert count(lambda r, c, f: "validates" in f and c & {"persistence", "clear_no"}) >= 15
    # a graceful answer after a no is not persistence
    assert count(lambda r, c, f: r["after_refusal"] and "persistence" in f) >= 15
    # a view asked about a proposal is an invitation, not a check-in
    assert count(lambda r, c, f: "checks_in" in f and "invites_response" in c) >= 5
    # names_agreement only in renegotiations
    assert count(lambda r, c, f: "names_agreement" in f and r["kind"] != "renegotiate") >= 5
    # "I'll ask again" is persistence, not a revisit
    assert count(lambda r, c, f: "proposes_revisit" in f and "persistence" in c) >= 5


def test_registers_are_varied(rows):
    words = [len(row["text"].split()) for row in rows]
    assert sum(n >= 35 for n in words) >= 8, "long rambling messages"
    assert sum(n <= 3 for n in words) >= 10, "very short messages"


def test_most_look_like_phone_typing(rows):
    assert sum(looks_phone_typed(row["text"]) for row in rows) >= len(rows) // 2
    assert sum(has_emoji(row["text"]) for row in rows) >= 10
