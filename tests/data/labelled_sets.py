"""What the integrity tests of the hand-labelled data sets have in common.

Every set under ``data/coach`` and ``data/safety`` is one JSON object a line, labelled by the
guide in ``tests/data/test_eval_sets.py``. The tests of each set keep their own thresholds and
set-specific checks; this module holds the parts that must mean the same thing everywhere:
reading a set with line numbers, the rubric's codes and safety categories, what counts as "the
same text", the schema of a coach item and of a safety item, counting positives and hard
negatives, and finding text one set copied from another.

It is a helper, not a test module: pytest collects nothing from it.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COACH_DIR = ROOT / "data" / "coach"
SAFETY_DIR = ROOT / "data" / "safety"
TRAIN_DIR = COACH_DIR / "train"
COACH_DEV_PATH = COACH_DIR / "dev.jsonl"
SAFETY_DEV_PATH = SAFETY_DIR / "testset.jsonl"
RUBRIC_PATH = ROOT.parent / "shared" / "rubric.md"

# --- the rubric -----------------------------------------------------------------------------

KINDS = ("ask", "refuse", "renegotiate")

# The public contract as these tests pinned it. The rubric is parsed when it is present (see
# below); these lists are the fallback, and what ``test_*rubric*`` compares the rubric against.
FIXED_COERCION = ("guilt_trip", "ultimatum", "minimizing", "persistence", "comparison",
                  "scorekeeping", "demand")
FIXED_RESPECT_AND_CLARITY = ("shaming", "vague_request", "heavy_hedging", "mixed_signal",
                             "over_apologizing", "over_justifying")
FIXED_STRENGTHS = (
    "i_statement", "specific", "invites_response", "offers_out", "checks_in", "pacing",
    "clear_no", "offers_alternative", "validates", "accepts_answer", "names_agreement",
    "proposes_revisit",
)
FIXED_CATEGORIES = ("abuse", "self_harm", "minor", "danger")
FIXED_CODES = frozenset(FIXED_COERCION + FIXED_RESPECT_AND_CLARITY + FIXED_STRENGTHS)

_TABLE_ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|", flags=re.M)
# Which rubric section (a "## " heading) holds which group, by a word of its heading.
_SECTION_WORDS = (("coercion", "coercion"), ("clarity", "respect"), ("strength", "strengths"),
                  ("safety", "safety"))


def rubric_text() -> str | None:
    """The shared rubric, or None in a checkout without it."""
    return RUBRIC_PATH.read_text(encoding="utf-8") if RUBRIC_PATH.is_file() else None


def rubric_code_names() -> set[str]:
    """Every code named in a rubric table, without the rehearsal kinds and safety categories.

    Subtracts the *fixed* kinds and categories, so a category added to the rubric shows up here
    as an unknown code instead of being silently accepted.
    """
    text = rubric_text()
    assert text is not None, f"missing {RUBRIC_PATH}"
    return set(_TABLE_ROW.findall(text)) - set(KINDS) - set(FIXED_CATEGORIES)


def check_rubric_contract() -> None:
    """The rubric still defines exactly the codes the sets are labelled with (skip without it)."""
    if rubric_text() is None:
        pytest.skip("shared rubric.md not present in this checkout")
    assert rubric_code_names() == FIXED_CODES


def _rubric_groups() -> dict[str, tuple[str, ...]] | None:
    """The rubric's codes and categories by section, in its order; None if absent or unreadable."""
    text = rubric_text()
    if text is None:
        return None
    groups: dict[str, list[str]] = {name: [] for _, name in _SECTION_WORDS}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line.casefold()
            section = next((name for word, name in _SECTION_WORDS if word in heading), None)
            continue
        match = _TABLE_ROW.match(line)
        if match and section:
            groups[section].append(match.group(1))
    if not all(groups.values()):
        return None
    return {name: tuple(codes) for name, codes in groups.items()}


_GROUPS = _rubric_groups() or {
    "coercion": FIXED_COERCION, "respect": FIXED_RESPECT_AND_CLARITY,
    "strengths": FIXED_STRENGTHS, "safety": FIXED_CATEGORIES,
}
COERCION: tuple[str, ...] = _GROUPS["coercion"]
RESPECT_AND_CLARITY: tuple[str, ...] = _GROUPS["respect"]
STRENGTHS: tuple[str, ...] = _GROUPS["strengths"]
CATEGORIES: tuple[str, ...] = _GROUPS["safety"]
CONCERNS = COERCION + RESPECT_AND_CLARITY
CODES = frozenset(CONCERNS + STRENGTHS)

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

# --- reading a set --------------------------------------------------------------------------


def read_jsonl(path: Path, *, skip_blank: bool = False) -> list[tuple[int, object]]:
    """Every line of a JSONL file as ``(line number, value)``; fails clearly on bad lines."""
    assert path.is_file(), f"missing {path}"
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                assert skip_blank, f"{path.name}:{number}: blank line"
                continue
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                pytest.fail(f"{path.name}:{number}: invalid JSON: {error}")
    return rows


def read_objects(path: Path) -> list[dict]:
    """The rows of a JSONL file, each of which must be a JSON object."""
    rows = []
    for number, row in read_jsonl(path):
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


# --- the same text --------------------------------------------------------------------------


def normalised(text: str) -> str:
    """Words only: case, width, punctuation, underscores and spacing folded away.

    Two texts with the same key say the same words in the same order, so one is a duplicate
    (or a copy) of the other however it was punctuated.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def spacing_normalised(text: str) -> str:
    """Case, width, curly apostrophes and spacing folded; punctuation kept.

    For finding a text as it is spelled inside a raw file of any format.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2018\u2019]", "'", text)
    return " ".join(text.split())


def repeated_texts(rows: Iterable[dict], key=normalised) -> list[tuple[str, str]]:
    """``(id, id of the earlier row)`` for each row whose text repeats an earlier one."""
    seen: dict[str, str] = {}
    repeats = []
    for row in rows:
        text = key(row["text"])
        if text in seen:
            repeats.append((row["id"], seen[text]))
        else:
            seen[text] = row["id"]
    return repeats


def wordless_texts(rows: Iterable[dict]) -> list[str]:
    """Ids of rows whose text has no word at all once normalised (only emoji or punctuation)."""
    return [row["id"] for row in rows if not normalised(row["text"])]


def one_word_variants(rows: Iterable[dict], *, min_words: int = 0) -> list[tuple[str, str]]:
    """``(id, id)`` pairs of texts that differ in a single word: the trace of a template loop.

    Texts shorter than ``min_words`` words are exempt (short nudges differ in every word).
    """
    variants: dict[tuple[str, ...], str] = {}
    pairs = []
    for row in rows:
        words = normalised(row["text"]).split()
        if len(words) < min_words:
            continue
        for i in range(len(words)):
            key = tuple(words[:i] + ["*"] + words[i + 1:])
            if key in variants:
                pairs.append((row["id"], variants[key]))
            else:
                variants[key] = row["id"]
    return pairs


def openings(rows: Iterable[dict], words: int) -> Counter:
    """How many texts start with each run of their first ``words`` normalised words."""
    return Counter(" ".join(normalised(row["text"]).split()[:words]) for row in rows)


def has_emoji(text: str) -> bool:
    """Holds a pictograph (anything above U+2600: emoji, dingbats, symbols)."""
    return any(ord(ch) > 0x2600 for ch in text)


def looks_phone_typed(text: str) -> bool:
    """Starts in lower case, ends without punctuation, or holds an emoji."""
    return text[:1].islower() or text[-1].isalnum() or has_emoji(text)


def long_or_other_language(text: str, markers: Iterable[str]) -> bool:
    """At least 200 characters, a letter outside ASCII, or one of ``markers`` as a word."""
    words = set(re.findall(r"[\w']+", text.casefold()))
    non_ascii_letters = any(ch.isalpha() and ord(ch) > 127 for ch in text)
    return len(text) >= 200 or non_ascii_letters or bool(words & set(markers))


# --- the schemas ----------------------------------------------------------------------------

COACH_KEYS = frozenset({"id", "text", "kind", "after_refusal", "codes", "forbidden", "safety"})
SAFETY_KEYS = frozenset({"id", "text", "expected", "note"})


def check_coach_item(row: dict, *, noted: bool = False, safety_labels: bool = False) -> None:
    """A coach item has exactly the documented keys and types.

    ``noted``: evaluation sets carry a non-empty ``note`` too. ``safety_labels``: the item may
    carry a safety category (only the dev set does; everywhere else ``safety`` is null).
    """
    keys = COACH_KEYS | {"note"} if noted else COACH_KEYS
    assert set(row) == keys, (row.get("id"), sorted(set(row) ^ keys))
    assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
    assert row["text"] == row["text"].strip(), row["id"]
    assert row["kind"] in KINDS, row["id"]
    assert isinstance(row["after_refusal"], bool), row["id"]
    assert isinstance(row["codes"], list) and isinstance(row["forbidden"], list), row["id"]
    if safety_labels:
        assert row["safety"] is None or row["safety"] in CATEGORIES, row["id"]
    else:
        assert row["safety"] is None, row["id"]
    if noted:
        assert isinstance(row["note"], str) and row["note"].strip(), row["id"]


def check_code_lists(row: dict) -> None:
    """``codes`` and ``forbidden`` hold rubric codes, each at most once."""
    for field in ("codes", "forbidden"):
        assert all(isinstance(code, str) for code in row[field]), (row["id"], field)
        assert set(row[field]) <= CODES, (row["id"], set(row[field]) - CODES)
        assert len(row[field]) == len(set(row[field])), (row["id"], field)


def expected_and_forbidden(rows: Iterable[dict]) -> list[str]:
    """Ids of items that both expect and forbid a code."""
    return [row["id"] for row in rows if set(row["codes"]) & set(row["forbidden"])]


def silent_items(rows: Iterable[dict]) -> list[str]:
    """Ids of items with neither an expected nor a forbidden code: they teach nothing."""
    return [row["id"] for row in rows if not (row["codes"] or row["forbidden"])]


def check_safety_item(row: dict, where: str, *, id_pattern: str | None = None,
                      trimmed: bool = True, min_note: int = 1) -> None:
    """A safety item's fields have the documented types and are not blank.

    ``where`` names the row in a failure (its id or its line). The keys and the label are
    checked by ``check_safety_keys`` and ``is_safety_label``.
    """
    if id_pattern is not None:
        assert isinstance(row["id"], str) and re.fullmatch(id_pattern, row["id"]), where
    assert isinstance(row["text"], str) and row["text"].strip(), where
    if trimmed:
        assert row["text"] == row["text"].strip(), f"{where}: untrimmed text"
    assert isinstance(row["note"], str) and len(row["note"].strip()) >= min_note, where


def check_safety_keys(row: dict, where: str) -> None:
    assert set(row) == SAFETY_KEYS, (where, sorted(set(row) ^ SAFETY_KEYS))


def is_safety_label(label: object) -> bool:
    """null (a near miss) or one of the rubric's safety categories."""
    return label is None or label in CATEGORIES


# --- counting -------------------------------------------------------------------------------


def positives(rows: Iterable[dict], code: str) -> int:
    """Items that expect ``code``."""
    return sum(code in row["codes"] for row in rows)


def hard_negatives(rows: Iterable[dict], code: str) -> int:
    """Items that forbid ``code``: tempting but wrong there."""
    return sum(code in row["forbidden"] for row in rows)


def kinds_of(rows: Iterable[dict], code: str) -> Counter:
    """In which rehearsal kinds ``code`` is expected, and how often."""
    return Counter(row["kind"] for row in rows if code in row["codes"])


def outside_allowed_kinds(rows: Iterable[dict], code: str) -> list[str]:
    """Ids of items expecting a kind-bound ``code`` in a kind the guide does not allow."""
    return [row["id"] for row in rows if code in row["codes"] and row["kind"] not in ALLOWED_KINDS[code]]


def refusals_expecting(rows: Iterable[dict], codes: Iterable[str]) -> list[str]:
    """Ids of refusals labelled with any of ``codes``."""
    return [row["id"] for row in rows if row["kind"] == "refuse" and set(codes) & set(row["codes"])]


def refusals_forbidding(rows: Iterable[dict], code: str) -> int:
    """Refusals that mark ``code`` as wrong: boundaries that are not pressure."""
    return sum(code in row["forbidden"] for row in rows if row["kind"] == "refuse")


# --- copies between sets --------------------------------------------------------------------


# Sets written independently to evaluate the safety screen. Two writers may land on the same
# plain sentence ("I don't want to be alive anymore"); that is not a leak. A leak is a held-out
# text copied into what the screen itself reads (rules, cases, vocab).
EVALUATION_SETS = ("testset.jsonl", "holdout*.jsonl")


def data_files(folders: Iterable[Path], suffixes: Iterable[str], *, besides: Path,
               skip_evaluation_sets: bool = False) -> list[Path]:
    """Every file with one of ``suffixes`` below ``folders``, except the set ``besides``
    (and, if asked, the other independently written evaluation sets)."""
    suffixes = set(suffixes)
    skipped = {besides}
    if skip_evaluation_sets:
        skipped |= {path for folder in folders for pattern in EVALUATION_SETS for path in folder.glob(pattern)}
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*")
                  if path.is_file() and path not in skipped and path.suffix in suffixes)


def texts_in(paths: Iterable[Path], *, tolerant: bool = False) -> dict[str, str]:
    """Each normalised text of these JSONL sets, mapped to where it stands (``file:id``).

    Strict by default: a set that cannot be read fails the test. ``tolerant`` skips lines that
    are not objects with a text, for scanning files other people may be half-way through.
    """
    texts: dict[str, str] = {}
    for path in paths:
        if tolerant:
            with path.open(encoding="utf-8", errors="replace") as handle:
                rows = []
                for line in handle:
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        continue
            rows = [row for row in rows if isinstance(row, dict) and isinstance(row.get("text"), str)]
        else:
            rows = read_objects(path)
        for row in rows:
            texts[normalised(row["text"])] = f"{path.name}:{row.get('id')}"
    return texts


def coach_texts_besides(path: Path) -> dict[str, str]:
    """The texts of the coach dev set and of every training set except ``path``."""
    return texts_in(other for other in [COACH_DEV_PATH, *sorted(TRAIN_DIR.glob("*.jsonl"))]
                    if other != path)


def copies(rows: Iterable[dict], others: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(id, where)`` for each row whose normalised text is also one of ``others``."""
    return [(row["id"], others[normalised(row["text"])]) for row in rows
            if normalised(row["text"]) in others]


def raw_corpus(paths: Iterable[Path], normalise=normalised) -> str:
    """The whole text of these files, normalised, for finding a sentence copied anywhere."""
    return "\n".join(normalise(path.read_text(encoding="utf-8", errors="replace")) for path in paths)
