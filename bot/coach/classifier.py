"""The coach's second signal: a small text classifier trained on our own labelled utterances.

Rules catch pressure said in the words the cue files list; people under stress say it in a
thousand other ways ("guess my needs come last again 🙃"). This classifier learns those from
``data/coach/train/*.jsonl`` and scores any piece of text (a whole message, one sentence, one
clause) with a probability per rubric code. It never decides alone what to show: the analyzer
applies the same context guards as for the rules and attaches the span, explanation and rewrite.

Model: one logistic regression per code (one-vs-rest) over TF-IDF word n-grams and in-word
character n-grams of a normalised text (lower case, spelling.yml folds), plus the rehearsal kind
and whether the partner already said no as extra tokens. Hyper-parameters and per-code
thresholds live in ``data/coach/classifier.yml``.

Persisted with joblib in ``models/coach/`` (git-ignored), with a fingerprint of everything it
was trained from; a missing or stale artefact is retrained in-process once and saved.

    from bot.coach.classifier import needs_training, train
    if needs_training(out_dir): train(out_dir)
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import yaml
from scipy.sparse import csr_matrix

from bot.coach.knowledge import load_knowledge
from bot.paths import DATA_DIR, PROJECT_ROOT

_log = logging.getLogger(__name__)

# Bump when the features or the artefact layout change: old artefacts are then retrained.
FEATURES_VERSION = "1"
ARTEFACT = "coach_classifier.joblib"
STAMP = "coach_classifier.fingerprint"
DEFAULT_MODELS_DIR = PROJECT_ROOT / "models" / "coach"

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*|[?!]|[^\s\w,.;:'\"’“”()\-]", re.UNICODE)
_SUFFIXES = (("n't", "not"), ("'d", "would"), ("'ll", "will"), ("'m", "am"), ("'ve", "have"), ("'re", "are"),
             ("'s", "is"))
_STEMS = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}


# ---------------------------------------------------------------------------- text
class TextNormaliser:
    """Lower case, contractions and everyday spellings folded exactly as ``spelling.yml`` says.

    "Ur not even gonna TRY it?" -> "your not even going try it ?". Cached per word (fast).
    """

    def __init__(self, norms: dict[str, str], splits: dict[str, list[list[str]]]):
        self.norms = dict(norms)
        self.splits = {w: [norm for _, norm in pieces] for w, pieces in splits.items()}
        self._cache: dict[str, tuple[str, ...]] = {}
        self._tokens: dict[str, str] = {}

    def word(self, raw: str) -> tuple[str, ...]:
        hit = self._cache.get(raw)
        if hit is not None:
            return hit
        word = raw.replace("’", "'")
        out: list[str] = []
        if word in self.splits:
            out = [self.norms.get(p, p) for p in self.splits[word]]
        else:
            tail = ""
            for suffix, full in _SUFFIXES:
                if word.endswith(suffix) and len(word) > len(suffix):
                    word, tail = word[: -len(suffix)], full
                    word = _STEMS.get(word, word) if suffix == "n't" else word
                    break
            word = word.replace("'", "")
            if word:
                folded = self.norms.get(word, word)
                out.extend(folded.split())
            if tail:
                out.append(tail)
        result = tuple(out)
        if len(self._cache) < 200_000:
            self._cache[raw] = result
        return result

    def token(self, text: str) -> str:
        """``self(text)`` for one token's text, cached (tokens repeat far more than texts)."""
        hit = self._tokens.get(text)
        if hit is None:
            hit = self(text)
            if len(self._tokens) < 200_000:
                self._tokens[text] = hit
        return hit

    def __call__(self, text: str) -> str:
        words: list[str] = []
        for m in _WORD.finditer(text.lower()):
            words.extend(self.word(m.group()))
        return " ".join(words)


def unit_text(normalised: str, kind: str, after_refusal: bool, meta: bool = True,
              extra: Sequence[str] = ()) -> str:
    """One classifier input: the meta tokens (and any extra tokens), a tab, and the normalised words.

    An empty ``normalised`` gives a text ending in a tab, which scores nothing.
    """
    if not normalised:
        return "\t"
    tokens = list(extra)
    if meta:
        ar = "after" if after_refusal else "before"
        tokens += [f"__kind_{kind}__", f"__{ar}_refusal__", f"__{kind}_{ar}__"]
    return " ".join(tokens) + "\t" + normalised


class Features:
    """The analyzer for the TF-IDF vectoriser: meta tokens, word n-grams, in-word char n-grams.

    A module-level class (not a lambda) so the fitted vectoriser pickles; the character
    n-grams of each word are cached, which makes transforming short texts cheap.
    """

    def __init__(self, word_ngrams: Sequence[int], char_ngrams: Sequence[int]):
        self.word_ngrams = (int(word_ngrams[0]), int(word_ngrams[1]))
        self.char_ngrams = (int(char_ngrams[0]), int(char_ngrams[1]))
        self._chars: dict[str, list[str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"word_ngrams": self.word_ngrams, "char_ngrams": self.char_ngrams}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.word_ngrams, self.char_ngrams = state["word_ngrams"], state["char_ngrams"]
        self._chars = {}

    def _char_grams(self, word: str) -> list[str]:
        grams = self._chars.get(word)
        if grams is None:
            padded = f" {word} "
            lo, hi = self.char_ngrams
            grams = ["#" + padded[i:i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]
            if len(self._chars) < 200_000:
                self._chars[word] = grams
        return grams

    def __call__(self, doc: str) -> list[str]:
        meta, _, text = doc.partition("\t")
        out = meta.split()
        words = text.split()
        lo, hi = self.word_ngrams
        for n in range(lo, hi + 1):
            if n == 1:
                out.extend(words)
            else:
                out.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        if self.char_ngrams[0] > 0:
            for w in words:
                out.extend(self._char_grams(w))
        return out

    def counts(self, doc: str) -> dict[str, int]:
        """The same features as ``__call__``, counted (fast path for single characters)."""
        if self.char_ngrams != (1, 1):
            return Counter(self(doc))
        meta, _, text = doc.partition("\t")
        words = text.split()
        lo, hi = self.word_ngrams
        grams = meta.split()
        for n in range(max(lo, 1), hi + 1):
            if n == 1:
                grams.extend(words)
            else:
                grams.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        out = Counter(grams)
        for ch, c in Counter("".join(words)).items():
            key = "#" + ch
            out[key] = out.get(key, 0) + c
        if words:
            out["# "] = out.get("# ", 0) + 2 * len(words)
        return out


# ---------------------------------------------------------------------------- data
def _data_root(data_dir: str | Path | None) -> Path:
    return Path(data_dir) if data_dir else DATA_DIR


def load_config(data_dir: str | Path | None = None) -> dict[str, Any]:
    """``data/coach/classifier.yml`` as a dict (model, tuning, thresholds, default_threshold)."""
    path = _data_root(data_dir) / "coach" / "classifier.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc.get("model"), dict):
        raise ValueError(f"{path}: needs a 'model' section")
    doc["thresholds"] = {str(k): float(v) for k, v in (doc.get("thresholds") or {}).items()}
    doc["default_threshold"] = float(doc.get("default_threshold", 0.5))
    return doc


def training_files(data_dir: str | Path | None = None) -> list[Path]:
    return sorted((_data_root(data_dir) / "coach" / "train").glob("*.jsonl"))


def read_items(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Labelled utterances from JSONL files; a line that is not a usable item is skipped, with a log line.

    The training files are written while the coach runs, so a half-written last line must not
    stop the coach; duplicate texts (same kind and after_refusal) are kept once.
    """
    items, seen = [], set()
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                _log.warning("%s:%d: not valid JSON, skipped", path.name, n)
                continue
            if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
                continue
            kind = item.get("kind", "ask")
            key = (item["text"].strip().lower(), kind, bool(item.get("after_refusal")))
            if key in seen:
                continue
            seen.add(key)
            items.append({"text": item["text"], "kind": kind, "after_refusal": bool(item.get("after_refusal")),
                          "codes": [c for c in item.get("codes", []) if isinstance(c, str)]})
    return items


def fingerprint(data_dir: str | Path | None = None) -> str:
    """A hash of everything the artefact depends on: training files, spelling, model settings."""
    root = _data_root(data_dir)
    digest = hashlib.sha256(f"features={FEATURES_VERSION}".encode())
    import sklearn

    digest.update(f"sklearn={sklearn.__version__}".encode())
    digest.update(json.dumps(load_config(root)["model"], sort_keys=True).encode())
    coach = root / "coach"
    # The rule cues are features too (cue tokens), so the cue files are inputs of the artefact.
    inputs = [*training_files(root), coach / "spelling.yml", coach / "codes.yml", coach / "context.yml",
              *sorted((coach / "cues").glob("*.yml"))]
    if (coach / "common_words.txt").exists():
        inputs.append(coach / "common_words.txt")
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _codes(data_dir: str | Path | None) -> list[str]:
    return list(load_knowledge(str(data_dir) if data_dir else None).codes)


def normaliser_for(data_dir: str | Path | None = None) -> TextNormaliser:
    k = load_knowledge(str(data_dir) if data_dir else None)
    return TextNormaliser(k.spelling_norms, k.spelling_splits)


# ---------------------------------------------------------------------------- model
@dataclass
class CoachClassifier:
    """A fitted classifier: ``probabilities(units)`` -> array (units x codes)."""

    codes: list[str]
    vectoriser: Any
    weights: np.ndarray        # (features, codes), dense
    bias: np.ndarray           # (codes,)
    fingerprint: str
    meta_tokens: bool = True
    trained_on: int = 0
    cue_tokens: bool = True

    def __post_init__(self) -> None:
        self.index = {c: i for i, c in enumerate(self.codes)}
        self._fast()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fast()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_f_")}

    def _fast(self) -> None:
        """Plain lookups for :meth:`probabilities` (sklearn's transform costs ~0.5 ms a call)."""
        v = self.vectoriser
        self._f_vocab: dict[str, int] = dict(v.vocabulary_)
        self._f_idf = np.asarray(v.idf_, dtype=np.float64)
        self._f_sublinear = bool(v.sublinear_tf)
        self._f_analyzer = v.analyzer
        self._f_chars: dict[str, int | None] = {}   # character -> index of its "#c" feature
        self._f_space = self._f_vocab.get("# ")
        self._f_rows: dict[str, np.ndarray] = {}

    def _slow_counts(self, unit: str) -> dict[int, int]:
        vocab = self._f_vocab
        counts: dict[int, int] = {}
        for feature, c in self._f_analyzer.counts(unit).items():
            j = vocab.get(feature)
            if j is not None:
                counts[j] = counts.get(j, 0) + c
        return counts

    def _indexed_counts(self, unit: str) -> dict[int, int]:
        """Feature index -> count for one unit, the same as ``Features.counts`` looked up in the vocabulary.

        Faster: the in-word character unigrams of all words are counted in one pass (the
        words hold no spaces, so that is the sum of each word's counts), and an n-gram is only
        looked up when its (n-1)-grams are in the vocabulary (min_df keeps no n-gram whose
        parts it dropped).
        """
        vocab = self._f_vocab
        char_index = self._f_chars
        meta, _, text = unit.partition("\t")
        counts: dict[int, int] = {}
        for g in meta.split():
            j = vocab.get(g)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        words = text.split()
        hi = self._f_analyzer.word_ngrams[1]
        known: list[bool] = []
        for w in words:
            j = vocab.get(w)
            known.append(j is not None)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        for ch, c in Counter("".join(words)).items():
            jc = char_index.get(ch, -1)
            if jc == -1:
                jc = vocab.get("#" + ch)
                if len(char_index) < 20_000:
                    char_index[ch] = jc
            if jc is not None:
                counts[jc] = counts.get(jc, 0) + c
        if words and self._f_space is not None:
            counts[self._f_space] = counts.get(self._f_space, 0) + 2 * len(words)
        n = len(words)
        if hi >= 2:
            bigram_ok = [False] * n
            for i in range(n - 1):
                if known[i] and known[i + 1]:
                    j = vocab.get(words[i] + " " + words[i + 1])
                    if j is not None:
                        bigram_ok[i] = True
                        counts[j] = counts.get(j, 0) + 1
            if hi >= 3:
                for i in range(n - 2):
                    if bigram_ok[i] and bigram_ok[i + 1]:
                        j = vocab.get(words[i] + " " + words[i + 1] + " " + words[i + 2])
                        if j is not None:
                            counts[j] = counts.get(j, 0) + 1
            for size in range(4, hi + 1):  # longer n-grams than trigrams: plain lookups
                for i in range(n - size + 1):
                    j = vocab.get(" ".join(words[i:i + size]))
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
        return counts

    ROWS_KEPT = 50_000  # unit texts whose probabilities are remembered

    def probabilities(self, units: Sequence[str]) -> np.ndarray:
        """Probabilities (units x codes) for already-built unit texts (see :func:`unit_text`).

        A unit's row depends on its text alone (never on the other units of the call), so rows
        are remembered per text: clauses repeat across messages ("what do you think?") and a
        rewrite that is re-checked repeats most of the units of the message it came from.
        """
        rows = self._f_rows
        if len(rows) > self.ROWS_KEPT:
            rows.clear()
        todo = list(dict.fromkeys(u for u in units if u not in rows))
        if todo:
            for unit, row in zip(todo, self._compute(todo)):
                rows[unit] = row
        if not units:
            return np.zeros((0, len(self.codes)))
        return np.array([rows[u] for u in units])

    def _compute(self, units: Sequence[str]) -> np.ndarray:
        """The probabilities of ``units``, computed: the same numbers as ``vectoriser.transform``
        (TF-IDF, l2-normalised) followed by the logistic regressions, with dictionary lookups and
        one numpy pass per call.
        """
        n = len(units)
        z = np.tile(self.bias, (n, 1)) if n else np.zeros((0, len(self.codes)))
        if not n:
            return z
        vocab, analyzer = self._f_vocab, self._f_analyzer
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        fast = analyzer.char_ngrams == (1, 1) and analyzer.word_ngrams[0] == 1
        for r, unit in enumerate(units):
            counts = self._indexed_counts(unit) if fast else self._slow_counts(unit)
            rows.extend([r] * len(counts))
            cols.extend(counts)
            tfs.extend(counts.values())
        if cols:
            col = np.fromiter(cols, dtype=np.int64, count=len(cols))
            row = np.fromiter(rows, dtype=np.int64, count=len(rows))
            tf = np.fromiter(tfs, dtype=np.float64, count=len(tfs))
            if self._f_sublinear:
                tf = 1.0 + np.log(tf)
            val = tf * self._f_idf[col]
            norms = np.sqrt(np.bincount(row, weights=val * val, minlength=n))
            val = val / norms[row]
            # the sparse (units x features) matrix times the weights, in scipy's C loop
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
            z += csr_matrix((val, col, indptr), shape=(n, len(self._f_idf))) @ self.weights
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def training_texts(items: Sequence[dict[str, Any]], config: dict[str, Any], normaliser: TextNormaliser,
                   data_dir: str | Path | None = None) -> list[str]:
    """Each item as the classifier sees a whole message at run time (own words, meta and cue tokens)."""
    from bot.coach.analyzer import Analyzer  # local: the analyzer imports this module
    from bot.coach.pipeline import coach_pipeline
    from bot.coach.spotter import build_units

    model = config["model"]
    pipeline = coach_pipeline(str(data_dir) if data_dir else None)
    rules = Analyzer(pipeline, None)
    texts = []
    for item, doc in zip(items, pipeline.pipe([i["text"] for i in items])):
        _, hidden, _, _ = rules.prepare(doc, item["kind"], item["after_refusal"])
        _, unit_texts = build_units(doc, hidden, item["kind"], item["after_refusal"], normaliser,
                                    pipeline.knowledge.clause_breaks, bool(model.get("meta_tokens", True)),
                                    bool(model.get("cue_tokens", True)), message_only=True)
        texts.append(unit_texts[0])
    return texts


def fit(items: Sequence[dict[str, Any]], config: dict[str, Any], normaliser: TextNormaliser,
        fingerprint_value: str = "", code_order: Sequence[str] | None = None,
        texts: Sequence[str] | None = None, data_dir: str | Path | None = None) -> CoachClassifier:
    """Fit the classifier on labelled items (``texts``: their prebuilt inputs). Deterministic."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    model = config["model"]
    meta = bool(model.get("meta_tokens", True))
    counts: dict[str, int] = {}
    knowledge = load_knowledge()
    known = list(code_order or knowledge.codes)
    # A family column ("family:coercion") learns the whole family at once: more examples per
    # column, so pressure said in a way no single code has seen often still scores.
    family_of = {c: r.family for c, r in knowledge.codes.items()}
    labels = [set(i["codes"]) | {f"family:{family_of[c]}" for c in i["codes"] if c in family_of} for i in items]
    for lab in labels:
        for c in lab:
            counts[c] = counts.get(c, 0) + 1
    known += [f"family:{f}" for f in model.get("families", [])]
    codes = [c for c in known if counts.get(c, 0) >= int(model.get("min_positives", 8))
             and counts.get(c, 0) < len(items)]
    if texts is None:
        texts = training_texts(items, config, normaliser, data_dir)
    vectoriser = TfidfVectorizer(analyzer=Features(model.get("word_ngrams", [1, 3]), model.get("char_ngrams", [2, 5])),
                                 min_df=int(model.get("min_df", 1)), sublinear_tf=bool(model.get("sublinear_tf", True)),
                                 lowercase=False, dtype=np.float32)
    x = vectoriser.fit_transform(list(texts)) if len(texts) else None
    n_features = x.shape[1] if x is not None else 0
    weights = np.zeros((n_features, len(codes)), dtype=np.float64)
    bias = np.zeros(len(codes))
    for j, code in enumerate(codes):
        y = np.array([code in lab for lab in labels], dtype=int)
        lr = LogisticRegression(C=float(model.get("C", 4.0)), class_weight=model.get("class_weight") or None,
                                max_iter=int(model.get("max_iter", 2000)), solver="liblinear",
                                random_state=int(model.get("seed", 13)))
        lr.fit(x, y)
        weights[:, j] = lr.coef_[0]
        bias[j] = lr.intercept_[0]
    return CoachClassifier(codes, vectoriser, weights, bias, fingerprint_value, meta, len(items),
                           bool(model.get("cue_tokens", True)))


# ---------------------------------------------------------------------------- persist
def needs_training(out_dir: str | Path | None = None, data_dir: str | Path | None = None) -> bool:
    """True when the artefact in ``out_dir`` is missing or was trained from other data."""
    out = Path(out_dir) if out_dir else DEFAULT_MODELS_DIR
    stamp = out / STAMP
    if not (out / ARTEFACT).exists() or not stamp.exists():
        return True
    return stamp.read_text(encoding="utf-8").strip() != fingerprint(data_dir)


def train(out_dir: str | Path | None = None, data_dir: str | Path | None = None) -> Path:
    """Train on ``data/coach/train/*.jsonl`` and save the artefact in ``out_dir``; return its path."""
    import joblib

    out = Path(out_dir) if out_dir else DEFAULT_MODELS_DIR
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    fp = fingerprint(data_dir)
    items = read_items(training_files(data_dir))
    clf = fit(items, load_config(data_dir), normaliser_for(data_dir), fp, _codes(data_dir), data_dir=data_dir)
    target = out / ARTEFACT
    # Write to a temporary file and rename, so a process that loads meanwhile never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".coach_classifier.", suffix=".tmp")
    os.close(fd)
    joblib.dump(clf, tmp, compress=3)
    os.replace(tmp, target)
    (out / STAMP).write_text(fp + "\n", encoding="utf-8")
    _log.info("coach classifier trained on %d utterances (%d codes) in %.1f s: %s",
              len(items), len(clf.codes), time.monotonic() - started, target)
    return target


def load(out_dir: str | Path | None = None, data_dir: str | Path | None = None) -> CoachClassifier | None:
    """The trained classifier; trained and saved first when missing or stale (one log line).

    Returns None when there is no training data at all (the coach then runs on rules alone).
    """
    import joblib

    out = Path(out_dir) if out_dir else DEFAULT_MODELS_DIR
    if not training_files(data_dir):
        _log.warning("no coach training files; the coach runs on its rules alone")
        return None
    expected = fingerprint(data_dir)
    clf = None
    if (out / ARTEFACT).exists():
        try:
            clf = joblib.load(out / ARTEFACT)
        except Exception:  # noqa: BLE001 - a broken artefact is rebuilt, not fatal
            _log.warning("coach classifier artefact unreadable; retraining")
            clf = None
    if clf is None or getattr(clf, "fingerprint", None) != expected:
        reason = "missing" if clf is None else "stale"
        _log.warning("coach classifier %s in %s; training it now (a few seconds)", reason, out)
        try:
            path = train(out, data_dir)
            clf = joblib.load(path)
        except OSError:
            # A read-only checkout still gets a classifier, kept in memory for this process.
            clf = fit(read_items(training_files(data_dir)), load_config(data_dir), normaliser_for(data_dir), expected,
                      _codes(data_dir), data_dir=data_dir)
    return clf


def thresholds(data_dir: str | Path | None = None) -> dict[str, float]:
    """Per-code probability thresholds from classifier.yml (codes not listed use the default)."""
    cfg = load_config(data_dir)
    default = cfg["default_threshold"]
    names = list(load_knowledge(str(data_dir) if data_dir else None).codes)
    names += [f"family:{f}" for f in cfg["model"].get("families", [])]
    return {code: cfg["thresholds"].get(code, default) for code in names}


@lru_cache(maxsize=4)
def default_classifier(data_dir: str | None = None, out_dir: str | None = None) -> CoachClassifier | None:
    return load(out_dir, data_dir)
