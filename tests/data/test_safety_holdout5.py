"""Integrity checks for ``data/safety/holdout5.jsonl``, the fifth held-out safety set.

It was written by hand, independently of the safety screen's patterns and of the other safety
sets, and labelled by the guide in ``tests/data/test_eval_sets.py``. These tests guard the
format, the coverage and the independence the evaluation relies on; they say nothing about how
well the screen scores on it (the screen is deliberately not run here).
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    SAFETY_DIR,
    check_safety_item,
    check_safety_keys,
    copies,
    data_files,
    has_emoji,
    is_safety_label,
    looks_phone_typed,
    normalised,
    one_word_variants,
    openings,
    raw_corpus,
    read_objects,
    repeated_texts,
    texts_in,
    wordless_texts,
)

PATH = SAFETY_DIR / 'holdout5.jsonl'
ID_PATTERN = r's5-\d{3}'
MINIMUM_TOTAL = 160
MINIMUM_NEAR_MISSES = 90
MINIMUM_DISCLOSURES = 70
MINIMUM_PER_CATEGORY = {'abuse': 20, 'self_harm': 17, 'minor': 16, 'danger': 16}

# Words that make a harmless sentence look alarming. A near miss is only a useful hard negative
# if it carries one of these traps (or an age-like number).
TRAP_WORDS = re.compile(
    r"\b(kill\w*|die|dying|dead|death|murder|shoot|hurt\w*|pain\w*|force\w*|threat\w*|hit\w*|"
    r"bruise\w*|blood|bleed\w*|chok\w*|tied|rope|gag|safeword\w*|red|stop\w*|no|ignor\w*|"
    r"pressur\w*|drug\w*|locked|held|suicid\w*|self-harm|cry|crush\w*|vanish|muero|"
    r"danger|violent|angry|yell\w*|knife|spank\w*|sadist|collar|leash|rough\w*|freeze|"
    r"\d+|sixteen|seventeen|eighteen|nineteen|teen\w*|kid|grade|year|high school)\b",
    re.I,
)
AGE_LIKE = re.compile(
    r"\b(1[0-9]|sixteen|seventeen|eighteen|nineteen|fourteen|fifteen|"
    r"year \d+|\w+th grade|high school)\b",
    re.I,
)
# Function words of the other languages the set uses on purpose.
OTHER_LANGUAGE_MARKERS = {'que', 'y', 'para', 'je', 'et', 'il', 'ich', 'und', 'nicht', 'mein'}


@pytest.fixture(scope='module')
def rows() -> list[dict]:
    return read_objects(PATH)


def by_label(rows: list[dict]) -> Counter:
    return Counter(row['expected'] for row in rows)


def test_every_item_has_the_documented_schema(rows):
    for row in rows:
        where = str(row.get('id', row))
        check_safety_keys(row, where)
        check_safety_item(row, where, id_pattern=ID_PATTERN, min_note=8)
        assert is_safety_label(row['expected']), where


def test_ids_are_unique_and_numbered_in_order(rows):
    ids = [row['id'] for row in rows]
    assert len(ids) == len(set(ids))
    assert ids == [f's5-{n:03d}' for n in range(1, len(ids) + 1)]


def test_texts_are_unique_and_wordful(rows):
    assert repeated_texts(rows) == []
    assert wordless_texts(rows) == []


def test_no_template_loop_left_one_word_variants(rows):
    assert one_word_variants(rows, min_words=4) == []


def test_no_opening_dominates(rows):
    commonest = openings(rows, 2).most_common(1)
    assert commonest and commonest[0][1] <= 8, commonest


def test_size_and_per_category_minimums(rows):
    counts = by_label(rows)
    assert len(rows) >= MINIMUM_TOTAL
    assert counts[None] >= MINIMUM_NEAR_MISSES, counts
    assert sum(counts[c] for c in MINIMUM_PER_CATEGORY) >= MINIMUM_DISCLOSURES, counts
    for category, minimum in MINIMUM_PER_CATEGORY.items():
        assert counts[category] >= minimum, (category, counts[category])


def test_near_misses_are_hard_negatives(rows):
    near = [row for row in rows if row['expected'] is None]
    trapped = [row for row in near if TRAP_WORDS.search(row['text'])]
    assert len(trapped) >= 0.8 * len(near), [r['id'] for r in near if r not in trapped]
    # Ages of others, adults' past ages, durations and exactly 18 must be well represented.
    assert sum(bool(AGE_LIKE.search(row['text'])) for row in near) >= 12


def test_minor_items_state_an_age_or_school_year(rows):
    for row in rows:
        if row['expected'] == 'minor':
            text = row['text'].lower()
            assert re.search(
                r"\d|teen|year|grade|school|sophomore|dieciséis|sechzehn|dix-sept|minor|adult", text
            ), row['id']


def test_register_varies(rows):
    phone = sum(looks_phone_typed(row['text']) for row in rows)
    assert phone >= 0.25 * len(rows)
    assert any(has_emoji(row['text']) for row in rows)
    assert sum(row['text'].endswith('?') for row in rows) >= 8
    other = [row for row in rows if OTHER_LANGUAGE_MARKERS & set(normalised(row['text']).split())]
    assert len(other) >= 8
    assert {row['expected'] for row in other} >= {None, 'abuse', 'self_harm', 'minor', 'danger'}


def test_no_text_copied_from_another_safety_set(rows):
    others = data_files([SAFETY_DIR], ['.jsonl'], besides=PATH)
    assert copies(rows, texts_in(others, tolerant=True)) == []


def test_screen_data_does_not_contain_these_sentences(rows):
    """The held-out sentences must not have leaked into what the screen reads."""
    screen_files = data_files(
        [SAFETY_DIR], ['.yml', '.yaml', '.json', '.txt'], besides=PATH, skip_evaluation_sets=True
    )
    corpus = raw_corpus(screen_files)
    leaked = [
        row['id'] for row in rows
        if len(normalised(row['text']).split()) >= 6 and normalised(row['text']) in corpus
    ]
    assert leaked == []
