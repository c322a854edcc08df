"""Integrity checks for ``data/coach/train/reassure.jsonl``: leverage disowned.

Reassurance that names love, happiness, proof or debt in order to rule a guilty yes out ("I'd
never want you to say yes just to make me happy", "you don't owe me anything") shares its words
with guilt trips, scorekeeping and demands; the classifier learned those words as pressure. The
corpus holds such reassurance (labelled with the strengths it shows, every pressure code
forbidden) beside real guilt trips that use the same words, in all three kinds.
"""
from __future__ import annotations

from tests.data.labelled_sets import TRAIN_DIR, read_objects

ROWS = read_objects(TRAIN_DIR / "reassure.jsonl")
PRESSURE = {"guilt_trip", "demand", "scorekeeping", "minimizing"}


def test_reassurance_forbids_the_pressure_it_sounds_like():
    reassuring = [r for r in ROWS if not set(r["codes"]) & PRESSURE]
    assert len(reassuring) >= 45
    assert all(PRESSURE <= set(r["forbidden"]) for r in reassuring)


def test_real_guilt_trips_with_the_same_words_sit_beside_them():
    guilt = [r for r in ROWS if "guilt_trip" in r["codes"]]
    assert len(guilt) >= 6
    assert all("guilt_trip" not in r["forbidden"] for r in guilt)


def test_every_kind_and_both_sides_of_a_no():
    assert {r["kind"] for r in ROWS} == {"ask", "refuse", "renegotiate"}
    assert any(r["after_refusal"] for r in ROWS) and not all(r["after_refusal"] for r in ROWS)
