"""The four kinds of bot message, as plain dicts (see docs/api.md).

Every message the assistant sends has a ``role`` (partner, coach, safety, guide) so a client
can show them differently. Actions wrap these dicts as ``{"data": message}`` custom payloads,
the only shape Rasa's socket.io channel emits intact.
"""
from __future__ import annotations

from typing import Any, Iterable

ROLES = ("partner", "coach", "safety", "guide")


def _message(role: str, text: str, buttons: Iterable[dict] | None = None, **extra: Any) -> dict:
    message: dict[str, Any] = {"role": role, "text": text}
    buttons = [b for b in (buttons or []) if b and b.get("payload")]
    if buttons:
        message["buttons"] = buttons
    message.update({k: v for k, v in extra.items() if v is not None})
    return message


def guide(text: str, buttons: Iterable[dict] | None = None, **extra: Any) -> dict:
    return _message("guide", text, buttons, **extra)


def partner(text: str, persona: dict) -> dict:
    return _message("partner", text, persona=persona)


def coach_tip(tip: dict) -> dict:
    """A live tip from ``bot.coach.feedback.live_tip``."""
    extra = {k: v for k, v in tip.items() if k != "text"}
    return _message("coach", tip["text"], type="tip", **extra)


def coach_debrief(debrief: dict, buttons: Iterable[dict] | None = None) -> dict:
    return _message("coach", debrief.get("text", ""), buttons, type="debrief", debrief=debrief)


def safety(text: str, category: str | None, resources: list[dict],
           buttons: Iterable[dict] | None = None, type_: str = "disclosure") -> dict:
    message = _message("safety", text, buttons, type=type_, resources=resources)
    message["category"] = category  # null for a referral: the practice goes on
    return message
