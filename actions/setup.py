"""Setting up a rehearsal: the welcome and 18+ question, the scenario form, and the start."""
from __future__ import annotations

import abc
import json
import random
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, storage
from bot import catalog, flow, guide, messages
from bot.safety import resources_for
from bot.safety.content_policy import check_line

# Slots that outlive a rehearsal; everything else starts fresh with each new scene.
CARRIED_SLOTS = ("adult_confirmed", "practice_locked", "tips_enabled", "last_scores", "referrals_given")


def _choice_button(slot: str, item_id: str, title: str) -> dict:
    return {"title": title, "payload": f"/choose{json.dumps({slot: item_id})}"}


class ActionGreet(Action):
    """The first words: what this is (once), the controls, and the 18+ question."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("practice_locked"):
            common.send(dispatcher, messages.guide(guide.text("practice_locked")))
            return []
        common.send(
            dispatcher,
            messages.guide(guide.text("welcome")),
            messages.guide(guide.text("controls")),
            messages.guide(guide.text("ask_adult"), [guide.button("adult_yes"), guide.button("adult_no")]),
        )
        return []


class ActionConfirmAdult(Action):
    def name(self) -> Text:
        return "action_confirm_adult"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        storage.call("confirm_adult", tracker.sender_id)
        common.send(dispatcher, messages.guide(guide.text("adult_thanks")))
        return [SlotSet("adult_confirmed", True)]


class ActionDenyAdult(Action):
    """Under 18: practice ends for this session, kindly, with resources made for young people."""

    def name(self) -> Text:
        return "action_deny_adult"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        common.send(
            dispatcher,
            messages.safety(
                guide.text("under_18"), "minor", resources_for("minor", common.region(tracker)), type_="disclosure"
            ),
        )
        return [SlotSet("practice_locked", True), SlotSet("adult_confirmed", False)]


class _ActionAskChoice(Action, abc.ABC):
    """The form's question for one menu slot, with a button per choice from the catalog."""

    slot: Text = ""
    text_key: Text = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    @abc.abstractmethod
    def choices(self) -> list:
        """The catalog's options for this slot."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        buttons = [_choice_button(self.slot, item.id, item.title) for item in self.choices()]
        common.send(dispatcher, messages.guide(guide.text(self.text_key), buttons))
        return []


class ActionAskKind(_ActionAskChoice):
    slot, text_key = "kind", "ask_kind"

    def choices(self) -> list:
        return catalog.kinds()


class ActionAskActivity(Action):
    def name(self) -> Text:
        return "action_ask_activity"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kind = tracker.get_slot("kind") or "ask"
        activities = [catalog.activity_by_id(a) for a in guide.menu_activities(kind)]
        buttons = [_choice_button("activity", a.id, a.label) for a in activities if a is not None]
        common.send(dispatcher, messages.guide(guide.text(f"ask_activity_{kind}"), buttons))
        return []


class ActionAskPersona(_ActionAskChoice):
    slot, text_key = "persona", "ask_persona"

    def choices(self) -> list:
        return catalog.personas()


class ActionAskDifficulty(_ActionAskChoice):
    slot, text_key = "difficulty", "ask_difficulty"

    def choices(self) -> list:
        return catalog.difficulties()


class ValidateRehearsalForm(FormValidationAction):
    """Each answer, tapped or typed, is normalised by bot.catalog; a miss asks again kindly."""

    def name(self) -> Text:
        return "validate_rehearsal_form"

    def _validated(self, dispatcher, slot: str, value: Any, normalise, invalid_key: str) -> Dict[Text, Any]:
        result = normalise(value) if isinstance(value, str) else None
        if result is None:
            common.send(dispatcher, messages.guide(guide.text(invalid_key)))
        return {slot: result}

    def validate_kind(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._validated(dispatcher, "kind", value, catalog.normalise_kind, "invalid_kind")

    def validate_persona(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._validated(dispatcher, "persona", value, catalog.normalise_persona, "invalid_persona")

    def validate_difficulty(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._validated(dispatcher, "difficulty", value, catalog.normalise_difficulty, "invalid_difficulty")

    def validate_activity(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        activity = catalog.activity_by_id(value) or (catalog.match_activity(value) if isinstance(value, str) else None)
        if activity is None:
            common.send(dispatcher, messages.guide(guide.text("invalid_activity")))
            return {"activity": None, "activity_label": None}
        if not activity.known and check_line(activity.label):
            # The partner repeats a custom topic in its lines, so it must be non-explicit.
            common.send(dispatcher, messages.guide(guide.text("activity_not_neutral")))
            return {"activity": None, "activity_label": None}
        if not activity.known:
            common.send(dispatcher, messages.guide(guide.text("activity_unknown_ok", activity=activity.label)))
        return {"activity": activity.id, "activity_label": activity.label}


class ActionBeginRehearsal(Action):
    """Start the scene in a fresh conversation session.

    Starting a new Rasa session per rehearsal bounds the history every later turn looks at
    (the SQL tracker store retrieves only the latest session), so the fifth rehearsal in a row
    answers as fast as the first. The slots that outlive a rehearsal are carried over.
    """

    def name(self) -> Text:
        return "action_begin_rehearsal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        slots = {name: tracker.get_slot(name) for name in ("kind", "activity", "activity_label", "persona", "difficulty")}
        tips_enabled = tracker.get_slot("tips_enabled") is not False
        result = flow.begin(flow.scenario_from_slots(slots), seed=random.randrange(2**31), tips_enabled=tips_enabled)
        common.send_all(dispatcher, result.messages)
        carried = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_SLOTS]
        return [SessionStarted(), *carried, SlotSet("rehearsal", result.record), SlotSet("in_rehearsal", True)]
