"""The user's own data: delete everything of this session, or download it as JSON."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, storage
from bot import guide, messages

_FAILED = object()


class ActionDeleteMyData(Action):
    """Delete the session's attempts and its conversation, then start over.

    The tracker store (components/tracker_store.py) also wipes this conversation's stored
    events when it saves a turn that ran this action, so nothing said before survives.
    """

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        result = storage.call("delete_session", tracker.sender_id, default=_FAILED)
        if result is _FAILED:
            common.send(dispatcher, messages.guide(guide.text("delete_failed")))
            return []
        common.send(dispatcher, messages.guide(guide.text("deleted"), [guide.button("new")]))
        return [*common.leave_form(tracker), Restarted()]


class ActionDownloadHistory(Action):
    def name(self) -> Text:
        return "action_download_history"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        export = storage.call("export_session", tracker.sender_id, default=None)
        if not export or not export.get("attempts"):
            common.send(dispatcher, messages.guide(guide.text("download_empty")))
            return []
        common.send(
            dispatcher,
            messages.guide(
                guide.text("download_ready"),
                type="download",
                filename=f"practice-history-{tracker.sender_id[:8]}.json",
                export=export,
            ),
        )
        return []


class ActionKeepWording(Action):
    """Opt in or out of keeping the user's own sentences (encrypted) with their results."""

    def name(self) -> Text:
        return "action_keep_wording"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").lower()
        keep = not any(word in text for word in ("don't", "dont", "stop", "forget", "not"))
        erased = storage.call("set_keep_wording", tracker.sender_id, keep, default=_FAILED)
        if erased is _FAILED:
            common.send(dispatcher, messages.guide(guide.text("delete_failed")))
            return []
        if keep:
            days = storage.retention_days()
            common.send(dispatcher, messages.guide(guide.text("wording_kept", days=days)))
        else:
            note = guide.text("wording_erased") if erased else ""
            common.send(dispatcher, messages.guide(guide.text("wording_not_kept", erased=note)))
        return []
