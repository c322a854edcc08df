"""The phrasing analyzer: cue matches + context rules -> rubric findings with spans.

The cue matches come from the spaCy components in ``pipeline.py``; this module decides which
matches are the speaker's own words (not quoted, reported, negated or disowned), which apply
to this rehearsal kind, and turns them into findings with a warm explanation and a rewrite.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any, Sequence

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.coach.classifier import CoachClassifier, TextNormaliser
from bot.coach.knowledge import CodeRule, Knowledge, check_kind_name
from bot.coach.model import Analysis, Finding
from bot.coach.pipeline import CoachPipeline, coach_pipeline, token_flags, token_texts, token_words
from bot.coach.spotter import Hit, Spotter, Units

MAX_CHARS = 20_000
_log = logging.getLogger(__name__)
_QUOTES = re.compile(r'"[^"\n]{1,400}"|“[^”\n]{1,400}”|‘[^’\n]{1,400}’|(?<![\w\'])\'[^\n]{1,400}?\'(?![\w])')


check_kind = check_kind_name


class Analyzer:
    """Turns one utterance into an :class:`Analysis`. Build once; call many times."""

    def __init__(self, pipeline: CoachPipeline, classifier: "CoachClassifier | None" = None,
                 thresholds: dict[str, float] | None = None):
        self.pipeline = pipeline
        self.k: Knowledge = pipeline.knowledge
        from bot.coach.rewrite import Rewriter  # local: the rewriter calls back into us

        self.rewriter = Rewriter(self.k, self)
        self.spotter: Spotter | None = None
        self.count_min_words: dict[str, int] = {}
        if classifier is not None:
            from bot.coach.classifier import load_config, thresholds as load_thresholds

            data_dir = str(self.k.data_dir)
            # Counting codes are about an amount ("sorry" once is not over-apologizing): the
            # classifier alone reports one only in a message of at least this many words.
            self.count_min_words = {str(k): int(v) for k, v in
                                    (load_config(data_dir).get("count_min_words") or {}).items()}
            self.spotter = Spotter(classifier, thresholds or load_thresholds(data_dir),
                                   TextNormaliser(self.k.spelling_norms, self.k.spelling_splits),
                                   load_config(data_dir).get("span_trim", []),
                                   self.k.clause_breaks)

    # ---------------------------------------------------------------- context
    def _quoted_ranges(self, text: str) -> list[tuple[int, int]]:
        stripped = text.strip()
        out = []
        for m in _QUOTES.finditer(text):
            # A message that is only a quote is the user's own line, typed in quotes.
            if m.end() - m.start() >= 0.9 * len(stripped):
                continue
            # One quoted word names a word ("I can say 'red' to stop"); it reports nobody's speech.
            if len(m.group()[1:-1].split()) < 2:
                continue
            out.append((m.start(), m.end()))
        return out

    def _context(self, doc: Doc) -> dict:
        """Sentences, breaks, frames and quotes of a doc (computed once per doc)."""
        cached = doc.user_data.get("coach_context")
        if cached is None:
            cached = doc.user_data["coach_context"] = self._build_context(doc)
        return cached

    def _build_context(self, doc: Doc) -> dict:
        cues = doc._.coach_cues or {}
        sent_of, sentence = [], -1   # each token's sentence index, as doc.sents counts them
        for i, (_, starts_sentence) in enumerate(token_flags(doc)):
            sentence += starts_sentence or i == 0
            sent_of.append(sentence)
        norms, texts = token_words(doc)[0], token_texts(doc)
        scope, clause = self.k.scope_breaks, self.k.clause_breaks
        breaks = [i for i, norm in enumerate(norms) if norm in scope]
        clause_breaks = {i for i, (norm, text) in enumerate(zip(norms, texts)) if norm in clause or text in clause}
        frames = cues.get("ctx|disowning|0", []) + cues.get("ctx|reporting|0", [])
        by_code: dict[str, list[tuple[str, str, list[Span]]]] = {}
        for key, spans in cues.items():
            code, cue_set, weight = key.split("|")
            by_code.setdefault(code, []).append((cue_set, weight, spans))
        return {"sent_of": sent_of, "breaks": breaks, "clause_breaks": clause_breaks, "frames": frames,
                "quotes": self._quoted_ranges(doc.text), "by_code": by_code}

    def _hidden(self, doc: Doc, ctx: dict) -> list[bool]:
        """Tokens that are not the speaker's own words: quoted, or in a reporting/disowning frame's reach."""
        hidden = [False] * len(doc)
        for qs, qe in ctx["quotes"]:
            for t in doc:
                if qs <= t.idx and t.idx + len(t) <= qe:
                    hidden[t.i] = True
        # Cues that are negated right before them ("not everyone does") are marked for the classifier.
        doc._.coach_negated = {(sp.start, sp.end) for spans in (doc._.coach_cues or {}).values()
                               for sp in spans if self._negated(sp, ctx)}
        breaks = set(ctx["breaks"])
        subject_words = self._frame_subject_words()
        for frame in ctx["frames"]:
            sent = doc[frame.start].sent
            # The frame's subject ("my friend's boyfriend" always says...) is part of the report.
            i = frame.start - 1
            while i >= sent.start and (doc[i].norm_ in subject_words or doc[i].lower_ in subject_words):
                hidden[i] = True
                i -= 1
            i = frame.start
            while i < sent.end and (i < frame.end or i not in breaks):
                hidden[i] = True
                i += 1
        return hidden

    def _frame_subject_words(self) -> set[str]:
        words = getattr(self, "_subject_words", None)
        if words is None:
            words = self._subject_words = {w.lower() for w in self.k.word_sets.get("subjects_other", ())} | {
                "my", "his", "her", "their", "your", "our", "a", "the", "'s", "'", "s", "friend's", "best", "old"}
        return words

    def prepare(self, doc: Doc, kind: str, after_refusal: bool) -> tuple[Doc, Sequence[bool], str, bool]:
        """What the spotter needs to score this doc (see :meth:`Spotter.score`)."""
        return doc, self._hidden(doc, self._context(doc)), kind, after_refusal

    def _classifier_hits(self, doc: Doc, units: Units | None, kind: str, after_refusal: bool, ctx: dict,
                         thresholds: dict[str, float] | None = None) -> tuple[dict[str, Hit], Units | None]:
        """The classifier's hits that this kind allows, after the quoting and exception guards."""
        if self.spotter is None:
            return {}, None
        if units is None:
            units = self.spotter.score([(doc, self._hidden(doc, ctx), kind, after_refusal)],
                                       lazy=thresholds is None)[0]
        cues = doc._.coach_cues or {}
        # Token ranges of each scored code's exceptions found here (codes without any are left out).
        blocked: dict[str, list[tuple[int, int]]] = {}
        # A code whose every cue here is negated by the speaker ("not everyone likes this") is
        # not heard by the classifier either: the words it learned from are the ones negated.
        negated = doc._.coach_negated or set()
        denied, heard = set(), set()
        for key, spans in cues.items():
            code, cue_set, _ = key.split("|")
            if cue_set == "exceptions" and code in self.spotter.scored:
                blocked[code] = [(e.start, e.end) for e in spans]
            elif cue_set == "main" and spans:
                if any((sp.start, sp.end) not in negated for sp in spans):
                    heard.add(code)
                else:
                    denied.add(code)
        denied -= heard
        ctx["denied"] = denied
        ctx["blocked"] = blocked
        out: dict[str, Hit] = {}
        words = None
        for code, hit in self.spotter.hits(doc, units, blocked, thresholds).items():
            if code in denied:
                continue
            least = self.count_min_words.get(code)
            if least:
                if words is None:
                    words = sum(1 for t in doc if any(ch.isalnum() for ch in t.text))
                if words < least:
                    continue
            if code.startswith("family:") or self._allowed(code, kind, after_refusal):
                out[code] = hit
        return out, units

    def _allowed(self, code: str, kind: str, after_refusal: bool) -> bool:
        rule = self.k.codes[code]
        return kind in rule.kinds and not (rule.requires_after_refusal and not after_refusal)

    def _family_code(self, family: str, hit: Hit, units: Units, kind: str, after_refusal: bool,
                     denied: "set[str] | frozenset[str]" = frozenset(),
                     blocked: "dict[str, list[tuple[int, int]]] | None" = None) -> str | None:
        """Name a family hit by the family's code that scores highest where the family was heard.

        When the code that scores highest there has one of its exceptions in that unit ("what
        about just cuddling instead?" is not pressing), the family was heard in a benign idiom
        and nothing is named.
        """
        if self.spotter is None:
            return None
        candidates = [c for c, r in self.k.codes.items() if r.family == family and self._allowed(c, kind, after_refusal)
                      and c not in denied]
        best = self.spotter.best_code(units, hit.unit, candidates)
        start, end, _ = units.bounds[hit.unit]
        if best is not None and any(start < e and s < end for s, e in (blocked or {}).get(best, ())):
            return None
        return best

    def classifier_scores(self, doc: Doc, kind: str, after_refusal: bool) -> dict[str, Any]:
        """The classifier's guarded score per code (and family, with the code it would name) for tuning."""
        if self.spotter is None:
            return {}
        ctx = self._context(doc)
        hits, units = self._classifier_hits(doc, None, kind, after_refusal, ctx,
                                            dict.fromkeys(self.spotter.codes, 0.0))
        out: dict[str, Any] = {code: hit.score for code, hit in hits.items()}
        for name, hit in hits.items():
            if name.startswith("family:") and units is not None:
                out[name + ":code"] = self._family_code(name[len("family:"):], hit, units, kind, after_refusal,
                                                        ctx.get("denied", frozenset()), ctx.get("blocked", {}))
        return out

    def _not_own_words(self, span: Span, ctx: dict, rule: "CodeRule | None" = None) -> bool:
        """True when the span is quoted, reported, disowned or directly negated.

        The code's ``rule`` may relax one guard: ``kept_in_conditions`` (a negation inside an
        if/unless condition, "if we don't spice things up", still says what the speaker wants).
        """
        for qs, qe in ctx["quotes"]:
            if qs <= span.start_char and span.end_char <= qe:
                return True
        sent_of = ctx["sent_of"]
        for frame in ctx["frames"]:
            if frame.start < span.end and sent_of[frame.start] == sent_of[span.start] and frame.end <= span.end + 8:
                if not any(frame.end <= b < span.start for b in ctx["breaks"]):
                    return True
        return self._negated(span, ctx, rule is not None and rule.kept_in_conditions)

    def _negated(self, span: Span, ctx: dict, in_conditions: bool = False) -> bool:
        """True when a negator stands right before the span ("not everyone", "won't be hurt")."""
        i = span.start - 1
        skipped = 0
        norms = token_words(span.doc)[0]
        while i >= 0 and skipped < 2 and i not in ctx["clause_breaks"]:
            norm = norms[i]
            if norm in self.k.negators:
                return not (in_conditions and self._in_condition(span.doc, i, ctx))
            if norm not in ("even", "really", "ever", "always", "just", "actually", "that", "like", "exactly", "be", "feel"):
                break
            i -= 1
            skipped += 1
        return False

    @staticmethod
    def _in_condition(doc: Doc, negator: int, ctx: dict) -> bool:
        """The negator at ``negator`` follows "if"/"unless" closely, in the same clause."""
        for j in range(negator - 1, max(-1, negator - 5), -1):
            if j in ctx["clause_breaks"]:
                return False
            if doc[j].norm_ in ("if", "unless"):
                return True
        return False

    # ---------------------------------------------------------------- codes
    def _spans_for(self, code: str, cues: dict, after_refusal: bool,
                   by_code: dict | None = None) -> list[tuple[Span, float]]:
        out: list[tuple[Span, float]] = []
        counted = self.k.codes[code].mode == "count"  # overlapping cues must not count twice
        if by_code is None:
            by_code = {}
            for key, spans in cues.items():
                c, cue_set, weight = key.split("|")
                by_code.setdefault(c, []).append((cue_set, weight, spans))
        for cue_set, weight, spans in by_code.get(code, ()):
            if cue_set not in ("main", "after_refusal"):
                continue
            if cue_set == "after_refusal" and not after_refusal:
                continue
            out.extend((s, float(weight)) for s in (filter_spans(spans) if counted else spans))
        exceptions = cues.get(f"{code}|exceptions|1", [])
        if exceptions:
            out = [(s, w) for s, w in out if not any(s.start < e.end and e.start < s.end for e in exceptions)]
        return out

    def after_refusal_for(self, after_refusal: bool, partner_line: str | None) -> bool:
        """True when the partner already said no: the flag, or a no in the partner's last line."""
        if not after_refusal and partner_line and isinstance(partner_line, str) and partner_line.strip():
            pdoc = self.pipeline(partner_line[:MAX_CHARS])
            return bool((pdoc._.coach_cues or {}).get("ctx|partner_refusal|0"))
        return after_refusal

    def find(self, text: str, kind: str = "ask", after_refusal: bool = False,
             partner_line: str | None = None, doc: Doc | None = None,
             units: Units | None = None) -> tuple[Doc, dict[str, list[Span]]]:
        """Return the doc and, per code, the spans that earned it (before explanations).

        ``doc`` and ``units`` may be given when a batch was already parsed and scored.
        """
        if doc is None:
            doc = self.pipeline(text)
        after_refusal = self.after_refusal_for(after_refusal, partner_line)
        cues = doc._.coach_cues or {}
        ctx = self._context(doc)
        found: dict[str, list[Span]] = {}
        for code, rule in self.k.codes.items():
            if kind not in rule.kinds or (rule.requires_after_refusal and not after_refusal):
                continue
            if code not in ctx["by_code"] and code != "specific":
                continue  # no cue of this code in the text (combos need cues too)
            spans = [(s, w) for s, w in self._spans_for(code, cues, after_refusal, ctx["by_code"])
                     if not self._not_own_words(s, ctx, rule)]
            for combo in rule.combos:
                # Every cue set of the combo in one sentence (own words) earns the code.
                parts = [[s for s in cues.get(f"{code}|{name}|1", []) if not self._not_own_words(s, ctx)]
                         for name in combo]
                if all(parts):
                    for first in parts[0]:
                        sid = ctx["sent_of"][first.start]
                        others = [[s for s in p if ctx["sent_of"][s.start] == sid] for p in parts[1:]]
                        if all(others):
                            chosen = [first] + [o[0] for o in others]
                            start = min(s.start for s in chosen)
                            end = max(s.end for s in chosen)
                            spans.append((doc[start:end], 1.0))
                            break
            exceptions = cues.get(f"{code}|exceptions|1", [])
            if exceptions:
                spans = [(s, w) for s, w in spans if not any(s.start < e.end and e.start < s.end for e in exceptions)]
            if code == "specific":
                spans += [(e, 1.0) for e in doc.ents
                          if e.label_ == "ACTIVITY" and not self._not_own_words(e, ctx, rule)]
            if not spans:
                continue
            if rule.mode == "count":
                if sum(w for _, w in spans) >= rule.threshold:
                    base = [s for s, w in spans if w >= 1] or [s for s, _ in spans]
                    start = min(s.start for s in base)
                    end = max(s.end for s in base)
                    found[code] = [doc[start:end]]
                continue
            # One finding per sentence: the first group of overlapping cue spans, joined.
            per_sentence: dict[int, Span] = {}
            for s, _ in sorted(spans, key=lambda sw: (sw[0].start, -len(sw[0]))):
                sid = ctx["sent_of"][s.start]
                best = per_sentence.get(sid)
                if best is None:
                    per_sentence[sid] = s
                elif s.start <= best.end:
                    per_sentence[sid] = doc[best.start:max(best.end, s.end)]
            found[code] = sorted(per_sentence.values(), key=lambda s: s.start)
        # The second signal: the classifier's hits, for codes the rules did not find (a rule's
        # span is tighter, so it wins when both found the code).
        rule_codes = set(found)
        hits, units = self._classifier_hits(doc, units, kind, after_refusal, ctx)
        for code, hit in hits.items():
            if code not in found and not code.startswith("family:"):
                found[code] = [hit.span]
        for name, hit in hits.items():
            family = name[len("family:"):]
            if name.startswith("family:") and units is not None and not any(
                    self.k.codes[c].family == family for c in found):
                code = self._family_code(family, hit, units, kind, after_refusal, ctx.get("denied", frozenset()),
                                         ctx.get("blocked", {}))
                if code:
                    found[code] = [hit.span]
        if after_refusal:
            self._accepted_without_turn(doc, found, rule_codes)
            for code, rule in self.k.codes.items():
                if rule.implied_after_refusal_by and kind in rule.kinds and code not in found:
                    by = rule.implied_after_refusal_by
                    pressure = [s for c, spans in found.items()
                                if c in by or self.k.codes[c].family in by for s in spans]
                    if pressure:
                        found[code] = [pressure[0]]
        for code in list(found):
            rule = self.k.codes[code]
            if any(c in found for c in rule.requires_absent) or any(c in found for c in rule.suppressed_by):
                del found[code]
        blockers = [s for c, spans in found.items() if self.k.codes[c].blocks_strengths for s in spans]
        if blockers:
            for code in list(found):
                if self.k.codes[code].polarity != "strength":
                    continue
                kept = [s for s in found[code] if not any(s.start < b.end and b.start < s.end for b in blockers)]
                if kept:
                    found[code] = kept
                else:
                    del found[code]
        return doc, found

    def _accepted_without_turn(self, doc: Doc, found: dict[str, list[Span]], rule_codes: set[str]) -> None:
        """After a no, a message that takes the answer and never turns ("but", "though") is not
        pressing: the classifier's pressure guesses (learned mostly from messages after a no,
        "ok. want to get food?" reads like a re-ask to it) are dropped, except guilt.

        Only the classifier's guesses are dropped; a pressure cue found by the rules keeps them all.
        """
        # guilt is left alone: a sulk takes the no in words and keeps the hurt on the table
        guessed = [c for c in found if self.k.codes[c].family == "coercion" and c not in rule_codes
                   and c != "guilt_trip"]
        if not guessed or "accepts_answer" not in found:
            return
        if any(self.k.codes[c].family == "coercion" for c in rule_codes):
            return
        accepted_end = max(s.end for s in found["accepts_answer"])
        turns = {w for w in self.k.scope_breaks if w.isalpha()}
        if not any(t.norm_ in turns for t in doc[accepted_end:]):
            for code in guessed:
                del found[code]

    @staticmethod
    def _check(text: object, kind: object, after_refusal: object) -> None:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, not {type(text).__name__}")
        check_kind(kind)
        if not isinstance(after_refusal, bool):
            raise TypeError(f"after_refusal must be true or false, not {type(after_refusal).__name__}")

    def analyze(self, text: str, kind: str = "ask", after_refusal: bool = False,
                partner_line: str | None = None, suggestions: bool = True, safety: bool = True) -> Analysis:
        self._check(text, kind, after_refusal)
        safety_category = _safety_category(text) if safety else None
        if not text.strip():
            return Analysis([], safety_category)
        clipped = text[:MAX_CHARS]
        doc, found = self.find(clipped, kind, after_refusal, partner_line)
        return Analysis(self._findings(doc, found, kind, after_refusal, suggestions), safety_category)

    def analyze_batch(self, requests: Sequence[dict[str, Any]], safety: bool = True) -> list[Analysis | Exception]:
        """Analyze many requests ({text, kind, after_refusal, partner_line}) at once, in order.

        The same results as :meth:`analyze` one by one, faster: the texts go through spaCy with
        ``pipe`` and the classifier scores every sentence of every text in one call. A request
        that cannot be analyzed gives its exception in its place; the others still run.
        """
        results: list[Analysis | Exception | None] = [None] * len(requests)
        todo: list[tuple[int, str, str, bool]] = []
        for n, req in enumerate(requests):
            try:
                text, kind = req.get("text"), req.get("kind", "ask")
                self._check(text, kind, req.get("after_refusal", False))
                after_refusal = self.after_refusal_for(req.get("after_refusal", False), req.get("partner_line"))
                if not text.strip():
                    results[n] = Analysis([], _safety_category(text) if safety else None)
                    continue
                todo.append((n, text[:MAX_CHARS], kind, after_refusal))
            except Exception as exc:  # noqa: BLE001 - reported in the request's place
                results[n] = exc
        docs = list(self.pipeline.pipe([t for _, t, _, _ in todo]))
        units: list[Units | None] = [None] * len(todo)
        if self.spotter is not None and todo:
            units = list(self.spotter.score([self.prepare(doc, kind, ar)
                                             for doc, (_, _, kind, ar) in zip(docs, todo)]))
        # First every text's findings, then the rewrites: the rewrites in the users' own words of
        # the whole batch are checked together (one spaCy pipe, one classifier call).
        found_all: list[tuple] = []
        checks: list[tuple[str, str, str, bool]] = []
        for doc, unit, (n, text, kind, after_refusal) in zip(docs, units, todo):
            try:
                _, found = self.find(text, kind, after_refusal, doc=doc, units=unit)
                plans = {}
                for code, spans in found.items():
                    if self.k.codes[code].polarity == "concern":
                        for span in spans:
                            plan = self.rewriter.plan(code, doc, span, found, kind, after_refusal)
                            plans[(code, span.start, span.end)] = plan
                            if plan[0]:
                                checks.append((plan[0], code, kind, after_refusal))
                found_all.append((n, doc, found, kind, after_refusal, plans))
            except Exception as exc:  # noqa: BLE001 - reported in the request's place
                results[n] = exc
        try:
            self.rewriter.check_many(checks)
        except Exception:  # noqa: BLE001 - each suggestion is then checked on its own
            _log.exception("batch check of rewrites failed; checking one by one")
        for n, doc, found, kind, after_refusal, plans in found_all:
            try:
                findings = self._findings(doc, found, kind, after_refusal, True, plans)
                results[n] = Analysis(findings, _safety_category(requests[n]["text"]) if safety else None)
            except Exception as exc:  # noqa: BLE001 - reported in the request's place
                results[n] = exc
        return results  # type: ignore[return-value]

    def _findings(self, doc: Doc, found: dict[str, list[Span]], kind: str, after_refusal: bool,
                  suggestions: bool, plans: dict | None = None) -> list[Finding]:
        findings = []
        for code, spans in found.items():
            rule = self.k.codes[code]
            for span in spans:
                suggestion = None
                plan = plans.get((code, span.start, span.end)) if plans else None
                if rule.polarity == "concern" and suggestions and plan is not None:
                    candidate, template = plan
                    ok = candidate and self.rewriter._fixes(candidate, code, kind, after_refusal)
                    suggestion = candidate if ok else template
                elif rule.polarity == "concern" and suggestions:
                    suggestion = self.rewriter.suggest(code, doc, span, found, kind, after_refusal)
                elif rule.polarity == "concern":
                    suggestion = ""
                findings.append(Finding(code, rule.polarity, span.start_char, span.end_char,
                                        rule.explanation(kind), suggestion))
        findings.sort(key=lambda f: (f.start, f.end, f.code))
        return findings


_SAFETY = {"detect": None, "tried": False}


def _safety_category(text: str) -> str | None:
    """The category from ``bot.safety.detect`` (imported lazily; None if it is not there yet)."""
    if not _SAFETY["tried"]:
        _SAFETY["tried"] = True
        try:
            from bot.safety import detect  # noqa: PLC0415 - another module, loaded on first use
            _SAFETY["detect"] = detect
        except ImportError:
            _SAFETY["detect"] = None
    detect = _SAFETY["detect"]
    if detect is None or not text.strip():
        return None
    try:
        hit = detect(text)
    except Exception:  # noqa: BLE001 - a failing neighbour module must not take the coach down
        # The Rasa pipeline runs its own safety screen on every turn; here we log loudly
        # and report "no category" rather than fail the user's feedback.
        _log.exception("bot.safety.detect failed; reporting safety=None for this text")
        return None
    return getattr(hit, "category", None) if hit is not None else None


def safety_available() -> bool:
    _safety_category("")
    return _SAFETY["detect"] is not None


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The analyzer with its rules and, when training data exists, the classifier."""
    from bot.coach.classifier import default_classifier

    return Analyzer(coach_pipeline(), default_classifier())
