"""The coach's own cue and activity matching finds exactly what spaCy's matchers would.

The cue trie and the activity finder replace per-text spaCy Matcher runs for speed; these tests
compare them with plain spaCy Matchers built from the same compiled patterns.
"""
from __future__ import annotations

import pytest
from spacy.matcher import Matcher

from bot.coach.pipeline import WordTrie, coach_pipeline

TEXTS = [
    "if you really loved me you'd try pegging",
    "I'd like to try a blindfold sometime, what do you think? no pressure at all",
    "No. I don't want to do the rope stuff, and I'm not sorry about it.",
    "you know what i mean right? the thing. can we, you know",
    "ok so um maybe kind of, if it's not weird, I'd like being spanked",
    "we agreed on no sleepovers but I'd like to change that. Can we talk about it next week?",
    "ur such a prude lol. everyone does it, it's not a big deal",
    "I'm going to the beach, then the gym bench, then the grass",
    "Sorry sorry sorry. I just can't tonight because work, the cat, my back and the rain.",
    "who even wants that?? ew",
    "my ex always said 'you owe me' and I hated it",
    "",
    "🙂🙂🙂",
    "Is it okay if we stop whenever you want? You can always say red.",
]


@pytest.fixture(scope="module")
def pipeline():
    return coach_pipeline()


@pytest.fixture(scope="module")
def reference(pipeline):
    """A spaCy Matcher holding every cue pattern, as the coach compiles them."""
    compiler = pipeline.compiler_for(pipeline.nlp, pipeline.knowledge, pipeline)
    matcher = Matcher(pipeline.nlp.vocab, validate=False)
    for key, cues in pipeline.knowledge.cue_sets().items():
        patterns = [p for cue in cues for p in compiler.compile(cue)]
        if patterns:
            matcher.add(key, patterns)
    return matcher


@pytest.mark.parametrize("text", TEXTS)
def test_cue_matches_are_the_spacy_matchers(pipeline, reference, text):
    doc = pipeline(text)
    ours = {(key, s.start, s.end) for key, spans in (doc._.coach_cues or {}).items() for s in spans}
    theirs = {(pipeline.nlp.vocab.strings[m], s, e) for m, s, e in reference(doc, allow_missing=True)}
    assert ours == theirs


@pytest.mark.parametrize("text", TEXTS)
def test_activities_are_the_entity_rulers(pipeline, text):
    ours = pipeline(text)
    theirs = pipeline.activities(pipeline.normalizer(pipeline.sentencizer(pipeline.tokenizer(text))))
    assert [(e.start, e.end, e.label_, e.ent_id_) for e in ours.ents] == \
        [(e.start, e.end, e.label_, e.ent_id_) for e in theirs.ents]


def test_trie_handles_optional_gaps_and_word_sets(pipeline):
    trie = WordTrie()
    gap = {"IS_SENT_START": False, "IS_PUNCT": False, "OP": "?"}
    assert trie.add("k", [{"NORM": "if"}, gap, gap, {"NORM": {"IN": ["loved", "cared"]}}, {"NORM": "me"}])
    assert trie.add("n", [{"NORM": "not"}, {"NORM": {"NOT_IN": ["really"]}, "IS_PUNCT": False}])
    assert not trie.add("x", [{"NORM": "a", "OP": "+"}])  # left to the Matcher
    doc = pipeline("if you really loved me. not now")
    assert set(trie.matches(doc)) == {("k", 0, 5), ("n", 6, 8)}
    assert trie.matches(pipeline("if. loved me")) == []  # a gap never crosses punctuation


def test_common_words_are_not_read_as_typos_of_cue_words(pipeline):
    doc = pipeline("we went to the beach and sat on a bench in the grass")
    assert [t.norm_ for t in doc if t.text in ("beach", "bench", "grass")] == ["beach", "bench", "grass"]
    assert not any(k.startswith("shaming") for k in (doc._.coach_cues or {}))
