"""Round 4 engine features behind the wide frames: per-part guards, guards near a whole
frame, ellipses inside a sentence, shared and memoised macros, and the frames' guards."""
from __future__ import annotations

import textwrap

import pytest

from bot.safety import detect
from bot.safety.matcher import Compiler, PatternSet, Tokens, match_ends
from bot.safety.rules import load_rules
from bot.safety.patterns import PatternError


def _toks(words: list[str]) -> Tokens:
    n = len(words)
    return Tokens(words, list(words), [w in ",.!?" for w in words], [w in {"not", "i", ","} for w in words],
                  list(range(n)), list(range(1, n + 1)), [0] * n, [n] * n)


def test_macro_elements_are_shared_and_memoised():
    compiler = Compiler({"who": ["he|she", "my partner"]}, None)
    first, second = compiler.line("@who hits me"), compiler.line("@who kicks me")
    assert first[0] is second[0]          # one element for the macro, however often used
    toks = _toks("my partner hits me".split())
    assert match_ends(first, toks, 0, len(toks)) == {4}
    assert any(key[0] == id(first[0]) for key in toks.memo)
    assert match_ends(second, toks, 0, len(toks)) == set()


def test_alternatives_are_tried_by_their_first_word_only():
    compiler = Compiler({"who": ["he|she", "my partner", "^ hubby"]}, None)
    patterns = PatternSet()
    patterns.add("k", [compiler.line("@who ..2 hits me")])
    assert patterns.match(_toks("hubby often hits me".split()), 0, 4)
    assert patterns.match(_toks("she hits me".split()), 0, 3)
    assert not patterns.match(_toks("she does not hit me".split()), 0, 5)


def _write_rules(tmp_path, rules_yaml: str):
    from bot.paths import DATA_DIR
    source = DATA_DIR / "safety"
    (tmp_path / "rules").mkdir()
    for name in ("vocab.yml", "policy.yml", "referrals.yml", "guards.yml"):
        (tmp_path / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "rules" / "all.yml").write_text(textwrap.dedent(rules_yaml), encoding="utf-8")
    for category in ("abuse", "self_harm", "minor", "danger"):
        if category != "abuse":
            (tmp_path / "rules" / f"{category}.yml").write_text(
                f"category: {category}\nrules:\n  - cues: [\"zzqq {category}\"]\n", encoding="utf-8")


def test_a_valid_wide_rule_loads(tmp_path):
    _write_rules(tmp_path, """
        category: abuse
        rules:
          - id: r
            guard_parts: [0]
            unless_near: [respected]
            near: 8
            together: [["he"], ["hits"]]
        """)
    rule = next(r for r in load_rules(directory=tmp_path).rules if r.id == "r")
    assert rule.guard_parts == (0,) and rule.unless_near == ("respected",) and rule.near == 8


def test_guard_parts_must_index_groups(tmp_path):
    _write_rules(tmp_path, """
        category: abuse
        rules:
          - id: r
            guard_parts: [3]
            together: [["he"], ["hits"]]
        """)
    with pytest.raises(PatternError):
        load_rules(directory=tmp_path)


def test_unknown_near_guard_is_rejected(tmp_path):
    _write_rules(tmp_path, """
        category: abuse
        rules:
          - id: r
            unless_near: [nope]
            cues: ["he hits me"]
        """)
    with pytest.raises(PatternError):
        load_rules(directory=tmp_path)


def test_a_respected_no_nearby_undoes_the_frame():
    assert detect("I said stop. He kept going anyway.") is not None
    assert detect("I said stop. He stopped right away and we cuddled.") is None


def test_guard_parts_leave_the_distress_unguarded():
    # the presence is guarded; "if he sees this he'll hurt me" beside it is not
    hit = detect("can't talk long, he's in the next room and if he sees this he'll hurt me")
    assert hit is not None and hit.category == "danger"
    assert detect("if he's in the next room I'll practise later") is None


def test_an_ellipsis_does_not_end_the_sentence():
    assert detect("I'm going to end things... with the book club, not with him") is None
    assert detect("I said no... he just kept going") is not None


@pytest.mark.parametrize("text", [
    "he hit me with his belt",
    "he hit me on the back of my head",
    "my gf kept kissing me after i turned my face away",
    "when I said red she said that's not it anymore and kept going",
])
def test_after_guards_no_longer_swallow_plain_reports(text):
    assert detect(text) is not None


@pytest.mark.parametrize("text", [
    "he hit me up last night about the party",
    "my partner pushed me to apply for the promotion",
    "she held me while I cried about work",
    "I'm stuck in traffic, I'll practise later",
    "I'm cutting back on caffeine",
])
def test_wide_frames_keep_their_guards(text):
    assert detect(text) is None
