"""The safety screen: disclosures that stop the role-play, and gentle referral flags.

    from bot.safety import detect, referral_flags, SafetyHit
    hit = detect(text)            # SafetyHit(category, start, end, cue, ...) or None
    referral_flags(text)          # e.g. ["substance_use", "trauma"]; the practice goes on
    referral_message(flag)        # the warm suggestion to involve a kink-aware therapist
    resources_for(category, region=None)   # help lines, region first, then international
    safety_message(category)      # the out-of-role text for a stop

All knowledge (cues, guards, resources, texts) lives in ``data/safety/``.
"""
from bot.safety.detector import (
    CATEGORIES,
    SafetyHit,
    Screening,
    detect,
    referral_flags,
    referral_ids,
    referral_message,
    screen,
    warm_up,
)
from bot.safety.resources import resources_for, safety_message

__all__ = [
    "CATEGORIES", "SafetyHit", "Screening", "detect", "referral_flags", "referral_ids",
    "referral_message", "resources_for", "safety_message", "screen", "warm_up",
]
