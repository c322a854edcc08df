"""The cue language: how a therapist-readable phrase in ``data/coach`` becomes Matcher patterns.

A cue is a line of plain words with a few marks, so a reviewer can read and edit it:

* ``if you really loved me``   plain words, matched on the normalised form (case, common typos
  and contractions are folded: "u" = "you", "i'd" = "i would")
* ``(really|truly|)``          alternatives; an empty one makes the group optional
* ``<love>``                   any form of a word (loved, loves, loving)
* ``...``                      a short gap of up to four words inside the same sentence
* ``*``                        exactly one word
* ``{set:name}`` / ``{!set:name}``   one word from (or not from) a named word set in the cue file
* ``^``                        at the start: only at the start of a sentence

Groups do not nest. Alternatives that differ only in their last word share one pattern; others become separate
patterns.
"""
from __future__ import annotations

import itertools
import re
from typing import Callable

GAP_WORDS = 4
_GROUP = re.compile(r"\(([^()]*)\)(\?)?")
_PUNCT_BREAK = {".", "!", "?"}


class CueError(ValueError):
    """A cue in the data files cannot be compiled; the message names the cue."""


def _split_top(cue: str) -> list[str]:
    """Split a cue on spaces that are outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in cue:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch.isspace() and depth == 0:
            if cur:
                parts.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if depth != 0:
        raise CueError(f"unbalanced parentheses in cue {cue!r}")
    if cur:
        parts.append("".join(cur))
    return parts


class CueCompiler:
    """Turn cue strings into spaCy Matcher patterns.

    ``normalise`` maps a literal chunk of text to the list of normalised token forms the
    runtime pipeline would produce for it, so patterns and user text are folded the same way.
    """

    def __init__(self, normalise: Callable[[str], list[str]], word_sets: dict[str, list[str]]):
        self.normalise = normalise
        self.word_sets = {k: sorted({w.lower() for w in v}) for k, v in word_sets.items()}
        self._cache: dict[str, list[list[dict]]] = {}

    # -- one element -> list of alternatives, each a list of token specs
    def _atom(self, text: str, cue: str) -> list[list[dict]]:
        if text == "...":
            return [[{"IS_SENT_START": False, "IS_PUNCT": False, "OP": "?"}] * GAP_WORDS]
        if text == "*":
            return [[{"IS_PUNCT": False}]]
        m = re.fullmatch(r"\{(!?)set:(\w+)\}", text)
        if m:
            name = m.group(2)
            if name not in self.word_sets:
                raise CueError(f"unknown word set {name!r} in cue {cue!r}")
            key = "NOT_IN" if m.group(1) else "IN"
            spec: dict = {"NORM": {key: self.word_sets[name]}}
            if m.group(1):
                spec["IS_PUNCT"] = False
            return [[spec]]
        m = re.fullmatch(r"<([^<>]+)>", text)
        if m:
            return [[{"LEMMA": m.group(1).lower()}]]
        norms = self.normalise(text)
        if not norms:
            raise CueError(f"empty word {text!r} in cue {cue!r}")
        return [[{"NORM": n} for n in norms]]

    def _element(self, text: str, cue: str) -> list[list[dict]]:
        m = _GROUP.fullmatch(text)
        if not m:
            if "(" in text or ")" in text:
                raise CueError(f"write groups as separate words: {text!r} in cue {cue!r}")
            return self._atom(text, cue)
        alts = m.group(1).split("|")
        optional = bool(m.group(2)) or any(a.strip() == "" for a in alts)
        options: list[list[dict]] = []
        for alt in alts:
            alt = alt.strip()
            if not alt:
                continue
            seqs = [[]]
            for piece in alt.split():
                seqs = [s + a for s in seqs for a in self._atom(piece, cue)]
            options.extend(seqs)
        # Fold plain alternatives exactly: two alternatives of the same length that differ in
        # one position merge into one pattern with an IN test there ("(i will|i might|we will|
        # we might)" -> [i|we] [will|might]). The merged pattern matches exactly the union, so
        # "(ask again|it depends)" never matches "it again".
        def plain(o: list[dict]) -> bool:
            return all(set(t) == {"NORM"} and isinstance(t["NORM"], str) for t in o)

        rows: list[list[frozenset]] = []
        result: list[list[dict]] = []
        for o in options:
            if plain(o):
                rows.append([frozenset([t["NORM"]]) for t in o])
            else:
                result.append(o)
        merged = True
        while merged:
            merged = False
            for i in range(len(rows)):
                for j in range(i + 1, len(rows)):
                    a_, b_ = rows[i], rows[j]
                    if len(a_) != len(b_):
                        continue
                    diff = [p for p in range(len(a_)) if a_[p] != b_[p]]
                    if len(diff) <= 1:
                        if diff:
                            a_[diff[0]] = a_[diff[0]] | b_[diff[0]]
                        del rows[j]
                        merged = True
                        break
                if merged:
                    break
        for row in rows:
            result.append([{"NORM": next(iter(sl))} if len(sl) == 1 else {"NORM": {"IN": sorted(sl)}} for sl in row])
        if optional:
            result.append([])
        return result

    def compile(self, cue: str) -> list[list[dict]]:
        """Return the Matcher patterns (one or more) for one cue string."""
        if cue not in self._cache:
            self._cache[cue] = self._compile(cue)
        return [[dict(spec) for spec in pattern] for pattern in self._cache[cue]]

    def _compile(self, cue: str) -> list[list[dict]]:
        cue = cue.strip()
        anchored = cue.startswith("^")
        if anchored:
            cue = cue[1:].strip()
        elements = [self._element(e, cue) for e in _split_top(cue)]
        if not elements:
            raise CueError("empty cue")
        patterns = []
        for combo in itertools.product(*elements):
            pattern = [dict(spec) for part in combo for spec in part]
            # A pattern may not start or end on an optional gap token.
            while pattern and pattern[0].get("OP") == "?" and "IS_SENT_START" in pattern[0]:
                pattern.pop(0)
            while pattern and pattern[-1].get("OP") == "?" and "IS_SENT_START" in pattern[-1]:
                pattern.pop()
            if not pattern:
                continue
            if anchored:
                pattern[0] = {**pattern[0], "IS_SENT_START": True}
            patterns.append(pattern)
        if len(patterns) > 5000:
            raise CueError(f"cue expands to {len(patterns)} patterns; split it: {cue!r}")
        return patterns
