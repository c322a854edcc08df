"""The safety screen's speed-ups only save work: with them, the screen must report
exactly what it reports without them (same hit, rule, span, categories and flags)."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.safety import detector
from bot.safety.detector import _screen
from tests.safety.matching import brute_force

_ROOT = Path(__file__).resolve().parents[2]


def _case_texts() -> list[str]:
    cases = yaml.safe_load((_ROOT / "data" / "safety" / "cases.yml").read_text(encoding="utf-8"))
    return [t for v in cases.values() if isinstance(v, list) for t in v if isinstance(t, str)]


def _coach_texts() -> list[str]:
    texts = []
    for path in sorted((_ROOT / "data" / "coach" / "train").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def _varied_texts() -> list[str]:
    rng = random.Random(7)
    base = _case_texts()[::3] + rng.sample(_coach_texts(), 150)
    out = list(base)
    out += [t.upper() for t in base[::7]]
    out += [re.sub(r"[^\w\s]", "", t) for t in base[::5]]
    out += [a + rng.choice([" ", ". ", "\n", "... "]) + b
            for a, b in zip(base[::4], base[1::4])]
    out += [" ".join(rng.sample(base, 12))]
    out += ["yes/no/maybe list", "i m 15", "hes 16 and im scared", "he s gonna hurt me", ""]
    return out


def _result(text: str):
    found = detector.screen(text)
    hit = found.hit
    return (None if hit is None else (hit.category, hit.rule, hit.start, hit.end, hit.categories),
            found.referral_flags)


def _slow_results(texts, monkeypatch) -> list:
    """The screen reading every cue pattern in every sentence: no rule-level filter, no
    reuse of the text's words for a one-sentence text."""
    screen = _screen()
    every = set(range(len(screen.rules.cues)))
    with monkeypatch.context() as m:
        m.setattr(detector._Screen, "_needed", lambda self, possible: set(every))
        return [_result(t) for t in texts]


def test_rule_level_filter_changes_no_result(monkeypatch):
    texts = _varied_texts()
    fast = [_result(t) for t in texts]
    slow = _slow_results(texts, monkeypatch)
    assert any(r[0] is not None for r in fast)
    for text, a, b in zip(texts, fast, slow):
        assert a == b, text


def test_match_with_given_candidates_equals_match():
    screen = _screen()
    cues = screen.rules.cues
    for text in _case_texts()[::5]:
        toks = screen._tokens(text)
        i = 0
        while i < len(toks):
            lo, hi = toks.sent_start[i], toks.sent_end[i]
            words = cues._words(toks, lo, hi)
            toks.memo.clear()
            plain = cues.match(toks, lo, hi)
            toks.memo.clear()
            given_ = cues.match(toks, lo, hi, found=cues.candidates(toks, lo, hi, words), words=words)
            assert plain == given_, text
            i = hi


_WORDS = sorted({w for t in _case_texts()[::2] for w in re.findall(r"[\w']+|[.,!?/]", t.lower())})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=40))
def test_random_word_strings_same_fast_and_slow(monkeypatch, words):
    text = " ".join(words)
    fast = _result(text)
    (slow,) = _slow_results([text], monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("text", [
    "im 15yo and he wont stop", "16f here, my bf is 19", "i am 14yrs old", "i m 17y/o lol",
    "15 m", "I AM 13YO", "age 16 btw", "i was 12 when it started", "i am 20yo", "im 1517yo",
])
def test_regex_requirements_keep_every_match(text):
    """Patterns needing a regex-matched token are skipped only when no token matches."""
    screen = _screen()
    for patterns in (screen.rules.cues, screen.rules.guards):
        toks = screen._tokens(text)
        i = 0
        while i < len(toks):
            lo, hi = toks.sent_start[i], toks.sent_end[i]
            toks.memo.clear()
            fast = patterns.match(toks, lo, hi)
            toks.memo.clear()
            assert fast == brute_force(patterns, toks, lo, hi), text
            i = hi


def test_required_bits_with_regexes():
    from bot.safety.matcher import RequiredBits
    bits = RequiredBits()
    need = bits.need([frozenset({"i"})]) | bits.need_mixed([(frozenset({"teen"}), (re.compile(r"^(?:1[0-7]yo)$"),))])
    assert bits.lit({"i", "15yo"}) & need == need
    assert bits.lit({"i", "teen"}) & need == need
    assert bits.lit({"i", "19yo"}) & need != need
    assert bits.lit({"15yo"}) & need != need


def test_required_bits_added_after_a_lookup_are_lit():
    """A set added after words were looked up (with regexes cached) still lights its words."""
    from bot.safety.matcher import RequiredBits
    bits = RequiredBits()
    bits.need_mixed([(frozenset(), (re.compile(r"^x$"),))])
    assert bits.lit({"foo"}) == 0
    need = bits.need([frozenset({"foo"})])
    assert bits.lit({"foo"}) & need == need
