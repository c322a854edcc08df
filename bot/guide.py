"""The guide's words: texts and buttons from ``data/guide/texts.yml``.

The guide is the narrator who speaks out of role (menus, help, confirmations). Keeping every
sentence in data lets a therapist-reviewer change the wording without reading code.
"""
from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

import yaml

from bot.paths import DATA_DIR

GUIDE_FILE = DATA_DIR / "guide" / "texts.yml"


class _Blank(dict):
    """Format mapping that leaves an unknown placeholder empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    with GUIDE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    for section in ("texts", "buttons", "outcomes"):
        if not isinstance(data.get(section), dict):
            raise ValueError(f"{GUIDE_FILE}: missing the '{section}' mapping")
    return data


def text(key: str, **values: Any) -> str:
    """The guide text ``key`` with its placeholders filled from ``values``."""
    template = _load()["texts"][key]
    filled = string.Formatter().vformat(template, (), _Blank(values))
    return " ".join(filled.split())


def button(key: str, payload: str | None = None) -> dict[str, str]:
    """A quick-reply button from the data, optionally with a payload built by the caller."""
    spec = _load()["buttons"][key]
    return {"title": spec["title"], "payload": payload or spec["payload"]}


def outcome(key: str | None) -> str:
    """How the guide describes how a scene ended."""
    return _load()["outcomes"].get(key or "", _load()["outcomes"]["ended_by_user"])


def kind_phrase(kind: str) -> str:
    """How the guide names a kind of rehearsal mid-sentence."""
    return _load().get("kind_phrases", {}).get(kind, kind)


def menu_activities(kind: str) -> list[str]:
    """Activity ids offered as quick picks for a rehearsal kind."""
    return list(_load().get("menu_activities", {}).get(kind, []))


def keys() -> list[str]:
    """All text keys (the content-policy test reads every one)."""
    return list(_load()["texts"])
