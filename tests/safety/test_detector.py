"""The safety screen on the development cases, plus priority, long text and bad input."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.paths import DATA_DIR
from bot.safety import CATEGORIES, SafetyHit, detect, referral_flags, referral_ids, referral_message, screen

CASES = yaml.safe_load((DATA_DIR / "safety" / "cases.yml").read_text(encoding="utf-8"))
POSITIVES = [(c, t) for c in CATEGORIES for t in CASES[c]]


@pytest.mark.parametrize("category, text", POSITIVES)
def test_disclosure_is_caught_in_its_category(category, text):
    hit = detect(text)
    assert hit is not None, f"missed {category}: {text!r}"
    assert hit.category == category, (text, hit)
    assert text[hit.start:hit.end] == hit.cue and hit.cue


@pytest.mark.parametrize("text", CASES["near_misses"])
def test_near_miss_is_not_an_alarm(text):
    assert detect(text) is None


@pytest.mark.parametrize("category, text", POSITIVES)
def test_lower_case_without_punctuation_still_caught(category, text):
    plain = "".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace() or ch == "'")
    if category == "minor" and "(" in text:
        pytest.skip("the age marker needs its brackets")
    assert detect(plain) is not None, plain


def test_every_category_has_cases():
    for category in CATEGORIES:
        assert len(CASES[category]) >= 10


def test_priority_danger_beats_abuse_and_minor_beats_abuse():
    hit = detect("He hits me. I'm scared he'll kill me tonight.")
    assert hit.category == "danger" and set(hit.categories) >= {"danger", "abuse"}
    hit = detect("I'm 15 and my boyfriend forces me to have sex")
    assert hit.category == "minor" and "abuse" in hit.categories
    hit = detect("I'm 16 and I want to kill myself")
    assert hit.category == "self_harm" and "minor" in hit.categories


def test_disclosure_at_the_end_of_50k_chars_is_caught():
    filler = "I would like to talk about trying something new, slowly and kindly. " * 740
    text = filler + "last time I said no he did it anyway"
    assert len(text) > 50_000
    hit = detect(text)
    assert hit is not None and hit.category == "abuse" and hit.start > 50_000
    assert text[hit.start:hit.end] == hit.cue


def test_very_long_text_beyond_a_chunk_is_read_to_the_end():
    from bot.safety.detector import CHUNK_CHARS
    text = ("ok " * (CHUNK_CHARS // 2)) + "i'm 15"
    hit = detect(text)
    assert hit is not None and hit.category == "minor" and text[hit.start:hit.end] == hit.cue


@pytest.mark.parametrize("text, category", [
    ("im soooooo scared he will hurt me", "danger"),
    ("I'M 16", "minor"),
    ("i dont want to be alive", "self_harm"),
    ("je suis fatigué, honestly he hits me, c'est la vie", "abuse"),
    ("\x00\x01 he hits me \ufffd", "abuse"),
])
def test_noisy_text(text, category):
    hit = detect(text)
    assert hit is not None and hit.category == category


@pytest.mark.parametrize("text", ["", "   ", "😂😂😂", "\x00\xff\ud800", "a" * 20_000, "16" * 500,
                                  "I'm 16666", "ich bin müde", "!!!???..."])
def test_bad_input_never_crashes(text):
    hit = detect(text)
    assert hit is None or hit.category in CATEGORIES


def test_wrong_types():
    assert detect(None) is None  # type: ignore[arg-type]
    assert detect(b"he hits me").category == "abuse"  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        detect(42)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_never_raises(text):
    hit = detect(text)
    assert hit is None or (isinstance(hit, SafetyHit) and hit.category in CATEGORIES
                           and 0 <= hit.start < hit.end <= len(text))


@pytest.mark.parametrize("flag, text", [(f, t) for f, texts in CASES["referrals"].items() for t in texts])
def test_referral_flags(flag, text):
    assert flag in referral_flags(text)
    assert detect(text) is None, "a referral alone must not stop the practice"


@pytest.mark.parametrize("text", CASES["referral_near_misses"])
def test_referral_near_misses(text):
    assert referral_flags(text) == []


def test_every_referral_flag_has_a_warm_message():
    for flag in referral_ids():
        message = referral_message(flag)
        assert len(message) > 80
        assert "therapist" in message.lower() or "professional" in message.lower()
    with pytest.raises(KeyError):
        referral_message("no_such_flag")


def test_screen_returns_both_in_one_pass():
    result = screen("I'm 16 and we usually do this when we're drunk")
    assert result.hit.category == "minor" and "substance_use" in result.referral_flags


def test_gap_never_crosses_a_negation():
    assert detect("he did not force me, I wanted it") is None
    assert detect("he forced me") is not None
