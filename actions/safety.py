"""Out of role, at once: what the assistant does when the safety screen finds a disclosure."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from bot import guide, messages
from bot.safety import resources_for, safety_message


def safety_response(dispatcher: CollectingDispatcher, tracker: Tracker, category: str) -> List[EventType]:
    """Stop the role-play, answer warmly with resources, and lock practice for a minor.

    The partner never resumes by itself. After an ``abuse`` disclosure the user may choose to
    go back to practising; after the others the choice is a new start, later.
    """
    events: List[EventType] = [SlotSet("in_rehearsal", False), *common.leave_form(tracker)]
    buttons = []
    if category == "abuse" and common.record(tracker):
        buttons = [guide.button("resume"), guide.button("feedback")]
    common.send(
        dispatcher,
        messages.safety(safety_message(category), category, resources_for(category, common.region(tracker)), buttons),
    )
    if category == "abuse" and buttons:
        common.send(dispatcher, messages.guide(guide.text("resume_after_safety")))
    if category == "minor":
        events += [SlotSet("practice_locked", True), SlotSet("adult_confirmed", False), SlotSet("rehearsal", None)]
    return events


class ActionSafetyResponse(Action):
    def name(self) -> Text:
        return "action_safety_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        categories = common.latest_entities(tracker, "safety_category")
        return safety_response(dispatcher, tracker, categories[0] if categories else "danger")
