"""Integrity checks for the two held-out evaluation sets.

``data/coach/holdout.jsonl`` and ``data/safety/holdout.jsonl`` stand in for sentences real
clients will type: they were written without looking at the coach's or the safety screen's
rules, cue lists or dev data, in the loose way people type on a phone at night (lower case,
typos, slang, run-ons, other spellings and languages). They follow the labelling guide in
``tests/data/test_eval_sets.py`` and share the dev sets' schema, except that ids start with
``h-`` so a held-out item can never be mistaken for a dev item.

These tests guard format, label consistency and coverage only. They never run the coach or
the safety screen, and say nothing about how well either scores.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    ALLOWED_KINDS, CATEGORIES, COACH_DEV_PATH, COACH_DIR, CODES, COERCION, KINDS, SAFETY_DEV_PATH,
    SAFETY_DIR, check_coach_item, check_code_lists, check_rubric_contract, check_safety_item,
    check_safety_keys, copies, expected_and_forbidden, hard_negatives, is_safety_label, kinds_of,
    long_or_other_language, outside_allowed_kinds, positives, read_objects, refusals_expecting,
    refusals_forbidding, repeated_texts, silent_items, texts_in,
)

COACH_PATH = COACH_DIR / "holdout.jsonl"
SAFETY_PATH = SAFETY_DIR / "holdout.jsonl"

MIN_COACH_ITEMS = 260
MIN_POSITIVES_PER_CODE = 8
MIN_HARD_NEGATIVES_PER_CODE = 3
MIN_KIND_SHARE = 0.20

MIN_SAFETY_ITEMS = 170
MIN_DISCLOSURES = 70
MIN_PER_CATEGORY = {"abuse": 22, "self_harm": 16, "minor": 16, "danger": 16}
MIN_NEAR_MISSES = 100


@pytest.fixture(scope="module")
def coach_rows() -> list[dict]:
    return read_objects(COACH_PATH)


@pytest.fixture(scope="module")
def safety_rows() -> list[dict]:
    return read_objects(SAFETY_PATH)


# --- coach held-out set --------------------------------------------------------------------

def test_code_list_matches_the_public_rubric():
    check_rubric_contract()


def test_coach_rows_have_the_dev_set_shape(coach_rows):
    for row in coach_rows:
        check_coach_item(row, noted=True)


def test_coach_ids_are_unique_held_out_and_name_their_kind(coach_rows):
    ids = [row["id"] for row in coach_rows]
    assert len(ids) == len(set(ids))
    for row in coach_rows:
        match = re.fullmatch(r"h-(ask|refuse|renegotiate)-\d{3}", row["id"])
        assert match, row["id"]
        assert match.group(1) == row["kind"], row["id"]


def test_coach_codes_are_rubric_codes_without_repeats(coach_rows):
    for row in coach_rows:
        check_code_lists(row)


def test_a_code_is_never_both_expected_and_forbidden(coach_rows):
    assert not expected_and_forbidden(coach_rows)


def test_every_coach_item_says_something(coach_rows):
    assert not silent_items(coach_rows)


def test_coach_texts_are_not_duplicated(coach_rows):
    assert not repeated_texts(coach_rows)


def test_coach_set_is_large_enough_and_covers_every_kind(coach_rows):
    assert len(coach_rows) >= MIN_COACH_ITEMS
    counts = Counter(row["kind"] for row in coach_rows)
    for kind in KINDS:
        assert counts[kind] / len(coach_rows) >= MIN_KIND_SHARE, counts


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_code_has_enough_positives_and_hard_negatives(coach_rows, code):
    found, negatives = positives(coach_rows, code), hard_negatives(coach_rows, code)
    assert found >= MIN_POSITIVES_PER_CODE, (code, found)
    assert negatives >= MIN_HARD_NEGATIVES_PER_CODE, (code, negatives)


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(coach_rows, code):
    wrong = outside_allowed_kinds(coach_rows, code)
    assert not wrong, (code, wrong)


def test_after_refusal_is_exercised_both_ways(coach_rows):
    asks = Counter(row["after_refusal"] for row in coach_rows if row["kind"] == "ask")
    assert asks[True] >= 20 and asks[False] >= 60, asks
    with_no = [r for r in coach_rows if r["after_refusal"] and "persistence" in r["codes"]]
    assert len(with_no) >= 8
    # A re-ask with no refusal before it is labelled as *not* persistence at least once.
    assert any(not r["after_refusal"] and "persistence" in r["forbidden"] for r in coach_rows)


def test_boundaries_in_refusals_are_marked_as_not_pressure(coach_rows):
    assert refusals_forbidding(coach_rows, "ultimatum") >= 3
    assert refusals_forbidding(coach_rows, "persistence") >= 3
    # and no refusal is ever labelled with pressure aimed at getting a yes.
    pressured = refusals_expecting(coach_rows, {"ultimatum", "persistence"})
    assert not pressured


def test_every_coercion_code_appears_in_asks_and_renegotiations(coach_rows):
    for code in COERCION:
        kinds = set(kinds_of(coach_rows, code))
        assert {"ask", "renegotiate"} <= kinds, (code, kinds)


def test_coach_set_reads_like_real_typing(coach_rows):
    texts = [row["text"] for row in coach_rows]
    lower_case = [t for t in texts if t == t.lower()]
    short = [t for t in texts if len(t.split()) <= 4]
    long = [t for t in texts if len(t) >= 200]
    texting = [t for t in texts if re.search(r"\b(u|ur|rn|tbh|idk|ngl|lol|wanna|rly|smth|bc)\b", t.lower())]
    assert len(lower_case) >= len(texts) // 2
    assert len(short) >= 10 and len(long) >= 8 and len(texting) >= 60


def test_coach_holdout_does_not_leak_dev_items(coach_rows):
    if not COACH_DEV_PATH.is_file():
        pytest.skip("coach dev set not present")
    leaked = copies(coach_rows, texts_in([COACH_DEV_PATH]))
    assert not leaked


# --- safety held-out set -------------------------------------------------------------------

def test_safety_rows_have_the_documented_shape(safety_rows):
    for row in safety_rows:
        check_safety_keys(row, row.get("id"))
        check_safety_item(row, row["id"], id_pattern=r"h-s-\d{3}")
        assert is_safety_label(row["expected"]), row["id"]


def test_safety_ids_and_texts_are_unique(safety_rows):
    ids = [row["id"] for row in safety_rows]
    assert len(ids) == len(set(ids))
    assert not repeated_texts(safety_rows)


def test_safety_counts_by_category(safety_rows):
    counts = Counter(row["expected"] for row in safety_rows)
    assert len(safety_rows) >= MIN_SAFETY_ITEMS
    assert sum(counts[c] for c in CATEGORIES) >= MIN_DISCLOSURES
    for category, minimum in MIN_PER_CATEGORY.items():
        assert counts[category] >= minimum, (category, counts[category])
    assert counts[None] >= MIN_NEAR_MISSES


FOREIGN_MARKERS = {"hola", "quiero", "necesito", "tengo", "mi", "je", "mon", "ich", "bin", "mais"}


def _long_or_other_language(text: str) -> bool:
    return long_or_other_language(text, FOREIGN_MARKERS)


def test_every_category_hides_in_long_or_other_language_text(safety_rows):
    hidden = Counter(r["expected"] for r in safety_rows if r["expected"] and _long_or_other_language(r["text"]))
    for category in CATEGORIES:
        assert hidden[category] >= 2, hidden


def test_near_misses_cover_the_known_traps(safety_rows):
    near = [row["text"].casefold() for row in safety_rows if row["expected"] is None]
    traps = {
        "ages that are not the user's": r"\b1[0-7]\b|fifteen|sixteen|seventeen|year 1[01]|grade",
        "limits and signals": r"safeword|hard limit|\bred\b|yellow|signal|tap",
        "idioms with alarming words": r"\b(kill|killing|kills|killed|die|dying|died|dead|murder|suicide)\b",
        "rehearsal lines": r"\bi said no\b|\bno means no\b|\bstop\b",
        "locks, hiding and partners nearby": r"\block(ed)?\b|hiding|outside|next room",
        "negations": r"\bnobody\b|\bnever\b|\bnot (in danger|suicidal)\b",
    }
    minimums = {"ages that are not the user's": 12, "limits and signals": 8,
                "idioms with alarming words": 15, "rehearsal lines": 8,
                "locks, hiding and partners nearby": 4, "negations": 3}
    for name, pattern in traps.items():
        hits = [t for t in near if re.search(pattern, t)]
        assert len(hits) >= minimums[name], (name, len(hits))


def test_disclosures_vary_in_form(safety_rows):
    disclosures = [row["text"] for row in safety_rows if row["expected"]]
    assert len([t for t in disclosures if t == t.lower()]) >= 40
    minors = [row["text"].casefold() for row in safety_rows if row["expected"] == "minor"]
    assert any(re.search(r"\b(thirteen|fourteen|fifteen|sixteen|seventeen)\b", t) for t in minors)
    assert any(re.search(r"\b(year|grade|sophomore|high school|hs)\b", t) for t in minors)
    assert any(re.search(r"\b1[0-7]\b", t) for t in minors)
    abuse = [row["text"].casefold() for row in safety_rows if row["expected"] == "abuse"]
    partners = r"\b(he|she|they|bf|gf|boyfriend|girlfriend|husband|wife|partner|ex)\b"
    assert len({m for t in abuse for m in re.findall(partners, t)}) >= 8


def test_safety_holdout_does_not_leak_dev_items(safety_rows):
    if not SAFETY_DEV_PATH.is_file():
        pytest.skip("safety dev set not present")
    leaked = copies(safety_rows, texts_in([SAFETY_DEV_PATH]))
    assert not leaked
