"""The optional classifier signal: data sources, determinism, anchor gate, span contract."""
from __future__ import annotations

import dataclasses

import pytest

from bot.safety import detect
from bot.safety.classifier import NONE, SafetyClassifier, load_classifier, load_config, load_examples
from bot.safety.classifier_cv import near_duplicate_groups

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def small_model(config):
    examples = load_examples(config)[::3]   # a third of the data keeps the test fast
    return SafetyClassifier.fit(config, examples)


def test_training_data_never_includes_the_new_held_out_set(config):
    sources = {path.name for path in config.jsonl}
    assert "holdout2.jsonl" not in sources
    examples = load_examples(config)
    assert {e.source for e in examples} <= sources | {"cases"}
    labels = {e.label for e in examples}
    assert labels == {"abuse", "self_harm", "minor", "danger", NONE}


def test_training_is_deterministic(config):
    examples = load_examples(config)[::4]
    sample = ["he keeps going when i say stop", "i'm 15", "I'd like to try a blindfold"]
    a = SafetyClassifier.fit(config, examples).probabilities(sample)
    b = SafetyClassifier.fit(config, examples).probabilities(sample)
    assert a == b


def test_anchor_gate_keeps_it_silent_without_a_cue_word(config, small_model):
    eager = SafetyClassifier(dataclasses.replace(config, thresholds={c: 0.0 for c in config.thresholds}),
                             small_model.pipeline)
    assert eager.best([("I'd like to try a blindfold next week", frozenset({"blindfold", "week"}))]) is None
    found = eager.best([("ok", frozenset({"ok"})), ("i want to die", frozenset({"i", "want", "die"}))])
    assert found is not None and found[0] == 1


def test_classifier_hit_carries_the_highest_scoring_sentence_as_span(config, small_model, monkeypatch):
    from bot.safety.detector import _screen

    eager = SafetyClassifier(dataclasses.replace(config, thresholds={c: 0.05 for c in config.thresholds}),
                             small_model.pipeline)
    text = "Hello there. Honestly the pills in the drawer look tempting tonight."
    assert _screen().screen(text, use_classifier=False).hit is None   # the rules miss it
    monkeypatch.setattr(_screen(), "classifier", eager)
    hit = detect(text)
    assert hit is not None and hit.rule == "classifier"
    assert text[hit.start:hit.end] == hit.cue == "Honestly the pills in the drawer look tempting tonight."


def test_fitted_model_is_cached_and_reused(config, tmp_path):
    small = dataclasses.replace(config, enabled=True, jsonl=config.jsonl[:1])
    first = load_classifier(small, cache_dir=tmp_path)
    cached = list(tmp_path.glob("classifier-*.pkl"))
    assert first is not None and len(cached) == 1
    second = load_classifier(small, cache_dir=tmp_path)
    sample = ["i want to die", "he hits me"]
    assert second.probabilities(sample) == first.probabilities(sample)


def test_disabled_classifier_is_not_loaded(config):
    assert load_classifier(dataclasses.replace(config, enabled=False)) is None


def test_near_duplicates_share_a_group():
    groups = near_duplicate_groups(["he hits me", "my boyfriend hits me every day", "he hits me", "i'm 15"])
    assert groups[0] == groups[2] and groups[0] != groups[3]
