"""Everything the coach knows, read once from ``data/coach`` (and the activity catalog).

The YAML files are the source of truth a therapist can review; this module only loads and
checks them, so a typo in a file fails loudly at start-up rather than silently at runtime.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.paths import DATA_DIR

KINDS = ("ask", "refuse", "renegotiate")


def check_kind_name(kind: object) -> str:
    """Return ``kind`` if it is a rehearsal kind, else raise a ValueError that lists the kinds."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    return kind


POLARITIES = ("concern", "strength")


@dataclass(frozen=True)
class CodeRule:
    """How one rubric code is found and explained (from codes.yml + cues/*.yml)."""

    code: str
    polarity: str
    family: str
    label: str
    explanations: dict[str, str]
    kinds: tuple[str, ...]
    mode: str = "match"             # "match": any cue; "count": weighted cues reach a threshold
    threshold: float = 1.0
    requires_after_refusal: bool = False
    requires_absent: tuple[str, ...] = ()
    suppressed_by: tuple[str, ...] = ()
    blocks_strengths: bool = False
    priority: int = 100
    combos: tuple[tuple[str, ...], ...] = ()   # cue sets that together, in one sentence, earn the code
    # codes (or families) whose concerns, after a no, also earn this code: they press for the same thing
    implied_after_refusal_by: tuple[str, ...] = ()
    # "if we don't spice things up, ...": a negation inside an if/unless condition still wants the thing
    kept_in_conditions: bool = False

    def explanation(self, kind: str) -> str:
        return self.explanations.get(kind) or self.explanations["default"]


@dataclass
class Knowledge:
    data_dir: Path
    codes: dict[str, CodeRule]
    cues: dict[str, dict[str, Any]]
    context: dict[str, list[str]]
    word_sets: dict[str, list[str]]
    spelling_norms: dict[str, str]
    spelling_splits: dict[str, list[list[str]]]
    activities: list[dict[str, Any]]
    rewrites: dict[str, Any]
    clause_breaks: set[str] = field(default_factory=set)
    scope_breaks: set[str] = field(default_factory=set)
    negators: set[str] = field(default_factory=set)

    def cue_sets(self) -> dict[str, list[str]]:
        """All cue lists keyed ``code|set|weight`` (context sets use the code ``ctx``)."""
        out: dict[str, list[str]] = {}
        for code, spec in self.cues.items():
            for cue in spec.get("cues", []):
                text, weight = (cue, 1) if isinstance(cue, str) else (cue["cue"], cue.get("weight", 1))
                out.setdefault(f"{code}|main|{weight}", []).append(text)
            for set_name, cues in spec.items():
                if set_name == "cues":
                    continue
                for cue in cues:
                    out.setdefault(f"{code}|{set_name}|1", []).append(cue)
        for name, cues in self.context.items():
            out[f"ctx|{name}|0"] = list(cues)
        return out

    def activity_patterns(self, compiler) -> list[dict]:
        """EntityRuler patterns: every alias, matched on folded words and on lemmas."""
        patterns = []
        for act in self.activities:
            for alias in act["aliases"]:
                for tokens in compiler.compile(str(alias)):
                    if all(isinstance(t.get("NORM"), str) and len(t) == 1 for t in tokens):
                        # Plain words go to the ruler's fast phrase matcher (on NORM).
                        patterns.append({"label": "ACTIVITY", "id": act["id"],
                                         "pattern": " ".join(t["NORM"] for t in tokens)})
                    else:
                        patterns.append({"label": "ACTIVITY", "pattern": tokens, "id": act["id"]})
                    if len(tokens) == 1 and isinstance(tokens[0].get("NORM"), str):
                        # Other forms of the word ("blindfolds", "spanked"), but never a shorter
                        # word that shares the lemma ("bit" is a form of "bite").
                        word = tokens[0]["NORM"]
                        patterns.append({"label": "ACTIVITY", "id": act["id"],
                                         "pattern": [{"LEMMA": word, "LENGTH": {">=": len(word)}}]})
        return patterns

    def activity_label(self, activity_id: str) -> str | None:
        for act in self.activities:
            if act["id"] == activity_id:
                return act.get("label")
        return None


# libyaml's parser when PyYAML was built with it (the pure-Python one takes a second to read the cues)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """YAML without YAML 1.1 booleans: in cue files "no", "yes", "on" and "off" are words."""


_PlainLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass


def _code_rule(code: str, spec: dict[str, Any]) -> CodeRule:
    polarity = spec.get("polarity")
    if polarity not in POLARITIES:
        raise ValueError(f"codes.yml: {code}: polarity must be concern or strength")
    expl = spec.get("explanation")
    explanations = {"default": expl} if isinstance(expl, str) else dict(expl or {})
    if not explanations.get("default"):
        raise ValueError(f"codes.yml: {code}: needs an explanation")
    kinds = tuple(spec.get("kinds", KINDS))
    bad = set(kinds) - set(KINDS)
    if bad:
        raise ValueError(f"codes.yml: {code}: unknown kinds {sorted(bad)}")
    return CodeRule(
        code=code, polarity=polarity, family=spec.get("family", polarity), label=spec.get("label", code),
        explanations=explanations, kinds=kinds, mode=spec.get("mode", "match"),
        threshold=float(spec.get("threshold", 1)), requires_after_refusal=bool(spec.get("requires_after_refusal")),
        requires_absent=tuple(spec.get("requires_absent", ())), suppressed_by=tuple(spec.get("suppressed_by", ())),
        blocks_strengths=bool(spec.get("blocks_strengths")), priority=int(spec.get("priority", 100)),
        combos=tuple(tuple(c) for c in spec.get("combos", ())),
        implied_after_refusal_by=_names(spec.get("implied_after_refusal_by", ())),
        kept_in_conditions=bool(spec.get("kept_in_conditions")),
    )


def _names(value: Any) -> tuple[str, ...]:
    """A name or a list of names from codes.yml, as a tuple."""
    if not value:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


@lru_cache(maxsize=4)
def load_knowledge(data_dir: str | None = None) -> Knowledge:
    """Load and check every coach data file (cached per directory)."""
    root = Path(data_dir) if data_dir else DATA_DIR
    coach = root / "coach"
    codes_doc = _read(coach / "codes.yml")
    codes = {c: _code_rule(c, s) for c, s in codes_doc["codes"].items()}
    cues: dict[str, dict[str, Any]] = {}
    word_sets: dict[str, list[str]] = {}
    for path in sorted((coach / "cues").glob("*.yml")):
        doc = _read(path) or {}
        word_sets.update(doc.get("word_sets", {}))
        for code, spec in (doc.get("codes") or {}).items():
            if code not in codes:
                raise ValueError(f"{path.name}: cues for unknown code {code!r}")
            cues.setdefault(code, {})
            for k, v in spec.items():
                cues[code].setdefault(k, []).extend(v)
    missing = [c for c in codes if c not in cues]
    if missing:
        raise ValueError(f"no cues for codes {missing}")
    context_doc = _read(coach / "context.yml")
    word_sets.update(context_doc.get("word_sets", {}))
    spelling = _read(coach / "spelling.yml")
    activities = list(_read(root / "activities.yml")["activities"])
    extra = coach / "specific.yml"
    if extra.exists():
        activities += list(_read(extra).get("activities", []))
    return Knowledge(
        data_dir=root, codes=codes, cues=cues, context=dict(context_doc["cues"]), word_sets=word_sets,
        spelling_norms={str(k).lower(): str(v).lower() for k, v in spelling.get("norms", {}).items()},
        spelling_splits={str(k).lower(): v for k, v in spelling.get("splits", {}).items()},
        activities=activities, rewrites=_read(coach / "rewrites.yml"),
        clause_breaks=set(context_doc.get("clause_breaks", [])),
        scope_breaks=set(context_doc.get("scope_breaks", [])),
        negators=set(context_doc.get("negators", [])),
    )
