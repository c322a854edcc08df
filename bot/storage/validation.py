"""Checks on what callers hand to the Store: wrong types raise ValueError, and no free
text can slip into the unencrypted columns (findings keep codes and offsets only)."""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from bot.storage.models import ID_LENGTH

KINDS = ("ask", "refuse", "renegotiate")
POLARITIES = ("concern", "strength")
SUMMARY_KEYS = {
    "kind", "activity_id", "persona", "difficulty", "started_at", "ended_at",
    "outcome", "scores", "findings", "partner_pressure",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_WORDING_CHARS = 200_000
MAX_FINDINGS = 2_000
MAX_PRESSURE_ITEMS = 200


def session_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"session_id must be a string, not {type(value).__name__}")
    if not value.strip() or len(value) > ID_LENGTH or "\x00" in value:
        raise ValueError(f"session_id must be 1 to {ID_LENGTH} characters")
    return value


def name(value: Any, field: str, optional: bool = True, max_len: int = 64) -> Optional[str]:
    """A short identifier (activity id, persona, outcome...), never free text."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{field} must be a short name, not {type(value).__name__}")
    text = str(value)
    if len(text) > max_len or not _NAME.match(text):
        raise ValueError(f"{field} must be a short name (letters, digits, _ . : -), got {text[:40]!r}")
    return text


def timestamp(value: Any, field: str) -> Optional[datetime]:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{field} must be a finite epoch time")
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{field} is out of range") from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{field} must be an ISO 8601 time, got {value[:40]!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise ValueError(f"{field} must be a datetime, ISO string or epoch seconds")


def _number(value: Any, field: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number")
    return value


def scores(value: Any) -> Dict[str, float | int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("scores must be a dict of name -> number")
    return {name(k, "score name", optional=False): _number(v, f"scores[{k!r}]") for k, v in value.items()}


def _offset(value: Any, field: str, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field} must be a non-negative integer")
    return value


def findings(value: Any) -> List[Dict[str, Any]]:
    """Keep code, polarity, start, end and turn; drop explanations and rewrites (text)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError("findings must be a list of dicts")
    if len(value) > MAX_FINDINGS:
        raise ValueError(f"at most {MAX_FINDINGS} findings per attempt")
    kept = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValueError(f"findings[{i}] must be a dict")
        polarity = item.get("polarity")
        if polarity is not None and polarity not in POLARITIES:
            raise ValueError(f"findings[{i}].polarity must be one of {POLARITIES}")
        start = _offset(item.get("start"), f"findings[{i}].start", optional=True)
        end = _offset(item.get("end"), f"findings[{i}].end", optional=True)
        if start is not None and end is not None and end < start:
            raise ValueError(f"findings[{i}].end is before its start")
        kept.append(
            {
                "code": name(item.get("code"), f"findings[{i}].code", optional=False),
                "polarity": polarity,
                "start": start,
                "end": end,
                "turn": _offset(item.get("turn"), f"findings[{i}].turn", optional=True),
            }
        )
    return kept


def partner_pressure(value: Any) -> Any:
    """Tactic names and counts only: a list or dict of short names and numbers."""
    if value is None:
        return None
    count = 0

    def check(node: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_PRESSURE_ITEMS or depth > 3:
            raise ValueError("partner_pressure is too large or too deeply nested")
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, (int, float)):
            return _number(node, "partner_pressure value")
        if isinstance(node, str):
            return name(node, "partner_pressure value", optional=False)
        if isinstance(node, (list, tuple)):
            return [check(x, depth + 1) for x in node]
        if isinstance(node, dict):
            return {name(k, "partner_pressure key", optional=False): check(v, depth + 1) for k, v in node.items()}
        raise ValueError(f"partner_pressure cannot hold {type(node).__name__}")

    return check(value, 0)


def wording(value: Any) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError("wording must be a list of strings (one per user turn) or None")
    total = 0
    for i, line in enumerate(value):
        if not isinstance(line, str):
            raise ValueError(f"wording[{i}] must be a string")
        total += len(line)
    if total > MAX_WORDING_CHARS:
        raise ValueError(f"wording is longer than {MAX_WORDING_CHARS} characters")
    return list(value)


def summary(value: Any) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("summary must be a dict")
    unknown = set(value) - SUMMARY_KEYS
    if unknown:
        raise ValueError(f"summary has unknown keys {sorted(map(str, unknown))}; allowed: {sorted(SUMMARY_KEYS)}")
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValueError(f"summary['kind'] must be one of {KINDS}")
    return {
        "kind": kind,
        "activity_id": name(value.get("activity_id"), "activity_id"),
        "persona": name(value.get("persona"), "persona"),
        "difficulty": name(value.get("difficulty"), "difficulty", max_len=32),
        "started_at": timestamp(value.get("started_at"), "started_at"),
        "ended_at": timestamp(value.get("ended_at"), "ended_at"),
        "outcome": name(value.get("outcome"), "outcome"),
        "scores": scores(value.get("scores")),
        "findings": findings(value.get("findings")),
        "partner_pressure": partner_pressure(value.get("partner_pressure")),
    }


def kind(value: Any) -> str:
    if value not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    return value
