"""Integrity checks for the coach's training corpus of concern examples.

``data/coach/train/concerns.jsonl`` teaches the coach's trained text classifier (its second
signal beside the rules) to recognise pressure and unclear wording however it is phrased:
blunt, sulky, joking, "nice", indirect, misspelt. It follows the labelling guide in
``tests/data/test_eval_sets.py`` so its labels agree with the evaluation sets, and it shares
no text with ``data/coach/dev.jsonl``, so training on it never leaks the dev set.

One utterance per line::

    {"id": "tc-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

``codes`` lists every rubric code that applies (strengths too); ``forbidden`` lists hard
negatives: codes a careless classifier would give but which are wrong here. These tests guard
the format and the coverage a classifier needs; they say nothing about how well it learns.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAIN_PATH = ROOT / "data" / "coach" / "train" / "concerns.jsonl"
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

MIN_ITEMS = 900
MIN_COERCION_POSITIVES = 70
MIN_RESPECT_POSITIVES = 50
MIN_HARD_NEGATIVES = 25          # for every concern code
MIN_STRENGTH_HARD_NEGATIVES = 8  # strengths are not this corpus's focus, but must be contrasted
MIN_PER_KIND = {"ask": 350, "refuse": 130, "renegotiate": 150}
MAX_SHARED_OPENING = 3           # texts sharing their first eight words
MIN_VOCABULARY = 1400

# Codes that, by the labelling guide, only make sense in some rehearsal kinds.
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
    assert len(ids) == len(set(ids))
    assert ids == [f"tc-{n:04d}" for n in range(1, len(rows) + 1)]


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


def test_no_text_is_copied_from_the_dev_set(rows):
    dev = {_normalised(row["text"]): row["id"] for row in _read(DEV_PATH)}
    copied = [(row["id"], dev[_normalised(row["text"])]) for row in rows
              if _normalised(row["text"]) in dev]
    assert not copied


def test_corpus_is_large_and_covers_every_kind(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    for kind, minimum in MIN_PER_KIND.items():
        assert counts[kind] >= minimum, counts


@pytest.mark.parametrize("code", COERCION)
def test_each_coercion_code_has_many_positives(rows, code):
    assert sum(code in row["codes"] for row in rows) >= MIN_COERCION_POSITIVES


@pytest.mark.parametrize("code", RESPECT_AND_CLARITY)
def test_each_respect_or_clarity_code_has_many_positives(rows, code):
    assert sum(code in row["codes"] for row in rows) >= MIN_RESPECT_POSITIVES


@pytest.mark.parametrize("code", CONCERNS)
def test_each_concern_has_hard_negatives(rows, code):
    assert sum(code in row["forbidden"] for row in rows) >= MIN_HARD_NEGATIVES


@pytest.mark.parametrize("code", STRENGTHS)
def test_each_strength_is_both_taught_and_contrasted(rows, code):
    assert sum(code in row["codes"] for row in rows) >= MIN_STRENGTH_HARD_NEGATIVES
    assert sum(code in row["forbidden"] for row in rows) >= MIN_STRENGTH_HARD_NEGATIVES


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(rows, code):
    wrong = [r["id"] for r in rows if code in r["codes"] and r["kind"] not in ALLOWED_KINDS[code]]
    assert not wrong, (code, wrong)


def test_pressure_is_taught_in_asks_and_in_renegotiations(rows):
    for code in COERCION:
        kinds = Counter(row["kind"] for row in rows if code in row["codes"])
        assert kinds["ask"] >= 10 and kinds["renegotiate"] >= 5, (code, kinds)


def test_persistence_is_judged_both_with_and_without_a_prior_no(rows):
    with_no = [r for r in rows if "persistence" in r["codes"] and r["after_refusal"]]
    plain_reasks = [r for r in rows if "persistence" in r["forbidden"] and not r["after_refusal"]
                    and r["kind"] == "ask"]
    assert len(with_no) >= 40
    assert len(plain_reasks) >= 8


def test_boundaries_in_refusals_are_marked_as_not_pressure(rows):
    refusals = [row for row in rows if row["kind"] == "refuse"]
    for code in ("ultimatum", "persistence", "demand"):
        assert sum(code in row["forbidden"] for row in refusals) >= 8, code


def test_refusals_never_carry_pressure_codes_reserved_for_asking(rows):
    # By the guide, a person saying no cannot be persisting or issuing an ultimatum; the
    # kind-bound test covers those, this one names the other trade-or-debt codes too.
    for row in rows:
        if row["kind"] == "refuse":
            assert not {"scorekeeping", "comparison"} & set(row["codes"]), row["id"]


def test_texts_are_varied_not_templated(rows):
    # A template loop that swaps one word ("blindfold" -> "cuffs") teaches the classifier the
    # template, not the pressure: no two texts may differ by a single word, few may share a
    # long opening, and the vocabulary must stay wide.
    variants: dict[tuple[str, ...], str] = {}
    for row in rows:
        words = _normalised(row["text"]).split()
        for i in range(len(words)):
            key = tuple(words[:i] + ["*"] + words[i + 1:])
            assert key not in variants, f"{row['id']} is a one-word variant of {variants[key]}"
            variants[key] = row["id"]
    openings = Counter(" ".join(_normalised(row["text"]).split()[:8]) for row in rows)
    common = [(opening, n) for opening, n in openings.items() if n > MAX_SHARED_OPENING]
    assert not common, common
    vocabulary = {word for row in rows for word in _normalised(row["text"]).split()}
    assert len(vocabulary) >= MIN_VOCABULARY


def test_texts_look_like_real_people_typing(rows):
    texts = [row["text"] for row in rows]
    lower_start = sum(text[:1].islower() for text in texts)
    no_final_punctuation = sum(text[-1].isalnum() for text in texts)
    emoji = sum(any(ord(ch) > 0x2600 for ch in text) for text in texts)
    assert lower_start >= len(texts) // 4
    assert no_final_punctuation >= len(texts) // 5
    assert emoji >= 20
