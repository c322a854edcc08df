"""Round 5: words typed with a symbol or digit in them (vocab.yml `masked_spelling`)."""
from __future__ import annotations

import textwrap

import pytest

from bot.safety import detect
from bot.safety.patterns import PatternError
from bot.safety.rules import load_rules


@pytest.mark.parametrize("text", [
    "my stepbrother r*ped me",
    "i was r4ped at a festival",
    "he r@ped me last spring",
    "a coworker s.a'd me",
    "my ex sa’d me",   # curly apostrophe
])
def test_masked_assault_words_are_read(text):
    hit = detect(text)
    assert hit is not None and hit.category == "abuse", (text, hit)
    assert text[hit.start:hit.end] == hit.cue


@pytest.mark.parametrize("text", [
    "i was so sad my date left early",
    "he rapped a verse at karaoke",
    "R&B night was fun",
    "we said r.i.p. to the old sofa",
])
def test_plain_words_are_not_rewritten(text):
    assert detect(text) is None


def _copy_data(tmp_path, vocab_extra: str):
    from bot.paths import DATA_DIR
    source = DATA_DIR / "safety"
    (tmp_path / "rules").mkdir()
    for name in ("policy.yml", "referrals.yml", "guards.yml"):
        (tmp_path / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    vocab = (source / "vocab.yml").read_text(encoding="utf-8")
    vocab = vocab.split("\nmasked_spelling:")[0] + "\n" + textwrap.dedent(vocab_extra)
    (tmp_path / "vocab.yml").write_text(vocab, encoding="utf-8")
    for category in ("abuse", "self_harm", "minor", "danger"):
        (tmp_path / "rules" / f"{category}.yml").write_text(
            f"category: {category}\nrules:\n  - cues: [\"zzqq {category}\"]\n", encoding="utf-8")


def test_masked_spelling_entries_compile(tmp_path):
    _copy_data(tmp_path, """
        masked_spelling:
          - {pattern: "x[*]z", word: "xyz"}
        """)
    rules = load_rules(directory=tmp_path)
    assert rules.masked and rules.masked[0][1] == "xyz" and rules.masked[0][0].fullmatch("x*z")


@pytest.mark.parametrize("extra", [
    "masked_spelling:\n  - {pattern: \"r[*\"}\n",            # no word
    "masked_spelling:\n  - {pattern: \"r[*\", word: \"x\"}\n",  # bad regex
])
def test_bad_masked_spelling_is_a_clear_error(tmp_path, extra):
    _copy_data(tmp_path, extra)
    with pytest.raises(PatternError, match="masked_spelling"):
        load_rules(directory=tmp_path)
