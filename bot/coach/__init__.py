"""The phrasing coach: finds every rubric code in what the user says, with its span, a warm
explanation and, for concerns, a rewrite of the user's own sentence.

    from bot.coach import analyze
    a = analyze("if you really loved me you'd try it", kind="ask")
    a.findings, a.safety, a.to_json()
"""
from __future__ import annotations

from bot.coach.model import Analysis, Finding

__all__ = ["analyze", "analyze_many", "Analysis", "Finding", "KINDS"]

KINDS = ("ask", "refuse", "renegotiate")


def analyze(text: str, kind: str = "ask", after_refusal: bool = False,
            partner_line: str | None = None, *, safety: bool = True) -> Analysis:
    """Analyze one utterance of the user in a rehearsal of ``kind``.

    ``after_refusal``: the partner already said no or hesitated (re-asking is then pressure).
    ``partner_line``: the partner's previous line; a no or a hesitation there counts too.
    ``safety=False`` skips the safety screen, for callers that have already screened this very
    text (the Rasa pipeline screens every message before any action runs).
    Raises ValueError for an unknown kind and TypeError for a non-string text.
    """
    from bot.coach.analyzer import default_analyzer

    return default_analyzer().analyze(text, kind, after_refusal, partner_line, safety=safety)


def analyze_many(items, kind: str = "ask", after_refusal: bool = False) -> list[Analysis]:
    """Analyze several texts with the same settings (convenience for batch scoring)."""
    return [analyze(t, kind, after_refusal) for t in items]
