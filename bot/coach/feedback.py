"""The live tip after each user turn: the most important concern with its rewrite, and one strength.

Pressure comes first: a coercion concern always outranks a clarity concern, because it is the
one thing the coach must never let pass. Words come from data/coach/feedback.yml.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.coach.knowledge import Knowledge, _read, load_knowledge
from bot.coach.model import Analysis, Finding

_FAMILY_RANK = {"coercion": 0, "respect": 1, "clarity": 2}


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return _read(load_knowledge().data_dir / "coach" / "feedback.yml")


def _rank_concern(k: Knowledge, f: Finding) -> tuple:
    rule = k.codes[f.code]
    return (_FAMILY_RANK.get(rule.family, 3), rule.priority, f.start)


def _rank_strength(k: Knowledge, f: Finding) -> tuple:
    return (k.codes[f.code].priority, f.start)


def pick_focus(analysis: Analysis) -> tuple[Finding | None, Finding | None]:
    """The one concern to show (coercion first) and the one strength to praise."""
    k = load_knowledge()
    concerns = sorted(analysis.concerns, key=lambda f: _rank_concern(k, f))
    strengths = sorted(analysis.strengths, key=lambda f: _rank_strength(k, f))
    return (concerns[0] if concerns else None), (strengths[0] if strengths else None)


def live_tip(analysis: Analysis, text: str) -> dict[str, Any]:
    """Payload for a coach message: ``{text, focus, strength, findings, user_text}``."""
    words = _words()["live_tip"]
    focus, strength = pick_focus(analysis)
    if focus and strength:
        expl = focus.explanation
        message = words["concern_and_strength"].format(
            strength_explanation=strength.explanation, explanation_lower=expl[:1].lower() + expl[1:],
            suggestion=focus.suggestion or "")
    elif focus:
        message = words["concern_only"].format(explanation=focus.explanation, suggestion=focus.suggestion or "")
    elif strength:
        message = words["strength_only"].format(strength_explanation=strength.explanation)
    else:
        message = words["nothing"]
    return {
        "text": message,
        "focus": focus.to_json() if focus else None,
        "strength": strength.to_json() if strength else None,
        "findings": [f.to_json() for f in analysis.findings],
        "user_text": text,
    }
