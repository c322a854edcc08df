"""Loads the safety rules from ``data/safety/`` and compiles them into pattern sets.

Everything a reviewer may want to change is data: the macros and spelling fixes
(``vocab.yml``), the guards that veto a cue (``guards.yml``), the per-category rules
(``rules/*.yml``), the referral red flags (``referrals.yml``) and the category
priority (``policy.yml``). Code here only validates and compiles them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot.paths import DATA_DIR
from bot.safety.matcher import Compiler, PatternSet
from bot.safety.patterns import PatternError
from bot.safety.yaml_io import safe_load

SAFETY_DIR = DATA_DIR / "safety"
CATEGORIES = ("abuse", "self_harm", "minor", "danger")


@dataclass(frozen=True)
class Rule:
    """One way a category (or a referral flag) shows up in text.

    ``parts`` holds one matcher key per group of cues; a rule fires when every part
    matches within ``within`` tokens of each other (one part: a plain cue).
    """

    label: str            # category ("abuse") or referral flag ("trauma")
    id: str
    parts: tuple[str, ...]
    within: int
    unless_before: tuple[str, ...]
    unless_after: tuple[str, ...]
    unless_sentence: tuple[str, ...]
    referral: bool = False
    window_before: int | None = None  # overrides policy.yml for this rule
    window_after: int | None = None
    # Which parts (by index) the guards read; None: all. "he's in the next room" is
    # guarded, the distress beside it ("if he sees this he'll hurt me") is not.
    guard_parts: tuple[int, ...] | None = None
    # Guards that veto the whole frame when found anywhere within `near` tokens of it,
    # in any sentence: "I tapped out. She stopped at once." is a no respected.
    unless_near: tuple[str, ...] = ()
    near: int = 12


@dataclass(frozen=True)
class ContractionTypos:
    """Contractions typed without the apostrophe that collide with a word ("hell" for
    "he'll"): read as two words unless the neighbours show the ordinary word."""

    words: dict[str, tuple[str, ...]]
    not_after: frozenset[str]
    not_before: frozenset[str]

    def split(self, form: str, previous: str, following: str) -> tuple[str, ...] | None:
        parts = self.words.get(form)
        if parts is None or previous in self.not_after or not following.isalpha():
            return None
        if following in self.not_before:
            return None
        return parts


@dataclass
class RuleSet:
    cues: PatternSet       # rule cues and referral cues
    guards: PatternSet     # guards, read only in sentences where a cue was found
    barriers: frozenset[str]
    rules: list[Rule]
    priority: tuple[str, ...]
    window_before: int
    window_after: int
    spelling: dict[str, str]
    lemma_overrides: dict[str, str]
    known_words: set[str]
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    guard_reach: dict[str, frozenset[str]] = field(default_factory=dict)
    contractions: "ContractionTypos | None" = None
    # Masked or symbol-spelt words ("r*ped", "sa'd"): (regex, word), tried in order.
    masked: tuple[tuple["re.Pattern[str]", str], ...] = ()
    # Core harm words matched one edit away when the typed token is not a word.
    fuzzy_words: tuple[str, ...] = ()
    # Answer words read as list labels when joined ("yes/no/maybe"), and the joiners.
    list_labels: tuple[str, ...] = ()
    label_joiners: tuple[str, ...] = ()
    referral_messages: dict[str, str] = field(default_factory=dict)
    referral_titles: dict[str, str] = field(default_factory=dict)


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        data = safe_load(handle) or {}
    if not isinstance(data, dict):
        raise PatternError(f"{path}: expected a mapping at the top level")
    return data


def _words_in(lines) -> set[str]:
    words = set()
    for line in lines:
        for element in str(line).split():
            element = element.rstrip("?").lstrip("~")
            if element.startswith(("@", "/", "*")) or element in {"_", "PUNCT"}:
                continue
            words.update(w for w in element.lower().split("|") if w.isalpha())
    return words


def _as_tuple(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PatternError(f"{where}: expected a list of names")
    return tuple(value)


def _add_rule(entry: dict, label: str, where: str, cues: PatternSet, compiler: Compiler,
              guards: set[str], referral: bool, words: set[str]) -> Rule:
    rule_id = entry.get("id") or label
    groups = entry.get("together")
    if groups is None:
        groups = [entry.get("cues")]
    if not groups or not all(isinstance(g, list) and g for g in groups):
        raise PatternError(f"{where} rule {rule_id!r}: needs `cues` or `together` (lists of patterns)")
    parts = []
    for index, lines in enumerate(groups):
        key = f"{'ref' if referral else 'cue'}::{label}::{rule_id}::{index}"
        try:
            cues.add(key, compiler.lines(lines))
        except PatternError as exc:
            raise PatternError(f"{where} rule {rule_id!r}: {exc}") from exc
        words |= _words_in(lines)
        parts.append(key)
    rule = Rule(
        label=label, id=rule_id, parts=tuple(parts), within=int(entry.get("within", 30)),
        unless_before=_as_tuple(entry.get("unless_before"), where),
        unless_after=_as_tuple(entry.get("unless_after"), where),
        unless_sentence=_as_tuple(entry.get("unless_sentence"), where),
        referral=referral,
        window_before=int(entry["window_before"]) if "window_before" in entry else None,
        window_after=int(entry["window_after"]) if "window_after" in entry else None,
        guard_parts=(tuple(int(i) for i in entry["guard_parts"]) if "guard_parts" in entry else None),
        unless_near=_as_tuple(entry.get("unless_near"), where),
        near=int(entry.get("near", 12)),
    )
    if rule.guard_parts is not None and not all(0 <= i < len(parts) for i in rule.guard_parts):
        raise PatternError(f"{where} rule {rule_id!r}: guard_parts must index its groups")
    for name in rule.unless_before + rule.unless_after + rule.unless_sentence + rule.unless_near:
        if name not in guards:
            raise PatternError(f"{where} rule {rule_id!r}: unknown guard {name!r}")
    return rule


def load_rules(lemma_of: Callable[[str], str] | None = None,
               directory: Path = SAFETY_DIR) -> RuleSet:
    """Read every safety data file and compile it; raises PatternError on bad data."""
    vocab_data = _read(directory / "vocab.yml")
    macros = vocab_data.get("macros") or {}
    if not all(isinstance(v, list) for v in macros.values()):
        raise PatternError("vocab.yml: every macro must be a list of patterns")
    policy = _read(directory / "policy.yml")
    priority = tuple(policy.get("priority") or ())
    if sorted(priority) != sorted(CATEGORIES):
        raise PatternError(f"policy.yml: priority must list exactly {CATEGORIES}, got {priority}")

    compiler = Compiler(macros, lemma_of)
    cues, guards = PatternSet(), PatternSet()
    words: set[str] = set()
    for lines in macros.values():
        words |= _words_in(lines)

    guard_data = _read(directory / "guards.yml").get("guards") or {}
    for name, lines in guard_data.items():
        try:
            guards.add(f"guard::{name}", compiler.lines(lines))
        except PatternError as exc:
            raise PatternError(f"guards.yml {name!r}: {exc}") from exc
        words |= _words_in(lines)

    rules: list[Rule] = []
    seen_categories = set()
    for path in sorted((directory / "rules").glob("*.yml")):
        data = _read(path)
        category = data.get("category")
        if category not in CATEGORIES:
            raise PatternError(f"{path}: category must be one of {CATEGORIES}")
        seen_categories.add(category)
        for entry in data.get("rules") or []:
            rules.append(_add_rule(entry, category, path.name, cues, compiler, set(guard_data),
                                   False, words))
    missing = set(CATEGORIES) - seen_categories
    if missing:
        raise PatternError(f"no rules for categories {sorted(missing)}")

    referral_data = _read(directory / "referrals.yml").get("referrals") or {}
    messages, titles = {}, {}
    for flag, entry in referral_data.items():
        if not str(entry.get("message", "")).strip():
            raise PatternError(f"referrals.yml: {flag} has no message")
        messages[flag] = " ".join(str(entry["message"]).split())
        titles[flag] = str(entry.get("title", flag))
        for index, rule_entry in enumerate(entry.get("rules") or []):
            rule_entry = dict(rule_entry)
            rule_entry.setdefault("id", f"{flag}_{index}")
            rules.append(_add_rule(rule_entry, flag, "referrals.yml", cues, compiler,
                                   set(guard_data), True, words))

    overrides = {str(k): _as_tuple(v, "policy.yml overrides")
                 for k, v in (policy.get("overrides") or {}).items()}
    for name in list(overrides) + [g for v in overrides.values() for g in v]:
        if name not in guard_data:
            raise PatternError(f"policy.yml overrides: unknown guard {name!r}")
    barriers = frozenset(str(w).lower() for w in vocab_data.get("barriers") or ())
    reach = {str(k): frozenset(str(w).lower() for w in (v or ()))
             for k, v in (policy.get("guard_reach_stops") or {}).items()}
    for name in reach:
        if name not in guard_data:
            raise PatternError(f"policy.yml guard_reach_stops: unknown guard {name!r}")
    typo_data = vocab_data.get("contraction_typos") or {}
    contractions = ContractionTypos(
        words={str(k).lower(): tuple(str(v).lower().split()) for k, v in (typo_data.get("words") or {}).items()},
        not_after=frozenset(str(w).lower() for w in typo_data.get("not_after") or ()),
        not_before=frozenset(str(w).lower() for w in typo_data.get("not_before") or ()),
    )
    return RuleSet(
        cues=cues, guards=guards, barriers=barriers, rules=rules, priority=priority,
        window_before=int(policy.get("window_before", 10)),
        window_after=int(policy.get("window_after", 6)),
        spelling={str(k): str(v) for k, v in (vocab_data.get("spelling") or {}).items()},
        lemma_overrides={str(k): str(v) for k, v in (vocab_data.get("lemmas") or {}).items()},
        known_words=words, overrides=overrides, referral_messages=messages, referral_titles=titles,
        guard_reach=reach, contractions=contractions, masked=_masked(vocab_data.get("masked_spelling")),
        fuzzy_words=_fuzzy(vocab_data.get("fuzzy_core")),
        list_labels=_labels(vocab_data.get("list_labels"), "words"),
        label_joiners=_labels(vocab_data.get("list_labels"), "joiners"),
    )


def _labels(section, key: str) -> tuple[str, ...]:
    """vocab.yml `list_labels`: words and joiners must be strings (a bare `yes` or `no`
    is a boolean in YAML, so it must be quoted)."""
    items = (section or {}).get(key) or ()
    if any(not isinstance(item, str) for item in items):
        raise PatternError(f"vocab.yml list_labels {key}: quote every entry (YAML reads yes/no as booleans)")
    return tuple(item.lower() for item in items)


def _fuzzy(entries) -> tuple[str, ...]:
    """vocab.yml `fuzzy_core`: long core words (five letters or more) read one edit away."""
    words = tuple(str(w).lower() for w in entries or ())
    short = [w for w in words if len(w) < 5 or not w.isalpha()]
    if short:
        raise PatternError(f"vocab.yml fuzzy_core: words need five letters or more: {short}")
    return words


def _masked(entries) -> tuple[tuple["re.Pattern[str]", str], ...]:
    """Compile vocab.yml `masked_spelling`: whole-token regexes read as one word."""
    out = []
    for entry in entries or ():
        if not isinstance(entry, dict) or "pattern" not in entry or "word" not in entry:
            raise PatternError("vocab.yml masked_spelling: each entry needs `pattern` and `word`")
        try:
            out.append((re.compile(str(entry["pattern"])), str(entry["word"]).lower()))
        except re.error as exc:
            raise PatternError(f"vocab.yml masked_spelling {entry['pattern']!r}: {exc}") from exc
    return tuple(out)
