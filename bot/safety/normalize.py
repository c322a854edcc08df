"""Token normalisation so that the rules see through casual typing.

People type disclosures fast, in lower case, without apostrophes and with stretched
letters ("im soooo scared"). Instead of rewriting the text (which would break the
character offsets the caller needs), each token keeps its text and gets a cleaned
``norm_`` and a ``lemma_`` computed from that norm; the Matcher reads only those.
"""
from __future__ import annotations

import itertools
import re
import unicodedata

from spacy.tokens import Doc

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_RUN = re.compile(r"([^\W\d_])\1{2,}")  # a letter repeated three times or more
_AFTER_I = {"m": "am", "'m": "am", "d": "would", "'d": "would", "ll": "will", "'ll": "will",
            "ve": "have", "'ve": "have"}
_AFTER_PRONOUN = {"s": "'s", "re": "are", "ll": "will", "d": "would", "ve": "have"}
_PRONOUNS = {"he", "she", "it", "that", "there", "what", "who", "they", "we", "you"}
_MAX_RUNS = 4
_FUZZY_MIN = 4   # a shorter typo is too often another word
# Per-token results are cached (the same few thousand words recur in every message);
# a cache that grows past this is emptied, so odd input cannot grow memory for ever.
_CACHE_MAX = 50_000


def _deletion_index(words) -> dict[str, tuple[str, ...]]:
    """Map each core word and each of its one-letter deletions to the core words.
    A typo one edit away (insertion, deletion, substitution, swap) shares a key."""
    index: dict[str, set[str]] = {}
    for word in words:
        word = word.lower()
        index.setdefault(word, set()).add(word)
        for i in range(len(word)):
            index.setdefault(word[:i] + word[i + 1:], set()).add(word)
    return {key: tuple(sorted(value)) for key, value in index.items()}


def fold_accents(form: str) -> str:
    """'violée' -> 'violee', 'draußen' -> 'draussen': rules in other languages are
    written without accents, and people often type without them anyway."""
    if form.isascii():
        return form
    form = form.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", form)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Only letters are folded; a symbol that decomposes into several ("…") is kept.
    return folded if len(folded) <= len(form) else form


class Normalizer:
    """Sets ``token.norm_`` and ``token.lemma_`` for every token of a Doc."""

    def __init__(self, lemma_table, spelling: dict[str, str], lemma_overrides: dict[str, str],
                 extra_words: set[str], masked: tuple = (), fuzzy_words: tuple = (),
                 list_labels: tuple = (), label_joiners: tuple = ()):
        self._lemmas = lemma_table
        self._spelling = {k.lower(): v.lower() for k, v in spelling.items()}
        self._lemma_overrides = {k.lower(): v.lower() for k, v in lemma_overrides.items()}
        self._known = extra_words
        # Words typed with a symbol or digit in them ("r*ped", "sa'd"): (regex, word).
        self._masked = tuple(masked)
        # Core harm words typed with one letter missing, extra or wrong ("forcs",
        # "husbnd"): every one-letter deletion of a core word points back to it.
        self._fuzzy = _deletion_index(fuzzy_words)
        # Answer words joined as a list's column names ("yes/no/maybe list"): labels, not
        # answers, so the "no" in them is never read as a refusal.
        self._labels = frozenset(w.lower() for w in list_labels)
        self._joiners = frozenset(label_joiners)
        self._norm_cache: dict[tuple[str, str], tuple[str, str]] = {}
        self._lemma_cache: dict[str, str] = {}

    def _is_word(self, form: str) -> bool:
        return form in self._known or form in self._lemmas

    def _unstretch(self, form: str) -> str:
        """'soooo' -> 'so', 'killll' -> 'kill', 'pleeease' -> 'please'."""
        runs = list(_RUN.finditer(form))
        if not runs:
            return form
        runs = runs[:_MAX_RUNS]
        for lengths in itertools.product((2, 1), repeat=len(runs)):
            out, last = [], 0
            for run, n in zip(runs, lengths):
                out.append(form[last:run.start()])
                out.append(run.group(1) * n)
                last = run.end()
            out.append(form[last:])
            candidate = "".join(out)
            if self._is_word(candidate):
                return candidate
        # Not a known word either way: keep doubled letters, the likelier spelling.
        return _RUN.sub(lambda m: m.group(1) * 2, form)

    def norm(self, text: str, spacy_norm: str, previous: str) -> str:
        form, norm = self.norm_parts(text, spacy_norm)
        return self.in_context(form, norm, previous)

    def norm_parts(self, text: str, spacy_norm: str) -> tuple[str, str]:
        """(the token's lower-cased, accent-folded form, its norm whatever word came
        before). Cached under (text, spaCy's norm): only `in_context` looks further."""
        cached = self._norm_cache.get((text, spacy_norm))
        if cached is None:
            form = fold_accents(text.lower().translate(_APOSTROPHES))
            cached = (form, self._context_free_norm(form, spacy_norm))
            if len(self._norm_cache) >= _CACHE_MAX:
                self._norm_cache.clear()
            self._norm_cache[(text, spacy_norm)] = cached
        return cached

    @staticmethod
    def reads_context(form: str) -> bool:
        """Whether the word before can change this form's norm (a contraction tail)."""
        return form in _AFTER_I or form in _AFTER_PRONOUN

    @staticmethod
    def in_context(form: str, norm: str, previous: str) -> str:
        """The norm after `previous`: the contraction tails typed without an apostrophe."""
        if previous == "i" and form in _AFTER_I:
            return _AFTER_I[form]
        if previous in _PRONOUNS and form in _AFTER_PRONOUN:
            return _AFTER_PRONOUN[form]   # "hes" is read as "he" + "s": "he 's"
        return norm

    def _context_free_norm(self, form: str, spacy_norm: str) -> str:
        """The norm of a lower-cased, accent-folded token, whatever word came before."""
        if form in self._spelling:
            return self._spelling[form]
        if self._masked and not form.isalpha():
            for pattern, word in self._masked:
                if pattern.fullmatch(form):
                    return word
        if _RUN.search(form):
            form = self._unstretch(form)
            return self._spelling.get(form, form)
        base = fold_accents(spacy_norm.lower().translate(_APOSTROPHES)) if spacy_norm else form
        if self._fuzzy and base == form and len(form) >= _FUZZY_MIN and form.isalpha() \
                and not self._is_word(form):
            near = self._near_core(form)
            if near:
                return near
        if base != form and len(form) > 2 and form.isalpha() and base == self.lemma_from(self._lemmas, form):
            base = form   # spaCy reads "did" in "didn't" as "do"; keep the tense
        return self._spelling.get(base, base)

    def label_positions(self, norms: list[str]) -> list[int]:
        """Where answer words are list labels: two or more joined by "/" or "-"
        ("yes/no/maybe"). They are read as "label:<word>", which no rule names."""
        out: list[int] = []
        if not self._labels or self._labels.isdisjoint(norms):
            return out
        i, n = 0, len(norms)
        while i < n:
            j = i
            while (j + 2 < n and norms[j] in self._labels and norms[j + 1] in self._joiners
                   and norms[j + 2] in self._labels):
                j += 2
            if j > i:
                out.extend(range(i, j + 1, 2))
                i = j + 1
            else:
                i += 1
        return out

    def _near_core(self, form: str) -> str | None:
        """The one core word within one edit of an unknown token, if exactly one.
        A dropped letter, the commonest typo, is tried first ("forcs" is "forces",
        not "force" with a wrong last letter)."""
        dropped = {w for w in self._fuzzy.get(form, ()) if len(w) == len(form) + 1}
        if len(dropped) == 1:
            return dropped.pop()
        found = set(self._fuzzy.get(form, ()))
        for i in range(len(form)):
            found.update(self._fuzzy.get(form[:i] + form[i + 1:], ()))
        return found.pop() if len(found) == 1 else None

    @staticmethod
    def lemma_from(table, form: str) -> str:
        lemma = table.get(form, form)
        return lemma.lower() if isinstance(lemma, str) else form

    def lemma(self, norm: str) -> str:
        lemma = self._lemma_cache.get(norm)
        if lemma is None:
            if norm in self._lemma_overrides:
                lemma = self._lemma_overrides[norm]
            else:
                lemma = self.lemma_from(self._lemmas, norm)
            if len(self._lemma_cache) >= _CACHE_MAX:
                self._lemma_cache.clear()
            self._lemma_cache[norm] = lemma
        return lemma

    def __call__(self, doc: Doc) -> Doc:
        previous = ""
        for token in doc:
            if token.is_space:
                continue
            norm = self.norm(token.text, token.norm_, previous)
            token.norm_ = norm
            token.lemma_ = self.lemma(norm)
            previous = norm
        if self._labels:
            self._mark_labels(doc)
        return doc

    def _mark_labels(self, doc: Doc) -> None:
        """Read "yes/no/maybe" as labels: two or more answer words joined by "/" or "-"
        get the norm "label:<word>", which no rule pattern names."""
        tokens = [t for t in doc if not t.is_space]
        i = 0
        while i < len(tokens):
            j = i
            while (j + 2 < len(tokens) and tokens[j].norm_ in self._labels
                   and tokens[j + 1].text in self._joiners and tokens[j + 2].norm_ in self._labels):
                j += 2
            if j > i:
                for token in tokens[i:j + 1:2]:
                    token.norm_ = token.lemma_ = "label:" + token.norm_
                i = j + 1
            else:
                i += 1
