"""The debrief at the end of a rehearsal: skill scores, quoted strengths and concerns with their
rewrites, the partner's pressure tactics named, and the change since the previous attempt.

Skill weights live in data/coach/skills.yml; tactic names come from the partner's
data/partner/pressure_tactics.yml (the id is used when that file or the tactic is missing).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.coach.knowledge import _read, check_kind_name, load_knowledge
from bot.coach.feedback import _words


@lru_cache(maxsize=1)
def skill_weights() -> dict[str, dict[str, Any]]:
    return _read(load_knowledge().data_dir / "coach" / "skills.yml")["skills"]


def _tactics() -> dict[str, dict[str, Any]]:
    path = load_knowledge().data_dir / "partner" / "pressure_tactics.yml"
    try:
        doc = _read(path) or {}
    except (OSError, ValueError):
        return {}
    out = {}
    for t in doc.get("tactics", []) or []:
        if isinstance(t, dict) and "id" in t:
            out[str(t["id"])] = t
    return out


def _turn_codes(turns: list[dict[str, Any]]) -> list[set[str]]:
    return [{f.get("code") for f in (t.get("findings") or []) if isinstance(f, dict)} for t in turns]


def score_skills(kind: str, turns: list[dict[str, Any]]) -> dict[str, int]:
    """0-100 per skill of ``kind``: base + weights of codes found (concerns count up to twice)."""
    per_turn = _turn_codes(turns)
    k = load_knowledge()
    scores = {}
    for skill, spec in skill_weights()[kind].items():
        total = float(spec.get("base", 50))
        for code, weight in spec.get("codes", {}).items():
            n = sum(code in codes for codes in per_turn)
            if not n:
                continue
            repeats = min(n, 2) if k.codes[code].polarity == "concern" else 1
            total += weight * repeats
        scores[skill] = int(round(max(0.0, min(100.0, total))))
    return scores


def _quote(text: str, f: dict[str, Any]) -> str:
    start, end = f.get("start"), f.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text):
        return text[start:end]
    return text


def build_debrief(kind: str, turns: list[dict[str, Any]], partner_pressure: list[str] | None,
                  previous: dict[str, Any] | None) -> dict[str, Any]:
    """The debrief dict (see docs/api.md): kind, scores, strengths, concerns, partner_pressure,
    comparison (skill -> delta against ``previous`` of the same kind, else None) and text."""
    check_kind_name(kind)
    turns = [t for t in (turns or []) if isinstance(t, dict)]
    k = load_knowledge()
    scores = score_skills(kind, turns)
    strengths, concerns, seen = [], [], set()
    for turn in turns:
        text = turn.get("text") or ""
        for f in turn.get("findings") or []:
            code = f.get("code")
            if code not in k.codes:
                continue
            quote = _quote(text, f)
            if k.codes[code].polarity == "strength":
                if code not in {s["code"] for s in strengths}:
                    strengths.append({"code": code, "quote": quote, "explanation": f.get("explanation", "")})
            elif (code, quote) not in seen:
                seen.add((code, quote))
                concerns.append({"code": code, "quote": quote, "explanation": f.get("explanation", ""),
                                 "suggestion": f.get("suggestion")})
    concerns.sort(key=lambda c: (k.codes[c["code"]].family != "coercion", k.codes[c["code"]].priority))
    tactics = _tactics()
    pressure, seen_ids = [], set()
    for tid in partner_pressure or []:
        if tid in seen_ids:
            continue
        seen_ids.add(tid)
        t = tactics.get(str(tid), {})
        pressure.append({"id": tid, "name": t.get("name", tid), "description": t.get("description", "")})
    comparison = None
    if isinstance(previous, dict) and previous.get("kind") == kind and isinstance(previous.get("scores"), dict):
        comparison = {s: v - previous["scores"][s] for s, v in scores.items()
                      if isinstance(previous["scores"].get(s), (int, float))}
    return {"kind": kind, "scores": scores, "strengths": strengths, "concerns": concerns,
            "partner_pressure": pressure, "comparison": comparison,
            "text": _summary(kind, strengths, concerns, pressure, comparison)}


def _summary(kind, strengths, concerns, pressure, comparison) -> str:
    words = _words()["debrief"]
    k = load_knowledge()
    parts = [words["opening"][kind]]
    if strengths:
        parts.append(words["strength"].format(label=k.codes[strengths[0]["code"]].label))
    if concerns:
        c = concerns[0]
        hint = f"“{c['suggestion']}”" if c.get("suggestion") else k.codes[c["code"]].explanation(kind)
        parts.append(words["concern"].format(label=k.codes[c["code"]].label, suggestion_hint=hint))
    else:
        parts.append(words["no_concern"])
    if comparison:
        best = max(comparison, key=comparison.get)
        if comparison[best] > 0:
            parts.append(words["better"].format(skill=best.replace("_", " ")))
    if pressure:
        parts.append(words["pressure"].format(names=", ".join(p["name"] for p in pressure)))
    return " ".join(parts)
