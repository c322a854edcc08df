"""A small, fast token-pattern matcher for the safety rules.

Why not spaCy's Matcher: the screen runs on every turn, and the Matcher tries every
pattern at every token (about 160 ms for 10,000 characters with our rules). Here a
pattern is compiled once into a tree (alternatives stay alternatives instead of being
multiplied out), each pattern knows a set of *anchor* words one of which must appear
in any text it matches, and a sentence is only read by the patterns whose anchors it
contains. Ordinary text therefore costs a dictionary look-up per token.

The pattern language is the one described in ``data/safety/README.md``; on top of it,
``^`` and ``$`` are the start and end of a sentence, and ``..N`` is a *gap*: up to N tokens, none of which is a barrier (``vocab.yml``:
negators and clause breaks such as "not", "never", ",", "but"), so "he just laughs and
keeps going" reaches from "he" to "keeps going", while "he did not force me" does not
reach from "he" to "force me".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS

from bot.safety.normalize import fold_accents
from bot.safety.patterns import PatternError

_MAX_MACRO_DEPTH = 8

# Element kinds.
WORD, LEMMA, REGEX, ANY, PUNCT, ALT, SKIP, GAP, START, END = range(10)


@dataclass(frozen=True)
class Element:
    kind: int
    data: object = None
    optional: bool = False


Seq = tuple  # tuple[Element, ...]


@dataclass
class Tokens:
    """The normalised view of one text: what the patterns read."""

    norms: list[str]
    lemmas: list[str]
    punct: list[bool]
    barrier: list[bool]
    starts: list[int]   # character offsets
    ends: list[int]
    sent_start: list[int]
    sent_end: list[int]
    # (alternative element, start, limit) -> ends: a macro such as @actor is read once
    # per position, however many patterns use it.
    memo: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.norms)


class Compiler:
    """Turns pattern lines into element trees, expanding ``@macros`` as alternatives."""

    def __init__(self, macros: dict[str, list[str]], lemma_of: Callable[[str], str] | None):
        self.macros = macros
        self.lemma_of = lemma_of
        self._macro_cache: dict[str, Element] = {}

    def line(self, line: str, depth: int = 0) -> Seq:
        if not isinstance(line, str) or not line.strip():
            raise PatternError(f"empty pattern {line!r}")
        seq = tuple(self._element(e, depth) for e in line.split())
        if all(e.optional or e.kind in (SKIP, GAP, START, END) for e in seq):
            raise PatternError(f"pattern {line!r} can match nothing at all")
        return seq

    def lines(self, lines: Iterable[str]) -> list[Seq]:
        return [self.line(line) for line in lines]

    def _words(self, text: str) -> frozenset[str]:
        words = frozenset(fold_accents(w) for w in text.lower().split("|") if w)
        if not words:
            raise PatternError(f"empty word list {text!r}")
        return words

    def _element(self, element: str, depth: int) -> Element:
        # The same text always compiles to the same element, so a macro used by many
        # patterns is one shared object (and its matches are memoised once per position).
        cached = self._macro_cache.get(element)
        if cached is None:
            cached = self._compile_element(element, depth)
            self._macro_cache[element] = cached
        return cached

    def _compile_element(self, element: str, depth: int) -> Element:
        optional = False
        if element.startswith("/") and element.endswith("/?") and len(element) > 3:
            optional, element = True, element[:-1]
        elif element.endswith("?") and len(element) > 1 and not element.startswith("/"):
            optional, element = True, element[:-1]
        if element.startswith("..") and element[2:].isdigit():
            return Element(GAP, int(element[2:]))
        if element.startswith("*") and element[1:].isdigit():
            return Element(SKIP, int(element[1:]))
        if element == "^":
            return Element(START)
        if element == "$":
            return Element(END)
        if element == "_":
            return Element(ANY, None, optional)
        if element == "PUNCT":
            return Element(PUNCT, None, optional)
        if len(element) > 2 and element.startswith("/") and element.endswith("/"):
            try:
                regex = re.compile(f"^(?:{element[1:-1]})$")
            except re.error as exc:
                raise PatternError(f"bad regular expression {element}: {exc}") from exc
            return Element(REGEX, regex, optional)
        if element.startswith("~"):
            words = set(self._words(element[1:]))
            if self.lemma_of is not None:
                words |= {self.lemma_of(w) for w in words}
            return Element(LEMMA, frozenset(words), optional)
        special = {"$": END, "^": START, "PUNCT": PUNCT, "_": ANY}
        if "|" in element and any(o in special for o in element.split("|")):
            options = element.split("|")
            alternatives = [(Element(special[o]),) for o in options if o in special]
            rest = "|".join(o for o in options if o not in special)
            if rest:
                alternatives.append((self._element(rest, depth),))
            return Element(ALT, tuple(alternatives), optional)
        if "@" in element or "+" in element:
            alternatives: list[Seq] = []
            plain: list[str] = []
            for option in (o for o in element.split("|") if o):
                if option.startswith("@"):
                    alternatives.extend(self._macro(option[1:], depth))
                elif option.startswith("~"):   # "@hard_violence|~choke": a lemma option
                    alternatives.append((self._element(option, depth),))
                elif "+" in option:
                    alternatives.append(tuple(self._element(w, depth) for w in option.split("+") if w))
                else:
                    plain.append(option)
            if plain:
                alternatives.append((Element(WORD, self._words("|".join(plain))),))
            return Element(ALT, tuple(alternatives), optional)
        return Element(WORD, self._words(element), optional)

    def _macro(self, name: str, depth: int) -> list[Seq]:
        if name not in self.macros:
            raise PatternError(f"unknown macro @{name}")
        if depth >= _MAX_MACRO_DEPTH:
            raise PatternError(f"macro @{name} nests too deeply")
        return [self.line(line, depth + 1) for line in self.macros[name]]


# -- matching ---------------------------------------------------------------------------

def _test(el: Element, toks: Tokens, i: int) -> bool:  # one-token elements only
    kind = el.kind
    if kind == WORD:
        return toks.norms[i] in el.data
    if kind == LEMMA:
        return toks.lemmas[i] in el.data or toks.norms[i] in el.data
    if kind == REGEX:
        return el.data.match(toks.norms[i]) is not None
    if kind == PUNCT:
        return toks.punct[i]
    return True  # ANY


class RequiredBits:
    """Required word sets as bits, so "does this text hold a word of each set?" is one
    integer AND instead of a set intersection per required set.

    Every distinct set gets one bit; a word lights the bits of the sets that hold it;
    something needing sets A and B is possible in a text iff both its bits are lit."""

    def __init__(self) -> None:
        self._bit: dict[frozenset[str], int] = {}
        self._word_bits: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._bit)

    def need(self, sets: Iterable[frozenset[str]]) -> int:
        need = 0
        for required in sets:
            bit = self._bit.get(required)
            if bit is None:
                bit = 1 << len(self._bit)
                for word in required:
                    self._word_bits[word] = self._word_bits.get(word, 0) | bit
                self._bit[required] = bit   # counted (len) only once its words are in
            need |= bit
        return need

    def lit(self, words: Iterable[str]) -> int:
        get, lit = self._word_bits.get, 0
        for word in words:
            lit |= get(word, 0)
        return lit


_ALT_INDEX: dict[int, tuple] = {}
_BRANCH_BITS = RequiredBits()   # the required word sets of every alternative's branches


def _alt_index(el: Element) -> tuple:
    """An alternative's branches by the words they can start with, so a position only
    tries the branches its word can open (a macro such as @actor has dozens).
    Each branch comes with the bits of the word sets it requires (``_seq_anchor_sets``)."""
    entry = _ALT_INDEX.get(id(el))
    if entry is None or entry[0] is not el:
        by_word: dict[str, list[tuple[Seq, int]]] = {}
        anywhere: list[tuple[Seq, int]] = []
        for alt in el.data:
            branch = (alt, _BRANCH_BITS.need(_seq_anchor_sets(alt)))
            first = _first_words(alt)
            if first is None:
                anywhere.append(branch)
            else:
                for word in first:
                    by_word.setdefault(word, []).append(branch)
        entry = (el, by_word, tuple(anywhere))
        _ALT_INDEX[id(el)] = entry
    return entry


def _index_alternatives(seq: Seq) -> None:
    """Build the index of every alternative in `seq` now (at load time), so the branch
    bits are all known before any text is read."""
    for el in seq:
        if el.kind == ALT:
            _alt_index(el)
            for alt in el.data:
                _index_alternatives(alt)


def _sentence_bits(toks: Tokens, p: int, limit: int) -> int:
    """The branch bits lit by every norm and lemma from the start of p's sentence up to
    `limit`: those words are a superset of what any match from p can read. Memoised;
    the key holds the number of known sets, so a set added later is never missed."""
    lo = toks.sent_start[p]
    key = ("bits", lo, limit, len(_BRANCH_BITS))
    lit = toks.memo.get(key)
    if lit is None:
        lit = _BRANCH_BITS.lit(set(toks.norms[lo:limit]) | set(toks.lemmas[lo:limit]))
        toks.memo[key] = lit
    return lit


def match_ends(seq: Seq, toks: Tokens, start: int, limit: int) -> set[int]:
    """Every end position at which `seq` matches from `start` without passing `limit`."""
    positions = {start}
    memo = toks.memo
    norms, lemmas = toks.norms, toks.lemmas
    for el in seq:
        kind = el.kind
        if kind == WORD:
            data = el.data
            nxt = {p + 1 for p in positions if p < limit and norms[p] in data}
        elif kind == LEMMA:
            data = el.data
            nxt = {p + 1 for p in positions if p < limit and (lemmas[p] in data or norms[p] in data)}
        elif kind == ALT:
            nxt = set()
            for p in positions:
                key = (id(el), p, limit)
                found = memo.get(key)
                if found is None:
                    found = set()
                    index = _ALT_INDEX.get(id(el))   # _alt_index, inlined: the hottest loop
                    if index is None or index[0] is not el:
                        index = _alt_index(el)
                    _, by_word, anywhere = index
                    branches = list(anywhere)
                    lit = None
                    if p < limit:
                        seen = by_word.get(norms[p], ())
                        branches.extend(seen)
                        if lemmas[p] != norms[p]:
                            branches.extend(b for b in by_word.get(lemmas[p], ()) if b not in seen)
                        if not branches:   # no branch can start here: nothing found
                            memo[key] = found
                            continue
                        lit = _sentence_bits(toks, p, limit)
                    for alt, need in branches:
                        # A branch needing a word the sentence lacks cannot match: skip it
                        # without reading (most of a big macro's branches, in most text).
                        if lit is not None and (need & lit) != need:
                            continue
                        found |= match_ends(alt, toks, p, limit)
                    memo[key] = found
                nxt |= found
        elif kind == GAP:
            nxt = set()
            barrier, width = toks.barrier, el.data
            for p in positions:
                nxt.add(p)
                q = p
                while q < limit and q - p < width and not barrier[q]:
                    q += 1
                    nxt.add(q)
        elif kind == SKIP:
            nxt = set()
            for p in positions:
                nxt.update(range(p, min(limit, p + el.data) + 1))
        elif kind == START:
            nxt = {p for p in positions if p < len(toks) and toks.sent_start[p] == p}
        elif kind == END:
            nxt = {p for p in positions if p == limit}
        else:
            nxt = {p + 1 for p in positions if p < limit and _test(el, toks, p)}
        if el.optional:
            nxt |= positions
        if not nxt:
            return nxt
        positions = nxt
    return positions


# -- anchors: which words must occur for a pattern to have any chance --------------------

def _element_words(el: Element) -> frozenset[str] | None:
    """Words one of which every match of this element contains (None: no such set)."""
    if el.optional:
        return None
    if el.kind in (WORD, LEMMA):
        return el.data
    if el.kind == ALT:
        words: set[str] = set()
        for alt in el.data:
            alt_words = _seq_words(alt)
            if alt_words is None:
                return None
            words |= alt_words
        return frozenset(words)
    return None


def _commonness(words: frozenset[str]) -> tuple[int, int]:
    return (sum(1 for w in words if w in STOP_WORDS or len(w) <= 2), len(words))


def _seq_words(seq: Seq) -> frozenset[str] | None:
    anchors = _seq_anchor_sets(seq)
    return anchors[0] if anchors else None


def _seq_anchor_sets(seq: Seq) -> list[frozenset[str]]:
    """Every required element's word set, rarest first."""
    sets = [w for w in (_element_words(el) for el in seq) if w is not None]
    return sorted(sets, key=_commonness)


def _first_words(seq: Seq) -> frozenset[str] | None:
    """Words one of which the first token of any match is (None: anything may start)."""
    words: set[str] = set()
    for el in seq:
        if el.kind in (SKIP, GAP, START, END):
            continue
        if el.kind in (WORD, LEMMA):
            words |= el.data
        elif el.kind == ALT:
            for alt in el.data:
                first = _first_words(alt)
                if first is None:
                    return None
                words |= first
        else:
            return None
        if not el.optional:
            return frozenset(words)
    return None


class PatternSet:
    """Named groups of compiled patterns, matched sentence by sentence."""

    def __init__(self) -> None:
        # (key, seq, first words or None, id of the distinct seq, opens with "^")
        self._patterns: list[tuple[str, Seq, frozenset[str] | None, int, bool]] = []
        # Each pattern's other required word sets (besides its anchor's), as bits.
        self._bits = RequiredBits()
        self._need: list[int] = []
        self._by_anchor: dict[str, list[int]] = {}
        self._always: list[int] = []
        # Many rules share a pattern line (the same @macro under several rule ids); a
        # sentence reads each distinct pattern once and hands its spans to every key.
        self._seq_ids: dict[Seq, int] = {}

    def add(self, key: str, seqs: Sequence[Seq]) -> None:
        for seq in seqs:
            index = len(self._patterns)
            seq_id = self._seq_ids.setdefault(seq, len(self._seq_ids))
            # "^ ...": only the sentence's first token can start a match (START is never
            # optional), so the other positions need not be tried.
            at_start = seq[0].kind == START
            self._patterns.append((key, seq, _first_words(seq), seq_id, at_start))
            _index_alternatives(seq)
            sets = _seq_anchor_sets(seq)
            self._need.append(self._bits.need(sets[1:]))
            if not sets:
                self._always.append(index)
            else:
                for word in sets[0]:
                    self._by_anchor.setdefault(word, []).append(index)

    @staticmethod
    def _words(toks: Tokens, lo: int, hi: int) -> set[str]:
        """Every norm and lemma of tokens lo..hi."""
        words = set(toks.norms[lo:hi])
        words.update(toks.lemmas[lo:hi])
        return words

    def candidates(self, toks: Tokens, lo: int, hi: int, words: set[str] | None = None) -> set[int]:
        """Patterns whose required words all occur in tokens lo..hi (any other cannot match)."""
        found = set(self._always)
        by_anchor = self._by_anchor
        if words is None:
            words = self._words(toks, lo, hi)
        for word in words:
            hits = by_anchor.get(word)
            if hits:
                found.update(hits)
        lit, need = self._bits.lit(words), self._need
        return {i for i in found if (need[i] & lit) == need[i]}

    def match(self, toks: Tokens, lo: int, hi: int) -> dict[str, list[tuple[int, int]]]:
        """Return key -> [(start, end)] for tokens lo..hi (one sentence), longest per start."""
        words = self._words(toks, lo, hi)
        found = self.candidates(toks, lo, hi, words)
        if not found:
            return {}
        norms, lemmas = toks.norms, toks.lemmas
        # Where each word (norm or lemma) occurs, so a pattern with first words only
        # tries the positions holding one of them instead of testing every token.
        where: dict[str, list[int]] = {}
        for p in range(lo, hi):
            where.setdefault(norms[p], []).append(p)
            if lemmas[p] != norms[p]:
                where.setdefault(lemmas[p], []).append(p)
        by_seq: dict[int, dict[int, int]] = {}   # distinct pattern -> {start: longest end}
        out: dict[str, dict[int, int]] = {}
        for index in found:
            key, seq, first, seq_id, at_start = self._patterns[index]
            seq_spans = by_seq.get(seq_id)
            if seq_spans is None:
                if at_start:
                    starts = [lo] if first is None or norms[lo] in first or lemmas[lo] in first else []
                elif first is None:
                    starts = range(lo, hi)
                else:
                    starts = sorted({p for word in first.intersection(words) for p in where[word]})
                seq_spans = {}
                for start in starts:
                    ends = match_ends(seq, toks, start, hi)
                    ends.discard(start)
                    if ends:
                        seq_spans[start] = max(ends)
                by_seq[seq_id] = seq_spans
            if seq_spans:
                spans = out.setdefault(key, {})
                for start, end in seq_spans.items():
                    if spans.get(start, -1) < end:
                        spans[start] = end
        return {key: sorted(spans.items()) for key, spans in out.items()}

    def __len__(self) -> int:
        return len(self._patterns)
