"""The rehearsal itself: each line, the controls (yellow, rewind, red, end), tips and help."""
from __future__ import annotations

import logging
from typing import Any, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, storage
from bot import flow, guide, messages
from bot.safety import referral_message, resources_for

logger = logging.getLogger(__name__)


def finish_rehearsal(dispatcher: CollectingDispatcher, tracker: Tracker, rec: dict) -> List[EventType]:
    """Debrief the rehearsal in ``rec``, keep its summary, and close it."""
    kind = flow.scenario_of(rec).kind
    last_scores = dict(tracker.get_slot("last_scores") or {})
    previous = last_scores.get(kind) or storage.call("previous_attempt", tracker.sender_id, kind)
    end = flow.conclude(rec, previous)
    common.send(
        dispatcher,
        messages.coach_debrief(
            end.debrief,
            [guide.button("again", end.restart_payload), guide.button("new"), guide.button("download"),
             guide.button("keep_wording")],
        ),
    )
    storage.call("record_attempt", tracker.sender_id, end.summary, end.wording)
    last_scores[kind] = {"scores": end.debrief.get("scores", {})}
    return [SlotSet("in_rehearsal", False), SlotSet("rehearsal", None), SlotSet("last_scores", last_scores)]


def _referrals(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """A gentle word about a kink-aware therapist, once per red flag and session."""
    given = list(tracker.get_slot("referrals_given") or [])
    new = [flag for flag in dict.fromkeys(common.latest_entities(tracker, "referral_flag")) if flag not in given]
    for flag in new:
        common.send(
            dispatcher,
            messages.safety(referral_message(flag), None, resources_for("therapist", common.region(tracker)),
                            type_="referral"),
        )
    return [SlotSet("referrals_given", given + new)] if new else []


class ActionRehearsalTurn(Action):
    """One line of the user's: coach, partner, tip, and the debrief when the scene ends."""

    def name(self) -> Text:
        return "action_rehearsal_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rec = common.record(tracker)
        if rec is None:
            common.say_nothing_running(dispatcher)
            return [SlotSet("in_rehearsal", False)]
        text = tracker.latest_message.get("text")
        tips = tracker.get_slot("tips_enabled") is not False
        try:
            result = flow.take_turn(rec, text, tips)
        except Exception:  # noqa: BLE001 - the user gets a kind word, the log gets the trace
            logger.exception("A rehearsal turn failed; the rehearsal is kept as it was.")
            common.send(dispatcher, messages.guide(guide.text("turn_failed")))
            return []
        common.send_all(dispatcher, result.messages)
        events: List[EventType] = [SlotSet("rehearsal", result.record)]
        events += _referrals(dispatcher, tracker)
        if result.ended:
            events += finish_rehearsal(dispatcher, tracker, result.record)
        return events


class ActionSlowDown(Action):
    """Yellow: the partner slows down and checks in; no more pressure in this scene."""

    def name(self) -> Text:
        return "action_slow_down"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rec = common.record(tracker)
        if rec is None or not tracker.get_slot("in_rehearsal"):
            common.say_nothing_running(dispatcher)
            return []
        result = flow.slow_down(rec)
        common.send_all(dispatcher, result.messages)
        return [SlotSet("rehearsal", result.record)]


class ActionRewind(Action):
    """Undo the user's last line and the partner's reply, so the wording can be retried.

    Rasa's own undo does the work: reverting the two latest user turns (this "rewind" and
    the line before it) also restores the ``rehearsal`` slot, so the partner's state, the
    lines already used and the coach's records go back exactly as they were.
    """

    def name(self) -> Text:
        return "action_rewind"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rec = common.record(tracker)
        if rec is None or not tracker.get_slot("in_rehearsal") or not rec.get("turns"):
            common.send(dispatcher, messages.guide(guide.text("nothing_to_rewind")))
            return []
        previous = _record_before_last_line(tracker) or {}
        line = previous.get("last_partner_line")
        name = common.persona_name(rec)
        text = guide.text("rewound", name=name, line=line) if line else guide.text("rewound_opening", name=name)
        common.send(dispatcher, messages.guide(text))
        return [UserUtteranceReverted(), UserUtteranceReverted()]


def _record_before_last_line(tracker: Tracker) -> dict | None:
    """The ``rehearsal`` slot as it was when the user sent the line being rewound."""
    value: Any = None
    snapshots: list[Any] = []
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "rehearsal":
            value = event.get("value")
        elif event.get("event") == "user":
            snapshots.append(value)
    # snapshots[-1] is the state at the "rewind" message, snapshots[-2] at the rewound line.
    return snapshots[-2] if len(snapshots) >= 2 and isinstance(snapshots[-2], dict) else None


class ActionStopRoleplay(Action):
    """Red: stop at once and check in, out of role. The scene can be resumed or debriefed."""

    def name(self) -> Text:
        return "action_stop_roleplay"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = common.leave_form(tracker)
        if tracker.get_slot("in_rehearsal") and common.record(tracker):
            common.send(
                dispatcher,
                messages.guide(
                    guide.text("stopped"),
                    [guide.button("resume"), guide.button("feedback"), guide.button("new")],
                    type="stop",
                ),
            )
            return events + [SlotSet("in_rehearsal", False)]
        common.send(dispatcher, messages.guide(guide.text("stopped_idle"), [guide.button("new")], type="stop"))
        return events


class ActionResumePractice(Action):
    """Back into a stopped scene, only when the user asks: the partner never resumes by itself."""

    def name(self) -> Text:
        return "action_resume_practice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rec = common.record(tracker)
        if rec is None or rec.get("ended") or tracker.get_slot("practice_locked"):
            common.send(dispatcher, messages.guide(guide.text("nothing_to_resume"), [guide.button("new")]))
            return []
        name = common.persona_name(rec)
        line = rec.get("last_partner_line")
        text = guide.text("resumed", name=name, line=line) if line else guide.text("resumed_start", name=name)
        common.send(dispatcher, messages.guide(text))
        return [SlotSet("in_rehearsal", True)]


class ActionEndRehearsal(Action):
    """"End": the scene stops and the debrief follows."""

    def name(self) -> Text:
        return "action_end_rehearsal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = common.leave_form(tracker)
        rec = common.record(tracker)
        if rec is None:
            common.say_nothing_running(dispatcher)
            return events
        common.send(dispatcher, messages.guide(guide.text("scene_ended_by_user")))
        return events + finish_rehearsal(dispatcher, tracker, rec)


class ActionToggleTips(Action):
    def name(self) -> Text:
        return "action_toggle_tips"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").lower()
        current = tracker.get_slot("tips_enabled") is not False
        if text.rstrip().endswith(" on") or text.startswith("turn on") or text.startswith("show"):
            enabled = True
        elif text.rstrip().endswith(" off") or "no more" in text or text.startswith("stop") or text.startswith("turn off"):
            enabled = False
        else:
            enabled = not current
        common.send(dispatcher, messages.guide(guide.text("tips_on" if enabled else "tips_off")))
        return [SlotSet("tips_enabled", enabled)]


class ActionHelp(Action):
    def name(self) -> Text:
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rec = common.record(tracker)
        if rec is not None and tracker.get_slot("in_rehearsal"):
            common.send(dispatcher, messages.guide(guide.text("help_rehearsal", name=common.persona_name(rec))))
        else:
            common.send(
                dispatcher,
                messages.guide(guide.text("help_idle"), [guide.button("new"), guide.button("download"), guide.button("delete")]),
            )
        return []
