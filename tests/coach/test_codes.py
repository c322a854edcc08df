"""Every rubric code: positives are found with a span over the right words, hard negatives are not."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.coach import Analysis, Finding, analyze
from bot.coach.knowledge import load_knowledge

CASES = yaml.safe_load((Path(__file__).parent / "cases.yml").read_text(encoding="utf-8"))
RUBRIC = Path("/work/shared/rubric.md")


def _params(section):
    for code, cases in CASES[section].items():
        for case in cases:
            yield pytest.param(code, case, id=f"{code}:{case['text'][:40]}")


def _run(case) -> Analysis:
    return analyze(case["text"], case.get("kind", "ask"), case.get("after_refusal", False))


def test_every_rubric_code_is_implemented_and_has_cases():
    codes = set(load_knowledge().codes)
    if RUBRIC.exists():
        rubric_codes = set(re.findall(r"^\| `([a-z_]+)` \|", RUBRIC.read_text(encoding="utf-8"), re.M))
        rubric_codes -= {"abuse", "self_harm", "minor", "danger", "ask", "refuse", "renegotiate"}
        assert rubric_codes == codes
    assert len(codes) == 25
    assert set(CASES["positives"]) == codes
    assert set(CASES["negatives"]) == codes


@pytest.mark.parametrize("code,case", list(_params("positives")))
def test_positive(code, case):
    a = _run(case)
    hits = [f for f in a.findings if f.code == code]
    assert hits, f"{code} not found in {case['text']!r}: {sorted(a.codes)}"
    text = case["text"]
    for f in hits:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end].strip() == text[f.start:f.end]
        assert f.polarity == load_knowledge().codes[code].polarity
        assert f.explanation
    if case.get("quote"):
        assert any(case["quote"] in text[f.start:f.end] for f in hits), [text[f.start:f.end] for f in hits]


@pytest.mark.parametrize("code,case", list(_params("negatives")))
def test_hard_negative(code, case):
    a = _run(case)
    assert code not in a.codes, f"{code} wrongly found in {case['text']!r}: " + str(
        [(f.code, case["text"][f.start:f.end]) for f in a.findings])


def test_kind_dependence_of_the_same_words():
    # re-asking is persistence only after a no
    assert "persistence" not in analyze("can we try it just once?").codes
    assert "persistence" in analyze("can we try it just once?", after_refusal=True).codes
    assert "persistence" in analyze("can we try it just once?", partner_line="Hmm, I'm not sure.").codes
    # "no" is a clear no when refusing, not in an ask
    assert "clear_no" in analyze("no", "refuse").codes
    assert "clear_no" not in analyze("no pressure, only if you want to", "ask").codes


def test_typos_lower_case_and_no_punctuation():
    assert "guilt_trip" in analyze("if u realy loved me u would do it").codes
    assert "scorekeeping" in analyze("YOU OWE ME").codes
    assert "ultimatum" in analyze("if u dont try it ill find someone who will").codes
    codes = analyze("i would like to try a blindfold what do you think no pressure").codes
    assert {"i_statement", "specific", "invites_response", "offers_out"} <= codes


def test_several_sentences_give_several_findings_with_their_own_spans():
    text = "I'd love to try spanking. Everyone does it. You owe me anyway. What do you think?"
    a = analyze(text)
    assert {"comparison", "scorekeeping", "i_statement", "invites_response"} <= a.codes
    spans = {f.code: text[f.start:f.end] for f in a.findings}
    assert "Everyone does" in spans["comparison"]
    assert "owe me" in spans["scorekeeping"]


def test_every_concern_has_a_suggestion_and_json_shape():
    a = analyze("if you really loved me you'd try pegging, it's not a big deal")
    assert a.concerns
    for f in a.concerns:
        assert isinstance(f.suggestion, str) and f.suggestion
    for f in a.strengths:
        assert f.suggestion is None
    data = a.to_json()
    assert set(data) == {"findings", "safety"}
    assert set(data["findings"][0]) == {"code", "polarity", "start", "end", "explanation", "suggestion"}
    assert isinstance(a.findings[0], Finding)


@pytest.mark.parametrize("kind", ["", "asking", None, 3])
def test_invalid_kind_is_a_clear_value_error(kind):
    with pytest.raises(ValueError, match="kind"):
        analyze("hello", kind)  # type: ignore[arg-type]


def test_non_string_text_is_a_type_error():
    with pytest.raises(TypeError, match="text"):
        analyze(None)  # type: ignore[arg-type]
