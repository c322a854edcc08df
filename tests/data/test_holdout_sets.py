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

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COACH_PATH = ROOT / "data" / "coach" / "holdout.jsonl"
SAFETY_PATH = ROOT / "data" / "safety" / "holdout.jsonl"
COACH_DEV_PATH = ROOT / "data" / "coach" / "dev.jsonl"
SAFETY_DEV_PATH = ROOT / "data" / "safety" / "testset.jsonl"
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
COERCION = ("guilt_trip", "ultimatum", "minimizing", "persistence", "comparison",
            "scorekeeping", "demand")
KINDS = ("ask", "refuse", "renegotiate")
CATEGORIES = ("abuse", "self_harm", "minor", "danger")

MIN_COACH_ITEMS = 260
MIN_POSITIVES_PER_CODE = 8
MIN_HARD_NEGATIVES_PER_CODE = 3
MIN_KIND_SHARE = 0.20

MIN_SAFETY_ITEMS = 170
MIN_DISCLOSURES = 70
MIN_PER_CATEGORY = {"abuse": 22, "self_harm": 16, "minor": 16, "danger": 16}
MIN_NEAR_MISSES = 100

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


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


@pytest.fixture(scope="module")
def coach_rows() -> list[dict]:
    return _read_jsonl(COACH_PATH)


@pytest.fixture(scope="module")
def safety_rows() -> list[dict]:
    return _read_jsonl(SAFETY_PATH)


# --- coach held-out set --------------------------------------------------------------------

def test_code_list_matches_the_public_rubric():
    if not RUBRIC_PATH.is_file():
        pytest.skip("shared rubric.md not present in this checkout")
    rubric = RUBRIC_PATH.read_text(encoding="utf-8")
    rubric_codes = set(re.findall(r"^\|\s*`([a-z_]+)`\s*\|", rubric, flags=re.M))
    rubric_codes -= set(KINDS) | set(CATEGORIES)
    assert rubric_codes == CODES


def test_coach_rows_have_the_dev_set_shape(coach_rows):
    expected_keys = {"id", "text", "kind", "after_refusal", "codes", "forbidden", "safety", "note"}
    for row in coach_rows:
        assert set(row) == expected_keys, row.get("id")
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert row["text"] == row["text"].strip(), row["id"]
        assert row["kind"] in KINDS, row["id"]
        assert isinstance(row["after_refusal"], bool), row["id"]
        assert isinstance(row["codes"], list) and isinstance(row["forbidden"], list), row["id"]
        assert row["safety"] is None, row["id"]
        assert isinstance(row["note"], str) and row["note"].strip(), row["id"]


def test_coach_ids_are_unique_held_out_and_name_their_kind(coach_rows):
    ids = [row["id"] for row in coach_rows]
    assert len(ids) == len(set(ids))
    for row in coach_rows:
        match = re.fullmatch(r"h-(ask|refuse|renegotiate)-\d{3}", row["id"])
        assert match, row["id"]
        assert match.group(1) == row["kind"], row["id"]


def test_coach_codes_are_rubric_codes_without_repeats(coach_rows):
    for row in coach_rows:
        for field in ("codes", "forbidden"):
            assert all(isinstance(code, str) for code in row[field]), row["id"]
            assert set(row[field]) <= CODES, (row["id"], set(row[field]) - CODES)
            assert len(row[field]) == len(set(row[field])), (row["id"], field)


def test_a_code_is_never_both_expected_and_forbidden(coach_rows):
    for row in coach_rows:
        assert not set(row["codes"]) & set(row["forbidden"]), row["id"]


def test_every_coach_item_says_something(coach_rows):
    for row in coach_rows:
        assert row["codes"] or row["forbidden"], row["id"]


def test_coach_texts_are_not_duplicated(coach_rows):
    seen: dict[str, str] = {}
    for row in coach_rows:
        key = _normalised(row["text"])
        assert key not in seen, f"{row['id']} repeats {seen[key]}"
        seen[key] = row["id"]


def test_coach_set_is_large_enough_and_covers_every_kind(coach_rows):
    assert len(coach_rows) >= MIN_COACH_ITEMS
    counts = Counter(row["kind"] for row in coach_rows)
    for kind in KINDS:
        assert counts[kind] / len(coach_rows) >= MIN_KIND_SHARE, counts


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_code_has_enough_positives_and_hard_negatives(coach_rows, code):
    positives = sum(code in row["codes"] for row in coach_rows)
    negatives = sum(code in row["forbidden"] for row in coach_rows)
    assert positives >= MIN_POSITIVES_PER_CODE, (code, positives)
    assert negatives >= MIN_HARD_NEGATIVES_PER_CODE, (code, negatives)


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(coach_rows, code):
    wrong = [r["id"] for r in coach_rows if code in r["codes"] and r["kind"] not in ALLOWED_KINDS[code]]
    assert not wrong, (code, wrong)


def test_after_refusal_is_exercised_both_ways(coach_rows):
    asks = Counter(row["after_refusal"] for row in coach_rows if row["kind"] == "ask")
    assert asks[True] >= 20 and asks[False] >= 60, asks
    with_no = [r for r in coach_rows if r["after_refusal"] and "persistence" in r["codes"]]
    assert len(with_no) >= 8
    # A re-ask with no refusal before it is labelled as *not* persistence at least once.
    assert any(not r["after_refusal"] and "persistence" in r["forbidden"] for r in coach_rows)


def test_boundaries_in_refusals_are_marked_as_not_pressure(coach_rows):
    refusals = [row for row in coach_rows if row["kind"] == "refuse"]
    assert sum("ultimatum" in row["forbidden"] for row in refusals) >= 3
    assert sum("persistence" in row["forbidden"] for row in refusals) >= 3
    # and no refusal is ever labelled with pressure aimed at getting a yes.
    pressured = [r["id"] for r in refusals if set(r["codes"]) & {"ultimatum", "persistence"}]
    assert not pressured


def test_every_coercion_code_appears_in_asks_and_renegotiations(coach_rows):
    for code in COERCION:
        kinds = {row["kind"] for row in coach_rows if code in row["codes"]}
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
    dev = {_normalised(row["text"]) for row in _read_jsonl(COACH_DEV_PATH) if "text" in row}
    leaked = [row["id"] for row in coach_rows if _normalised(row["text"]) in dev]
    assert not leaked


# --- safety held-out set -------------------------------------------------------------------

def test_safety_rows_have_the_documented_shape(safety_rows):
    for row in safety_rows:
        assert set(row) == {"id", "text", "expected", "note"}, row.get("id")
        assert re.fullmatch(r"h-s-\d{3}", row["id"]), row["id"]
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert row["text"] == row["text"].strip(), row["id"]
        assert row["expected"] is None or row["expected"] in CATEGORIES, row["id"]
        assert isinstance(row["note"], str) and row["note"].strip(), row["id"]


def test_safety_ids_and_texts_are_unique(safety_rows):
    ids = [row["id"] for row in safety_rows]
    assert len(ids) == len(set(ids))
    texts = Counter(_normalised(row["text"]) for row in safety_rows)
    assert not [text for text, n in texts.items() if n > 1]


def test_safety_counts_by_category(safety_rows):
    counts = Counter(row["expected"] for row in safety_rows)
    assert len(safety_rows) >= MIN_SAFETY_ITEMS
    assert sum(counts[c] for c in CATEGORIES) >= MIN_DISCLOSURES
    for category, minimum in MIN_PER_CATEGORY.items():
        assert counts[category] >= minimum, (category, counts[category])
    assert counts[None] >= MIN_NEAR_MISSES


def _long_or_other_language(text: str) -> bool:
    non_ascii_letters = any(ch.isalpha() and ord(ch) > 127 for ch in text)
    words = set(re.findall(r"[\w']+", text.casefold()))
    foreign = {"hola", "quiero", "necesito", "tengo", "mi", "je", "mon", "ich", "bin", "mais"}
    return len(text) >= 200 or non_ascii_letters or bool(words & foreign)


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
    dev = {_normalised(row["text"]) for row in _read_jsonl(SAFETY_DEV_PATH) if "text" in row}
    leaked = [row["id"] for row in safety_rows if _normalised(row["text"]) in dev]
    assert not leaked
