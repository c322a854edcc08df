"""The coach's spaCy components, registered as factories and configured by data file names.

The coach reuses the shared tokenizer settings and vocabulary of ``bot.nlp.blank_english()``
but runs its own components on the doc (created with ``nlp.create_pipe``, never added to the
shared pipeline, so other users of the shared pipeline are unaffected):

* ``coach_normalizer``   folds case, typos and contractions into ``token.norm_`` and sets a
                         lookup lemma on ``token.lemma_`` (data/coach/spelling.yml)
* ``coach_activities``   an EntityRuler of activities (data/activities.yml + data/coach/specific.yml)
* ``coach_cues``         one Matcher holding every cue of every code (data/coach/cues/*.yml)
"""


from functools import lru_cache
from typing import Iterable

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.tokenizer import Tokenizer

from bot.coach.cues import CueCompiler
from bot.coach.knowledge import Knowledge, load_knowledge
from bot.nlp import blank_english

if not Doc.has_extension("coach_cues"):
    Doc.set_extension("coach_cues", default=None)


def _fuzzy_index(words: Iterable[str]) -> dict[str, set[str]]:
    """Map every one-letter deletion of each word (and the word) to the words it came from."""
    index: dict[str, set[str]] = {}
    for w in words:
        for key in {w, *(w[:i] + w[i + 1:] for i in range(len(w)))}:
            index.setdefault(key, set()).add(w)
    return index


class CoachNormalizer:
    """Fold spelling so cues match real typing: lower case, "u" -> "you", one-typo fixes."""

    def __init__(self, nlp: Language, knowledge: Knowledge):
        self.norms = knowledge.spelling_norms
        lookups = nlp.get_pipe("lemmatizer").lookups
        table = lookups.get_table("lemma_lookup")
        # The lookup table is keyed by string hashes; keep a plain str -> str dict for speed.
        self.table = table
        self.lemmas: dict[str, str] = {}
        self.known = set(self.norms)
        self.fuzzy: dict[str, set[str]] = {}
        self.fuzzy_min = 5
        self.folded: dict[str, tuple[str, str]] = {}  # raw norm -> (folded norm, lemma), cached
        # Common words are never "corrected" into a cue word ("beach" is not a typo of "blech").
        self.common = self._common_words(knowledge)

    @staticmethod
    def _common_words(knowledge: Knowledge) -> set[str]:
        path = knowledge.data_dir / "coach" / "common_words.txt"
        if not path.exists():
            return set()
        return {w.strip() for w in path.read_text(encoding="utf-8").splitlines()
                if w.strip() and not w.startswith("#")}

    def set_vocabulary(self, cue_words: Iterable[str]) -> None:
        """Give the normaliser the words the cues listen for, for one-typo correction."""
        words = {w for w in cue_words if len(w) >= self.fuzzy_min and w.isalpha()}
        self.known |= words
        self.fuzzy = _fuzzy_index(words)
        self.folded.clear()

    def fold(self, norm: str) -> str:
        norm = self.norms.get(norm, norm)
        if len(norm) >= self.fuzzy_min and norm not in self.known and norm not in self.table and norm.isalpha() \
                and norm not in self.common:
            cands = set(self.fuzzy.get(norm, ()))
            for i in range(len(norm)):
                cands |= self.fuzzy.get(norm[:i] + norm[i + 1:], set())
            if len(cands) == 1:
                return next(iter(cands))
        return norm

    def __call__(self, doc: Doc) -> Doc:
        norms, lemmas, texts, flags = [], [], [], []
        folded = self.folded
        for token in doc:
            texts.append(token.text)
            flags.append((token.is_punct, token.is_sent_start is True))
            raw = token.norm_
            hit = folded.get(raw)
            if hit is None:
                norm = self.fold(raw.replace("’", "'"))
                lemma = self.table.get(norm, norm)
                hit = (norm, lemma)
                if len(folded) < 200_000:
                    folded[raw] = hit
            norm, lemma = hit
            if norm != raw:
                token.norm_ = norm
            token.lemma_ = lemma
            norms.append(norm)
            lemmas.append(lemma)
        # The folded words, texts and flags as plain lists, read once here: the cue matchers,
        # the analyzer and the classifier's units read them many times, and every read of a
        # token attribute makes a new Token object.
        doc.user_data["coach_words"] = (norms, lemmas)
        doc.user_data["coach_tokens"] = (texts, flags)
        return doc


def token_words(doc: Doc) -> tuple[list[str], list[str]]:
    """The folded norms and lemmas of a doc's tokens (set by the normaliser)."""
    words = doc.user_data.get("coach_words")
    if words is None or len(words[0]) != len(doc):
        words = ([t.norm_ for t in doc], [t.lemma_ for t in doc])
    return words


def token_texts(doc: Doc) -> list[str]:
    """The tokens' texts (kept by the normaliser)."""
    kept = doc.user_data.get("coach_tokens")
    if kept is None or len(kept[0]) != len(doc):
        return [t.text for t in doc]
    return kept[0]


def token_flags(doc: Doc) -> list[tuple[bool, bool]]:
    """(is_punct, is_sent_start) per token: what the trie's conditional token tests read."""
    kept = doc.user_data.get("coach_tokens")
    if kept is None or len(kept[1]) != len(doc):
        return [(t.is_punct, t.is_sent_start is True) for t in doc]
    return kept[1]


_NEEDS_FLAGS = -2  # a transition entry meaning "depends on the token's punct/sentence flags"


class WordTrie:
    """Cue patterns as a trie of token tests, walked from each token of a text.

    spaCy's Matcher tries every pattern at every token, which costs ~0.1 ms per text for a
    few hundred patterns. Cue patterns use few kinds of token test (a word or word set on the
    norm or lemma, a word not in a set, an optional in-sentence word for "...", the start of a
    sentence), so they fit a trie whose plain-word steps are dictionary lookups. It finds
    exactly the (key, start, end) matches the Matcher would.

    Nodes are plain integers indexing flat tables (not one object per node): tens of thousands
    of small objects made every full pass of Python's garbage collector slow. A walk keeps the
    ordered tuple of its live nodes as a *state*; each (state, word) step is computed once and
    remembered, so a text mostly costs one dictionary lookup per step (a lazily built DFA).
    """

    MAX_STEPS = 500_000  # remembered steps before the memory is cleared (bounds memory)

    def __init__(self) -> None:
        # Per node: plain-word edges on the norm / lemma (word -> children), words with a
        # condition ((attr, word) -> ((punct, sent_start, child), ...)), other tests
        # ((test, child), ...), children reached without a token (optional tokens), keys ending here.
        self._norm: list[dict[str, tuple[int, ...]]] = [{}]
        self._lemma: list[dict[str, tuple[int, ...]] | None] = [None]
        self._cond: list[dict[tuple[str, str], tuple[tuple, ...]] | None] = [None]
        self._special: list[tuple[tuple[tuple, int], ...]] = [()]
        self._skip: list[tuple[int, ...]] = [()]
        self._ends: list[tuple[str, ...]] = [()]
        self._children: dict[tuple[int, tuple, bool], int] = {}
        self._reset()

    def _reset(self) -> None:
        """Forget the remembered steps and first words (after a pattern is added)."""
        self._closures: dict[int, tuple[int, ...]] = {}
        self._states: list[tuple[int, ...]] = [(0,)]   # state 0: the root alone
        self._state_ids: dict[tuple[int, ...], int] = {(0,): 0}
        self._state_ends: list[tuple[str, ...]] = [()]
        self._steps: dict[tuple, int] = {}
        self._first_words: set[str] | None | bool = False

    @property
    def root(self) -> int:
        return 0

    @staticmethod
    def _test(token: dict) -> tuple | None:
        """(attr, words, negated, is_punct, is_sent_start) for a supported token test, else None."""
        attr = words = None
        negated = False
        punct = sent = None
        for key, value in token.items():
            if key == "OP":
                continue
            if key in ("NORM", "LEMMA") and attr is None:
                attr = key
                if isinstance(value, str):
                    words = frozenset([value])
                elif isinstance(value, dict) and len(value) == 1 and ("IN" in value or "NOT_IN" in value):
                    negated = "NOT_IN" in value
                    listed = value.get("IN", value.get("NOT_IN"))
                    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
                        return None
                    words = frozenset(listed)
                else:
                    return None
            elif key == "IS_PUNCT" and isinstance(value, bool):
                punct = value
            elif key == "IS_SENT_START" and isinstance(value, bool):
                sent = value
            else:
                return None
        if token.get("OP") not in (None, "?"):
            return None
        return attr, words, negated, punct, sent

    def _new_node(self) -> int:
        self._norm.append({})
        self._lemma.append(None)
        self._cond.append(None)
        self._special.append(())
        self._skip.append(())
        self._ends.append(())
        return len(self._norm) - 1

    def add(self, key: str, pattern: list[dict]) -> bool:
        """Add a pattern; False (nothing added) when it needs the Matcher."""
        tests = [self._test(t) for t in pattern]
        if not tests or any(t is None for t in tests):
            return False
        optional = [t.get("OP") == "?" for t in pattern]
        if optional[0] or optional[-1]:
            return False  # the compiler strips these; the Matcher handles any other case
        node = 0
        for test, opt in zip(tests, optional):
            attr, words, negated, punct, sent = test  # type: ignore[misc]
            # the child map is keyed without frozensets (sorted tuples are not tracked by the GC)
            ident = (node, (attr, tuple(sorted(words or ())), words is None, negated, punct, sent), opt)
            child = self._children.get(ident)
            if child is None:
                child = self._children[ident] = self._new_node()
                if attr and not negated and punct is None and sent is None:
                    if attr == "NORM":
                        edges = self._norm[node]
                    else:
                        edges = self._lemma[node] = self._lemma[node] or {}
                    for w in words:
                        edges[w] = edges.get(w, ()) + (child,)
                elif attr and not negated:
                    cond = self._cond[node] = self._cond[node] or {}
                    for w in words:
                        cond[(attr, w)] = cond.get((attr, w), ()) + ((punct, sent, child),)
                else:
                    self._special[node] += ((test, child),)
                if opt:
                    self._skip[node] += (child,)
            node = child
        if key not in self._ends[node]:
            self._ends[node] += (key,)
        self._reset()
        return True

    def _firsts(self) -> set[str] | None:
        """The words a match can start with (None: any word can start one)."""
        firsts = self._first_words
        if firsts is False:
            firsts = None if self._special[0] or self._skip[0] else (
                set(self._norm[0]) | set(self._lemma[0] or ()) | {w for _, w in self._cond[0] or ()})
            self._first_words = firsts
        return firsts

    def _closure(self, node: int) -> tuple[int, ...]:
        """The node and every node reached from it by skipping optional tokens."""
        closure = self._closures.get(node)
        if closure is None:
            out, stack, seen = [], [node], set()
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                out.append(n)
                stack.extend(self._skip[n])
            closure = self._closures[node] = tuple(out)
        return closure

    def _needs_flags(self, state: int, norm: str, lemma: str) -> bool:
        """True when a step from ``state`` on this word reads the token's punct/sentence flags."""
        for node in self._states[state]:
            if self._special[node]:
                return True
            cond = self._cond[node]
            if cond and (("NORM", norm) in cond or ("LEMMA", lemma) in cond):
                return True
        return False

    def _step(self, state: int, norm: str, lemma: str, flag: tuple[bool, bool] | None) -> int:
        """The state after one token (-1: no live node), computed as the node-by-node walk would."""
        nxt: list[int] = []
        for node in self._states[state]:
            nxt.extend(self._norm[node].get(norm, ()))
            lemma_edges = self._lemma[node]
            if lemma_edges:
                nxt.extend(lemma_edges.get(lemma, ()))
            cond = self._cond[node]
            if cond:
                for key in (("NORM", norm), ("LEMMA", lemma)):
                    for want_punct, want_sent, child in cond.get(key, ()):
                        punct, sent_start = flag  # type: ignore[misc]
                        if (want_punct is None or punct == want_punct) and \
                                (want_sent is None or sent_start == want_sent):
                            nxt.append(child)
            if self._special[node]:
                punct, sent_start = flag  # type: ignore[misc]
                for (attr, words, negated, want_punct, want_sent), child in self._special[node]:
                    if want_punct is not None and punct != want_punct:
                        continue
                    if want_sent is not None and sent_start != want_sent:
                        continue
                    if words is not None and ((norm if attr == "NORM" else lemma) in words) == negated:
                        continue
                    nxt.append(child)
        if not nxt:
            return -1
        live: list[int] = []
        seen: set[int] = set()
        for node in nxt:
            for m in self._closure(node):
                if m not in seen:
                    seen.add(m)
                    live.append(m)
        key = tuple(live)
        sid = self._state_ids.get(key)
        if sid is None:
            sid = self._state_ids[key] = len(self._states)
            self._states.append(key)
            # the keys ending in this state, in the order the node-by-node walk reports them
            self._state_ends.append(tuple(dict.fromkeys(k for m in live for k in self._ends[m])))
        return sid

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(key, start, end) of every pattern found in ``doc``, each once."""
        norms, lemmas = token_words(doc)
        n = len(norms)
        flags: list[tuple[bool, bool]] | None = None
        found: dict[tuple[str, int, int], None] = {}
        firsts = self._firsts()
        if len(self._steps) > self.MAX_STEPS:
            self._reset()
            firsts = self._firsts()
        steps, state_ends = self._steps, self._state_ends
        for start in range(n):
            if firsts is not None and norms[start] not in firsts and lemmas[start] not in firsts:
                continue
            state = 0
            i = start
            while i < n:
                norm, lemma = norms[i], lemmas[i]
                key = (state, norm, lemma)
                nxt = steps.get(key)
                if nxt is None:
                    if self._needs_flags(state, norm, lemma):
                        nxt = steps[key] = _NEEDS_FLAGS
                    else:
                        nxt = steps[key] = self._step(state, norm, lemma, None)
                if nxt == _NEEDS_FLAGS:
                    if flags is None:
                        flags = token_flags(doc)
                    fkey = (state, norm, lemma, flags[i])
                    nxt = steps.get(fkey)
                    if nxt is None:
                        nxt = steps[fkey] = self._step(state, norm, lemma, flags[i])
                i += 1
                if nxt < 0:
                    break
                for k in state_ends[nxt]:
                    found[(k, start, i)] = None
                state = nxt
        return list(found)


class ActivityFinder:
    """The activity EntityRuler's matching, done with a word trie (same entities, a fraction of the cost).

    The ruler keeps the patterns and sets the entities; its phrase patterns (on NORM) and its
    one-word lemma patterns ("blindfolds", "spanked", never shorter than the word) are found
    here with dictionary lookups; any other token pattern still goes through a spaCy Matcher.
    """

    def __init__(self, nlp: Language, ruler):
        self.ruler = ruler
        self.strings = nlp.vocab.strings
        self.trie = WordTrie()
        self.lemma_min: dict[str, list[tuple[str, int]]] = {}
        self.rest = Matcher(nlp.vocab, validate=False)
        for key, docs in ruler.phrase_patterns.items():
            for pdoc in docs:
                if len(pdoc):
                    self.trie.add(key, [{"NORM": t.norm_} for t in pdoc])
        for key, patterns in ruler.token_patterns.items():
            for pattern in patterns:
                if len(pattern) == 1 and self._lemma_min(pattern[0]) is not None:
                    word, n = self._lemma_min(pattern[0])
                    self.lemma_min.setdefault(word, []).append((key, n))
                elif not self.trie.add(key, pattern):
                    self.rest.add(key, [pattern])

    @staticmethod
    def _lemma_min(token: dict) -> tuple[str, int] | None:
        length = token.get("LENGTH")
        if set(token) == {"LEMMA", "LENGTH"} and isinstance(token["LEMMA"], str) and isinstance(length, dict) \
                and set(length) == {">="} and isinstance(length[">="], int):
            return token["LEMMA"], length[">="]
        return None

    def __call__(self, doc: Doc) -> Doc:
        strings = self.strings
        found = {(strings[key], s, e) for key, s, e in self.trie.matches(doc)}
        if self.lemma_min:
            _, lemmas = token_words(doc)
            for i, lemma in enumerate(lemmas):
                for key, n in self.lemma_min.get(lemma, ()):
                    if len(doc[i].text) >= n:
                        found.add((strings[key], i, i + 1))
        if len(self.rest):
            found.update((m, s, e) for m, s, e in self.rest(doc, allow_missing=True) if s != e)
        if not found and not doc.ents:
            return doc
        matches = sorted(found, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)
        self.ruler.set_annotations(doc, matches)
        return doc


class CoachCues:
    """Every cue of every code, matched with spaCy Matchers; results go to ``doc._.coach_cues``.

    Each match key is ``"<code>|<cue set>|<weight>"``; the analyzer reads the keys.
    Thousands of patterns in one Matcher cost milliseconds per text, so patterns are bucketed
    by a trigger word they cannot match without (their rarest required word); a text only
    runs the buckets whose trigger words it contains.
    """

    COMMON = {"i", "you", "it", "to", "the", "a", "an", "is", "am", "are", "be", "would", "will",
              "not", "do", "we", "me", "that", "this", "and", "of", "so", "if", "can", "have",
              "my", "your", "just", "really", "for", "with", "in", "on", ",", ".", "?", "!"}

    def __init__(self, nlp: Language, knowledge: Knowledge, compiler: CueCompiler):
        grouped: dict[tuple[str, str], dict[str, list]] = {}
        self.words = WordTrie()
        for key, cues in knowledge.cue_sets().items():
            for cue in cues:
                for pattern in compiler.compile(cue):
                    if self.words.add(key, pattern):
                        continue
                    for trigger, variant in self._by_first_word(pattern):
                        grouped.setdefault(trigger, {}).setdefault(key, []).append(variant)
        self.buckets: dict[tuple[str, str], Matcher] = {}
        self.reach: dict[tuple[str, str], int] = {}  # the longest pattern of a bucket, in tokens
        # For each bucket, the words each of its patterns cannot match without: a bucket whose
        # every pattern misses a required word in this text is not run at all (cheap set tests).
        self.needs: dict[tuple[str, str], frozenset | None] = {}
        for trigger, by_key in grouped.items():
            matcher = Matcher(nlp.vocab, validate=False)
            for key, patterns in by_key.items():
                matcher.add(key, patterns)
            self.buckets[trigger] = matcher
            self.reach[trigger] = max(len(p) for patterns in by_key.values() for p in patterns)
            needs = [self._required_words(p) for patterns in by_key.values() for p in patterns]
            # one required word set per pattern (its smallest); the bucket needs a word of any
            self.needs[trigger] = None if any(not n for n in needs) else frozenset().union(*(n[0] for n in needs))
        self.always = self.buckets.get(("ANY", ""))
        # the first words of all buckets: a token that is none of them starts no bucket
        self.firsts = {k[1].split(" ")[0] for k in self.buckets if k[0] != "ANY"}
        self.strings = nlp.vocab.strings

    @staticmethod
    def _by_first_word(pattern: list[dict]) -> list[tuple[tuple[str, str], list[dict]]]:
        """Split a pattern on its first word so each copy starts with one plain word.

        Word-set tests run in Python inside spaCy's Matcher; starting every pattern with a
        plain word keeps the first test in C, and lets a text skip patterns it cannot match.
        """
        first, rest = pattern[0], pattern[1:]
        for attr in ("NORM", "LEMMA"):
            value = first.get(attr)
            if value is None or first.get("OP"):
                continue
            extra = {k: v for k, v in first.items() if k != attr}
            words = [value] if isinstance(value, str) else value.get("IN")
            if words:
                out = []
                for w in words:
                    # Very common first words ("i", "you") also split on the second word.
                    common = w in CoachCues.COMMON
                    for tail in CoachCues._plain_second(rest):
                        nxt = tail[0].get("NORM") if tail and not tail[0].get("OP") else None
                        key = (f"{attr} NORM", f"{w} {nxt}") if common and isinstance(nxt, str) else (attr, w)
                        out.append((key, [{attr: w, **extra}] + tail))
                return out
        return [(("ANY", ""), pattern)]

    @staticmethod
    def _required_words(pattern: list[dict]) -> tuple[frozenset, ...]:
        """The word sets of a pattern's required tokens past the first (NORM or LEMMA tests).

        The text must hold a word of every set (as a norm or a lemma) for the pattern to match.
        """
        out = []
        for tok in pattern[1:]:
            if tok.get("OP") not in (None, "1", "+"):
                continue
            for attr in ("NORM", "LEMMA"):
                value = tok.get(attr)
                if isinstance(value, str):
                    out.append(frozenset([value]))
                elif isinstance(value, dict) and isinstance(value.get("IN"), list) and len(value) == 1:
                    out.append(frozenset(value["IN"]))
        return tuple(sorted(set(out), key=len))

    @staticmethod
    def _plain_second(rest: list[dict]) -> list[list[dict]]:
        """Also split the second word when it is a required word-set test (kept in C)."""
        if not rest:
            return [rest]
        second = rest[0]
        value = second.get("NORM")
        if isinstance(value, dict) and "IN" in value and not second.get("OP") and len(value["IN"]) <= 40:
            extra = {k: v for k, v in second.items() if k != "NORM"}
            return [[{"NORM": w, **extra}] + rest[1:] for w in value["IN"]]
        return [rest]

    def _matchers(self, doc: Doc) -> list[tuple[Matcher, list[int], int]]:
        """The buckets this text can trigger, with where: (matcher, start positions, reach).

        A bucket's patterns all start with its trigger word(s), so its matches can only start
        where the trigger stands; the matcher runs on a short window there, not the whole text.
        """
        where: dict[tuple[str, str], list[int]] = {}
        norms, lemmas = token_words(doc)
        buckets = self.buckets
        firsts = self.firsts
        for i, (norm, lemma) in enumerate(zip(norms, lemmas)):
            if norm not in firsts and lemma not in firsts:
                continue
            keys = [("NORM", norm), ("LEMMA", lemma)]
            if i + 1 < len(norms):
                keys += [("NORM NORM", f"{norm} {norms[i + 1]}"), ("LEMMA NORM", f"{lemma} {norms[i + 1]}")]
            for key in keys:
                if key in buckets:
                    positions = where.setdefault(key, [])
                    if not positions or positions[-1] != i:
                        positions.append(i)
        words = set(norms) | set(lemmas)
        out = []
        for k, positions in where.items():
            needs = self.needs[k]
            if needs is not None and needs.isdisjoint(words):
                continue
            out.append((buckets[k], positions, self.reach[k]))
        if self.always is not None:
            out.append((self.always, [-1], 0))
        return out

    def __call__(self, doc: Doc) -> Doc:
        by_key: dict[str, list] = {}
        seen = set()
        n = len(doc)
        for key, start, end in self.words.matches(doc):
            by_key.setdefault(key, []).append(doc[start:end])
        unsorted = set()  # keys with Matcher matches added (the trie's come in (start, end) order)
        for matcher, positions, reach in self._matchers(doc) if self.buckets else ():
            for p in positions:
                if p < 0:  # the bucket without a trigger word runs on the whole text
                    matches = matcher(doc)
                else:
                    matches = [(m, p + s, p + e) for m, s, e in matcher(doc[p:min(n, p + reach)]) if s == 0]
                for match_id, start, end in matches:
                    if (match_id, start, end) in seen:
                        continue
                    seen.add((match_id, start, end))
                    key = self.strings[match_id]
                    spans = by_key.setdefault(key, [])
                    if not any(sp.start == start and sp.end == end for sp in spans):
                        spans.append(doc[start:end])
                        unsorted.add(key)
        # All matches are kept (sorted); the analyzer joins overlapping ones into one span.
        for key in unsorted:
            by_key[key].sort(key=lambda s: (s.start, s.end))
        doc._.coach_cues = by_key
        return doc


@Language.factory("coach_normalizer", default_config={"data_dir": ""})
def make_coach_normalizer(nlp: Language, name: str, data_dir: str) -> CoachNormalizer:
    return CoachNormalizer(nlp, load_knowledge(data_dir or None))


@Language.factory("coach_cues", default_config={"data_dir": ""})
def make_coach_cues(nlp: Language, name: str, data_dir: str) -> CoachCues:
    knowledge = load_knowledge(data_dir or None)
    return CoachCues(nlp, knowledge, CoachPipeline.compiler_for(nlp, knowledge))


class CoachPipeline:
    """The coach's tokenizer plus its components, run in a fixed order on every text."""

    def __init__(self, data_dir: str | None = None):
        self.nlp = nlp = blank_english()
        self.knowledge = knowledge = load_knowledge(data_dir)
        self.tokenizer = Tokenizer(nlp.vocab)
        self.tokenizer.from_bytes(nlp.tokenizer.to_bytes())
        for word, pieces in knowledge.spelling_splits.items():
            for variant in {word, word.capitalize(), word.upper()}:
                orths, pos = [], 0
                for orth, norm in pieces:
                    text = variant[pos:pos + len(orth)]
                    orths.append({"ORTH": text, "NORM": norm})
                    pos += len(orth)
                self.tokenizer.add_special_case(variant, orths)
        self.sentencizer = nlp.get_pipe("sentencizer")
        cfg = {"data_dir": data_dir or ""}
        self.normalizer: CoachNormalizer = nlp.create_pipe("coach_normalizer", config=cfg)
        compiler = self.compiler_for(nlp, knowledge, self)
        self.normalizer.set_vocabulary(compiler.vocabulary)
        self.activities = nlp.create_pipe(
            "entity_ruler", name="coach_activities",
            config={"phrase_matcher_attr": "NORM", "overwrite_ents": True})
        self.activities.add_patterns(knowledge.activity_patterns(compiler))
        self.find_activities = ActivityFinder(nlp, self.activities)
        self.cues = CoachCues(nlp, knowledge, compiler)

    @staticmethod
    def compiler_for(nlp: Language, knowledge: Knowledge, pipeline: "CoachPipeline | None" = None) -> CueCompiler:
        """A cue compiler whose literal words are folded exactly like user text."""
        tokenizer = pipeline.tokenizer if pipeline else nlp.tokenizer
        normalizer = pipeline.normalizer if pipeline else CoachNormalizer(nlp, knowledge)
        vocabulary: set[str] = set()

        def normalise(text: str) -> list[str]:
            norms = [normalizer.norms.get(t.norm_.replace("’", "'"), t.norm_.replace("’", "'")) for t in tokenizer(text)]
            vocabulary.update(norms)
            return norms

        compiler = CueCompiler(normalise, knowledge.word_sets)
        # Collect the vocabulary once by compiling everything (cheap, done at load).
        for cues in knowledge.cue_sets().values():
            for cue in cues:
                compiler.compile(cue)
        compiler.vocabulary = vocabulary  # type: ignore[attr-defined]
        return compiler

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc = self.sentencizer(doc)
        doc = self.normalizer(doc)
        doc = self.find_activities(doc)
        return self.cues(doc)

    def pipe(self, texts: Iterable[str]) -> Iterable[Doc]:
        for doc in self.tokenizer.pipe(texts):
            doc = self.sentencizer(doc)
            doc = self.normalizer(doc)
            doc = self.find_activities(doc)
            yield self.cues(doc)


@lru_cache(maxsize=4)
def coach_pipeline(data_dir: str | None = None) -> CoachPipeline:
    """The coach pipeline, built once per process (per data directory)."""
    return CoachPipeline(data_dir)
