"""Rewrites of the user's own sentence that fix one concern (templates in data/coach/rewrites.yml).

A rewrite keeps the user's words where it can (it strips hedges or apologies, or drops the
clause that carries the pressure) and falls back to a template filled with the user's own
activity words. A rewrite that keeps the user's words is re-checked by the analyzer before it
is offered; the templates are checked by the tests.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from bot.coach.knowledge import Knowledge

if TYPE_CHECKING:  # pragma: no cover
    from bot.coach.analyzer import Analyzer

_DETERMINERS = {"the", "a", "an", "some", "my", "your", "our", "a little", "more"}
_COERCION_CHECK = 3


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([,;:])\s*([,.!?;:])", r"\2", text)
    text = re.sub(r"^[\s,;:.!?…\-—–]+", "", text).strip()
    text = re.sub(r"[\s,;:\-—–]+$", "", text)
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    text = re.sub(r"\bi\b", "I", text)
    if text[-1] not in ".!?":
        text += "."
    return text


class Rewriter:
    """Build and check the suggestion for one concern finding."""

    def __init__(self, knowledge: Knowledge, analyzer: "Analyzer"):
        self.k = knowledge
        self.spec = knowledge.rewrites
        self.analyzer = analyzer
        self.activity_verbs = set(self.spec.get("activity_verbs", []))
        self.coercion = {c for c, r in knowledge.codes.items() if r.family == "coercion"}
        self._checked: dict[tuple, bool] = {}
        self.strip_before = set(self.spec.get("strip_before", []))

    # --------------------------------------------------------------- pieces
    def activity(self, doc: Doc, found: dict[str, list[Span]], kind: str) -> str:
        """The activity in the user's own words, or the kind's fallback ("this")."""
        ents = [e for e in doc.ents if e.label_ == "ACTIVITY"]
        if ents:
            ent = ents[0]
            start = ent.start
            if start > 0 and doc[start - 1].norm_ in _DETERMINERS:
                start -= 1
            words = doc[start:ent.end].text
            if doc[ent.start].norm_.endswith("ed") and doc[start].norm_ not in _DETERMINERS:
                words = "being " + words
            return words
        for span in found.get("specific", []):
            tokens = [t for t in span if t.norm_ not in self.activity_verbs]
            if tokens and span[0].norm_ in self.activity_verbs:
                return doc[tokens[0].i:span.end].text
        return self.spec["activity_fallback"][kind]

    def _sentence(self, doc: Doc, span: Span) -> Span:
        return doc[span.start].sent

    def _clause_bounds(self, doc: Doc, sent: Span, span: Span) -> tuple[int, int]:
        breaks = self.k.clause_breaks
        start = span.start
        while start > sent.start and doc[start - 1].text not in breaks and doc[start - 1].norm_ not in breaks:
            start -= 1
        end = span.end
        while end < sent.end and doc[end].text not in breaks and doc[end].norm_ not in breaks:
            end += 1
        return start, end

    def _without(self, doc: Doc, sent: Span, drop: list[tuple[int, int]]) -> str:
        parts = []
        for t in sent:
            if any(a <= t.i < b for a, b in drop):
                continue
            parts.append(t.text_with_ws)
        return _tidy("".join(parts))

    def _template(self, code: str, kind: str, activity: str) -> str:
        tmpl = self.spec["codes"][code]["replace"][kind]
        return tmpl.replace("{activity}", activity).replace("{Activity}", activity[:1].upper() + activity[1:])

    # --------------------------------------------------------------- check
    def _fixes(self, candidate: str, code: str, kind: str, after_refusal: bool) -> bool:
        key = (candidate, code, kind, after_refusal)
        if key not in self._checked:
            _, found = self.analyzer.find(candidate, kind, after_refusal)
            bad = code in found or any(c in found for c in self.coercion)
            self._checked[key] = not bad
            if len(self._checked) > 50_000:
                self._checked.clear()
        return self._checked[key]

    # --------------------------------------------------------------- main
    def suggest(self, code: str, doc: Doc, span: Span, found: dict[str, list[Span]],
                kind: str, after_refusal: bool) -> str:
        """The rewrite for one concern: the user's own words when they fix it, else the template."""
        candidate, template = self.plan(code, doc, span, found, kind, after_refusal)
        if candidate and self._fixes(candidate, code, kind, after_refusal):
            return candidate
        return template

    def check_many(self, checks: list[tuple[str, str, str, bool]]) -> None:
        """Check many (candidate, code, kind, after_refusal) at once: one spaCy pipe, one classifier call.

        The results land in the cache ``suggest`` reads, so a batch pays the fixed costs once.
        """
        todo = list(dict.fromkeys(c for c in checks if c not in self._checked))
        if not todo:
            return
        analyzer = self.analyzer
        docs = list(analyzer.pipeline.pipe([c[0] for c in todo]))
        units = [None] * len(todo)
        if analyzer.spotter is not None:
            units = analyzer.spotter.score([analyzer.prepare(d, kind, ar) for d, (_, _, kind, ar) in zip(docs, todo)])
        if len(self._checked) > 50_000:
            self._checked.clear()
        for doc, unit, (candidate, code, kind, ar) in zip(docs, units, todo):
            _, found = analyzer.find(candidate, kind, ar, doc=doc, units=unit)
            self._checked[(candidate, code, kind, ar)] = not (code in found or any(c in found for c in self.coercion))

    def plan(self, code: str, doc: Doc, span: Span, found: dict[str, list[Span]],
             kind: str, after_refusal: bool) -> tuple[str, str]:
        """(candidate in the user's own words or "", template) for one concern; the candidate still needs ``_fixes``."""
        spec = self.spec["codes"][code]
        mode = spec.get("mode", "replace")
        activity = self.activity(doc, found, kind)
        template = self._template(code, kind, activity)
        sent = self._sentence(doc, span)
        candidate = ""
        drop: list[tuple[int, int]] = []
        if mode == "strip":
            drop = []
            for key, spans in (doc._.coach_cues or {}).items():
                if key.startswith(code + "|main|"):
                    for s in spans:
                        if s.sent == sent:
                            start = s.start
                            while start > sent.start and doc[start - 1].norm_ in self.strip_before:
                                start -= 1
                            drop.append((start, s.end))
            residue = self._without(doc, sent, drop)
            if len(residue.split()) >= 3:
                candidate = (residue + " " + spec.get("addon", "")).strip()
        elif mode == "clause":
            drop = []
            for c, spans in found.items():
                if c in self.coercion or c == code:
                    for s in spans:
                        if s.sent == sent:
                            drop.append(self._clause_bounds(doc, sent, s))
            residue = self._without(doc, sent, drop)
            keeps_wish = len(residue.split()) >= 4 and any(
                s.sent == sent and not any(a <= s.start < b for a, b in drop)
                for s in found.get("specific", []) + found.get("i_statement", []))
            if keeps_wish:
                candidate = (residue + " " + spec.get("addon", "")).strip()
        # The template is the answer whenever the user's own words cannot be kept, so only the
        # candidate is checked; a pressure cue left in the kept words rejects it without a re-run.
        if candidate and self._cue_left(doc, sent, drop, code):
            candidate = ""
        return candidate, template

    def _cue_left(self, doc: Doc, sent: Span, drop: list[tuple[int, int]], code: str) -> bool:
        """True when a cue of ``code`` or of a pressure code stays in the kept words of ``sent``."""
        for key, spans in (doc._.coach_cues or {}).items():
            c, cue_set, _ = key.split("|")
            if cue_set != "main" or (c != code and c not in self.coercion):
                continue
            for s in spans:
                if sent.start <= s.start and s.end <= sent.end and not any(a <= s.start and s.end <= b for a, b in drop):
                    return True
        return False
