"""The partner's inner state, and how one user turn moves it.

Three dimensions on a 1-10 scale (comfort, trust, openness), after the SimPatient design,
plus counters the scene rules and the debrief need. The arithmetic lives here; the amounts
live in data/partner/signals.yml and personas.yml.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Iterable, Mapping

from bot.partner.content import DIMENSIONS, Difficulty, Persona, Signals

_COUNTERS = ("turns", "refusals_heard", "re_asks", "tactics_used", "pressure_turns")


def _round(value: float) -> float:
    # three decimals keep the JSON form short and make round trips exact
    return round(float(value), 3)


@dataclass
class PartnerState:
    """How the partner feels right now, and what has happened so far.

    ``refusals_heard`` counts the user's clear no's; ``re_asks`` the times the partner asked
    again; ``tactics_used`` the re-asks that used a tactic beyond plainly asking again;
    ``pressure_turns`` the user turns in which the coach found pressure.
    """

    comfort: float
    trust: float
    openness: float
    turns: int = 0
    refusals_heard: int = 0
    re_asks: int = 0
    tactics_used: int = 0
    pressure_turns: int = 0

    @classmethod
    def starting(cls, persona: Persona) -> "PartnerState":
        return cls(**{d: _round(persona.start[d]) for d in DIMENSIONS})

    def mean(self) -> float:
        return (self.comfort + self.trust + self.openness) / 3

    def band(self, signals: Signals) -> str:
        """``low``, ``mid`` or ``high``: picks the tone of the partner's lines."""
        mean = self.mean()
        if mean < signals.low_below:
            return "low"
        if mean >= signals.high_from:
            return "high"
        return "mid"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, signals: Signals) -> "PartnerState":
        if not isinstance(data, Mapping) or set(data) != {f.name for f in fields(cls)}:
            raise ValueError("partner state must have exactly the fields " + ", ".join(f.name for f in fields(cls)))
        values: dict[str, Any] = {}
        for d in DIMENSIONS:
            v = data[d]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not signals.scale_min <= v <= signals.scale_max:
                raise ValueError(f"partner state {d} must be a number within the scale, got {v!r}")
            values[d] = _round(v)
        for c in _COUNTERS:
            v = data[c]
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10_000:
                raise ValueError(f"partner state {c} must be a small non-negative integer, got {v!r}")
            values[c] = v
        return cls(**values)


def apply_codes(
    state: PartnerState,
    codes: Iterable[str],
    persona: Persona,
    difficulty: Difficulty,
    signals: Signals,
    after_refusal: bool = False,
) -> dict[str, float]:
    """Move ``state`` by the rubric codes found in one user turn; return the change applied.

    Each code adds its signals.yml deltas, scaled by the persona's sensitivity for the code's
    group. Gains are scaled by the difficulty's warmth_factor; pressure after the partner said
    no or "not now" weighs ``after_refusal_pressure_factor`` more. No dimension moves by more
    than ``max_change_per_turn`` in one turn, and every value stays on the scale.
    """
    raw = {d: 0.0 for d in DIMENSIONS}
    for code in sorted(set(codes)):
        weight = signals.codes.get(code)
        if weight is None:
            continue
        for d in DIMENSIONS:
            delta = weight.deltas[d] * persona.factor(weight.group, d)
            if delta > 0:
                delta *= difficulty.warmth_factor
            elif weight.group == "pressure" and after_refusal:
                delta *= signals.after_refusal_pressure_factor
            raw[d] += delta
    return _shift(state, raw, signals)


def apply_slow_down(state: PartnerState, signals: Signals) -> dict[str, float]:
    """The user's "yellow": the partner eases off, and feels cared for."""
    return _shift(state, dict(signals.slow_down), signals)


def _shift(state: PartnerState, raw: Mapping[str, float], signals: Signals) -> dict[str, float]:
    cap = signals.max_change_per_turn
    applied = {}
    for d in DIMENSIONS:
        delta = max(-cap, min(cap, raw.get(d, 0.0)))
        before = getattr(state, d)
        after = _round(max(signals.scale_min, min(signals.scale_max, before + delta)))
        setattr(state, d, after)
        applied[d] = _round(after - before)
    return applied
