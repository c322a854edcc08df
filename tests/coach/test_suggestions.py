"""Every suggestion is re-analysed: it must no longer raise the concern it fixes (nor any pressure)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.coach import analyze

CASES = yaml.safe_load((Path(__file__).parent / "cases.yml").read_text(encoding="utf-8"))
FAMILY = {"guilt_trip", "ultimatum", "minimizing", "persistence", "comparison", "scorekeeping", "demand"}
EXTRA = [
    ("ask", False, "um I don't know, maybe, kind of, if it's not weird, I'd like to try a blindfold"),
    ("ask", False, "I'm so sorry, sorry, I just really want to try spanking"),
    ("ask", False, "it's not a big deal, I just want to try the blindfold"),
    ("ask", False, "everyone does it and you owe me, so you have to try pegging or I'll find someone who will"),
    ("refuse", False, "ew that's gross, no. sorry sorry. maybe, I don't know"),
    ("renegotiate", False, "I want to stop the rope stuff but I guess we could keep going if you really want"),
]


def _items():
    for cases in CASES["positives"].values():
        for c in cases:
            yield c.get("kind", "ask"), c.get("after_refusal", False), c["text"]
    yield from EXTRA


@pytest.mark.parametrize("kind,after_refusal,text", list(_items()))
def test_suggestion_fixes_its_concern(kind, after_refusal, text):
    a = analyze(text, kind, after_refusal)
    for f in a.concerns:
        again = analyze(f.suggestion, kind, after_refusal)
        assert f.code not in again.codes, (f.code, f.suggestion, sorted(again.codes))
        assert not (again.codes & FAMILY), (f.code, f.suggestion, sorted(again.codes))


def test_rewrites_reuse_the_users_own_words():
    a = analyze("If you really loved me you'd try pegging")
    (f,) = [f for f in a.findings if f.code == "guilt_trip"]
    assert "pegging" in f.suggestion
    a = analyze("um I don't know, maybe, kind of, if it's not weird, I'd like to try a blindfold")
    (f,) = [f for f in a.findings if f.code == "heavy_hedging"]
    assert f.suggestion == "I'd like to try a blindfold."
