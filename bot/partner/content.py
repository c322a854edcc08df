"""Load and check the partner's knowledge from ``data/partner/``.

Personas, difficulties, pressure tactics, signal weights, scene rules and lines are written
by people (therapists, reviewers) in YAML. This module turns them into frozen objects once
per process and refuses a file that is malformed, so a typo in the data fails loudly at
start-up or in the tests instead of mid-rehearsal.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.paths import DATA_DIR

PARTNER_DIR = DATA_DIR / "partner"
DIMENSIONS = ("comfort", "trust", "openness")
BANDS = ("low", "mid", "high")
ANY = "any"
# the placeholders a line may use; everything else in braces is a data error
PLACEHOLDERS = frozenset({"activity"})
# moves every kind can reach through lines/common.yml
COMMON_MOVES = ("check_in", "withdraw", "close_talked_out")
RE_ASK_MOVE = "re_ask"
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


class ContentError(ValueError):
    """A data file under data/partner is malformed."""


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    avatar: str
    initials: str
    title: str
    description: str
    synonyms: tuple[str, ...]
    start: Mapping[str, float]
    persistence: float
    sensitivity: Mapping[str, Mapping[str, float]]

    def public(self) -> dict[str, str]:
        """The persona as the chat shows it: ``{id, name, avatar}``."""
        return {"id": self.id, "name": self.name, "avatar": self.avatar}

    def factor(self, group: str, dimension: str) -> float:
        return float(self.sensitivity.get(group, {}).get(dimension, 1.0))


@dataclass(frozen=True)
class Difficulty:
    id: str
    rank: int
    title: str
    description: str
    synonyms: tuple[str, ...]
    resistance: float
    warmth_factor: float
    questions: int
    no_anyway_chance: float
    re_ask_chance: float
    max_re_asks: int
    max_tactics: int


@dataclass(frozen=True)
class Tactic:
    id: str
    name: str
    description: str
    lesson: str
    plain: bool
    min_difficulty: str
    rubric_code: str


@dataclass(frozen=True)
class CodeWeight:
    group: str
    deltas: Mapping[str, float]


@dataclass(frozen=True)
class Signals:
    scale_min: float
    scale_max: float
    low_below: float
    high_from: float
    max_change_per_turn: float
    after_refusal_pressure_factor: float
    slow_down: Mapping[str, float]
    codes: Mapping[str, CodeWeight]

    def group_of(self, code: str) -> str | None:
        weight = self.codes.get(code)
        return weight.group if weight else None

    def codes_in(self, group: str) -> frozenset[str]:
        return frozenset(c for c, w in self.codes.items() if w.group == group)


@dataclass(frozen=True)
class KindRules:
    id: str
    title: str
    description: str
    synonyms: tuple[str, ...]
    moves: tuple[str, ...]
    outcomes: tuple[str, ...]
    refusal_moves: frozenset[str]
    hesitation_moves: frozenset[str]
    options: Mapping[str, Any]  # kind-specific rules (decide, accept_no_by, yes_cues, ...)


@dataclass(frozen=True)
class SceneRules:
    withdraw_mean: float
    withdraw_min_pressure_turns: int
    max_turns: int
    fallbacks: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, KindRules]


@dataclass(frozen=True)
class Line:
    """One thing the partner can say. ``id`` is derived from the text, so reordering or
    adding lines never changes which lines a stored rehearsal has already used."""

    id: str
    text: str
    kind: str
    move: str
    persona: str
    band: str
    tactic: str | None = None


@dataclass(frozen=True)
class LineBank:
    cells: Mapping[tuple[str, str, str, str], tuple[Line, ...]]  # (kind, move, persona, band)
    by_id: Mapping[str, Line]

    def moves_for(self, kind: str) -> frozenset[str]:
        return frozenset(m for (k, m, _, _) in self.cells if k == kind)

    def all_lines(self) -> tuple[Line, ...]:
        return tuple(self.by_id.values())


@dataclass(frozen=True)
class Content:
    personas: Mapping[str, Persona]
    difficulties: Mapping[str, Difficulty]
    tactics: Mapping[str, Tactic]
    signals: Signals
    scenes: SceneRules
    lines: LineBank
    source: Path = field(default=PARTNER_DIR)

    def tactic_allowed(self, tactic_id: str, difficulty_id: str) -> bool:
        tactic = self.tactics.get(tactic_id)
        if tactic is None:
            return False
        return self.difficulties[difficulty_id].rank >= self.difficulties[tactic.min_difficulty].rank


# ---------------------------------------------------------------------------------------------
# small checked readers: every error names the file and the place


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(doc, dict):
        raise ContentError(f"{path}: expected a mapping at the top level")
    return doc


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _num(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ContentError(f"{where}: expected a number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ContentError(f"{where}: {value} is outside [{lo}, {hi}]")
    return float(value)


def _int(value: Any, where: str, lo: int = 0, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{where}: expected an integer, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        raise ContentError(f"{where}: {value} is outside [{lo}, {hi}]")
    return value


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ContentError(f"{where}: expected a list")
    return tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(value))


def _entries(doc: dict, key: str, path: Path) -> list[dict]:
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        raise ContentError(f"{path}: expected a non-empty list under {key!r}")
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ContentError(f"{path}: {key}[{i}] is not a mapping")
        ident = _str(item.get("id"), f"{path}: {key}[{i}].id")
        if ident in seen:
            raise ContentError(f"{path}: duplicate id {ident!r}")
        seen.add(ident)
    return items


# ---------------------------------------------------------------------------------------------


def _load_personas(path: Path) -> dict[str, Persona]:
    out = {}
    for item in _entries(_read_yaml(path), "personas", path):
        where = f"{path}: persona {item['id']}"
        start = item.get("start")
        if not isinstance(start, dict):
            raise ContentError(f"{where}: start must be a mapping")
        sens_raw = item.get("sensitivity") or {}
        if not isinstance(sens_raw, dict):
            raise ContentError(f"{where}: sensitivity must be a mapping")
        sensitivity = {}
        for group, dims in sens_raw.items():
            if not isinstance(dims, dict):
                raise ContentError(f"{where}: sensitivity.{group} must be a mapping")
            sensitivity[str(group)] = {
                d: _num(dims.get(d, 1.0), f"{where}: sensitivity.{group}.{d}", 0, 5) for d in DIMENSIONS
            }
        out[item["id"]] = Persona(
            id=item["id"],
            name=_str(item.get("name"), f"{where}.name"),
            avatar=_str(item.get("avatar"), f"{where}.avatar"),
            initials=_str(item.get("initials"), f"{where}.initials"),
            title=_str(item.get("title"), f"{where}.title"),
            description=_str(item.get("description"), f"{where}.description"),
            synonyms=_strs(item.get("synonyms", []), f"{where}.synonyms"),
            start={d: _num(start.get(d), f"{where}: start.{d}", 1, 10) for d in DIMENSIONS},
            persistence=_num(item.get("persistence", 1.0), f"{where}.persistence", 0, 3),
            sensitivity=sensitivity,
        )
    return out


def _load_difficulties(path: Path) -> dict[str, Difficulty]:
    out = {}
    for item in _entries(_read_yaml(path), "difficulties", path):
        w = f"{path}: difficulty {item['id']}"
        out[item["id"]] = Difficulty(
            id=item["id"],
            rank=_int(item.get("rank"), f"{w}.rank", 1),
            title=_str(item.get("title"), f"{w}.title"),
            description=_str(item.get("description"), f"{w}.description"),
            synonyms=_strs(item.get("synonyms", []), f"{w}.synonyms"),
            resistance=_num(item.get("resistance", 0.0), f"{w}.resistance", -5, 5),
            warmth_factor=_num(item.get("warmth_factor", 1.0), f"{w}.warmth_factor", 0.1, 3),
            questions=_int(item.get("questions", 0), f"{w}.questions", 0, 5),
            no_anyway_chance=_num(item.get("no_anyway_chance", 0.0), f"{w}.no_anyway_chance", 0, 1),
            re_ask_chance=_num(item.get("re_ask_chance", 0.0), f"{w}.re_ask_chance", 0, 1),
            max_re_asks=_int(item.get("max_re_asks", 0), f"{w}.max_re_asks", 0, 2),
            max_tactics=_int(item.get("max_tactics", 0), f"{w}.max_tactics", 0, 1),
        )
    return out


def _load_tactics(path: Path, difficulties: Mapping[str, Difficulty]) -> dict[str, Tactic]:
    out = {}
    for item in _entries(_read_yaml(path), "tactics", path):
        w = f"{path}: tactic {item['id']}"
        min_difficulty = _str(item.get("min_difficulty"), f"{w}.min_difficulty")
        if min_difficulty not in difficulties:
            raise ContentError(f"{w}: unknown min_difficulty {min_difficulty!r}")
        if min_difficulty == min(difficulties.values(), key=lambda d: d.rank).id:
            raise ContentError(f"{w}: the gentlest difficulty never uses a tactic")
        plain = item.get("plain", False)
        if not isinstance(plain, bool):
            raise ContentError(f"{w}.plain must be true or false")
        out[item["id"]] = Tactic(
            id=item["id"],
            name=_str(item.get("name"), f"{w}.name"),
            description=_str(item.get("description"), f"{w}.description"),
            lesson=_str(item.get("lesson"), f"{w}.lesson"),
            plain=plain,
            min_difficulty=min_difficulty,
            rubric_code=_str(item.get("rubric_code"), f"{w}.rubric_code"),
        )
    return out


def _load_signals(path: Path) -> Signals:
    doc = _read_yaml(path)
    scale = doc.get("scale") or {}
    bands = doc.get("bands") or {}
    codes_raw = doc.get("codes")
    if not isinstance(codes_raw, dict) or not codes_raw:
        raise ContentError(f"{path}: expected a mapping under 'codes'")
    codes = {}
    for code, spec in codes_raw.items():
        if not isinstance(spec, dict):
            raise ContentError(f"{path}: codes.{code} must be a mapping")
        codes[str(code)] = CodeWeight(
            group=_str(spec.get("group"), f"{path}: codes.{code}.group"),
            deltas={d: _num(spec.get(d, 0.0), f"{path}: codes.{code}.{d}", -5, 5) for d in DIMENSIONS},
        )
    slow = doc.get("slow_down") or {}
    if not isinstance(slow, dict):
        raise ContentError(f"{path}: slow_down must be a mapping")
    signals = Signals(
        scale_min=_num(scale.get("min"), f"{path}: scale.min"),
        scale_max=_num(scale.get("max"), f"{path}: scale.max"),
        low_below=_num(bands.get("low_below"), f"{path}: bands.low_below"),
        high_from=_num(bands.get("high_from"), f"{path}: bands.high_from"),
        max_change_per_turn=_num(doc.get("max_change_per_turn"), f"{path}: max_change_per_turn", 0.1, 9),
        after_refusal_pressure_factor=_num(
            doc.get("after_refusal_pressure_factor", 1.0), f"{path}: after_refusal_pressure_factor", 1, 5
        ),
        slow_down={d: _num(slow.get(d, 0.0), f"{path}: slow_down.{d}", -5, 5) for d in DIMENSIONS},
        codes=codes,
    )
    if not signals.scale_min < signals.low_below < signals.high_from <= signals.scale_max:
        raise ContentError(f"{path}: need scale.min < bands.low_below < bands.high_from <= scale.max")
    return signals


def _load_scenes(path: Path) -> SceneRules:
    doc = _read_yaml(path)
    withdraw = doc.get("withdraw") or {}
    fallbacks_raw = doc.get("fallbacks") or {}
    if not isinstance(withdraw, dict) or not isinstance(fallbacks_raw, dict):
        raise ContentError(f"{path}: withdraw and fallbacks must be mappings")
    kinds = {}
    for item in _entries(doc, "kinds", path):
        w = f"{path}: kind {item['id']}"
        options = {k: v for k, v in item.items() if k not in {
            "id", "title", "description", "synonyms", "moves", "outcomes", "refusal_moves", "hesitation_moves"}}
        if "accept_no_by" in options:
            options["accept_no_by"] = _int(options["accept_no_by"], f"{w}.accept_no_by", 1, 2)
        for key in ("yes_cues", "yes_blockers"):
            if key in options:
                options[key] = tuple(c.lower() for c in _strs(options[key], f"{w}.{key}"))
        if "decide" in options:
            decide = options["decide"]
            if not isinstance(decide, dict):
                raise ContentError(f"{w}.decide must be a mapping")
            options["decide"] = {k: _num(decide.get(k), f"{w}.decide.{k}", 1, 10) for k in ("agree_at", "not_now_at")}
        if "max_pressure_after_answer" in options:
            options["max_pressure_after_answer"] = _int(
                options["max_pressure_after_answer"], f"{w}.max_pressure_after_answer", 1, 5)
        kinds[item["id"]] = KindRules(
            id=item["id"],
            title=_str(item.get("title"), f"{w}.title"),
            description=_str(item.get("description"), f"{w}.description"),
            synonyms=_strs(item.get("synonyms", []), f"{w}.synonyms"),
            moves=_strs(item.get("moves"), f"{w}.moves"),
            outcomes=_strs(item.get("outcomes"), f"{w}.outcomes"),
            refusal_moves=frozenset(_strs(item.get("refusal_moves", []), f"{w}.refusal_moves")),
            hesitation_moves=frozenset(_strs(item.get("hesitation_moves", []), f"{w}.hesitation_moves")),
            options=options,
        )
    for required in ("ask", "refuse", "renegotiate"):
        if required not in kinds:
            raise ContentError(f"{path}: kind {required!r} is missing")
    if "accept_no_by" not in kinds["refuse"].options:
        raise ContentError(f"{path}: kind refuse needs accept_no_by")
    if "decide" not in kinds["ask"].options or "max_pressure_after_answer" not in kinds["ask"].options:
        raise ContentError(f"{path}: kind ask needs decide and max_pressure_after_answer")
    return SceneRules(
        withdraw_mean=_num(withdraw.get("mean_at_or_below"), f"{path}: withdraw.mean_at_or_below", 1, 10),
        withdraw_min_pressure_turns=_int(withdraw.get("min_pressure_turns", 1), f"{path}: withdraw.min_pressure_turns", 1),
        max_turns=_int(doc.get("max_turns"), f"{path}: max_turns", 2, 500),
        fallbacks={str(k): _strs(v, f"{path}: fallbacks.{k}") for k, v in fallbacks_raw.items()},
        kinds=kinds,
    )


def line_id(kind: str, text: str) -> str:
    """A short stable id for a line, from its kind and text."""
    return hashlib.sha1(f"{kind}|{text}".encode("utf-8")).hexdigest()[:10]


def _load_lines(
    directory: Path, kinds: Mapping[str, KindRules], personas: Mapping[str, Persona], tactics: Mapping[str, Tactic]
) -> LineBank:
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise ContentError(f"{directory}: no line files")
    cells: dict[tuple[str, str, str, str], list[Line]] = {}
    by_id: dict[str, Line] = {}
    texts: dict[str, dict[str, str]] = {}  # kind -> text -> where, to refuse repeats
    for path in files:
        doc = _read_yaml(path)
        kind = _str(doc.get("kind"), f"{path}: kind")
        if kind != ANY and kind not in kinds:
            raise ContentError(f"{path}: unknown kind {kind!r}")
        moves = doc.get("moves")
        if not isinstance(moves, dict):
            raise ContentError(f"{path}: expected a mapping under 'moves'")
        for move, by_persona in moves.items():
            if not isinstance(by_persona, dict):
                raise ContentError(f"{path}: {move} must map persona -> band -> lines")
            for persona, by_band in by_persona.items():
                if persona != ANY and persona not in personas:
                    raise ContentError(f"{path}: {move}: unknown persona {persona!r}")
                if not isinstance(by_band, dict):
                    raise ContentError(f"{path}: {move}.{persona} must map band -> lines")
                for band, entries in by_band.items():
                    if band != ANY and band not in BANDS:
                        raise ContentError(f"{path}: {move}.{persona}: unknown band {band!r}")
                    if not isinstance(entries, list):
                        raise ContentError(f"{path}: {move}.{persona}.{band} must be a list")
                    for i, entry in enumerate(entries):
                        where = f"{path}: {move}.{persona}.{band}[{i}]"
                        line = _parse_line(entry, where, kind, str(move), persona, band, tactics)
                        if line.id in by_id:
                            raise ContentError(f"{where}: duplicate line {line.text!r}")
                        texts.setdefault(kind, {})[line.text] = where
                        by_id[line.id] = line
                        cells.setdefault((kind, str(move), persona, band), []).append(line)
    # a rehearsal draws from its kind's lines and the shared ones: a text in both would repeat
    for kind, kind_texts in texts.items():
        if kind == ANY:
            continue
        for text, where in kind_texts.items():
            if text in texts.get(ANY, {}):
                raise ContentError(f"{where}: the same line is in lines/common.yml: {text!r}")
    bank = LineBank(cells={k: tuple(v) for k, v in cells.items()}, by_id=by_id)
    common = bank.moves_for(ANY)
    for move in COMMON_MOVES:
        if move not in common:
            raise ContentError(f"{directory}: common move {move!r} has no lines (kind: any)")
    for kind in kinds.values():
        available = bank.moves_for(kind.id) | common
        for move in kind.moves:
            if move not in available:
                raise ContentError(f"{directory}: kind {kind.id} move {move!r} has no lines")
    return bank


def _parse_line(entry: Any, where: str, kind: str, move: str, persona: str, band: str,
                tactics: Mapping[str, Tactic]) -> Line:
    if isinstance(entry, str):
        text, tactic = entry, None
    elif isinstance(entry, dict):
        text, tactic = entry.get("text"), entry.get("tactic")
        unknown = set(entry) - {"text", "tactic"}
        if unknown:
            raise ContentError(f"{where}: unknown keys {sorted(unknown)}")
    else:
        raise ContentError(f"{where}: a line is a string or {{text, tactic}}")
    text = _str(text, where)
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in PLACEHOLDERS:
            raise ContentError(f"{where}: unknown placeholder {{{name}}}")
    if tactic is not None:
        tactic = _str(tactic, f"{where}.tactic")
        if tactic not in tactics:
            raise ContentError(f"{where}: unknown tactic {tactic!r}")
    if move == RE_ASK_MOVE and tactic is None:
        raise ContentError(f"{where}: a re_ask line must declare its tactic")
    if move != RE_ASK_MOVE and tactic is not None:
        raise ContentError(f"{where}: only re_ask lines may use a pressure tactic")
    if move == RE_ASK_MOVE and kind != "refuse":
        raise ContentError(f"{where}: pressure tactics belong to refusal practice only")
    return Line(id=line_id(kind, text), text=text, kind=kind, move=move, persona=persona, band=band, tactic=tactic)


def describe_tactic(tactic_id: str) -> dict[str, str] | None:
    """What the debrief says about a pressure tactic the partner used, or None if unknown."""
    tactic = load_content().tactics.get(tactic_id) if isinstance(tactic_id, str) else None
    if tactic is None:
        return None
    return {"id": tactic.id, "name": tactic.name, "description": tactic.description,
            "lesson": tactic.lesson, "rubric_code": tactic.rubric_code}


def load_content(directory: Path | str | None = None) -> Content:
    """Read and check everything under ``data/partner`` (cached for the default directory)."""
    if directory is None:
        return _default_content()
    return _load(Path(directory))


@lru_cache(maxsize=1)
def _default_content() -> Content:
    return _load(PARTNER_DIR)


def _load(directory: Path) -> Content:
    personas = _load_personas(directory / "personas.yml")
    difficulties = _load_difficulties(directory / "difficulties.yml")
    tactics = _load_tactics(directory / "pressure_tactics.yml", difficulties)
    signals = _load_signals(directory / "signals.yml")
    scenes = _load_scenes(directory / "scenes.yml")
    for p in personas.values():
        for group in p.sensitivity:
            if group not in {w.group for w in signals.codes.values()}:
                raise ContentError(f"{directory}/personas.yml: {p.id}: unknown signal group {group!r}")
    lines = _load_lines(directory / "lines", scenes.kinds, personas, tactics)
    return Content(personas=personas, difficulties=difficulties, tactics=tactics, signals=signals,
                   scenes=scenes, lines=lines, source=directory)
