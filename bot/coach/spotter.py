"""Where in the user's text the classifier hears a code: guarded, scored units -> spans.

The classifier (``classifier.py``) only gives probabilities. This module decides what it may
look at and where a hit sits, with the same context guards the rules use:

* it scores only the speaker's own words: quoted words, and words after a reporting or
  disowning frame ("my ex always said...", "I'd never want you to feel...") up to the next
  scope break, are taken out before scoring;
* it scores the whole message, every sentence and every clause in one vectoriser call;
* a code counts when the message or one sentence reaches the code's threshold
  (classifier.yml); its span is the best clause if that clause reaches it alone, else the best
  sentence, trimmed of filler ("ok so", "babe", "lol", emoji);
* a unit holding one of the code's exceptions (cues/*.yml: "if you keep asking, I'll leave the
  room" is a boundary, not an ultimatum) does not count for that code.

Kind rules (a code's kinds, requires_after_refusal) and the suppressions of codes.yml are
applied by the analyzer to rule and classifier findings alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from spacy.tokens import Doc, Span

if not Doc.has_extension("coach_negated"):
    Doc.set_extension("coach_negated", default=None)

from bot.coach.classifier import CoachClassifier, TextNormaliser, unit_text
from bot.coach.pipeline import token_flags, token_texts, token_words


@dataclass
class Hit:
    """A code (or a family column, "family:coercion") the classifier hears, and where."""

    score: float
    span: Span
    unit: int


@dataclass
class Units:
    """The scored pieces of one doc: (start token, end token, level) and their probabilities."""

    bounds: list[tuple[int, int, str]]   # level: "message" | "sentence" | "clause"
    sentence_of: list[int]               # for each unit, the index of its sentence unit (0: the message)
    probs: np.ndarray | None = None
    hidden: Sequence[bool] = ()


class Spotter:
    """Turns classifier probabilities into at most one span per code, per message."""

    def __init__(self, classifier: CoachClassifier, thresholds: dict[str, float], normaliser: TextNormaliser,
                 trim_words: Sequence[str], clause_breaks: set[str]):
        self.classifier = classifier
        self.thresholds = thresholds
        self.normaliser = normaliser
        self.trim_words = set(trim_words)
        self.clause_breaks = clause_breaks
        self.codes = [c for c in classifier.codes if c in thresholds]
        self.scored = frozenset(c for c in self.codes if not c.startswith("family:"))  # codes, not family columns
        self.columns = [classifier.index[c] for c in self.codes]
        self._limits = np.array([thresholds[c] for c in self.codes])
        self._fillers: dict[tuple[str, str], bool] = {}

    # ------------------------------------------------------------------ units
    def score(self, items: Sequence[tuple[Doc, Sequence[bool], str, bool]], lazy: bool = True) -> list[Units]:
        """Score many docs in one vectoriser call. Items: (doc, hidden tokens, kind, after_refusal).

        Clauses only choose where a hit sits, never whether there is one, so with ``lazy`` they
        are scored only for docs whose message or a sentence reaches a threshold (a second,
        smaller call); the others keep zeros there. Pass ``lazy=False`` to score with other
        thresholds than the configured ones.
        """
        all_units: list[Units] = []
        texts: list[str] = []
        meta = self.classifier.meta_tokens
        for doc, hidden, kind, after_refusal in items:
            units, unit_texts = build_units(doc, hidden, kind, after_refusal, self.normaliser,
                                            self.clause_breaks, meta, self.classifier.cue_tokens)
            all_units.append(units)
            texts.extend(unit_texts)
        n = len(texts)
        probs = np.zeros((n, len(self.codes)))
        levels = [level for units in all_units for _, _, level in units.bounds]
        first = [i for i in range(n) if not lazy or levels[i] != "clause"]
        self._fill(probs, texts, first)
        if lazy and len(first) < n:
            sizes = [len(units.bounds) for units in all_units]
            starts = np.cumsum([0] + sizes[:-1])
            tops = np.maximum.reduceat(probs, starts, axis=0)   # each doc's best score per code
            reaches = ((tops >= self._limits) & (tops > 0.0)).any(axis=1).tolist()
            later = [i for start, k, reached in zip(starts.tolist(), sizes, reaches) if reached
                     for i in range(start, start + k) if levels[i] == "clause"]
            self._fill(probs, texts, later)
        row = 0
        for units in all_units:
            k = len(units.bounds)
            units.probs = probs[row:row + k]
            row += k
        return all_units

    def _fill(self, probs: np.ndarray, texts: list[str], rows: list[int]) -> None:
        """Probabilities of ``texts[rows]`` into ``probs[rows]``; units with no own words score nothing."""
        rows = [i for i in rows if not texts[i].endswith("\t")]
        if rows:
            probs[rows] = self.classifier.probabilities([texts[i] for i in rows])[:, self.columns]

    # ------------------------------------------------------------------ hits
    def _trim(self, doc: Doc, start: int, end: int, hidden: Sequence[bool]) -> Span | None:
        texts, norms, flags = token_texts(doc), token_words(doc)[0], token_flags(doc)

        def filler(i: int) -> bool:
            return self._filler(texts[i], norms[i], flags[i][0]) or bool(hidden and hidden[i])

        while start < end and filler(start):
            start += 1
        while end > start and filler(end - 1):
            end -= 1
        return doc[start:end] if end > start else None

    def _filler(self, text: str, norm: str, is_punct: bool) -> bool:
        key = (text, norm)
        hit = self._fillers.get(key)
        if hit is None:
            hit = (is_punct or text.isspace() or norm in self.trim_words
                   or not any(ch.isalnum() for ch in text))
            if len(self._fillers) < 100_000:
                self._fillers[key] = hit
        return hit

    def hits(self, doc: Doc, units: Units, blocked: dict[str, list[tuple[int, int]]],
             thresholds: dict[str, float] | None = None) -> dict[str, Hit]:
        """Per code above its threshold: (best score, span). ``blocked``: code -> token ranges of its exceptions.

        ``thresholds`` overrides the configured ones (cross-validation passes 0 to see every score).
        """
        out: dict[str, Hit] = {}
        if units.probs is None or not len(units.bounds):
            return out
        if thresholds is None:
            limits = self._limits
        else:
            limits = np.array([thresholds[c] for c in self.codes])
        tops = units.probs.max(axis=0)
        # Only the codes some unit reaches are looked at in detail.
        for j in np.flatnonzero((tops >= limits) & (tops > 0.0)):
            code = self.codes[j]
            threshold = float(limits[j])
            column = units.probs[:, j].tolist()   # plain floats: read many times below
            stops = blocked.get(code, ())
            best_sent, best_score = -1, -1.0
            msg_ok = True
            single = len(units.bounds) < 2 or units.bounds[1][2] != "sentence"
            for u, (start, end, level) in enumerate(units.bounds):
                if stops and any(start < e and s < end for s, e in stops):
                    if level == "message":
                        msg_ok = False
                    continue
                if level == "sentence" or (level == "message" and single):
                    if column[u] > best_score:
                        best_sent, best_score = u, float(column[u])
            score = max(best_score, float(column[0]) if msg_ok else -1.0)
            if score < threshold or best_sent < 0:
                continue
            # The best clause of that sentence, when it carries the code on its own.
            start, end, _ = units.bounds[best_sent]
            best_unit = best_sent
            clause_score = max(threshold, 1e-9)
            for u, (s, e, level) in enumerate(units.bounds):
                if level == "clause" and units.sentence_of[u] == best_sent and column[u] >= clause_score:
                    if not (stops and any(s < b and a < e for a, b in stops)):
                        best_unit, clause_score = u, float(column[u])
            start, end, _ = units.bounds[best_unit]
            span = self._trim(doc, start, end, units.hidden)
            if span is not None:
                out[code] = Hit(score, span, best_unit)
        return out

    def best_code(self, units: Units, unit: int, candidates: Sequence[str]) -> str | None:
        """The candidate code that scores highest in one unit (to name a family hit)."""
        if units.probs is None:
            return None
        scored = [(float(units.probs[unit, self.codes.index(c)]), c) for c in candidates if c in self.codes]
        return max(scored)[1] if scored else None


MIN_WORDS = 2  # fewer own words than this carry no meaning of their own (a frame's leftovers)


def build_units(doc: Doc, hidden: Sequence[bool], kind: str, after_refusal: bool, normaliser: TextNormaliser,
                clause_breaks: set[str], meta: bool = True, cue_tokens: bool = True,
                message_only: bool = False) -> tuple[Units, list[str]]:
    """The message, its sentences and clauses (own words only), as classifier input texts.

    Training uses the message unit of the same function, so the classifier is trained on
    exactly the kind of text it scores. Cue tokens name the rule cues matched inside a unit
    (``__cue_guilt_trip_hurt_1__``): the classifier learns when a cue is right and when not.
    """
    bounds: list[tuple[int, int, str]] = [(0, len(doc), "message")]
    sentence_of = [0]
    # the tokens' texts and norms as plain lists (reading them off Token objects costs more)
    words_all = token_texts(doc)
    norms = token_words(doc)[0]
    if not message_only:
        sents = [(sent.start, sent.end) for sent in doc.sents]
        for sent_start, sent_end in sents:
            sid = 0
            if len(sents) > 1:  # one sentence: the message is that sentence
                sid = len(bounds)
                bounds.append((sent_start, sent_end, "sentence"))
                sentence_of.append(sid)
            cuts = [i for i in range(sent_start, sent_end) if norms[i] in clause_breaks or words_all[i] in clause_breaks]
            if cuts:
                start = sent_start
                for cut in [*cuts, sent_end]:
                    if cut - start >= 2:
                        bounds.append((start, cut, "clause"))
                        sentence_of.append(sid)
                    start = cut + 1
    cues: list[tuple[str, int, int]] = []
    if cue_tokens:
        negated = doc._.coach_negated or ()
        for key, spans in (doc._.coach_cues or {}).items():
            token = "__cue_" + key.replace("|", "_") + "__"
            cues.extend((token[:-2] + "_negated__" if (sp.start, sp.end) in negated else token, sp.start, sp.end)
                        for sp in spans if not hidden[sp.start])
    has_alnum = [any(ch.isalnum() for ch in w) for w in words_all]
    # Each token normalised once (the normaliser's words never cross a space, so joining the
    # tokens' normal forms is the same as normalising the joined text).
    normal = [normaliser.token(w) for w in words_all]
    texts = []
    for start, end, _ in bounds:
        own = [i for i in range(start, end) if not hidden[i]]
        if sum(has_alnum[i] for i in own) < MIN_WORDS:
            texts.append(unit_text("", kind, after_refusal, meta))
            continue
        extra = sorted({tok for tok, s, e in cues if start <= s and e <= end})
        texts.append(unit_text(" ".join([normal[i] for i in own if normal[i]]), kind, after_refusal, meta, extra))
    return Units(bounds, sentence_of, hidden=hidden), texts
