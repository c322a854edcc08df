"""One rehearsal from the first line to the debrief, as plain data in and messages out.

This is the single path every rehearsal line takes (style.md): the text is checked, the coach
analyses it, its codes move the partner's state, the partner answers, and the coach's tip and,
at the end, the debrief follow. The record returned here is what the Rasa ``rehearsal`` slot
holds, so a rewind (Rasa reverting the last user turn) restores all of it at once.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bot import guide, messages
from bot.coach import analyze
from bot.coach.debrief import build_debrief
from bot.coach.feedback import live_tip
from bot.input_check import MAX_LINE_CHARS, problem_with_line
from bot.partner import Rehearsal, Scenario

# The debrief quotes the user's own words; a very long rehearsal keeps the most recent turns.
MAX_TURNS_KEPT = 60


@dataclass
class TurnResult:
    """What one user line produced: the new record and the messages to send, in order."""

    record: dict
    messages: list[dict] = field(default_factory=list)
    ended: bool = False


def begin(scenario: Scenario, seed: int, tips_enabled: bool = True) -> TurnResult:
    """Start the partner, introduce the scene and send the partner's opening."""
    rehearsal = Rehearsal.start(scenario, seed=seed)
    opening = rehearsal.opening()
    persona = opening.persona
    record = {
        "engine": rehearsal.to_dict(),
        "turns": [],
        "persona": persona,
        "last_partner_line": opening.lines[-1] if opening.lines else "",
        "started_at": time.time(),
        "ended": False,
    }
    from bot import catalog  # local: the catalog loads spaCy data only when a scene starts

    persona_info = _find(catalog.personas(), scenario.persona)
    persona_description = persona_info.description if persona_info else ""
    intro = guide.text(
        "intro",
        kind_title=guide.kind_phrase(scenario.kind),
        activity=scenario.activity_label,
        name=persona.get("name", "your partner"),
        persona_description=_ensure_period(persona_description),
        difficulty_title=_title(catalog.difficulties(), scenario.difficulty),
        tips_state="on" if tips_enabled else "off",
    )
    out = [messages.guide(intro, [guide.button("tips_off")] if tips_enabled else None)]
    out += [messages.partner(line, persona) for line in opening.lines]
    return TurnResult(record=record, messages=out)


def take_turn(record: dict, text: str, tips_enabled: bool) -> TurnResult:
    """Answer one rehearsal line. Unusable input leaves the record untouched."""
    persona = record.get("persona") or {}
    name = persona.get("name", "your partner")
    problem = problem_with_line(text)
    if problem:
        return TurnResult(
            record=record,
            messages=[messages.guide(guide.text(problem, name=name, limit=MAX_LINE_CHARS))],
        )
    rehearsal = Rehearsal.from_dict(record["engine"])
    if rehearsal.ended:
        return TurnResult(record=record, messages=[messages.guide(guide.text("nothing_running"))])

    kind = rehearsal.scenario.kind
    rehearsal_after_refusal = rehearsal.after_refusal
    partner_line = record.get("last_partner_line") or None
    # The NLU pipeline's safety screen has already screened this very text (a disclosure never
    # reaches the partner), so the coach does not screen it a second time.
    analysis = analyze(text, kind=kind, after_refusal=rehearsal_after_refusal, partner_line=partner_line,
                       safety=False)

    codes = sorted({finding.code for finding in analysis.findings})
    turn = rehearsal.respond(text, codes)

    new_record = dict(record)
    new_record["engine"] = rehearsal.to_dict()
    # Only what re-creates the analysis: the slot travels with every turn, so it stays small.
    new_record["turns"] = (
        record.get("turns", []) + [{"text": text, "after_refusal": rehearsal_after_refusal, "partner_line": partner_line, "codes": codes}]
    )[-MAX_TURNS_KEPT:]
    if turn.lines:
        new_record["last_partner_line"] = turn.lines[-1]

    out = [messages.partner(line, persona) for line in turn.lines]
    if tips_enabled:
        out.append(messages.coach_tip(live_tip(analysis, text)))
    if turn.ended:
        new_record["ended"] = True
        new_record["outcome"] = turn.outcome
        out.append(messages.guide(guide.text("scene_ended", outcome=guide.outcome(turn.outcome))))
    return TurnResult(record=new_record, messages=out, ended=turn.ended)


def slow_down(record: dict) -> TurnResult:
    """Yellow: the partner slows down and checks in."""
    rehearsal = Rehearsal.from_dict(record["engine"])
    persona = record.get("persona") or {}
    turn = rehearsal.slow_down()
    new_record = dict(record, engine=rehearsal.to_dict())
    if turn.lines:
        new_record["last_partner_line"] = turn.lines[-1]
    out = [messages.guide(guide.text("slowed_down", name=persona.get("name", "Your partner")))]
    out += [messages.partner(line, persona) for line in turn.lines]
    return TurnResult(record=new_record, messages=out)


@dataclass
class Conclusion:
    """Everything the end of a rehearsal needs, from one analysis of its turns."""

    kind: str
    debrief: dict
    summary: dict          # what storage keeps: codes, offsets and scores, never the text
    wording: list[str]     # the user's lines, kept only if the user opted in
    restart_payload: str   # the one-message start that replays this scenario


def scenario_of(record: dict) -> Scenario:
    """The scenario a rehearsal record was started with."""
    return Rehearsal.from_dict(record["engine"]).scenario


def conclude(record: dict, previous: dict | None) -> Conclusion:
    """Debrief, stored summary and replay payload for the rehearsal in ``record``.

    Each kept turn is re-analysed once here (the coach is deterministic), and both the debrief
    and the stored summary are built from that one analysis.
    """
    rehearsal = Rehearsal.from_dict(record["engine"])
    scenario = rehearsal.scenario
    turns = [
        {"text": turn["text"],
         "findings": [f.to_json() for f in analyze(turn["text"], kind=scenario.kind,
                                                   after_refusal=bool(turn.get("after_refusal")),
                                                   partner_line=turn.get("partner_line"),
                                                   safety=False).findings]}
        for turn in record.get("turns", [])
    ]
    pressure = list(rehearsal.pressure_used)
    result = build_debrief(scenario.kind, turns, pressure, previous)
    summary = {
        "kind": scenario.kind,
        "activity_id": scenario.activity_id,
        "persona": scenario.persona,
        "difficulty": scenario.difficulty,
        "started_at": record.get("started_at"),
        "outcome": record.get("outcome") or "ended_by_user",
        "scores": result.get("scores", {}),
        "findings": [
            {k: f[k] for k in ("code", "polarity", "start", "end")} | {"turn": index}
            for index, turn in enumerate(turns)
            for f in turn["findings"]
        ],
        "partner_pressure": pressure,
    }
    return Conclusion(
        kind=scenario.kind,
        debrief=result,
        summary=summary,
        wording=[turn["text"] for turn in turns],
        restart_payload=_restart_payload(scenario),
    )


def _find(items: list, item_id: str):
    return next((item for item in items if item.id == item_id), None)


def _title(items: list, item_id: str) -> str:
    item = _find(items, item_id)
    return item.title if item else item_id


def _ensure_period(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def scenario_from_slots(slots: dict[str, Any]) -> Scenario:
    """Build the partner's scenario from the validated form slots."""
    return Scenario(
        kind=slots["kind"],
        activity_id=slots.get("activity") or "custom",
        activity_label=slots.get("activity_label") or slots.get("activity") or "something new",
        persona=slots["persona"],
        difficulty=slots["difficulty"],
    )


def _restart_payload(scenario: Scenario) -> str:
    """The one-message start that replays ``scenario`` ("try this one again")."""
    activity = scenario.activity_id if scenario.activity_id != "custom" else scenario.activity_label
    return "/start_rehearsal" + json.dumps(
        {"kind": scenario.kind, "activity": activity, "persona": scenario.persona, "difficulty": scenario.difficulty}
    )
