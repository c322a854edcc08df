"""The matcher's shortcuts (required-word bits, branch pruning, shared pattern lines,
"^" patterns tried at the sentence start only, cached normalisation) only save work:
they must find exactly what reading every pattern at every token finds."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety import matcher
from bot.safety.detector import _screen
from bot.safety.normalize import Normalizer
from tests.safety.matching import brute_force

_CASES = Path(__file__).resolve().parents[2] / "data" / "safety" / "cases.yml"


def _texts() -> list[str]:
    cases = yaml.safe_load(_CASES.read_text(encoding="utf-8"))
    texts = [t for v in cases.values() if isinstance(v, list) for t in v if isinstance(t, str)]
    # Every sixth case, and a few run together so sentences follow one another.
    picked = texts[::6]
    return picked + [" ".join(picked[i:i + 3]) for i in range(0, len(picked), 20)]


@pytest.mark.parametrize("which", ["cues", "guards"])
def test_pruned_matching_finds_what_brute_force_finds(which, monkeypatch):
    screen = _screen()
    patterns = getattr(screen.rules, which)
    for text in _texts():
        toks = screen._tokens(text)
        i = 0
        while i < len(toks):
            lo, hi = toks.sent_start[i], toks.sent_end[i]
            toks.memo.clear()
            fast = patterns.match(toks, lo, hi)
            toks.memo.clear()
            with monkeypatch.context() as m:
                m.setattr(matcher, "_sentence_bits", lambda *_: -1)   # -1: every bit lit
                slow = brute_force(patterns, toks, lo, hi)
            assert fast == slow, (which, text)
            i = hi


def test_cached_norms_still_read_the_previous_word():
    norm = Normalizer({}, {}, {}, set())
    assert norm.norm("m", "m", "i") == "am"      # "i m": "i am"
    assert norm.norm("m", "m", "we") == "m"      # the same token, cached, elsewhere
    assert norm.norm("m", "m", "i") == "am"
    assert norm.norm("s", "s", "he") == "'s"
    assert norm.norm("s", "s", "") == "s"
