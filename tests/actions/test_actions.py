"""The custom actions, run the Rasa SDK way: a tracker, a collecting dispatcher, the events.

No server is involved: each action only translates between the tracker and ``bot/``, so these
tests check that translation (messages sent, slots set, loops closed).
"""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, Restarted, SessionStarted, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import privacy, rehearsal, safety, setup, storage
from bot import flow
from bot.partner import Scenario

DEFAULT_SLOTS = {"adult_confirmed": False, "practice_locked": False, "in_rehearsal": False, "tips_enabled": True,
                 "last_scores": None, "referrals_given": None, "rehearsal": None, "kind": None, "activity": None,
                 "activity_label": None, "persona": None, "difficulty": None}


@pytest.fixture(autouse=True)
def temporary_store(tmp_path, monkeypatch):
    """Each test gets its own SQLite database and key."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'test.db'}")
    monkeypatch.setenv("REHEARSE_KEY_FILE", str(tmp_path / "secret.key"))
    storage.store.cache_clear()
    yield
    storage.store.cache_clear()


def _tracker(text: str = "", slots: dict | None = None, entities: list | None = None, events: list | None = None,
             active_loop: str | None = None, intent: str = "say") -> Tracker:
    return Tracker(
        sender_id="a1b2c3d4e5f6",
        slots={**DEFAULT_SLOTS, **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def _run(action, tracker: Tracker) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return [m["custom"]["data"] for m in dispatcher.messages], events


def _record(kind: str = "ask", difficulty: str = "gentle") -> dict:
    return flow.begin(Scenario(kind, "blindfold", "using a blindfold", "curious", difficulty), seed=7).record


def _slot(events: list, name: str):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "<unset>"


def test_the_first_greeting_explains_once_and_asks_the_18_plus_question():
    messages, events = _run(setup.ActionGreet(), _tracker("hi"))
    assert [m["role"] for m in messages] == ["guide", "guide", "guide"]
    assert "not therapy" in messages[0]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/confirm_adult", "/deny_adult"]
    assert events == []


def test_under_18_ends_practice_for_the_session_kindly():
    messages, events = _run(setup.ActionDenyAdult(), _tracker("/deny_adult"))
    assert messages[0]["role"] == "safety" and messages[0]["category"] == "minor"
    assert _slot(events, "practice_locked") is True
    locked, _ = _run(setup.ActionGreet(), _tracker("hi", {"practice_locked": True}))
    assert "closed" in locked[0]["text"]


def test_menu_buttons_come_from_the_catalog():
    messages, _ = _run(setup.ActionAskPersona(), _tracker())
    payloads = [json.loads(b["payload"].removeprefix("/choose"))["persona"] for b in messages[0]["buttons"]]
    assert set(payloads) >= {"curious", "anxious", "playful", "guarded"}


@pytest.mark.parametrize("text, expected", [("I want to practise saying no", "refuse"), ("ask", "ask"),
                                            ("changing a limit", "renegotiate"), ("banana bread", None)])
def test_the_form_reads_a_typed_kind(text, expected):
    dispatcher = CollectingDispatcher()
    result = setup.ValidateRehearsalForm().validate_kind(text, dispatcher, _tracker(text), {})
    assert result == {"kind": expected}
    assert bool(dispatcher.messages) == (expected is None), "a miss is explained, a hit is not"


def test_the_form_takes_button_ids_known_topics_and_neutral_own_words():
    validate = setup.ValidateRehearsalForm().validate_activity
    assert validate("dirty_talk", CollectingDispatcher(), _tracker(), {})["activity"] == "dirty_talk"
    assert validate("blindfolds", CollectingDispatcher(), _tracker(), {})["activity"] == "blindfold"
    own = validate("sleeping in separate rooms", CollectingDispatcher(), _tracker(), {})
    assert own["activity"] == "custom" and "separate rooms" in own["activity_label"]


def test_an_explicit_custom_topic_is_asked_again_in_neutral_words():
    dispatcher = CollectingDispatcher()
    result = setup.ValidateRehearsalForm().validate_activity("I want your naked body", dispatcher, _tracker(), {})
    assert result["activity"] is None and "neutral" in dispatcher.messages[0]["custom"]["data"]["text"]


def test_a_rehearsal_begins_in_a_fresh_session_carrying_what_outlives_a_scene():
    slots = {"kind": "refuse", "activity": "blindfold", "activity_label": "using a blindfold", "persona": "playful",
             "difficulty": "realistic", "adult_confirmed": True, "tips_enabled": False}
    messages, events = _run(setup.ActionBeginRehearsal(), _tracker(slots=slots))
    assert isinstance(events[0], dict) and events[0]["event"] == SessionStarted()["event"]
    assert _slot(events, "adult_confirmed") is True and _slot(events, "tips_enabled") is False
    assert _slot(events, "in_rehearsal") is True and _slot(events, "rehearsal")["engine"]
    assert [m["role"] for m in messages] == ["guide", "partner"]
    assert "off" in messages[0]["text"], "the intro says live tips are off"


def test_a_rehearsal_line_gets_the_partner_and_a_coach_tip():
    rec = _record("ask", "challenging")
    messages, events = _run(rehearsal.ActionRehearsalTurn(),
                            _tracker("I've been thinking about something I'd like us to try.",
                                     {"rehearsal": rec, "in_rehearsal": True}))
    roles = [m["role"] for m in messages]
    assert "partner" in roles and "coach" in roles
    assert len(_slot(events, "rehearsal")["turns"]) == 1


@pytest.mark.parametrize("bad", ["", "🙂🙂", "x" * 5000, "Ich möchte das wirklich nicht machen", '/choose{"kind": "ask"}'])
def test_bad_input_gets_a_kind_word_and_keeps_the_scene(bad):
    rec = _record()
    messages, events = _run(rehearsal.ActionRehearsalTurn(), _tracker(bad, {"rehearsal": rec, "in_rehearsal": True}))
    assert [m["role"] for m in messages] == ["guide"]
    assert _slot(events, "rehearsal") in ("<unset>", rec)


def test_a_coercive_line_is_named_live_and_in_the_debrief():
    rec = _record("ask", "realistic")
    tracker = _tracker("if you really loved me you would do it", {"rehearsal": rec, "in_rehearsal": True})
    messages, events = _run(rehearsal.ActionRehearsalTurn(), tracker)
    tip = next(m for m in messages if m["role"] == "coach")
    assert tip["focus"]["code"] == "guilt_trip"
    ended, end_events = _run(rehearsal.ActionEndRehearsal(),
                             _tracker("end", {"rehearsal": _slot(events, "rehearsal"), "in_rehearsal": True}))
    debrief = next(m for m in ended if m.get("type") == "debrief")["debrief"]
    assert "guilt_trip" in {c["code"] for c in debrief["concerns"]}
    assert _slot(end_events, "in_rehearsal") is False and _slot(end_events, "last_scores")["ask"]["scores"]


def test_rewind_reverts_the_last_line_through_rasa():
    rec = _record()
    after = flow.take_turn(rec, "you owe me this", True).record
    events_so_far = [{"event": "slot", "name": "rehearsal", "value": rec}, {"event": "user", "text": "you owe me this"},
                     {"event": "slot", "name": "rehearsal", "value": after}, {"event": "user", "text": "rewind"}]
    messages, events = _run(rehearsal.ActionRewind(),
                            _tracker("rewind", {"rehearsal": after, "in_rehearsal": True}, events=events_so_far))
    assert events == [UserUtteranceReverted(), UserUtteranceReverted()]
    assert rec["last_partner_line"] in messages[0]["text"]


def test_nothing_to_rewind_before_the_first_line():
    messages, events = _run(rehearsal.ActionRewind(), _tracker("rewind", {"rehearsal": _record(), "in_rehearsal": True}))
    assert events == [] and "nothing to rewind" in messages[0]["text"].lower()


def test_red_stops_at_once_and_the_partner_waits_to_be_asked_back():
    rec = _record()
    messages, events = _run(rehearsal.ActionStopRoleplay(), _tracker("red", {"rehearsal": rec, "in_rehearsal": True}))
    assert [m["role"] for m in messages] == ["guide"] and messages[0]["type"] == "stop"
    assert _slot(events, "in_rehearsal") is False
    resumed, resume_events = _run(rehearsal.ActionResumePractice(), _tracker("resume", {"rehearsal": rec}))
    assert _slot(resume_events, "in_rehearsal") is True and resumed[0]["role"] == "guide"


def test_stop_inside_the_form_closes_it():
    _, events = _run(rehearsal.ActionStopRoleplay(), _tracker("stop", active_loop="rehearsal_form"))
    assert ActiveLoop(None) in events


@pytest.mark.parametrize("text, enabled", [("tips off", False), ("tips on", True), ("turn off tips", False)])
def test_tips_switch(text, enabled):
    _, events = _run(rehearsal.ActionToggleTips(), _tracker(text))
    assert _slot(events, "tips_enabled") is enabled


def test_a_minor_disclosure_locks_practice_and_offers_no_way_back():
    entities = [{"entity": "safety_category", "value": "minor"}]
    messages, events = _run(safety.ActionSafetyResponse(),
                            _tracker("im 16", {"rehearsal": _record(), "in_rehearsal": True}, entities, intent="safety_disclosure"))
    assert messages[0]["role"] == "safety" and messages[0]["category"] == "minor" and not messages[0].get("buttons")
    assert _slot(events, "practice_locked") is True and _slot(events, "rehearsal") is None


def test_an_abuse_disclosure_stops_and_lets_the_user_choose_to_go_on():
    entities = [{"entity": "safety_category", "value": "abuse"}]
    messages, events = _run(safety.ActionSafetyResponse(),
                            _tracker("he did it anyway", {"rehearsal": _record(), "in_rehearsal": True}, entities,
                                     intent="safety_disclosure"))
    assert messages[0]["resources"] and "/resume_practice" in [b["payload"] for b in messages[0]["buttons"]]
    assert _slot(events, "in_rehearsal") is False


def test_a_referral_flag_gets_one_gentle_word_per_session():
    rec = _record()
    entities = [{"entity": "referral_flag", "value": "substance_use"}]
    messages, events = _run(rehearsal.ActionRehearsalTurn(),
                            _tracker("we usually only do this when we're drunk", {"rehearsal": rec, "in_rehearsal": True},
                                     entities))
    assert any(m["role"] == "safety" and m["type"] == "referral" for m in messages)
    again, _ = _run(rehearsal.ActionRehearsalTurn(),
                    _tracker("we usually only do this when we're drunk",
                             {"rehearsal": rec, "in_rehearsal": True, "referrals_given": ["substance_use"]}, entities))
    assert not any(m["role"] == "safety" for m in again)


def test_delete_my_data_removes_the_sessions_attempts_and_restarts():
    rec = _record()
    _run(rehearsal.ActionEndRehearsal(), _tracker("end", {"rehearsal": rec, "in_rehearsal": True}))
    assert storage.store().export_session("a1b2c3d4e5f6")["attempts"]
    messages, events = _run(privacy.ActionDeleteMyData(), _tracker("delete my data"))
    assert "deleted" in messages[0]["text"] and Restarted() in events
    assert storage.store().export_session("a1b2c3d4e5f6")["attempts"] == []


def test_download_before_any_practice_says_so():
    messages, _ = _run(privacy.ActionDownloadHistory(), _tracker("download my history"))
    assert "no saved practice" in messages[0]["text"].lower()
