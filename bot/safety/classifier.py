"""A second, high-recall safety signal: a small text classifier behind lexical anchors.

Why: the rules read meaning frames and are precise, but a disclosure in wording nobody
wrote a frame for slips through. A character + word n-gram logistic regression trained
on every labelled safety item generalises over spelling and phrasing. It only ever adds
a hit the rules missed, only in a sentence that holds one of its category's anchor words
(``data/safety/classifier.yml``), and every hit carries the sentence that scored highest
as its span, so the caller can show exactly what was read.

Training is deterministic and takes about a second; it happens at first use and the
fitted model is cached under ``models/safety/`` (git-ignored), keyed by a hash of the
training data and the settings, so editing either retrains on the next start.
"""
from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from bot.paths import PROJECT_ROOT
from bot.safety.rules import CATEGORIES, SAFETY_DIR
from bot.safety.yaml_io import safe_load

CONFIG_PATH = SAFETY_DIR / "classifier.yml"
CACHE_DIR = PROJECT_ROOT / "models" / "safety"
NONE = "none"


@dataclass(frozen=True)
class Example:
    text: str
    label: str          # a category or NONE
    source: str


@dataclass(frozen=True)
class ClassifierConfig:
    enabled: bool
    thresholds: dict[str, float]
    anchors: dict[str, frozenset[str]]
    char_ngrams: tuple[int, int]
    word_ngrams: tuple[int, int]
    C: float
    seed: int
    cases: Path | None
    jsonl: tuple[Path, ...]


def load_config(path: Path = CONFIG_PATH) -> ClassifierConfig:
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    thresholds = {c: float((data.get("thresholds") or {}).get(c, 1.01)) for c in CATEGORIES}
    anchors = {c: frozenset(str(w).lower() for w in (data.get("anchors") or {}).get(c) or ())
               for c in CATEGORIES}
    model = data.get("model") or {}
    sources = data.get("sources") or {}
    return ClassifierConfig(
        enabled=bool(data.get("enabled", False)),
        thresholds=thresholds,
        anchors=anchors,
        char_ngrams=tuple(model.get("char_ngrams", (2, 5))),
        word_ngrams=tuple(model.get("word_ngrams", (1, 2))),
        C=float(model.get("C", 4.0)),
        seed=int(model.get("seed", 0)),
        cases=PROJECT_ROOT / sources["cases"] if sources.get("cases") else None,
        jsonl=tuple(PROJECT_ROOT / p for p in sources.get("jsonl") or ()),
    )


def load_examples(config: ClassifierConfig) -> list[Example]:
    """Every labelled item in the configured sources (order is stable)."""
    examples: list[Example] = []
    if config.cases is not None and config.cases.exists():
        cases = safe_load(config.cases.read_text(encoding="utf-8")) or {}
        for category in CATEGORIES:
            examples += [Example(str(t), category, "cases") for t in cases.get(category) or ()]
        examples += [Example(str(t), NONE, "cases") for t in cases.get("near_misses") or ()]
    for path in config.jsonl:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            label = item["expected"] if "expected" in item else item.get("safety")
            label = label if label in CATEGORIES else NONE
            examples.append(Example(str(item.get("text", "")), label, path.name))
    return [e for e in examples if e.text.strip()]


class SafetyClassifier:
    """Fitted model + thresholds + anchors; ``score`` reads one sentence."""

    def __init__(self, config: ClassifierConfig, pipeline) -> None:
        self.config = config
        self.pipeline = pipeline
        self.classes = list(pipeline.classes_)

    @staticmethod
    def build_pipeline(config: ClassifierConfig):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        features = FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=config.char_ngrams,
                                      lowercase=True, sublinear_tf=True, min_df=1)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=config.word_ngrams,
                                      lowercase=True, sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w+\b")),
        ])
        model = LogisticRegression(C=config.C, max_iter=2000, class_weight="balanced",
                                   random_state=config.seed)
        return Pipeline([("features", features), ("model", model)])

    @classmethod
    def fit(cls, config: ClassifierConfig, examples: Sequence[Example]) -> "SafetyClassifier":
        pipeline = cls.build_pipeline(config)
        pipeline.fit([e.text for e in examples], [e.label for e in examples])
        return cls(config, pipeline)

    def probabilities(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        if not sentences:
            return []
        rows = self.pipeline.predict_proba(list(sentences))
        return [dict(zip(self.classes, map(float, row))) for row in rows]

    def best(self, sentences: Sequence[tuple[str, frozenset[str]]]) -> tuple[int, str, float] | None:
        """(sentence index, category, probability) of the strongest anchored sentence
        at or above its threshold, or None. Each sentence comes with its word set."""
        anchored = [(i, text, [c for c in CATEGORIES if not self.config.anchors[c].isdisjoint(words)])
                    for i, (text, words) in enumerate(sentences)]
        anchored = [a for a in anchored if a[2]]
        if not anchored:
            return None
        found = None
        for (index, _, categories), probs in zip(anchored, self.probabilities([a[1] for a in anchored])):
            for category in categories:
                p = probs.get(category, 0.0)
                if p >= self.config.thresholds[category] and (found is None or p > found[2]):
                    found = (index, category, p)
        return found


def _fingerprint(config: ClassifierConfig, examples: Iterable[Example]) -> str:
    import sklearn

    digest = hashlib.sha256()
    digest.update(repr((config.char_ngrams, config.word_ngrams, config.C, config.seed,
                        sklearn.__version__)).encode())
    for e in examples:
        digest.update(f"{e.label}\t{e.text}\n".encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


def load_classifier(config: ClassifierConfig | None = None,
                    cache_dir: Path = CACHE_DIR) -> SafetyClassifier | None:
    """The fitted classifier (from the cache when the data has not changed), or None
    when it is disabled or scikit-learn is missing: the rules still run alone."""
    config = config or load_config()
    if not config.enabled:
        return None
    try:
        import sklearn  # noqa: F401
    except ImportError:   # pragma: no cover - sklearn is installed in the project venv
        return None
    examples = load_examples(config)
    path = cache_dir / f"classifier-{_fingerprint(config, examples)}.pkl"
    if path.exists():
        try:
            with path.open("rb") as handle:
                pipeline = pickle.load(handle)
            return SafetyClassifier(config, pipeline)
        except Exception:  # a corrupt or stale cache file: train again
            pass
    classifier = SafetyClassifier.fit(config, examples)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("classifier-*.pkl"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(classifier.pipeline, handle)
        tmp.replace(path)
    except OSError:
        pass   # a read-only checkout still works, it just trains at each start
    return classifier
