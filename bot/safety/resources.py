"""Help lines and out-of-role texts for a safety stop, read from ``data/safety/``.

``resources_for`` returns the entries for a category, the user's region first and
the international ones after, so a user anywhere always gets something. The region
comes from the caller (a per-session value) or the ``REHEARSE_REGION`` environment
variable (an ISO 3166 code such as ``GB``); an unknown region is not an error.
"""
from __future__ import annotations

import os
from functools import lru_cache

from bot.safety.rules import CATEGORIES, SAFETY_DIR
from bot.safety.yaml_io import safe_load

INTERNATIONAL = "INT"
REGION_ENV = "REHEARSE_REGION"
# Besides the four stop categories, "therapist" lists where to find a kink-aware
# professional (used with referral messages).
RESOURCE_CATEGORIES = CATEGORIES + ("therapist",)
_FIELDS = ("name", "description", "phone", "url", "region")


@lru_cache(maxsize=1)
def _resources() -> tuple[list[dict], dict[str, str]]:
    with (SAFETY_DIR / "resources.yml").open(encoding="utf-8") as handle:
        data = safe_load(handle) or {}
    entries = []
    for entry in data.get("resources") or []:
        if not entry.get("name") or not (entry.get("phone") or entry.get("url")):
            raise ValueError(f"resources.yml: {entry!r} needs a name and a phone or url")
        cats = entry.get("categories") or []
        unknown = set(cats) - set(RESOURCE_CATEGORIES)
        if unknown:
            raise ValueError(f"resources.yml: {entry['name']}: unknown categories {sorted(unknown)}")
        entries.append({**entry, "region": str(entry.get("region", INTERNATIONAL)).upper()})
    aliases = {str(k).upper(): str(v).upper() for k, v in (data.get("region_aliases") or {}).items()}
    return entries, aliases


@lru_cache(maxsize=1)
def _messages() -> dict[str, str]:
    with (SAFETY_DIR / "messages.yml").open(encoding="utf-8") as handle:
        data = safe_load(handle) or {}
    return {k: " ".join(str(v).split()) for k, v in (data.get("messages") or {}).items()}


def normalise_region(region: str | None) -> str | None:
    """'uk', ' gb ', 'GBR' -> 'GB'; None or '' -> the REHEARSE_REGION default or None."""
    if region is None or not str(region).strip():
        region = os.environ.get(REGION_ENV, "")
    region = str(region).strip().upper()
    if not region:
        return None
    return _resources()[1].get(region, region)


def regions() -> list[str]:
    """Regions that have their own entries (besides the international ones)."""
    return sorted({e["region"] for e in _resources()[0]} - {INTERNATIONAL})


def resources_for(category: str, region: str | None = None) -> list[dict]:
    """Help lines for a safety category: the region's own first, then international.

    Each dict has ``name``, ``description``, ``region`` and ``phone`` and/or ``url``.
    Raises ValueError for an unknown category (a programming error, not user input).
    """
    if category not in RESOURCE_CATEGORIES:
        raise ValueError(f"unknown safety category {category!r}; expected one of {RESOURCE_CATEGORIES}")
    code = normalise_region(region)
    entries = [e for e in _resources()[0] if category in e.get("categories", ())]
    local = [e for e in entries if code and e["region"] == code]
    international = [e for e in entries if e["region"] == INTERNATIONAL]
    return [{k: e[k] for k in _FIELDS if e.get(k)} for e in local + international]


def safety_message(category: str) -> str:
    """The warm out-of-role text for a safety stop in this category."""
    messages = _messages()
    if category not in messages:
        raise ValueError(f"no safety message for {category!r}; expected one of {CATEGORIES}")
    return messages[category]
