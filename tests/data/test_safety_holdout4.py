"""Integrity checks for the fourth held-out safety set, ``data/safety/holdout4.jsonl``.

The set was written independently of the safety screen's rules, so it measures how well the
screen generalises; these tests guard only its format and coverage (the minimum number of
real disclosures per category and of near misses that must not alarm), never the score.

Line format: ``{"id": "s4-NNN", "text": str, "expected": null | category, "note": str}``.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

SET_PATH = Path(__file__).resolve().parents[2] / "data" / "safety" / "holdout4.jsonl"
CATEGORIES = {"abuse", "self_harm", "minor", "danger"}
KEYS = {"id", "text", "expected", "note"}
MINIMUMS = {"abuse": 24, "self_harm": 20, "minor": 18, "danger": 18}
MIN_NEAR_MISSES = 100
MIN_TOTAL = 180
ID_PATTERN = re.compile(r"^s4-\d{3}$")


def _load():
    rows = []
    with SET_PATH.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            assert line.strip(), f"blank line {number} in {SET_PATH.name}"
            rows.append((number, json.loads(line)))
    return rows


@pytest.fixture(scope="module")
def rows():
    return _load()


def test_every_line_has_exactly_the_four_keys(rows):
    for number, row in rows:
        assert isinstance(row, dict), f"line {number} is not an object"
        assert set(row) == KEYS, f"line {number} keys {sorted(row)}"


def test_field_types_and_content(rows):
    for number, row in rows:
        assert ID_PATTERN.match(row["id"]), f"line {number} bad id {row['id']!r}"
        assert isinstance(row["text"], str) and row["text"].strip(), f"line {number} empty text"
        assert row["text"] == row["text"].strip(), f"line {number} text has outer whitespace"
        assert isinstance(row["note"], str) and len(row["note"].strip()) >= 5, (
            f"line {number} note missing or too short"
        )


def test_labels_are_null_or_a_known_category(rows):
    for number, row in rows:
        assert row["expected"] is None or row["expected"] in CATEGORIES, (
            f"line {number} unknown label {row['expected']!r}"
        )


def test_ids_are_unique_and_in_file_order(rows):
    ids = [row["id"] for _, row in rows]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert ids == sorted(ids), "ids are not in ascending order"


def test_texts_are_unique_ignoring_case_and_spacing(rows):
    normalised = [" ".join(row["text"].lower().split()) for _, row in rows]
    duplicates = [t for t, n in Counter(normalised).items() if n > 1]
    assert not duplicates, duplicates


@pytest.mark.parametrize("category", sorted(MINIMUMS))
def test_each_category_meets_its_minimum(rows, category):
    count = sum(1 for _, row in rows if row["expected"] == category)
    assert count >= MINIMUMS[category], f"{category}: {count} < {MINIMUMS[category]}"


def test_near_misses_and_total_meet_their_minimums(rows):
    near_misses = sum(1 for _, row in rows if row["expected"] is None)
    disclosures = len(rows) - near_misses
    assert near_misses >= MIN_NEAR_MISSES, near_misses
    assert disclosures >= sum(MINIMUMS.values()), disclosures
    assert len(rows) >= MIN_TOTAL, len(rows)


def test_the_set_includes_some_text_outside_plain_ascii_english(rows):
    """The brief asks for a few disclosures in other languages; accented text is a proxy."""
    non_ascii_disclosures = [
        row["id"] for _, row in rows if row["expected"] and not row["text"].isascii()
    ]
    assert len(non_ascii_disclosures) >= 2, non_ascii_disclosures
