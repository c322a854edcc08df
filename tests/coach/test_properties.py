"""Robustness: any string never crashes and every span stays inside the text."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach import analyze

WORDS = st.sampled_from(["you", "owe", "me", "no", "if", "really", "loved", "'", '"', "sorry", "maybe", ",", ".",
                         "never", "try", "pegging", "everyone", "does", "I'd", "like", "?", "🙂", "\n", "  "])


def _check(text, kind, after_refusal):
    a = analyze(text, kind, after_refusal)
    for f in a.findings:
        assert 0 <= f.start <= f.end <= len(text)
        if f.polarity == "concern":
            assert f.suggestion
    a.to_json()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["ask", "refuse", "renegotiate"]), st.booleans())
def test_any_text(text, kind, after_refusal):
    _check(text, kind, after_refusal)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=40).map(" ".join), st.sampled_from(["ask", "refuse", "renegotiate"]), st.booleans())
def test_word_soup(text, kind, after_refusal):
    _check(text, kind, after_refusal)


def test_long_binary_and_foreign_input():
    for text in ["x" * 10_000, "you owe me " * 1500, "\x00\x01\x02 binary \xff", "これはテストです", "   ", "",
                 "Si me quisieras lo harías", "🙂" * 500]:
        _check(text, "ask", False)
