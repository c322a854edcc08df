"""What every action needs: sending a message dict, and the slots of the rehearsal."""
from __future__ import annotations

import os
from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import guide, messages


def send(dispatcher: CollectingDispatcher, *messages: dict) -> None:
    """Send bot/messages.py dicts as ``{"data": ...}`` custom payloads (see docs/api.md)."""
    for message in messages:
        dispatcher.utter_message(json_message={"data": message})


def send_all(dispatcher: CollectingDispatcher, messages: Iterable[dict]) -> None:
    send(dispatcher, *messages)


def record(tracker: Tracker) -> dict | None:
    """The current rehearsal record (bot.flow), if any."""
    value = tracker.get_slot("rehearsal")
    return value if isinstance(value, dict) and value.get("engine") else None


def latest_entities(tracker: Tracker, entity: str) -> list[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]


def region(tracker: Tracker) -> str | None:
    """Where to point resources: the widget may send a region, else REHEARSE_REGION."""
    metadata = tracker.latest_message.get("metadata") or {}
    value = metadata.get("region") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else os.environ.get("REHEARSE_REGION")


def persona_name(rec: dict | None) -> str:
    return ((rec or {}).get("persona") or {}).get("name", "your partner")


def leave_form(tracker: Tracker) -> list[EventType]:
    """Events that close the scenario form if it is open (stop, end, a disclosure, delete)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop.get("name") else []


def say_nothing_running(dispatcher: CollectingDispatcher) -> None:
    """The guide's answer to a rehearsal control when no rehearsal is running."""
    send(dispatcher, messages.guide(guide.text("nothing_running"), [guide.button("new")]))
