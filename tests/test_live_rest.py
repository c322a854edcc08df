"""End to end over the REST webhook: the real Rasa server, action server and database.

Each test uses its own sender id, so they share one running stack (started once per session).
"""
from __future__ import annotations

import json
import os
import sqlite3
import uuid

import pytest

pytestmark = pytest.mark.live


def _sender() -> str:
    return uuid.uuid4().hex


def _roles(messages: list[dict]) -> list[str]:
    return [m.get("role") for m in messages]


def _setup(stack, sender: str, kind: str, activity: str, persona: str = "curious",
           difficulty: str = "realistic") -> list[dict]:
    """Greeting, 18+ confirmation and the scenario form, through the buttons' payloads."""
    greeting = stack.say(sender, "hi")
    assert _roles(greeting) and set(_roles(greeting)) == {"guide"}
    assert any("18" in m["text"] for m in greeting), "the 18+ question comes first"
    assert any("not therapy" in m["text"] for m in greeting), "the disclaimer is said once, at the start"
    menu = stack.say(sender, "/confirm_adult")
    assert any(b["payload"].startswith("/choose") for m in menu for b in m.get("buttons", []))
    stack.say(sender, '/choose{"kind": "%s"}' % kind)
    stack.say(sender, activity)
    stack.say(sender, '/choose{"persona": "%s"}' % persona)
    return stack.say(sender, '/choose{"difficulty": "%s"}' % difficulty)


def _finish(stack, sender: str, last_reply: list[dict] | None = None) -> dict:
    """The debrief: from the last reply if the scene already ended there, else after "end"."""
    ended = [m for m in last_reply or [] if m.get("role") == "coach" and m.get("type") == "debrief"]
    messages = last_reply if ended else stack.say(sender, "end")
    debriefs = [m for m in messages if m.get("role") == "coach" and m.get("type") == "debrief"]
    assert len(debriefs) == 1, messages
    return debriefs[0]["debrief"]


@pytest.mark.parametrize(
    "kind, activity, lines",
    [
        ("ask", "blindfolds", ["I'd love to try using a blindfold with you sometime. How would you feel about that?",
                               "No pressure at all, we could start slowly and stop any time."]),
        ("refuse", "filming", ["No, I don't want to do that.", "I said no, and my answer is still no."]),
        ("renegotiate", "sleepovers", ["We agreed on sleepovers during the week, and I'd like to change that to weekends.",
                                       "How does that sound to you? Can we check in about it next month?"]),
    ],
)
def test_a_full_rehearsal_of_each_kind(live_stack, kind, activity, lines):
    sender = _sender()
    start = _setup(live_stack, sender, kind, activity)
    partner = [m for m in start if m.get("role") == "partner"]
    assert partner, start
    assert partner[0]["persona"]["name"] and partner[0]["persona"]["avatar"]
    for line in lines:
        reply = live_stack.say(sender, line)
        assert "partner" in _roles(reply) or "guide" in _roles(reply), reply
        assert "coach" in _roles(reply), "live tips are on by default"
        if any(m.get("role") == "coach" and m.get("type") == "debrief" for m in reply):
            return  # the scene reached its goal and debriefed by itself
    debrief = _finish(live_stack, sender)
    assert debrief["kind"] == kind
    assert debrief["scores"] and all(0 <= v <= 100 for v in debrief["scores"].values())


def test_a_coercive_ask_is_caught_live_and_shows_up_in_the_debrief(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "ask", "pegging", "anxious", "gentle")
    reply = live_stack.say(sender, "If you really loved me you would do it")
    tips = [m for m in reply if m.get("role") == "coach" and m.get("type") == "tip"]
    assert tips and tips[0]["focus"]["code"] == "guilt_trip"
    assert tips[0]["focus"]["suggestion"]
    debrief = _finish(live_stack, sender)
    assert "guilt_trip" in {c["code"] for c in debrief["concerns"]}


def test_red_stops_at_once_out_of_role_and_the_user_can_resume(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "ask", "toys")
    live_stack.say(sender, "I'd like to bring a toy into the bedroom sometime.")
    stopped = live_stack.say(sender, "red")
    assert _roles(stopped) == ["guide"] and stopped[0].get("type") == "stop"
    assert "partner" not in _roles(live_stack.say(sender, "/resume_practice"))
    assert "partner" in _roles(live_stack.say(sender, "What do you think?"))


def test_a_practice_no_stop_is_a_line_for_the_partner(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "refuse", "spanking")
    reply = live_stack.say(sender, "No. Stop. I said no.")
    assert "partner" in _roles(reply) or any(m.get("type") == "debrief" for m in reply)


def test_rewind_restores_the_partner_and_lets_the_user_retry(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "ask", "blindfold", "guarded", "realistic")
    live_stack.say(sender, "I'd like to try a blindfold with you sometime.")
    live_stack.say(sender, "you owe me this")
    rewound = live_stack.say(sender, "rewind")
    assert _roles(rewound) == ["guide"]
    debrief = _finish(live_stack, sender)
    assert "scorekeeping" not in {c["code"] for c in debrief["concerns"]}, "the rewound line is gone"


def test_yellow_slows_the_partner_down(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "refuse", "restraint", "curious", "challenging")
    reply = live_stack.say(sender, "yellow")
    assert _roles(reply)[0] == "guide" and "partner" in _roles(reply)


def test_one_message_start_for_homework_links(live_stack):
    sender = _sender()
    payload = "/start_rehearsal" + json.dumps(
        {"kind": "refuse", "activity": "blindfold", "persona": "playful", "difficulty": "gentle"})
    first = live_stack.say(sender, payload)
    assert any("18" in m["text"] for m in first), "the 18+ question still comes first"
    started = live_stack.say(sender, "/confirm_adult")
    assert "partner" in _roles(started), started


@pytest.mark.parametrize("bad", ["", "   ", "x" * 10_000, "🙂🙂🙂", "Ich möchte das wirklich nicht machen", "/nonsense{",
                                 '/choose{"persona": "dragon"}'])
def test_bad_input_mid_rehearsal_gets_a_friendly_answer_and_keeps_the_state(live_stack, bad):
    sender = _sender()
    _setup(live_stack, sender, "ask", "toys")
    reply = live_stack.say(sender, bad)
    assert reply, "always an answer"
    assert all(m.get("role") in {"guide", "coach", "partner"} for m in reply)
    assert not any("Traceback" in (m.get("text") or "") for m in reply)
    after = live_stack.say(sender, "I'd love to bring a toy into bed sometime, what do you think?")
    assert "partner" in _roles(after), "the rehearsal is still running"


def test_the_tracker_store_keeps_no_plaintext(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "ask", "blindfold")
    secret = "purple elephant umbrella sentence"
    live_stack.say(sender, f"I'd like to try a blindfold, {secret}")
    path = live_stack.database_url.removeprefix("sqlite:///")
    raw = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
    with sqlite3.connect(path) as db:
        rows = db.execute("select data from events where sender_id = ?", (sender,)).fetchall()
    assert rows, "the conversation is stored"
    assert secret.encode() not in raw
    assert all(secret not in (row[0] or "") for row in rows)


def _rows(stack, table: str, sender: str) -> int:
    path = stack.database_url.removeprefix("sqlite:///")
    column = {"events": "sender_id", "sessions": "id"}.get(table, "session_id")
    with sqlite3.connect(path) as db:
        return db.execute(f"select count(*) from {table} where {column} = ?", (sender,)).fetchone()[0]


def test_delete_my_data_removes_everything_of_the_session(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "ask", "toys")
    _finish(live_stack, sender, live_stack.say(sender, "I'd love to bring a toy into bed sometime, what do you think?"))
    assert _rows(live_stack, "attempts", sender) == 1
    before = _rows(live_stack, "events", sender)
    reply = live_stack.say(sender, "delete my data")
    assert reply[0]["role"] == "guide" and "deleted" in reply[0]["text"]
    assert _rows(live_stack, "attempts", sender) == 0
    assert _rows(live_stack, "sessions", sender) == 0
    # Only the confirmation turn itself remains, none of the conversation before it.
    assert _rows(live_stack, "events", sender) < 10 < before
    again = live_stack.say(sender, "download my history")
    assert "no saved practice" in again[0]["text"].lower()


def test_wording_is_kept_only_after_opt_in_and_the_history_can_be_downloaded(live_stack):
    sender = _sender()
    _setup(live_stack, sender, "refuse", "filming")
    _finish(live_stack, sender, live_stack.say(sender, "No, I don't want to be filmed."))
    export = live_stack.say(sender, "download my history")[0]
    assert export["type"] == "download" and export["export"]["attempts"][0]["kind"] == "refuse"
    assert not export["export"]["attempts"][0].get("wording")
    assert "keep your wording" in live_stack.say(sender, "keep my wording")[0]["text"]
    live_stack.say(sender, '/start_rehearsal{"kind": "refuse", "activity": "filming", "persona": "curious", "difficulty": "gentle"}')
    _finish(live_stack, sender, live_stack.say(sender, "No thank you, that is not for me."))
    attempts = live_stack.say(sender, "download my history")[0]["export"]["attempts"]
    assert any("No thank you, that is not for me." in (a.get("wording") or []) for a in attempts)


def test_the_privacy_api_exports_and_deletes_a_session(live_stack):
    import httpx

    sender = _sender()
    _setup(live_stack, sender, "ask", "toys")
    _finish(live_stack, sender, live_stack.say(sender, "I'd love to bring a toy into bed sometime, what do you think?"))
    exported = httpx.get(f"{live_stack.web_url}/api/sessions/{sender}/export", timeout=30)
    assert exported.status_code == 200 and exported.json()["attempts"][0]["kind"] == "ask"
    assert "attachment" in exported.headers["content-disposition"]
    deleted = httpx.delete(f"{live_stack.web_url}/api/sessions/{sender}", timeout=30)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert _rows(live_stack, "attempts", sender) == 0 and _rows(live_stack, "events", sender) == 0
    assert httpx.get(f"{live_stack.web_url}/api/sessions/{sender}/export", timeout=30).json()["attempts"] == []
    assert httpx.delete(f"{live_stack.web_url}/api/sessions/..%2F..", timeout=30).status_code in {400, 404}
    assert httpx.delete(f"{live_stack.web_url}/api/sessions/x", timeout=30).status_code == 400
