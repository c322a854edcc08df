"""Turn a user's free-text menu choices into the ids the rehearsal runs on.

Users answer the menu with buttons or in their own words ("I want to practise saying no",
"make it hard", "blindfolded?"). Every vocabulary lives in data: the kinds in
data/partner/scenes.yml, the personas in personas.yml, the difficulties in difficulties.yml,
the activities in data/activities.yml. Matching uses the shared spaCy pipeline on lower case
and on lemmas, then a cautious typo match on single words. An activity that is not listed
still works, in the user's own (cleaned, shortened) words.
"""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

import yaml

from bot.partner.content import PARTNER_DIR, load_content
from bot.paths import DATA_DIR

ACTIVITIES_FILE = DATA_DIR / "activities.yml"
FREE_TEXT_FILE = PARTNER_DIR / "free_text.yml"
CUSTOM_ACTIVITY_ID = "custom"


@dataclass(frozen=True)
class Activity:
    id: str
    label: str
    known: bool
    referral: str | None = None


@dataclass(frozen=True)
class Choice:
    """One menu option: a button's payload id, its title, and a one-line description."""

    id: str
    title: str
    description: str


# --- the menus ---------------------------------------------------------------------------------


def kinds() -> list[Choice]:
    return [Choice(k.id, k.title, k.description) for k in load_content().scenes.kinds.values()]


def personas() -> list[Choice]:
    return [Choice(p.id, p.title, p.description) for p in load_content().personas.values()]


def difficulties() -> list[Choice]:
    ordered = sorted(load_content().difficulties.values(), key=lambda d: d.rank)
    return [Choice(d.id, d.title, d.description) for d in ordered]


# --- free text -> id ---------------------------------------------------------------------------


def normalise_kind(text: Any) -> str | None:
    """``ask`` | ``refuse`` | ``renegotiate`` from free text, or None if unclear."""
    return _normalise_choice(text, "kind")


def normalise_persona(text: Any) -> str | None:
    """A persona id from its id, name (Sam) or a temperament word ("nervous"), or None."""
    return _normalise_choice(text, "persona")


def normalise_difficulty(text: Any) -> str | None:
    """``gentle`` | ``realistic`` | ``challenging`` from free text ("easy", "hard"), or None."""
    return _normalise_choice(text, "difficulty")


def match_activity(text: Any) -> Activity | None:
    """The listed activity the text names, else the user's own words as a custom activity.

    None for input that cannot be an activity: not a string, empty, only emoji or symbols,
    or longer than ``max_input_chars``.
    """
    settings = _settings()
    cleaned = _clean(text, settings["max_input_chars"])
    if cleaned is None:
        return None
    index = _activity_index()
    found = index.best(cleaned, settings["activity_fuzzy_cutoff"], settings["activity_fuzzy_min_chars"],
                       allow_tie=True)
    if found is not None:
        spec = _activities()[found]
        return Activity(id=found, label=spec["label"], known=True, referral=spec.get("referral"))
    label = _custom_label(cleaned, settings)
    if label is None:
        return None
    return Activity(id=CUSTOM_ACTIVITY_ID, label=label, known=False, referral=None)


def activity_by_id(activity_id: Any) -> Activity | None:
    """The listed activity with this id (what a menu button sends), or None."""
    spec = _activities().get(activity_id) if isinstance(activity_id, str) else None
    if spec is None:
        return None
    return Activity(id=activity_id, label=spec["label"], known=True, referral=spec.get("referral"))


# --- internals ---------------------------------------------------------------------------------


def _normalise_choice(text: Any, what: str) -> str | None:
    settings = _settings()
    cleaned = _clean(text, settings["max_input_chars"])
    if cleaned is None:
        return None
    options = _choice_vocab(what)
    ids = list(options)
    simple = cleaned.lower().strip(" .!?")
    if simple in options:
        return simple
    if simple.isdigit() and 1 <= int(simple) <= len(ids):  # "2" for the second menu button
        return ids[int(simple) - 1]
    return _choice_index(what).best(cleaned, settings["fuzzy_cutoff"], settings["fuzzy_min_chars"],
                                    allow_tie=False)


def _clean(text: Any, max_chars: int) -> str | None:
    """Printable text with collapsed spaces, or None when it cannot be a choice."""
    if not isinstance(text, str) or len(text) > max_chars:
        return None
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] == "C" or cat in ("So", "Sk") or ch in "\ufe0e\ufe0f":
            kept.append(" ")  # control characters, emoji and other symbols
        else:
            kept.append(ch)
    cleaned = " ".join("".join(kept).split())
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        return None
    return cleaned


def _custom_label(cleaned: str, settings: Mapping[str, Any]) -> str | None:
    words = cleaned.strip(" .,!?;:'\"()[]-").split()
    prefixes = sorted((p.split() for p in settings["activity_filler_prefixes"]), key=len, reverse=True)
    changed = True
    while changed and words:
        changed = False
        lowered = [w.lower().strip(",.") for w in words]
        for prefix in prefixes:
            if len(prefix) < len(words) and lowered[: len(prefix)] == prefix:
                words = words[len(prefix):]
                changed = True
                break
    label = " ".join(words).strip(" .,!?;:'\"()[]-")
    limit = settings["max_custom_label_chars"]
    if len(label) > limit:
        label = label[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-") or label[:limit]
    if not any(unicodedata.category(ch)[0] in "LN" for ch in label):
        return None
    # the partner says the label mid-sentence: "Massage With Oil" / "Massage with oil" -> "massage with oil"
    if label.istitle():
        label = label.lower()
    elif len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]
    return label


class _PhraseIndex:
    """Phrases -> ids, matched on lower case and on lemmas, with a cautious typo fallback."""

    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        from spacy.matcher import PhraseMatcher

        from bot.nlp import blank_english

        self.nlp = blank_english()
        self.lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.single_words: dict[str, str] = {}
        # inflected forms of real English words ("cooking", "masks") are never typos
        self.known_forms = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        for ident, items in phrases.items():
            texts = sorted({t.strip().lower() for t in items if t and t.strip()})
            docs = list(self.nlp.pipe(texts))
            self.lower.add(ident, docs)
            self.lemma.add(ident, docs)
            for doc in docs:
                if len(doc) == 1 and doc[0].is_alpha:
                    self.single_words.setdefault(doc.text, ident)

    def best(self, text: str, cutoff: float, min_chars: int, allow_tie: bool) -> str | None:
        doc = self.nlp(text)
        scores: dict[str, tuple[float, int]] = {}  # id -> (longest match, -first position)
        covered: set[int] = set()
        for matcher in (self.lower, self.lemma):
            for match_id, start, end in matcher(doc):
                ident = self.nlp.vocab.strings[match_id]
                candidate = (float(end - start), -start)
                if ident not in scores or candidate > scores[ident]:
                    scores[ident] = candidate
                covered.update(range(start, end))
        for token in doc:
            word = token.lower_
            if token.i in covered or not token.is_alpha or len(word) < min_chars or word in self.known_forms:
                continue
            close = difflib.get_close_matches(word, list(self.single_words), n=1, cutoff=cutoff)
            if close:
                ident = self.single_words[close[0]]
                candidate = (0.9, -token.i)  # a typo counts for a little less than a real word
                if ident not in scores or candidate > scores[ident]:
                    scores[ident] = candidate
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not allow_tie and len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0]:
            return None  # "saying no to asking": two kinds, equally strong; let the menu ask
        return ranked[0][0]


@lru_cache(maxsize=1)
def _settings() -> dict[str, Any]:
    with FREE_TEXT_FILE.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    needed = {"max_input_chars": int, "max_custom_label_chars": int, "fuzzy_cutoff": float,
              "activity_fuzzy_cutoff": float, "fuzzy_min_chars": int, "activity_fuzzy_min_chars": int,
              "activity_filler_prefixes": list}
    if not isinstance(doc, dict):
        raise ValueError(f"{FREE_TEXT_FILE}: expected a mapping")
    for key, kind in needed.items():
        if not isinstance(doc.get(key), (kind, int) if kind is float else kind):
            raise ValueError(f"{FREE_TEXT_FILE}: {key} must be a {kind.__name__}")
    doc["activity_filler_prefixes"] = [str(p).lower() for p in doc["activity_filler_prefixes"] if str(p).strip()]
    return doc


@lru_cache(maxsize=1)
def _activities() -> dict[str, dict[str, Any]]:
    with ACTIVITIES_FILE.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    items = doc.get("activities") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{ACTIVITIES_FILE}: expected a list under 'activities'")
    out = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("label"), str):
            raise ValueError(f"{ACTIVITIES_FILE}: every activity needs an id and a label")
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            raise ValueError(f"{ACTIVITIES_FILE}: {item['id']}: aliases must be a list")
        out[item["id"]] = {"label": item["label"], "referral": item.get("referral"),
                           "aliases": [str(a) for a in aliases]}
    return out


@lru_cache(maxsize=1)
def _activity_index() -> _PhraseIndex:
    return _PhraseIndex({
        ident: [*spec["aliases"], spec["label"], ident.replace("_", " ")]
        for ident, spec in _activities().items()
    })


def _choice_vocab(what: str) -> dict[str, list[str]]:
    content = load_content()
    if what == "kind":
        return {k.id: [k.id, *k.synonyms] for k in content.scenes.kinds.values()}
    if what == "persona":
        return {p.id: [p.id, p.name, *p.synonyms] for p in content.personas.values()}
    ordered = sorted(content.difficulties.values(), key=lambda d: d.rank)
    return {d.id: [d.id, d.title, *d.synonyms] for d in ordered}


@lru_cache(maxsize=3)
def _choice_index(what: str) -> _PhraseIndex:
    return _PhraseIndex(_choice_vocab(what))
