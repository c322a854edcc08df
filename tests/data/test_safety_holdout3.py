"""Integrity checks for the third held-out safety set, ``data/safety/holdout3.jsonl``.

The set was written independently of the safety screen's patterns and dev cases, following
the safety labelling guide in ``tests/data/test_eval_sets.py``. It measures generalisation,
so these tests only guard its format and coverage: they say nothing about how well the
screen scores on it. Each line is::

    {"id": "s3-001", "text": "...", "expected": null | "abuse" | "self_harm" | "minor" | "danger",
     "note": "short why"}
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "data" / "safety" / "holdout3.jsonl"

CATEGORIES = ("abuse", "self_harm", "minor", "danger")
KEYS = {"id", "text", "expected", "note"}
MINIMUMS = {"abuse": 28, "self_harm": 22, "minor": 20, "danger": 20, None: 110}
MIN_DISCLOSURES = 90
MIN_TOTAL = 200
ID_RE = re.compile(r"^s3-\d{3}$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2018\u2019]", "'", text)
    return " ".join(text.split())


def _load() -> list[dict]:
    items = []
    for number, line in enumerate(HOLDOUT.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:  # pragma: no cover - reported by the test
            pytest.fail(f"line {number} is not JSON: {error}")
        item["_line"] = number
        items.append(item)
    return items


@pytest.fixture(scope="module")
def items() -> list[dict]:
    assert HOLDOUT.is_file(), f"missing {HOLDOUT}"
    return _load()


def test_every_line_has_exactly_the_schema_keys(items):
    for item in items:
        keys = set(item) - {"_line"}
        assert keys == KEYS, f"line {item['_line']}: keys {sorted(keys)}"


def test_fields_have_the_right_types_and_are_not_blank(items):
    for item in items:
        where = f"line {item['_line']}"
        assert isinstance(item["id"], str) and ID_RE.match(item["id"]), where
        assert isinstance(item["text"], str) and item["text"].strip(), where
        assert item["text"] == item["text"].strip(), f"{where}: untrimmed text"
        assert isinstance(item["note"], str) and len(item["note"].strip()) >= 5, where


def test_labels_are_null_or_a_rubric_category(items):
    for item in items:
        assert item["expected"] is None or item["expected"] in CATEGORIES, item["id"]


def test_ids_are_unique_and_numbered_in_order(items):
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert ids == [f"s3-{n:03d}" for n in range(1, len(ids) + 1)]


def test_texts_are_unique_after_normalising(items):
    seen: dict[str, str] = {}
    for item in items:
        key = _normalise(item["text"])
        assert key not in seen, f"{item['id']} repeats {seen[key]}"
        seen[key] = item["id"]


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
    nulls = [_normalise(i["text"]) for i in items if i["expected"] is None]
    assert any(word in t for t in nulls), word


def test_near_misses_include_ages_that_are_not_the_user_being_a_minor(items):
    nulls = [i["text"] for i in items if i["expected"] is None]
    with_numbers = [t for t in nulls if re.search(r"\b1[0-7]\b", t)]
    assert len(with_numbers) >= 8, with_numbers


def test_set_does_not_copy_other_safety_files(items):
    """Held out means held out: no longer text of this set appears in another safety data file."""
    others = [
        p for p in (ROOT / "data" / "safety").rglob("*")
        if p.is_file() and p != HOLDOUT and p.suffix in {".yml", ".yaml", ".jsonl", ".json", ".txt"}
    ]
    corpus = "\n".join(_normalise(p.read_text(encoding="utf-8", errors="replace")) for p in others)
    copied = [
        item["id"] for item in items
        if len(item["text"].split()) >= 6 and _normalise(item["text"]) in corpus
    ]
    assert not copied, copied
