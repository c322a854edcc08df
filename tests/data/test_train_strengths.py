"""Integrity checks for the coach's training corpus of strengths and whole messages.

``data/coach/train/strengths.jsonl`` teaches the coach's trained classifier (its second signal
beside the rules) what the twelve strength codes look like in real wording, and what they do
*not* look like (hard negatives in ``forbidden``). It is labelled by the guide in the module
docstring of ``tests/data/test_eval_sets.py``. One utterance per line::

    {"id": "ts-0001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null}

These tests guard the format, the coverage the training relies on, and the separation from
the dev set (no dev sentence may be trained on). They say nothing about how well a model
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
TRAIN_PATH = ROOT / "data" / "coach" / "train" / "strengths.jsonl"
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
KEYS = {"id", "text", "kind", "after_refusal", "codes", "forbidden", "safety"}

MIN_ITEMS = 900
MIN_POSITIVES_PER_STRENGTH = 60
MIN_HARD_NEGATIVES_PER_STRENGTH = 25
KIND_SHARE = {"ask": 0.40, "refuse": 0.30, "renegotiate": 0.30}
KIND_SHARE_TOLERANCE = 0.06
MIN_EACH_WAY = 10
MAX_DEV_OVERLAP = 0.7  # word-set Jaccard similarity to any dev text  # after_refusal true and false, for the codes that depend on it

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


def _read_jsonl(path: Path) -> list[dict]:
    assert path.is_file(), f"missing {path}"
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            assert line.strip(), f"{path.name}:{number}: blank line"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:  # pragma: no cover - the failure reports it
                pytest.fail(f"{path.name}:{number}: invalid JSON: {error}")
            assert isinstance(row, dict), f"{path.name}:{number}: not an object"
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _read_jsonl(TRAIN_PATH)


def test_rubric_codes_match_the_public_contract():
    if not RUBRIC_PATH.is_file():
        pytest.skip("shared rubric.md not present in this checkout")
    rubric = RUBRIC_PATH.read_text(encoding="utf-8")
    rubric_codes = set(re.findall(r"^\|\s*`([a-z_]+)`\s*\|", rubric, flags=re.M))
    rubric_codes -= set(KINDS) | {"abuse", "self_harm", "minor", "danger"}
    assert rubric_codes == CODES


def test_rows_have_the_documented_shape(rows):
    for row in rows:
        assert set(row) == KEYS, (row.get("id"), set(row) ^ KEYS)
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert row["text"] == row["text"].strip(), row["id"]
        assert row["kind"] in KINDS, row["id"]
        assert isinstance(row["after_refusal"], bool), row["id"]
        assert isinstance(row["codes"], list) and isinstance(row["forbidden"], list), row["id"]
        assert row["safety"] is None, row["id"]


def test_ids_are_unique_and_numbered(rows):
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row_id in ids:
        assert re.fullmatch(r"ts-\d{4}", row_id), row_id


def test_texts_are_unique(rows):
    seen: dict[str, str] = {}
    for row in rows:
        key = _normalised(row["text"])
        assert key, row["id"]
        assert key not in seen, f"{row['id']} repeats {seen[key]}"
        seen[key] = row["id"]


def test_no_text_is_taken_from_the_dev_set(rows):
    dev = {_normalised(row["text"]) for row in _read_jsonl(DEV_PATH)}
    copied = [row["id"] for row in rows if _normalised(row["text"]) in dev]
    assert not copied, copied


def test_no_text_is_a_light_rewording_of_a_dev_sentence(rows):
    # Swapping a word or two of a dev sentence would still leak the dev set into training.
    def words(text: str) -> frozenset[str]:
        return frozenset(_normalised(text).split())

    dev = [words(row["text"]) for row in _read_jsonl(DEV_PATH)]
    close = []
    for row in rows:
        mine = words(row["text"])
        if len(mine) < 5:
            continue
        best = max(len(mine & other) / len(mine | other) for other in dev)
        if best >= MAX_DEV_OVERLAP:
            close.append((row["id"], round(best, 2)))
    assert not close, close


def test_only_rubric_codes_without_repeats(rows):
    for row in rows:
        for field in ("codes", "forbidden"):
            assert set(row[field]) <= CODES, (row["id"], set(row[field]) - CODES)
            assert len(row[field]) == len(set(row[field])), (row["id"], field)


def test_a_code_is_never_both_expected_and_forbidden(rows):
    for row in rows:
        assert not set(row["codes"]) & set(row["forbidden"]), row["id"]


def test_every_item_says_something(rows):
    for row in rows:
        assert row["codes"] or row["forbidden"], row["id"]


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(rows, code):
    wrong = [r["id"] for r in rows if code in r["codes"] and r["kind"] not in ALLOWED_KINDS[code]]
    assert not wrong, (code, wrong)


def test_corpus_is_large_and_balanced_across_kinds(rows):
    assert len(rows) >= MIN_ITEMS
    counts = Counter(row["kind"] for row in rows)
    for kind, share in KIND_SHARE.items():
        assert abs(counts[kind] / len(rows) - share) <= KIND_SHARE_TOLERANCE, counts


@pytest.mark.parametrize("code", STRENGTHS)
def test_each_strength_has_enough_positives_and_hard_negatives(rows, code):
    positives = sum(code in row["codes"] for row in rows)
    negatives = sum(code in row["forbidden"] for row in rows)
    assert positives >= MIN_POSITIVES_PER_STRENGTH, (code, positives)
    assert negatives >= MIN_HARD_NEGATIVES_PER_STRENGTH, (code, negatives)


@pytest.mark.parametrize("code", ["accepts_answer", "proposes_revisit"])
def test_answer_dependent_strengths_are_seen_before_and_after_a_no(rows, code):
    flags = Counter(row["after_refusal"] for row in rows if code in row["codes"])
    assert flags[True] >= MIN_EACH_WAY and flags[False] >= MIN_EACH_WAY, (code, flags)


def test_strengths_are_mixed_in_whole_messages(rows):
    # The classifier must see strengths together, not one code per sentence.
    multi = [row for row in rows if len(set(row["codes"]) & set(STRENGTHS)) >= 3]
    assert len(multi) >= len(rows) // 5, len(multi)
    with_concern = [row for row in rows
                    if set(row["codes"]) & set(STRENGTHS) and set(row["codes"]) & set(CONCERNS)]
    assert len(with_concern) >= 40, len(with_concern)


def test_wording_is_varied_not_templated(rows):
    # A template loop that only swaps the activity word leaves many texts sharing the same
    # opening; hand-written items rarely share their first six words.
    openings = Counter(" ".join(_normalised(row["text"]).split()[:6]) for row in rows)
    assert openings.most_common(1)[0][1] <= 5, openings.most_common(3)
    casual = [row for row in rows if row["text"] == row["text"].lower()]
    assert len(casual) >= len(rows) // 6, len(casual)


def test_pressure_after_a_no_is_never_labelled_acceptance(rows):
    # The guide: "ok but..." followed by pressure, sulky "fine, whatever", and re-asking are
    # not acceptance; the corpus must never teach the opposite.
    for row in rows:
        if "accepts_answer" in row["codes"]:
            assert "persistence" not in row["codes"], row["id"]
            assert "guilt_trip" not in row["codes"], row["id"]
