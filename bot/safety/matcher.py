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
_SHARED_ANCHOR = 24   # entries under one anchor word past which its second set is read
_REGEX_CACHE_MAX = 50_000   # words whose required-set bits (regexes included) are kept

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
        self._bit: dict[object, int] = {}
        self.word_bits: dict[str, int] = {}
        # A required set may also be met by a token one of its regular expressions
        # matches ("@i_am /1[0-7](yo|yr)/"): (regex, bit), and each word's bits with the
        # expressions' answered (a bounded cache: the same words recur).
        self._regexes: list[tuple[re.Pattern[str], int]] = []
        self._with_regexes: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._bit)

    def need(self, sets: Iterable[frozenset[str]]) -> int:
        need = 0
        for required in sets:
            need |= self._bit_for(required, required, ())
        return need

    def need_mixed(self, requirements: Iterable[tuple[frozenset[str], tuple]]) -> int:
        """Like `need`, for (words, regexes) requirements: met by a word, or by a word
        one of the regexes matches."""
        need = 0
        for required in requirements:
            need |= self._bit_for(required, required[0], required[1])
        return need

    def _bit_for(self, key: object, words: frozenset[str], regexes: tuple) -> int:
        """The bit of a required set (made on first sight). A new bit changes what words
        light, so the per-word answers cached with the regexes are dropped then."""
        bit = self._bit.get(key)
        if bit is None:
            bit = 1 << len(self._bit)
            for word in words:
                self.word_bits[word] = self.word_bits.get(word, 0) | bit
            self._regexes.extend((regex, bit) for regex in regexes)
            self._with_regexes.clear()
            self._bit[key] = bit   # counted (len) only once its words are in
        return bit

    def lit(self, words: Iterable[str]) -> int:
        if self._regexes:
            return self._lit_with_regexes(words)
        get, lit = self.word_bits.get, 0
        for word in words:
            lit |= get(word, 0)
        return lit

    def _lit_with_regexes(self, words: Iterable[str]) -> int:
        known, lit = self._with_regexes, 0
        for word in words:
            bits = known.get(word)
            if bits is None:
                bits = self.word_bits.get(word, 0)
                for regex, bit in self._regexes:
                    if regex.match(word):
                        bits |= bit
                if len(known) >= _REGEX_CACHE_MAX:
                    known.clear()
                known[word] = bits
            lit |= bits
        return lit


_ALT_INDEX: dict[int, tuple] = {}
_BRANCH_BITS = RequiredBits()   # the required word sets of every alternative's branches


def _alt_index(el: Element) -> tuple:
    """An alternative's branches by the words they can start with, so a position only
    tries the branches its word can open (a macro such as @actor has dozens).
    Each branch comes with the bits of the word sets it requires (``_seq_anchor_sets``).

    Returns (el, by_word, by_regex, anywhere, norm_hits, lemma_hits). A branch that is
    one plain word or lemma element is not read as a branch at all: it matches exactly
    when the token's norm is in `norm_hits` (or, for a lemma element, its lemma is in
    `lemma_hits`), which is most of a big macro's branches ("he|she|him", "~hit").
    A branch opened by a regular expression ("/1[0-7]/ year old") is tried only where
    the expression matches."""
    entry = _ALT_INDEX.get(id(el))
    if entry is None or entry[0] is not el:
        by_word: dict[str, list[tuple[Seq, int]]] = {}
        by_regex: list[tuple[re.Pattern[str], tuple[Seq, int]]] = []
        anywhere: list[tuple[Seq, int]] = []
        norm_hits: set[str] = set()
        lemma_hits: set[str] = set()
        for alt in el.data:
            if len(alt) == 1 and alt[0].kind in (WORD, LEMMA) and not alt[0].optional:
                norm_hits |= alt[0].data   # _test: a lemma element also reads the norm
                if alt[0].kind == LEMMA:
                    lemma_hits |= alt[0].data
                continue
            branch = (alt, _BRANCH_BITS.need(_seq_anchor_sets(alt)))
            openers = _openers(alt)
            if openers is None:
                anywhere.append(branch)
                continue
            for word in openers[0]:
                by_word.setdefault(word, []).append(branch)
            by_regex.extend((regex, branch) for regex in openers[1])
        entry = (el, by_word, tuple(by_regex), tuple(anywhere), frozenset(norm_hits), frozenset(lemma_hits))
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


def _suffix_bits(toks: Tokens, lo: int, limit: int) -> list[int]:
    """For each position p of lo..limit, the branch bits lit by the norms and lemmas of
    tokens p..limit (index p - lo). Filled from the end in one pass and memoised; the
    key holds the number of known sets, so a set added later is never missed."""
    key = ("bits", lo, limit, len(_BRANCH_BITS._bit))   # (len() of the dict: no method call)
    suffix = toks.memo.get(key)
    if suffix is None:
        get, norms, lemmas = _BRANCH_BITS.word_bits.get, toks.norms, toks.lemmas
        suffix = [0] * (limit - lo + 1)
        lit = 0
        for q in range(limit - 1, lo - 1, -1):
            lit |= get(norms[q], 0) | get(lemmas[q], 0)
            suffix[q - lo] = lit
        toks.memo[key] = suffix
    return suffix


def _sentence_bits(toks: Tokens, p: int, limit: int) -> int:
    """The branch bits lit by the norms and lemmas of tokens p..limit: a match from p
    reads no token before p, so those words are a superset of what it can read."""
    lo = toks.sent_start[p]
    return _suffix_bits(toks, lo, limit)[p - lo]


def _alt_ends(el: Element, toks: Tokens, p: int, limit: int) -> set[int]:
    """Every end of alternative `el` read from p. Memoised per (element, position,
    limit): a macro such as @actor is read once however many patterns use it.
    The returned set is the memo's own: callers must not change it."""
    key = (id(el), p, limit)
    found = toks.memo.get(key)
    if found is not None:
        return found
    index = _ALT_INDEX.get(id(el))
    if index is None or index[0] is not el:
        index = _alt_index(el)
    _, by_word, by_regex, anywhere, norm_hits, lemma_hits = index
    found = set()
    if p < limit:
        norm, lemma = toks.norms[p], toks.lemmas[p]
        if norm in norm_hits or lemma in lemma_hits:
            found.add(p + 1)
        branches = by_word.get(norm, ())
        if lemma != norm:
            more = by_word.get(lemma)
            if more:
                branches = [*branches, *(b for b in more if b not in branches)]
        if by_regex:
            more = [b for regex, b in by_regex if regex.match(norm) and b not in branches]
            if more:
                branches = [*branches, *more]
        if anywhere:
            branches = [*anywhere, *branches]
        if branches:
            lit = _sentence_bits(toks, p, limit)
            for alt, need in branches:
                # A branch needing a word the sentence lacks cannot match: skip it
                # without reading (most of a big macro's branches, in most text).
                if (need & lit) == need:
                    found |= match_ends(alt, toks, p, limit)
    else:
        for alt, _ in anywhere:
            found |= match_ends(alt, toks, p, limit)
    toks.memo[key] = found
    return found


def match_ends(seq: Seq, toks: Tokens, start: int, limit: int) -> set[int]:
    """Every end position at which `seq` matches from `start` without passing `limit`.

    Most reads stay at one position (a word, then a macro with one way through), so
    that case walks a plain int; the first element that can leave several positions
    (an optional one, a gap, a macro with several ends) hands over to `_match_from`."""
    p = start
    norms = toks.norms
    for i, el in enumerate(seq):
        if el.optional:
            return _match_from(seq, i, {p}, toks, limit)
        kind = el.kind
        if kind == WORD:
            if p < limit and norms[p] in el.data:
                p += 1
                continue
            return set()
        if kind == LEMMA:
            if p < limit and (toks.lemmas[p] in el.data or norms[p] in el.data):
                p += 1
                continue
            return set()
        if kind != ALT:
            return _match_from(seq, i, {p}, toks, limit)
        found = _alt_ends(el, toks, p, limit)
        if len(found) != 1:
            return _match_from(seq, i + 1, found, toks, limit) if found else set()
        (p,) = found   # its one end
    return {p}


def _match_from(seq: Seq, first: int, positions: set[int], toks: Tokens, limit: int) -> set[int]:
    """`match_ends` from element `first` on, from any of `positions` (not changed)."""
    if first >= len(seq):
        return set(positions)
    norms, lemmas = toks.norms, toks.lemmas
    for k in range(first, len(seq)):
        el = seq[k]
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
                nxt |= _alt_ends(el, toks, p, limit)
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


def _element_requirement(el: Element) -> tuple[frozenset[str], tuple] | None:
    """(words, regexes): every match of this element holds a token whose norm or
    lemma is one of the words, or whose norm one of the regexes matches (None: no such
    pair). Unlike `_element_words`, an alternative with a regex branch still counts."""
    if el.optional:
        return None
    if el.kind in (WORD, LEMMA):
        return el.data, ()
    if el.kind == REGEX:
        return frozenset(), (el.data,)
    if el.kind == ALT:
        words: set[str] = set()
        regexes: list[re.Pattern[str]] = []
        for alt in el.data:
            found = _seq_requirement(alt)
            if found is None:
                return None
            words |= found[0]
            regexes.extend(found[1])
        return frozenset(words), tuple(dict.fromkeys(regexes))
    return None


def _seq_requirement(seq: Seq) -> tuple[frozenset[str], tuple] | None:
    """One (words, regexes) pair every match of `seq` meets: its rarest word set when
    it has one, else its first requirement with regexes."""
    sets = _seq_anchor_sets(seq)
    if sets:
        return sets[0], ()
    for el in seq:
        found = _element_requirement(el)
        if found is not None:
            return found
    return None


def _mixed_requirements(seq: Seq) -> list[tuple[frozenset[str], tuple]]:
    """The requirements of `seq`'s elements that a regex can meet as well as words."""
    return [r for r in map(_element_requirement, seq) if r is not None and r[1]]


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
    openers = _openers(seq)
    return openers[0] if openers is not None and not openers[1] else None


def _openers(seq: Seq) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None:
    """(words, regexes): the first token of any match is one of the words (norm or
    lemma) or has a norm one of the regexes matches. None: anything may start.

    A regular expression only counts when no gap or skip comes before it: such a
    pattern has always been tried at every token, and still is."""
    words: set[str] = set()
    regexes: list[re.Pattern[str]] = []
    after_gap = False
    for el in seq:
        if el.kind in (SKIP, GAP, START, END):
            after_gap = after_gap or el.kind in (SKIP, GAP)
            continue
        if el.kind in (WORD, LEMMA):
            words |= el.data
        elif el.kind == REGEX and not after_gap:
            regexes.append(el.data)
        elif el.kind == ALT:
            for alt in el.data:
                first = _openers(alt)
                if first is None or (after_gap and first[1]):
                    return None
                words |= first[0]
                regexes.extend(first[1])
        else:
            return None
        if not el.optional:
            return frozenset(words), tuple(dict.fromkeys(regexes))
    return None


def _opens(openers: tuple[frozenset[str], tuple[re.Pattern[str], ...]], norm: str, lemma: str) -> bool:
    """Whether a token (its norm and lemma) is one of `openers`."""
    words, regexes = openers
    return norm in words or lemma in words or any(rx.match(norm) for rx in regexes)


_OPENERS: dict[tuple, tuple] = {}   # interned openers: many patterns open with one @macro


class PatternSet:
    """Named groups of compiled patterns, matched sentence by sentence."""

    def __init__(self) -> None:
        # (key, seq, openers or None, id of the distinct seq, opens with "^")
        self._patterns: list[tuple[str, Seq, tuple | None, int, bool]] = []
        # Required word sets as bits.
        self._bits = RequiredBits()
        # A pattern is read in a sentence only if one of its *entries* is met: an entry
        # is every word set the pattern requires plus, when it holds an alternative (a
        # macro such as @no_consent), every set one branch of its widest alternative
        # requires; one entry per branch (any match goes through one). An entry is found
        # by its rarest word set (its anchor) and then checked with one integer AND.
        self._entry_need: list[int] = []
        self._entry_pattern: list[int] = []
        self._by_anchor: dict[str, list[int]] = {}   # anchor word -> entries
        self._always: list[int] = []                 # entries without a word set
        self._entry_second: list[frozenset[str] | None] = []   # its next rarest set
        # Built at first use: an anchor word that many entries share ("i") leads to its
        # entries through their second word set: word -> (entries with no second set,
        # second-set word -> entries).
        self._index: dict[str, tuple[list[int], dict[str, list[int]] | None]] | None = None
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
            _index_alternatives(seq)
            sets = _seq_anchor_sets(seq)
            openers = _openers(seq)
            # Equal openers are one object, so a sentence finds their starts once.
            openers = _OPENERS.setdefault(openers, openers) if openers is not None else None
            self._patterns.append((key, seq, openers, seq_id, at_start))
            # Elements met by a regex as well as by words ("@i_am /1[0-7]yo/"), which
            # the word sets leave out, are required too.
            need = self._bits.need(sets) | self._bits.need_mixed(_mixed_requirements(seq))
            for branch_need, branch_sets in self._branch_needs(seq):
                self._add_entry(index, need | branch_need, sets + branch_sets)

    def _add_entry(self, index: int, need: int, sets: list[frozenset[str]]) -> int:
        entry = len(self._entry_need)
        self._entry_need.append(need)
        self._entry_pattern.append(index)
        ordered = sorted(sets, key=_commonness)
        self._entry_second.append(ordered[1] if len(ordered) > 1 else None)
        self._index = None
        if not sets:
            self._always.append(entry)
        else:
            for word in ordered[0]:
                self._by_anchor.setdefault(word, []).append(entry)
        return entry

    def _build_index(self) -> dict:
        index = {}
        for word, entries in self._by_anchor.items():
            if len(entries) <= _SHARED_ANCHOR:
                index[word] = (entries, None)
                continue
            direct, by_second = [], {}
            for entry in entries:
                second = self._entry_second[entry]
                if second is None:
                    direct.append(entry)
                else:
                    for other in second:
                        by_second.setdefault(other, []).append(entry)
            index[word] = (direct, by_second)
        self._index = index
        return index

    def _branch_needs(self, seq: Seq) -> list[tuple[int, list[frozenset[str]]]]:
        """(need bits, word sets) of each branch of the pattern's widest required
        alternative, minimal needs only; [(0, [])] when there is no such alternative
        or one of its branches requires nothing."""
        alternatives = [el for el in seq if el.kind == ALT and not el.optional]
        if not alternatives:
            return [(0, [])]
        widest = max(alternatives, key=lambda el: len(el.data))
        needs: dict[int, list[frozenset[str]]] = {}
        for branch in widest.data:
            sets = _seq_anchor_sets(branch)
            need = self._bits.need(sets) | self._bits.need_mixed(_mixed_requirements(branch))
            if not need:
                return [(0, [])]
            needs.setdefault(need, sets)
        return [(a, sets) for a, sets in needs.items()
                if not any(b != a and a & b == b for b in needs)]

    @staticmethod
    def _words(toks: Tokens, lo: int, hi: int) -> set[str]:
        """Every norm and lemma of tokens lo..hi."""
        words = set(toks.norms[lo:hi])
        words.update(toks.lemmas[lo:hi])
        return words

    def candidates(self, toks: Tokens, lo: int, hi: int, words: set[str] | None = None) -> set[int]:
        """Patterns whose required words all occur in tokens lo..hi (any other cannot match)."""
        return self.patterns_of(self.candidate_entries(toks, lo, hi, words))

    def patterns_of(self, entries: Iterable[int]) -> set[int]:
        pattern = self._entry_pattern
        return {pattern[e] for e in entries}

    def entries_of(self, entries: Iterable[int], patterns: set[int]) -> list[int]:
        """Those of `entries` that belong to one of `patterns`."""
        pattern = self._entry_pattern
        return [e for e in entries if pattern[e] in patterns]

    def candidate_entries(self, toks: Tokens, lo: int, hi: int, words: set[str] | None = None) -> set[int]:
        """The entries met in tokens lo..hi (see ``__init__``)."""
        entries = set(self._always)
        index = self._index if self._index is not None else self._build_index()
        if words is None:
            words = self._words(toks, lo, hi)
        for word in words:
            hits = index.get(word)
            if hits:
                entries.update(hits[0])
                if hits[1] is not None:
                    by_second = hits[1]
                    for other in words:
                        more = by_second.get(other)
                        if more:
                            entries.update(more)
        lit, need = self._bits.lit(words), self._entry_need
        return {e for e in entries if need[e] & lit == need[e]}

    def _starts(self, openers, at_start: bool, toks: Tokens, lo: int, hi: int,
                words: set[str], where: dict[str, list[int]]) -> Iterable[int]:
        """Where a pattern may start: the positions holding one of its openers."""
        norms, lemmas = toks.norms, toks.lemmas
        if at_start:
            return [lo] if openers is None or _opens(openers, norms[lo], lemmas[lo]) else []
        if openers is None:
            return range(lo, hi)
        first, regexes = openers
        starts = {p for word in first.intersection(words) for p in where[word]}
        for regex in regexes:
            starts.update(p for p in range(lo, hi) if regex.match(norms[p]))
        return starts

    def key(self, index: int) -> str:
        """The key of pattern `index` (as in `candidates`)."""
        return self._patterns[index][0]

    def match(self, toks: Tokens, lo: int, hi: int, entries: Iterable[int] | None = None,
              found: set[int] | None = None,
              words: set[str] | None = None) -> dict[str, list[tuple[int, int]]]:
        """Return key -> [(start, end)] for tokens lo..hi (one sentence), longest per start.

        `entries`: test only these entries (e.g. those met in the whole text whose rule
        can still fire). `found` and `words`: this sentence's candidates and words, when
        the caller already has them (a one-sentence text)."""
        if words is None:
            words = self._words(toks, lo, hi)
        if found is None:
            if entries is not None:   # few: test them instead of looking all up
                lit, need, pattern = self._bits.lit(words), self._entry_need, self._entry_pattern
                found = {pattern[e] for e in entries if need[e] & lit == need[e]}
            else:
                found = self.candidates(toks, lo, hi, words)
        if not found:
            return {}
        norms, lemmas = toks.norms, toks.lemmas
        # Where each word (norm or lemma) occurs, so a pattern with first words only
        # tries the positions holding one of them instead of testing every token
        # (built when a pattern not tied to the sentence start first needs it).
        where: dict[str, list[int]] | None = None
        by_seq: dict[int, dict[int, int]] = {}   # distinct pattern -> {start: longest end}
        starts_of: dict[int, Iterable[int]] = {}   # id of interned openers -> starts
        out: dict[str, dict[int, int]] = {}
        for index in found:
            key, seq, openers, seq_id, at_start = self._patterns[index]
            seq_spans = by_seq.get(seq_id)
            if seq_spans is None:
                seq_spans = {}
                if at_start:
                    starts = self._starts(openers, True, toks, lo, hi, words, where)
                else:
                    starts = starts_of.get(id(openers))
                    if starts is None:
                        if where is None:
                            where = {}
                            for p in range(lo, hi):
                                where.setdefault(norms[p], []).append(p)
                                if lemmas[p] != norms[p]:
                                    where.setdefault(lemmas[p], []).append(p)
                        starts = self._starts(openers, False, toks, lo, hi, words, where)
                        starts_of[id(openers)] = starts
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
