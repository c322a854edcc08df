"""One rehearsal with the simulated partner: the object the custom actions keep in a slot.

The flow of a turn: the coach's codes move the partner's state (state.py), the scene decides
the partner's beat (scenes.py), a line nobody has heard yet is chosen for it (lines.py).
Every user turn first saves a compact snapshot, so ``rewind`` can restore the rehearsal
exactly, and ``to_dict``/``from_dict`` carry the whole thing through JSON.
"""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from bot.partner.content import Content, load_content
from bot.partner.lines import Dice, has_line, pick_line, render
from bot.partner.scenes import Beat, SceneContext, SceneProgress, step
from bot.partner.state import PartnerState, apply_codes, apply_slow_down

FORMAT_VERSION = 1
MAX_SNAPSHOTS = 20          # how many user turns ``rewind`` can undo
MAX_LABEL_CHARS = 80
MAX_ID_CHARS = 64
MAX_CODES = 64              # more codes than the rubric has means the input is junk
_MAX_USED_LINES = 2_000     # from_dict refuses larger (hand-made or corrupted) payloads


class RehearsalEnded(RuntimeError):
    """The rehearsal is over; only ``rewind`` (and reading it) is still possible."""


def _clean_label(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("activity_label must be a string")
    text = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    text = " ".join(text.split())
    if len(text) > MAX_LABEL_CHARS:
        text = text[:MAX_LABEL_CHARS].rsplit(" ", 1)[0] or text[:MAX_LABEL_CHARS]
    if not text:
        raise ValueError("activity_label must not be empty")
    return text


@dataclass(frozen=True)
class Scenario:
    """What is being rehearsed, with whom. Unknown kind/persona/difficulty raise ValueError."""

    kind: str
    activity_id: str
    activity_label: str
    persona: str
    difficulty: str

    def __post_init__(self) -> None:
        content = load_content()
        for name, known in (("kind", content.scenes.kinds), ("persona", content.personas),
                            ("difficulty", content.difficulties)):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in known:
                raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(known)}")
        activity_id = self.activity_id
        if not isinstance(activity_id, str):
            raise ValueError("activity_id must be a string")
        activity_id = activity_id.strip()[:MAX_ID_CHARS] or "custom"
        object.__setattr__(self, "activity_id", activity_id)
        object.__setattr__(self, "activity_label", _clean_label(self.activity_label))

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "activity_id": self.activity_id, "activity_label": self.activity_label,
                "persona": self.persona, "difficulty": self.difficulty}

    @classmethod
    def from_dict(cls, data: Any) -> "Scenario":
        keys = {"kind", "activity_id", "activity_label", "persona", "difficulty"}
        if not isinstance(data, Mapping) or set(data) != keys:
            raise ValueError("scenario must have exactly the fields " + ", ".join(sorted(keys)))
        return cls(**{k: data[k] for k in keys})


@dataclass(frozen=True)
class PartnerTurn:
    """What the partner says in one turn, and where the scene stands after it."""

    lines: list[str]
    move: str
    ended: bool
    outcome: str | None
    pressure_tactic: str | None
    persona: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"lines": list(self.lines), "move": self.move, "ended": self.ended, "outcome": self.outcome,
                "pressure_tactic": self.pressure_tactic, "persona": dict(self.persona)}


class Rehearsal:
    """A running rehearsal. Create with ``Rehearsal.start``; deterministic given its seed."""

    def __init__(self, scenario: Scenario, seed: int, *, _content: Content | None = None) -> None:
        self._content = _content or load_content()
        self._scenario = scenario
        self._persona = self._content.personas[scenario.persona]
        self._difficulty = self._content.difficulties[scenario.difficulty]
        self._rules = self._content.scenes.kinds[scenario.kind]
        self._seed = seed
        self._dice = Dice(seed)
        self._state = PartnerState.starting(self._persona)
        self._progress = SceneProgress()
        self._used: list[str] = []
        self._pressure: list[str] = []
        self._opening: str | None = None
        self._ended = False
        self._outcome: str | None = None
        self._history: list[dict[str, Any]] = []

    # -- starting -----------------------------------------------------------------------------

    @classmethod
    def start(cls, scenario: Scenario, seed: int | None = None) -> "Rehearsal":
        if not isinstance(scenario, Scenario):
            raise TypeError("Rehearsal.start needs a Scenario")
        if seed is None:
            seed = secrets.randbelow(2**31)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError("seed must be an integer")
        return cls(scenario, seed)

    def opening(self) -> PartnerTurn:
        """The partner's first line. Calling it again returns the same line."""
        if self._opening is not None and self._opening in self._content.lines.by_id:
            line = self._content.lines.by_id[self._opening]
            return self._turn([render(line, self._scenario.activity_label)], "opening", None)
        picked = pick_line(self._content, self._dice, self._rules.id, "opening", self._persona.id,
                           self._band(), self._used)
        if picked is None:  # the content check guarantees opening lines; a stale id lands here
            return self._turn([], "opening", None)
        _, line = picked
        self._opening = line.id
        self._used.append(line.id)
        return self._turn([render(line, self._scenario.activity_label)], "opening", None)

    # -- the user's turns ---------------------------------------------------------------------

    def respond(self, user_text: Any, codes: Iterable[str] | str | None) -> PartnerTurn:
        """The partner's reply to one user turn, given the rubric codes the coach found in it.

        Unknown codes are ignored. Raises ``RehearsalEnded`` once the scene is over.
        """
        self._require_running()
        code_set = _clean_codes(codes)
        text = user_text if isinstance(user_text, str) else ""
        self._snapshot()
        state, progress = self._state, self._progress
        state.turns += 1
        if code_set & self._content.signals.codes_in("pressure"):
            state.pressure_turns += 1
        apply_codes(state, code_set, self._persona, self._difficulty, self._content.signals,
                    after_refusal=progress.partner_refused)
        ctx = SceneContext(
            content=self._content, rules=self._rules, persona=self._persona, difficulty=self._difficulty,
            state=state, progress=progress, dice=self._dice, codes=code_set, text=text[:2_000],
            available=lambda move, tactic: has_line(self._content, self._rules.id, move, self._persona.id,
                                                    self._band(), self._used, tactic),
        )
        beat = step(ctx)
        if beat.outcome is None and state.turns >= self._content.scenes.max_turns:
            beat = Beat("close_talked_out", "talked_out")
        return self._play(beat)

    def slow_down(self) -> PartnerTurn:
        """The user's "yellow": the partner eases off, checks in, and stops any pressure.

        Undone by ``rewind`` like a user turn. Raises ``RehearsalEnded`` once the scene is over.
        """
        self._require_running()
        self._snapshot()
        apply_slow_down(self._state, self._content.signals)
        self._progress.slowed = True
        return self._play(Beat("check_in"))

    def rewind(self) -> bool:
        """Undo the last user turn (or yellow) and the partner's reply; False if nothing to undo."""
        if not self._history:
            return False
        self._restore(self._history.pop())
        return True

    # -- reading ------------------------------------------------------------------------------

    @property
    def after_refusal(self) -> bool:
        """True once the partner has said no, "not now", or hesitated (the coach's after_refusal)."""
        return self._progress.partner_refused

    @property
    def pressure_used(self) -> list[str]:
        """Ids of the pressure tactics the partner used, in order (pressure_tactics.yml)."""
        return list(self._pressure)

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def outcome(self) -> str | None:
        return self._outcome

    @property
    def state(self) -> PartnerState:
        """A copy of the partner's state (changing it changes nothing)."""
        return replace(self._state)

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def turn_count(self) -> int:
        return self._state.turns

    @property
    def persona(self) -> dict[str, str]:
        return self._persona.public()

    @property
    def can_rewind(self) -> bool:
        return bool(self._history)

    # -- internals ----------------------------------------------------------------------------

    def _require_running(self) -> None:
        if self._ended:
            raise RehearsalEnded(f"the rehearsal has ended (outcome {self._outcome!r}); "
                                 "start a new one or rewind")

    def _band(self) -> str:
        return self._state.band(self._content.signals)

    def _play(self, beat: Beat) -> PartnerTurn:
        """Say the beat: pick an unused line (or a fallback), record it, update the scene."""
        picked = pick_line(self._content, self._dice, self._rules.id, beat.move, self._persona.id,
                           self._band(), self._used, beat.tactic)
        if picked is None and beat.tactic is not None:
            # the tactic's lines ran out after all: no pressure this turn, just a plain reply
            beat = Beat("respond_neutral")
            picked = pick_line(self._content, self._dice, self._rules.id, beat.move, self._persona.id,
                               self._band(), self._used)
        if picked is None:
            # everything this move could say has been said: close kindly rather than repeat
            beat = Beat("close_talked_out", beat.outcome or "talked_out")
            picked = pick_line(self._content, self._dice, self._rules.id, beat.move, self._persona.id,
                               self._band(), self._used)
        if picked is None:
            raise RuntimeError("the partner has no unused line left; data/partner/lines needs more lines")
        move, line = picked
        self._used.append(line.id)
        if line.tactic is not None:
            self._pressure.append(line.tactic)
            self._state.re_asks += 1
            if not self._content.tactics[line.tactic].plain:
                self._state.tactics_used += 1
        if move in self._rules.refusal_moves or (
                move in self._rules.hesitation_moves and self._band() == "low"):
            self._progress.partner_refused = True
        self._progress.last_move = move
        if beat.outcome is not None:
            self._ended, self._outcome = True, beat.outcome
        return self._turn([render(line, self._scenario.activity_label)], move, line.tactic)

    def _turn(self, lines: list[str], move: str, tactic: str | None) -> PartnerTurn:
        return PartnerTurn(lines=lines, move=move, ended=self._ended, outcome=self._outcome,
                           pressure_tactic=tactic, persona=self._persona.public())

    def _core(self) -> dict[str, Any]:
        return {"state": self._state.to_dict(), "progress": self._progress.to_dict(), "dice": self._dice.draws,
                "used": len(self._used), "pressure": len(self._pressure), "ended": self._ended,
                "outcome": self._outcome}

    def _snapshot(self) -> None:
        self._history.append(self._core())
        del self._history[:-MAX_SNAPSHOTS]

    def _restore(self, snap: Mapping[str, Any]) -> None:
        self._state = PartnerState.from_dict(snap["state"], self._content.signals)
        self._progress = SceneProgress.from_dict(snap["progress"])
        self._dice = Dice(self._seed, snap["dice"])
        del self._used[snap["used"]:]
        del self._pressure[snap["pressure"]:]
        self._ended, self._outcome = snap["ended"], snap["outcome"]

    # -- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe, bounded dict (a Rasa slot value) that ``from_dict`` restores exactly."""
        return {
            "version": FORMAT_VERSION,
            "scenario": self._scenario.to_dict(),
            "seed": self._seed,
            "opening": self._opening,
            "used_lines": list(self._used),
            "pressure_used": list(self._pressure),
            **self._core(),
            "history": [dict(s) for s in self._history],
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Rehearsal":
        """Rebuild a rehearsal from ``to_dict`` output; ValueError on anything malformed."""
        if not isinstance(data, Mapping):
            raise ValueError("a stored rehearsal must be a mapping")
        expected = {"version", "scenario", "seed", "opening", "used_lines", "pressure_used", "state",
                    "progress", "dice", "used", "pressure", "ended", "outcome", "history"}
        if set(data) != expected:
            raise ValueError(f"a stored rehearsal has exactly the keys {sorted(expected)}")
        if data["version"] != FORMAT_VERSION:
            raise ValueError(f"unsupported rehearsal format version {data['version']!r}")
        scenario = Scenario.from_dict(data["scenario"])
        seed = data["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError("seed must be an integer")
        rehearsal = cls(scenario, seed)
        content = rehearsal._content
        used = data["used_lines"]
        if (not isinstance(used, list) or len(used) > _MAX_USED_LINES
                or not all(isinstance(u, str) and 0 < len(u) <= 40 for u in used)):
            raise ValueError("used_lines must be a list of line ids")
        pressure = data["pressure_used"]
        if not isinstance(pressure, list) or not all(isinstance(p, str) and p in content.tactics for p in pressure):
            raise ValueError("pressure_used must list known tactic ids")
        opening = data["opening"]
        if opening is not None and (not isinstance(opening, str) or opening not in used):
            raise ValueError("opening must be null or one of the used line ids")
        history = data["history"]
        if not isinstance(history, list) or len(history) > MAX_SNAPSHOTS:
            raise ValueError(f"history must be a list of at most {MAX_SNAPSHOTS} snapshots")
        rehearsal._used = list(used)
        rehearsal._pressure = list(pressure)
        rehearsal._opening = opening
        snaps = [_check_snapshot(s, rehearsal, len(used), len(pressure)) for s in history]
        current = _check_snapshot({k: data[k] for k in ("state", "progress", "dice", "used", "pressure",
                                                         "ended", "outcome")}, rehearsal, len(used), len(pressure))
        if current["used"] != len(used) or current["pressure"] != len(pressure):
            raise ValueError("used/pressure counts do not match the stored lists")
        rehearsal._restore(current)
        rehearsal._history = snaps
        return rehearsal


def _check_snapshot(snap: Any, rehearsal: Rehearsal, used_len: int, pressure_len: int) -> dict[str, Any]:
    keys = {"state", "progress", "dice", "used", "pressure", "ended", "outcome"}
    if not isinstance(snap, Mapping) or set(snap) != keys:
        raise ValueError(f"a rehearsal snapshot has exactly the keys {sorted(keys)}")
    PartnerState.from_dict(snap["state"], rehearsal._content.signals)
    SceneProgress.from_dict(snap["progress"])
    for name, top in (("dice", 10**9), ("used", used_len), ("pressure", pressure_len)):
        v = snap[name]
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= top:
            raise ValueError(f"snapshot {name} must be an integer in [0, {top}]")
    if not isinstance(snap["ended"], bool):
        raise ValueError("snapshot ended must be true or false")
    outcome = snap["outcome"]
    if snap["ended"] != (outcome is not None) or (
            outcome is not None and outcome not in rehearsal._rules.outcomes):
        raise ValueError(f"outcome {outcome!r} does not fit this scene")
    return dict(snap)


def _clean_codes(codes: Any) -> frozenset[str]:
    """The rubric codes as a set; tolerant of None, a single string, and junk items."""
    if codes is None:
        return frozenset()
    if isinstance(codes, str):
        codes = [codes]
    try:
        items = list(_take(codes, MAX_CODES + 1))
    except TypeError:
        raise TypeError("codes must be an iterable of rubric code strings") from None
    if len(items) > MAX_CODES:
        raise ValueError(f"more than {MAX_CODES} codes in one turn")
    return frozenset(c.strip() for c in items if isinstance(c, str) and c.strip())


def _take(iterable: Iterable[Any], n: int):
    for i, item in enumerate(iterable):
        if i >= n:
            return
        yield item
