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

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "coach" / "train"
TRAIN_PATH = TRAIN_DIR / "pressure2.jsonl"
DEV_PATH = ROOT / "data" / "coach" / "dev.jsonl"
RUBRIC_PATH = ROOT.parent / "shared" / "rubric.md"

COERCION = ("guilt_trip", "ultimatum", "minimizing", "persistence", "comparison",
            "scorekeeping", "demand")
RESPECT_AND_CLARITY = ("shaming", "vague_request", "heavy_hedging", "mixed_signal",
                       "over_apologizing", "over_justifying")
STRENGTHS = (
    "i_statement", "specific", "invites_response", "offers_out", "checks_in", "pacing",
    "clear_no", "offers_alternative", "validates", "accepts_answer", "names_agreement",
    "proposes_revisit",
)
CONCERNS = COERCION + RESPECT_AND_CLARITY
CODES = frozenset(CONCERNS + STRENGTHS)
KINDS = ("ask", "refuse", "renegotiate")

# The codes this corpus exists for, each with at least this many positives.
FOCUS = COERCION + ("shaming", "vague_request")
MIN_FOCUS_POSITIVES = 60
MIN_ITEMS = 800
# A hard negative: no concern in ``codes``, at least one code in ``forbidden``.
MIN_HARD_NEGATIVES = 200
MIN_HARD_NEGATIVES_PER_FOCUS_CODE = 10
MIN_PER_KIND = {"ask": 300, "refuse": 80, "renegotiate": 120}
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
    return bool(row["forbidden"]) and not set(row["codes"]) & set(CONCERNS)


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
    assert ids == [f"tp-{n:04d}" for n in range(1, len(rows) + 1)]


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
    for kind, minimum in MIN_PER_KIND.items():
        assert counts[kind] >= minimum, counts


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_has_many_positives(rows, code):
    assert sum(code in row["codes"] for row in rows) >= MIN_FOCUS_POSITIVES


def test_hard_negatives_are_plentiful(rows):
    assert sum(_is_hard_negative(row) for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", FOCUS)
def test_each_focus_code_is_contrasted_by_clean_hard_negatives(rows, code):
    clean = [row for row in rows if _is_hard_negative(row) and code in row["forbidden"]]
    assert len(clean) >= MIN_HARD_NEGATIVES_PER_FOCUS_CODE, (code, len(clean))


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(rows, code):
    wrong = [r["id"] for r in rows if code in r["codes"] and r["kind"] not in ALLOWED_KINDS[code]]
    assert not wrong, (code, wrong)


def test_refusals_never_carry_trade_or_comparison_pressure(rows):
    for row in rows:
        if row["kind"] == "refuse":
            assert not {"scorekeeping", "comparison"} & set(row["codes"]), row["id"]


def test_pressure_is_taught_in_asks_and_in_renegotiations(rows):
    for code in COERCION:
        kinds = Counter(row["kind"] for row in rows if code in row["codes"])
        assert kinds["ask"] >= 15 and kinds["renegotiate"] >= 5, (code, kinds)


def test_shaming_is_taught_inside_refusals_too(rows):
    assert sum("shaming" in r["codes"] for r in rows if r["kind"] == "refuse") >= 20


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
        assert count(lambda r, c, f: r["kind"] == "refuse" and code in f) >= 10, code


def test_texts_are_varied_not_templated(rows):
    # A template loop that swaps one word teaches the template, not the pressure. One- to
    # three-word nudges ("pls", "now.", "so?") are exempt: they differ in every word they have.
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


def test_registers_the_first_corpus_lacked_are_present(rows):
    texts = [row["text"] for row in rows]
    words = [len(text.split()) for text in texts]
    assert sum(n >= 35 for n in words) >= 25, "long rambling messages"
    assert sum(n <= 3 for n in words) >= 25, "very short messages"
    pressure = [row["text"] for row in rows if set(row["codes"]) & set(COERCION)]
    assert sum("?" in text for text in pressure) >= 80, "pressure asked as a question"


def test_at_least_half_look_like_phone_typing(rows):
    def phone_like(text: str) -> bool:
        return (text[:1].islower() or text[-1].isalnum()
                or any(ord(ch) > 0x2600 for ch in text))
    assert sum(phone_like(row["text"]) for row in rows) >= len(rows) // 2
    assert sum(any(ord(ch) > 0x2600 for ch in row["text"]) for row in rows) >= 60
