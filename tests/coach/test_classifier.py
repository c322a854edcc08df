"""The coach's second signal: training, persistence, thresholds from data, guards and spans."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.coach import analyze
from bot.coach.analyzer import Analyzer, default_analyzer
from bot.coach.classifier import (
    ARTEFACT, fingerprint, fit, load, load_config, needs_training, normaliser_for, read_items, thresholds, train,
    training_files, training_texts,
)
from bot.coach.cli import analyze_lines
from bot.coach.knowledge import load_knowledge
from bot.coach.pipeline import CoachPipeline
from bot.paths import DATA_DIR

FAMILY = {c for c, r in load_knowledge().codes.items() if r.family == "coercion"}
# Indirect pressure in a casual register, written for this test (not in any data file).
INDIRECT = [
    ("ask", True, "wow ok. guess what i want just never counts around here"),
    ("ask", False, "soooo i did literally all the planning for your bday... kinda feels like my turn for the rope thing"),
    ("ask", True, "fine. i'll just keep quiet about what i need like always i guess"),
    ("ask", True, "ugh you never say yes to anything i bring up, do you even like me"),
    ("renegotiate", False, "we agreed on weekends but honestly ur being so extra about it, just let it go"),
    ("ask", False, "my last bf never made this much fuss about a blindfold tbh"),
]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """A copy of data/ with a small, fixed training set (fast to train, the same every run)."""
    root = tmp_path_factory.mktemp("data")
    shutil.copy(DATA_DIR / "activities.yml", root / "activities.yml")
    shutil.copytree(DATA_DIR / "coach", root / "coach",
                    ignore=shutil.ignore_patterns("dev.jsonl", "holdout.jsonl", "train"))
    (root / "coach" / "train").mkdir()
    for path in training_files():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:250]
        (root / "coach" / "train" / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_training_is_deterministic(small_data):
    items = read_items(training_files(small_data))
    config, norm = load_config(small_data), normaliser_for(small_data)
    texts = training_texts(items, config, norm, small_data)
    a = fit(items, config, norm, "x", texts=texts)
    b = fit(items, config, norm, "x", texts=texts)
    assert a.codes == b.codes and a.codes
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    probe = texts[:20]
    assert np.array_equal(a.probabilities(probe), b.probabilities(probe))


def test_fast_scoring_equals_the_vectoriser(small_data):
    clf = load(small_data / "models", small_data)
    texts = training_texts(read_items(training_files(small_data))[:50], load_config(small_data),
                           normaliser_for(small_data), small_data)
    x = clf.vectoriser.transform(texts)
    expected = 1 / (1 + np.exp(-(np.asarray(x @ clf.weights) + clf.bias)))
    assert np.allclose(clf.probabilities(texts), expected, atol=1e-6)


def test_artefact_is_built_then_rebuilt_when_stale(small_data, tmp_path):
    out = tmp_path / "models"
    assert needs_training(out, small_data)
    path = train(out, small_data)
    assert path == out / ARTEFACT and path.exists()
    assert not needs_training(out, small_data)
    # A teammate commits a new batch of training data: the artefact is stale ...
    extra = {"text": "you'd do it if you cared even a little", "kind": "ask", "after_refusal": False,
             "codes": ["guilt_trip"], "forbidden": []}
    train_file = small_data / "coach" / "train" / "concerns.jsonl"
    before = train_file.read_text(encoding="utf-8")
    try:
        train_file.write_text(before + json.dumps(extra) + "\n", encoding="utf-8")
        assert needs_training(out, small_data)
        # ... and loading retrains it once, in-process, and saves it.
        clf = load(out, small_data)
        assert clf.fingerprint == fingerprint(small_data)
        assert not needs_training(out, small_data)
        assert clf.trained_on == len(read_items(training_files(small_data)))
    finally:
        train_file.write_text(before, encoding="utf-8")


def test_a_half_written_training_line_is_skipped(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "you owe me", "kind": "ask", "codes": ["scorekeeping"]}\n{"text": "half', encoding="utf-8")
    assert [i["text"] for i in read_items([path])] == ["you owe me"]


def test_thresholds_come_from_the_data_file(small_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_data, data)
    cfg_path = data / "coach" / "classifier.yml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    cfg["thresholds"] = {"guilt_trip": 0.123}
    cfg["default_threshold"] = 0.777
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    got = thresholds(data)
    assert got["guilt_trip"] == 0.123 and got["demand"] == 0.777
    # The analyzer uses them: a code nobody can reach is never reported by the classifier.
    clf = load(tmp_path / "models", data)
    pipeline = CoachPipeline(str(data))
    never = Analyzer(pipeline, clf, dict.fromkeys(clf.codes, 1.01))
    rules = Analyzer(pipeline, None)
    for kind, ar, text in INDIRECT:
        assert never.find(text, kind, ar)[1].keys() == rules.find(text, kind, ar)[1].keys()


def _classifier_only(kind, after_refusal, text):
    analyzer = default_analyzer()
    rules = Analyzer(analyzer.pipeline, None)
    _, by_rules = rules.find(text, kind, after_refusal)
    a = analyze(text, kind, after_refusal)
    return a, [f for f in a.findings if f.code not in by_rules]


def test_classifier_finds_indirect_pressure_the_rules_miss():
    rules = Analyzer(default_analyzer().pipeline, None)
    missed = [case for case in INDIRECT if not set(rules.find(case[2], case[0], case[1])[1]) & FAMILY]
    assert len(missed) >= 3, "the rules now catch most of INDIRECT: add subtler examples"
    found = sum(bool({f.code for f in _classifier_only(*case)[1]} & FAMILY) for case in missed)
    assert found >= len(missed) // 2, (found, missed)


@pytest.mark.parametrize("kind,after_refusal,text", INDIRECT)
def test_classifier_findings_have_span_explanation_and_a_rewrite_that_fixes_them(kind, after_refusal, text):
    a, extra = _classifier_only(kind, after_refusal, text)
    codes = load_knowledge().codes
    for f in extra:
        piece = text[f.start:f.end]
        assert piece and piece == piece.strip() and piece[0].isalnum(), piece
        assert f.explanation == codes[f.code].explanation(kind)
        if f.polarity == "concern":
            assert f.suggestion
            again = analyze(f.suggestion, kind, after_refusal)
            assert f.code not in again.codes, (f.code, f.suggestion, sorted(again.codes))
            assert not (again.codes & FAMILY), (f.code, f.suggestion, sorted(again.codes))


@pytest.mark.parametrize("direct,framed", [
    ("if you loved me you'd do it, you owe me", 'my friend\'s boyfriend always says "if you loved me you\'d do it, you owe me"'),
    ("you have to let me, it's not a big deal", "I'd never want you to feel you have to let me, it's not a big deal"),
])
def test_quoted_and_disowned_words_are_not_scored_as_the_speakers(direct, framed):
    analyzer = default_analyzer()
    limits = thresholds()
    direct_scores = analyzer.classifier_scores(analyzer.pipeline(direct), "ask", False)
    framed_scores = analyzer.classifier_scores(analyzer.pipeline(framed), "ask", False)
    assert any(direct_scores.get(c, 0) >= limits[c] for c in FAMILY), direct_scores
    assert not any(framed_scores.get(c, 0) >= limits[c] for c in FAMILY), framed_scores
    hits, _ = analyzer._classifier_hits(analyzer.pipeline(framed), None, "ask", False,
                                        analyzer._context(analyzer.pipeline(framed)))
    assert not set(hits) & FAMILY


def test_no_pressure_codes_while_refusing():
    for text in ["if you film me without asking, we're finished", "ugh that's so gross, no", "no, and stop asking"]:
        assert not analyze(text, "refuse", True).codes & FAMILY


def test_batch_analysis_equals_one_by_one():
    lines = [line for line in (DATA_DIR / "coach" / "dev.jsonl").read_text(encoding="utf-8").splitlines()][:120]
    lines += ["{broken", json.dumps({"text": "   "}), json.dumps({"text": "hi", "kind": "nope"})]
    batch = analyze_lines(lines)
    assert len(batch) == len(lines)
    for line, got in zip(lines, batch):
        try:
            item = json.loads(line)
            expected = analyze(item["text"], item.get("kind", "ask"), item.get("after_refusal", False)).to_json()
        except Exception:  # noqa: BLE001 - malformed lines are errors in both
            assert set(got) == {"error"}
            continue
        assert got == expected
