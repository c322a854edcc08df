"""Checks every coach training corpus shares, run once per file in ``data/coach/train/``.

Each corpus teaches the coach's classifier (its second signal) and has its own module for what
it exists to teach (``test_train_<name>.py``: focus codes, contrasts, registers). What must
hold for *every* corpus lives here, so a new corpus is checked the moment it is added:
the documented shape, ids numbered in order under one prefix, rubric codes only, no code both
expected and forbidden, something taught by every row, unique texts, no text shared with the
dev set or another corpus, the guide's kind-bound codes, and no template loops.

One utterance per line::

    {"id": "<prefix>-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

They say nothing about how well the classifier learns from a corpus.
"""
from __future__ import annotations

import re

import pytest

from tests.data.labelled_sets import (
    ALLOWED_KINDS, TRAIN_DIR, check_coach_item, check_code_lists, check_rubric_contract,
    coach_texts_besides, copies, expected_and_forbidden, one_word_variants, openings,
    outside_allowed_kinds, read_objects, repeated_texts, silent_items, wordless_texts,
)

CORPORA = sorted(TRAIN_DIR.glob("*.jsonl"))
# More texts than this opening with the same eight words is the trace of a template.
MAX_SHARED_OPENING = 3
_ID = re.compile(r"^([a-z][a-z0-9]*)-(\d+)$")


@pytest.fixture(scope="module", params=CORPORA, ids=[path.stem for path in CORPORA])
def corpus(request) -> tuple:
    return request.param, read_objects(request.param)


def test_there_are_training_corpora():
    assert len(CORPORA) >= 4, CORPORA


def test_rubric_still_defines_exactly_these_codes():
    check_rubric_contract()


def test_rows_have_the_documented_shape(corpus):
    _, rows = corpus
    assert rows
    for row in rows:
        check_coach_item(row)
        check_code_lists(row)


def test_ids_share_one_prefix_and_are_numbered_in_order(corpus):
    _, rows = corpus
    parsed = [_ID.match(row["id"]) for row in rows]
    assert all(parsed), [row["id"] for row, m in zip(rows, parsed) if not m][:5]
    assert len({m.group(1) for m in parsed}) == 1
    assert [int(m.group(2)) for m in parsed] == list(range(1, len(rows) + 1))


def test_prefixes_differ_between_corpora():
    prefixes = [read_objects(path)[0]["id"].split("-")[0] for path in CORPORA]
    assert len(prefixes) == len(set(prefixes)), prefixes


def test_a_code_is_never_both_expected_and_forbidden(corpus):
    assert not expected_and_forbidden(corpus[1])


def test_every_row_teaches_something(corpus):
    assert not silent_items(corpus[1])


def test_texts_are_unique_and_have_words(corpus):
    _, rows = corpus
    assert not wordless_texts(rows)
    assert not repeated_texts(rows)


def test_no_text_is_copied_from_the_dev_set_or_another_corpus(corpus):
    path, rows = corpus
    assert not copies(rows, coach_texts_besides(path))


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(corpus, code):
    wrong = outside_allowed_kinds(corpus[1], code)
    assert not wrong, (code, wrong)


def test_texts_are_varied_not_templated(corpus):
    _, rows = corpus
    assert not one_word_variants(rows, min_words=4)
    common = [(opening, n) for opening, n in openings(rows, 8).items() if n > MAX_SHARED_OPENING]
    assert not common, common
