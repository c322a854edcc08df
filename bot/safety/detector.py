"""The safety screen: finds disclosures of abuse, self-harm, a minor, or danger.

It runs on every user turn before any role-play logic, so it must be fast (one
tokenisation, patterns read only in sentences that hold one of their anchor words), never crash on any string, and never stop reading early:
a disclosure at the end of a very long message is still found.

A cue only counts when no guard vetoes it. Guards (``data/safety/guards.yml``) are
what separates a disclosure from the words around it: a practice line addressed to
the partner, a hypothetical ("what if he..."), an idiom ("I'd die of embarrassment"),
negation ("he would never hurt me"), or consensual kink ("I love it when he...").

When several categories match, the one first in ``data/safety/policy.yml`` wins
(danger > self_harm > minor > abuse); ``SafetyHit.categories`` lists them all, so the
conversation can still end the practice when ``minor`` is among them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import re

from bot.nlp import blank_english
from bot.safety.classifier import SafetyClassifier, load_classifier
from bot.safety.matcher import Tokens
from bot.safety.normalize import Normalizer
from bot.safety.rules import CATEGORIES, Rule, RuleSet, load_rules

# Texts longer than this are read in overlapping chunks so memory stays bounded;
# the overlap is wider than any rule's reach, so no cue is lost at a seam.
CHUNK_CHARS = 100_000
CHUNK_OVERLAP = 2_000
# An ellipsis ("I said no... he kept going") trails a thought, it does not end one.
# Per-token normalisation is cached (see _Screen._token_info); emptied past this size.
_TOKEN_CACHE_MAX = 50_000
_SENTENCE_END = re.compile(r"(?!\.\.)[.!?]+|[!?]+[.\u2026]*")


@dataclass(frozen=True)
class SafetyHit:
    """A disclosure: its category, the character span of the cue, and the cue text."""

    category: str
    start: int
    end: int
    cue: str
    rule: str = ""
    categories: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"category": self.category, "start": self.start, "end": self.end, "cue": self.cue,
                "rule": self.rule, "categories": list(self.categories)}


@dataclass(frozen=True)
class Screening:
    """Everything the screen found in one text: the stopping hit and the referral flags."""

    hit: SafetyHit | None
    referral_flags: tuple[str, ...]


class _Screen:
    def __init__(self) -> None:
        self.nlp = blank_english()
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self.rules: RuleSet = load_rules(lambda w: Normalizer.lemma_from(table, w))
        self.normalize = Normalizer(table, self.rules.spelling, self.rules.lemma_overrides,
                                    self.rules.known_words, self.rules.masked,
                                    self.rules.fuzzy_words, self.rules.list_labels,
                                    self.rules.label_joiners)
        self.by_part: dict[str, list[Rule]] = {}
        for rule in self.rules.rules:
            for part in rule.parts:
                self.by_part.setdefault(part, []).append(rule)
        self.rank = {c: i for i, c in enumerate(self.rules.priority)}
        self._need_plan = self._plan_needed()   # read by _needed on every text
        # Ties (same category, start and length) go to the rule that comes first in the
        # data files (files in name order, rules in file order), never to whichever a
        # hash-ordered set happened to yield first; the classifier's hit comes last.
        self.rule_order = {(r.label, r.id): i for i, r in enumerate(self.rules.rules)}
        self.classifier: SafetyClassifier | None = load_classifier()
        self._token_cache: dict[tuple[int, int], tuple] = {}

    # -- one text ----------------------------------------------------------------------
    def _tokens(self, text: str) -> Tokens:
        """Tokenise, normalise and split into sentences (spaces dropped, offsets kept)."""
        # Lower-case first (one character for one, so offsets stay the same): the
        # tokenizer's contraction rules only know "I'm"/"i'm", not "I'M".
        # (ASCII text lowers one character for one; whole-string lower() is just faster.)
        lowered = text.lower() if text.isascii() else \
            "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
        doc = self.nlp.make_doc(lowered)
        rows = []   # (norm, lemma, punct, start, end, ends a sentence) per word
        previous = ""
        contractions = self.rules.contractions
        split_words = contractions.words if contractions is not None else {}
        info, token_info, lemma_of = self._token_cache, self._token_info, self.normalize.lemma
        for i, token in enumerate(doc):
            known = info.get((token.orth, token.norm))   # ints: cheaper than the strings
            if known is None:
                known = token_info(token)
            token_text, is_space, is_punct, is_break, form, norm, lemma, reads_context = known
            if is_space:
                if "\n" in token_text and rows:
                    rows[-1] = (*rows[-1][:5], True)
                continue
            if reads_context:
                norm = self.normalize.in_context(form, norm, previous)
                lemma = lemma_of(norm)
            start = token.idx
            if norm in split_words:
                following = doc[i + 1].text if i + 1 < len(doc) else ""
                words = contractions.split(norm, previous, following.lower())
                if words:   # "hell post" is read as "he will post", one span for both
                    end = start + len(token_text)
                    for word in words:
                        rows.append((word, lemma if word == norm else lemma_of(word),
                                     is_punct, start, end, is_break))
                    previous = words[-1]
                    continue
            rows.append((norm, lemma, is_punct, start, start + len(token_text), is_break))
            previous = norm
        if not rows:
            return Tokens([], [], [], [], [], [], [], [])
        norms, lemmas, punct, starts, ends, breaks = map(list, zip(*rows))
        for k in self.normalize.label_positions(norms):   # "yes/no/maybe": labels
            norms[k] = lemmas[k] = "label:" + norms[k]
        n = len(norms)
        sent_start, sent_end = [], []
        lo = 0
        for i in [i for i, b in enumerate(breaks) if b]:
            sent_start += [lo] * (i + 1 - lo)
            sent_end += [i + 1] * (i + 1 - lo)
            lo = i + 1
        if lo < n:
            sent_start += [lo] * (n - lo)
            sent_end += [n] * (n - lo)
        barriers = self.rules.barriers
        barrier = [norm in barriers for norm in norms]
        return Tokens(norms, lemmas, punct, barrier, starts, ends, sent_start, sent_end)

    def _token_info(self, token) -> tuple:
        """What a token's normalisation needs that depends only on its text and spaCy's
        norm, cached under their hashes (the same few thousand words recur):
        (text, is_space, is_punct, ends a sentence, form, norm, lemma, whether the
        word before can change the norm). A cache that grows too big is emptied."""
        text = token.text
        form, norm = self.normalize.norm_parts(text, token.norm_)
        is_punct = token.is_punct
        info = (text, token.is_space, is_punct,
                is_punct and _SENTENCE_END.fullmatch(text) is not None,
                form, norm, self.normalize.lemma(norm), self.normalize.reads_context(form))
        if len(self._token_cache) >= _TOKEN_CACHE_MAX:
            self._token_cache.clear()
        self._token_cache[(token.orth, token.norm)] = info
        return info

    @staticmethod
    def sentences(toks: Tokens, text: str, offset: int = 0):
        """(char start, char end, sentence text, its words and lemmas) per sentence."""
        out = []
        i = 0
        while i < len(toks):
            lo, hi = toks.sent_start[i], toks.sent_end[i]
            start, end = toks.starts[lo], toks.ends[hi - 1]
            words = frozenset(toks.norms[lo:hi]) | frozenset(toks.lemmas[lo:hi])
            out.append((offset + start, offset + end, text[start:end], words))
            i = hi
        return out

    def classify(self, text: str) -> tuple[str, int, int, float] | None:
        """The classifier's strongest anchored sentence: (category, start, end, p)."""
        if self.classifier is None:
            return None
        sentences, seen = [], set()
        for chunk_start, chunk in _chunks(text):
            for sentence in self.sentences(self._tokens(chunk), chunk, chunk_start):
                if sentence[:2] not in seen:   # chunks overlap: read each sentence once
                    seen.add(sentence[:2])
                    sentences.append(sentence)
        best = self.classifier.best([(s[2], s[3]) for s in sentences])
        if best is None:
            return None
        index, category, p = best
        return category, sentences[index][0], sentences[index][1], p

    def _needed(self, possible: set[int]) -> set[int]:
        """The cue patterns of `possible` (those whose words a text holds) that belong
        to a rule every part of which is possible: the others cannot add a hit."""
        key_bit, masks = self._need_plan
        lit = 0
        for i in possible:
            lit |= key_bit[i]
        return {i for i in possible
                if masks[i] is None or any(lit & mask == mask for mask in masks[i])}

    def _plan_needed(self) -> tuple[list[int], list[tuple[int, ...] | None]]:
        """Per cue pattern: its key's bit, and the bits of every part of each rule that
        reads its key (None when one of those rules has that key as its only part)."""
        cues = self.rules.cues
        keys = [cues.key(i) for i in range(len(cues))]
        bit = {key: 1 << n for n, key in enumerate(dict.fromkeys(keys))}
        key_bit = [bit[key] for key in keys]
        masks: list[tuple[int, ...] | None] = []
        for key in keys:
            rules = self.by_part.get(key, ())
            if any(rule.parts == (key,) for rule in rules):
                masks.append(None)
            else:
                masks.append(tuple(sum(bit.get(p, 0) for p in set(rule.parts))
                                   if all(p in bit for p in rule.parts) else -1
                                   for rule in rules))
        return key_bit, masks

    def _scan(self, text: str, offset: int) -> tuple[list[tuple[str, str, int, int]], set[str]]:
        """Return (category, rule id, char start, char end) candidates and referral flags."""
        toks = self._tokens(text)
        parts: dict[str, list[tuple[int, int]]] = {}
        sentences: list[tuple[int, int]] = []
        cues, n = self.rules.cues, len(toks)
        # Only patterns whose rule can still fire are read: a rule needs every one of
        # its parts, and a part whose required words the whole text lacks matches nowhere.
        words = cues._words(toks, 0, n)
        entries = cues.candidate_entries(toks, 0, n, words)
        needed = self._needed(cues.patterns_of(entries))
        one_sentence = n > 0 and toks.sent_end[0] == n
        if needed and not one_sentence:
            entries = cues.entries_of(entries, needed)   # what a sentence may still meet
        i = 0
        while i < n and needed:
            lo, hi = toks.sent_start[i], toks.sent_end[i]
            if one_sentence:   # the text's candidates and words are the sentence's
                found = cues.match(toks, lo, hi, found=needed, words=words)
            else:
                found = cues.match(toks, lo, hi, entries=entries)
            if found:
                sentences.append((lo, hi))
                for key, spans in found.items():
                    parts.setdefault(key, []).extend(spans)
            i = hi
        if not parts:
            return [], set()
        guard_cache: dict[int, dict[str, list[tuple[int, int]]]] = {}

        def guards_in(start: int) -> dict[str, list[tuple[int, int]]]:
            lo = toks.sent_start[start]
            if lo not in guard_cache:
                found = self.rules.guards.match(toks, lo, toks.sent_end[start])
                found = {k[7:]: v for k, v in found.items()}
                for name, cancelled in self.rules.overrides.items():
                    if name in found:
                        for other in cancelled:
                            found.pop(other, None)
                guard_cache[lo] = found
            return guard_cache[lo]

        def vetoed(rule: Rule, start: int, end: int) -> bool:
            guards = guards_in(start)
            if not guards:
                return False
            before = rule.window_before if rule.window_before is not None else self.rules.window_before
            after = rule.window_after if rule.window_after is not None else self.rules.window_after
            lo = max(toks.sent_start[start], start - before)
            hi = min(toks.sent_end[end - 1], end + after)
            for name in rule.unless_before:
                stops = self.rules.guard_reach.get(name)
                for g0, g1 in guards.get(name, ()):
                    if not (lo <= g0 and g1 <= end and g0 < start):
                        continue
                    # "I want to practise saying no because last time he ...": a guard
                    # does not reach past a word that opens a new, reported clause.
                    if stops and any(toks.norms[k] in stops for k in range(g1, start)):
                        continue
                    return True
            for name in rule.unless_after:
                # A guard after the cue, or one that starts inside the cue and runs past
                # its end: "going to kill me *when he finds out*" (the cue ends on "when").
                if any(end <= g0 < hi or (start < g0 < end < g1)
                       for g0, g1 in guards.get(name, ())):
                    return True
            for name in rule.unless_sentence:
                s0, s1 = toks.sent_start[start], toks.sent_end[end - 1]
                if any(s0 <= g0 and g1 <= s1 for g0, g1 in guards.get(name, ())):
                    return True
            return False

        def near_guard(rule: Rule, start: int, end: int) -> bool:
            lo, hi = max(0, start - rule.near), min(len(toks), end + rule.near)
            k = toks.sent_start[lo]
            while k < hi:
                guards = guards_in(k)
                for name in rule.unless_near:
                    if any(lo <= g0 < hi for g0, _ in guards.get(name, ())):
                        return True
                k = toks.sent_end[k]
            return False

        candidates: list[tuple[str, str, int, int]] = []
        flags: set[str] = set()
        done: set[str] = set()
        for key in parts:
            for rule in self.by_part.get(key, ()):
                if rule.id + rule.label in done:
                    continue
                done.add(rule.id + rule.label)
                for start, end in self._rule_spans(rule, parts, vetoed):
                    if rule.unless_near and near_guard(rule, start, end):
                        continue
                    if rule.referral:
                        flags.add(rule.label)
                    else:
                        candidates.append((rule.label, rule.id, offset + toks.starts[start],
                                           offset + toks.ends[end - 1]))
        return candidates, flags

    @staticmethod
    def _rule_spans(rule: Rule, parts, vetoed) -> list[tuple[int, int]]:
        clean = []
        for index, key in enumerate(rule.parts):
            guarded = rule.guard_parts is None or index in rule.guard_parts
            spans = [s for s in parts.get(key, ()) if not (guarded and vetoed(rule, *s))]
            if not spans:
                return []
            clean.append(spans)
        if len(clean) == 1:
            return [min(clean[0])]
        # Every part must occur within `within` tokens of the first part's span; only
        # the earliest such place is needed (the hit reports the earliest cue).
        found = []
        for s0, e0 in sorted(clean[0]):
            chosen = [(s0, e0)]
            for others in clean[1:]:
                near = [(s, e) for s, e in others if abs(s - s0) <= rule.within and (s, e) != (s0, e0)]
                if not near:
                    break
                chosen.append(min(near, key=lambda se: abs(se[0] - s0)))
            else:
                found.append((min(s for s, _ in chosen), max(e for _, e in chosen)))
                break
        return found

    # -- whole texts -------------------------------------------------------------------
    def screen(self, text: str, use_classifier: bool = True) -> Screening:
        candidates: list[tuple[str, str, int, int]] = []
        flags: set[str] = set()
        for chunk_start, chunk in _chunks(text):
            found, chunk_flags = self._scan(chunk, chunk_start)
            candidates.extend(found)
            flags |= chunk_flags
        if not candidates and use_classifier:
            # The second signal only adds what the rules missed; its span is the
            # sentence that scored highest.
            found = self.classify(text)
            if found is not None:
                category, start, end, _ = found
                candidates.append((category, "classifier", start, end))
        hit = None
        if candidates:
            last = len(self.rule_order)
            candidates.sort(key=lambda c: (self.rank[c[0]], c[2], -(c[3] - c[2]),
                                           self.rule_order.get((c[0], c[1]), last)))
            category, rule_id, start, end = candidates[0]
            present = sorted({c[0] for c in candidates}, key=self.rank.__getitem__)
            hit = SafetyHit(category, start, end, text[start:end], rule_id, tuple(present))
        return Screening(hit, tuple(sorted(flags)))


def _chunks(text: str):
    """Yield (offset, piece) covering all of `text`, split at whitespace when possible."""
    if len(text) <= CHUNK_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK_CHARS)
        if end < len(text):
            cut = text.rfind(" ", start + CHUNK_CHARS // 2, end)
            end = cut if cut > start else end
        yield start, text[start:end]
        if end >= len(text):
            return
        start = max(end - CHUNK_OVERLAP, start + 1)
        space = text.find(" ", start, end)
        start = space + 1 if space != -1 else start


@lru_cache(maxsize=1)
def _screen() -> _Screen:
    return _Screen()


def _coerce(text) -> str:
    """Accept str (and bytes, decoded leniently); anything else is a clear TypeError."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise TypeError(f"the safety screen reads text (str), not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: replace each with one '?' so character offsets stay the same.
        text = text.encode("utf-8", errors="replace").decode("utf-8")
        text = "".join(ch if not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text)
    return text


def screen(text: str) -> Screening:
    """Find the stopping disclosure (if any) and the referral red flags in one pass."""
    text = _coerce(text)
    if not text.strip():
        return Screening(None, ())
    return _screen().screen(text)


def detect(text: str) -> SafetyHit | None:
    """Return the disclosure that must stop the role-play, or None."""
    return screen(text).hit


def referral_flags(text: str) -> list[str]:
    """Return the red flags worth a gentle therapist suggestion (the practice goes on)."""
    return list(screen(text).referral_flags)


def referral_message(flag: str) -> str:
    """The warm one-paragraph suggestion for a referral flag (KeyError if unknown)."""
    messages = _screen().rules.referral_messages
    if flag not in messages:
        raise KeyError(f"unknown referral flag {flag!r}; known: {sorted(messages)}")
    return messages[flag]


def referral_ids() -> list[str]:
    return sorted(_screen().rules.referral_messages)


def warm_up() -> None:
    """Compile the rules now (e.g. at server start) instead of on the first turn."""
    _screen()


__all__ = ["CATEGORIES", "SafetyHit", "Screening", "detect", "referral_flags", "referral_message",
           "referral_ids", "screen", "warm_up"]
