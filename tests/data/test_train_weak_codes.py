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

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "coach" / "train"
TRAIN_PATH = TRAIN_DIR / "weak_codes.jsonl"
DEV_PATH = ROOT / "data" / "coach" / "dev.jsonl"
RUBRIC_PATH = ROOT.parent / "shared" / "rubric.md"

CONCERNS = (
    "guilt_trip", "ultimatum", "minimizing", "persistence", "comparison", "scorekeeping",
    "demand", "shaming", "vague_request", "heavy_hedging", "mixed_signal",
    "over_apologizing", "over_justifying",
)
STRENGTHS = (
    "i_statement", "specific", "invites_response", "offers_out", "checks_in", "pacing",
    "clear_no", "offers_alternative", "validates", "accepts_answer", "names_agreement",
    "proposes_revisit",
)
CODES = frozenset(CONCERNS + STRENGTHS)
KINDS = ("ask", "refuse", "renegotiate")

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
MAX_SHARED_OPENING = 3

ALLOWED_KINDS = {
    "names_agreement": {"renegotiate"},
    "clear_no": {"refuse", "renegotiate"},
    "mixed_signal": {"refuse", "renegotiate"},
    "over_justifying": {"refuse", "renegotiate"},
    "accepts_answer": {"ask", "renegotiate"},
    "persistence": {"ask", "renegotiate"},
    "ultimatum": {"ask", "renegotiate"},
}


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def _read(path: Path) -> list[dict]:
    assert path.is_file(), f"missing {path}"
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            assert line.strip(), f"{path.name}:{number}: blank line"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:  # pragma: no cover - the assertion reports it
                pytest.fail(f"{path.name}:{number}: invalid JSON: {error}")
            assert isinstance(row, dict), f"{path.name}:{number}: not an object"
            rows.append(row)
    return rows


def _is_hard_negative(row: dict) -> bool:
    return bool(set(row["forbidden"]) & set(FOCUS))


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _read(TRAIN_PATH)


def test_rubric_still_defines_exactly_these_codes():
    if not RUBRIC_PATH.is_file():
        pytest.skip("shared rubric.md not present in this checkout")
    rubric = RUBRIC_PATH.read_text(encoding="utf-8")
    found = set(re.findall(r"^\|\s*`([a-z_]+)`\s*\|", rubric, flags=re.M))
    found -= set(KINDS) | {"abuse", "self_harm", "minor", "danger"}
    assert found == CODES


def test_rows_have_the_documented_shape(rows):
    keys = {"id", "text", "kind", "after_refusal", "codes", "forbidden", "safety"}
    for row in rows:
        assert set(row) == keys, row.get("id")
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert row["text"] == row["text"].strip(), row["id"]
        assert row["kind"] in KINDS, row["id"]
        assert isinstance(row["after_refusal"], bool), row["id"]
        assert isinstance(row["codes"], list) and isinstance(row["forbidden"], list), row["id"]
        assert row["safety"] is None, row["id"]


def test_ids_are_unique_and_numbered_in_order(rows):
    ids = [row["id"] for row in rows]
    assert ids == [f"tw-{n:04d}" for n in range(1, len(rows) + 1)]


def test_codes_are_rubric_codes_without_repeats(rows):
    for row in rows:
        for field in ("codes", "forbidden"):
            assert set(row[field]) <= CODES, (row["id"], set(row[field]) - CODES)
            assert len(row[field]) == len(set(row[field])), (row["id"], field)


def test_a_code_is_never_both_expected_and_forbidden(rows):
    for row in rows:
        assert not set(row["codes"]) & set(row["forbidden"]), row["id"]


def test_every_item_teaches_something(rows):
    for row in rows:
        assert row["codes"] or row["forbidden"], row["id"]


def test_texts_are_unique(rows):
    seen: dict[str, str] = {}
    for row in rows:
        key = _normalised(row["text"])
        assert key, row["id"]
        assert key not in seen, f"{row['id']} repeats {seen[key]}"
        seen[key] = row["id"]


def test_no_text_is_copied_from_the_dev_set_or_other_training_files(rows):
    others = {}
    for path in [DEV_PATH, *sorted(TRAIN_DIR.glob("*.jsonl"))]:
        if path == TRAIN_PATH:
            continue
        for row in _read(path):
            others[_normalised(row["text"])] = f"{path.name}:{row.get('id')}"
    copied = [(row["id"], others[_normalised(row["text"])]) for row in rows
              if _normalised(row["text"]) in others]
    assert not copied


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    assert counts["ask"] >= 250 and counts["refuse"] >= 150 and counts["renegotiate"] >= 80, counts


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_has_many_positives(rows, code):
    assert sum(code in row["codes"] for row in rows) >= MIN_FOCUS_POSITIVES


def test_hard_negatives_are_plentiful(rows):
    assert sum(_is_hard_negative(row) for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_is_contrasted_by_hard_negatives(rows, code):
    negatives = [row for row in rows if code in row["forbidden"]]
    assert len(negatives) >= MIN_HARD_NEGATIVES_PER_FOCUS_CODE, (code, len(negatives))


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(rows, code):
    wrong = [r["id"] for r in rows if code in r["codes"] and r["kind"] not in ALLOWED_KINDS[code]]
    assert not wrong, (code, wrong)


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


def test_texts_are_varied_not_templated(rows):
    # A template loop that swaps one word teaches the template. Very short messages are exempt.
    variants: dict[tuple[str, ...], str] = {}
    for row in rows:
        words = _normalised(row["text"]).split()
        if len(words) < 4:
            continue
        for i in range(len(words)):
            key = tuple(words[:i] + ["*"] + words[i + 1:])
            assert key not in variants, f"{row['id']} is a one-word variant of {variants[key]}"
            variants[key] = row["id"]
    openings = Counter(" ".join(_normalised(row["text"]).split()[:8]) for row in rows)
    common = [(opening, n) for opening, n in openings.items() if n > MAX_SHARED_OPENING]
    assert not common, common


def test_registers_are_varied(rows):
    words = [len(row["text"].split()) for row in rows]
    assert sum(n >= 35 for n in words) >= 20, "long rambling messages"
    assert sum(n <= 3 for n in words) >= 15, "very short messages"


def test_at_least_half_look_like_phone_typing(rows):
    def phone_like(text: str) -> bool:
        return (text[:1].islower() or text[-1].isalnum()
                or any(ord(ch) > 0x2600 for ch in text))
    assert sum(phone_like(row["text"]) for row in rows) >= len(rows) // 2
    assert sum(any(ord(ch) > 0x2600 for ch in row["text"]) for row in rows) >= 40
