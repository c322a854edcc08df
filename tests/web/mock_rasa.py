"""A stand-in for Rasa's socket.io channel, for fast widget tests without training a model.

It speaks the same protocol as Rasa 3.6's ``SocketIOInput`` with ``session_persistence: true``:
the client emits ``session_request {session_id}``, the server joins the socket to the room named
after the session and answers ``session_confirm <id>``; ``user_uttered {message, session_id,
metadata}`` gets one ``bot_uttered`` per bot message, emitted to the session's room (so a
reconnected socket only hears answers after it asked for its session again).

Replies are scripted per payload and shaped exactly like the project's custom payloads
(docs/architecture.md). Some are sent wrapped as ``{"data": {...}}`` on purpose, since the
widget must accept both. The server runs on its own event loop in a thread so synchronous
Playwright tests can drive it, drop connections, and restart it on the same port.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import socketio
from aiohttp import web

PERSONA = {"id": "curious", "name": "Sam", "avatar": "\U0001F642"}
SUGGESTION = "I'd love to try it with you \u2014 how do you feel about it?"

Reply = dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def guide(text: str, buttons: list[tuple[str, str]] | None = None) -> Reply:
    msg: Reply = {"role": "guide", "text": text}
    if buttons:
        msg["buttons"] = [{"title": t, "payload": p} for t, p in buttons]
    return msg


def partner(text: str) -> Reply:
    return {"role": "partner", "text": text, "persona": dict(PERSONA)}


def coach_tip(user_text: str) -> Reply:
    """A tip about the first clause of what the user said (offsets in code points, like Python)."""
    end = user_text.find(",")
    end = len(user_text) if end <= 0 else end
    focus = {
        "code": "guilt_trip", "polarity": "concern", "start": 0, "end": end,
        "explanation": "Tying the request to love can make a no feel like a betrayal.",
        "suggestion": SUGGESTION,
    }
    strength = {
        "code": "specific", "polarity": "strength", "start": 0, "end": min(3, len(user_text)),
        "explanation": "You named what you want.", "suggestion": None,
    }
    return {
        "role": "coach", "type": "tip", "text": "One thing to look at in that line.",
        "user_text": user_text, "focus": focus, "strength": strength, "findings": [focus, strength],
    }


def debrief(comparison: dict[str, int] | None) -> Reply:
    return {
        "role": "coach", "type": "debrief",
        "text": "Nice work staying with it.\n\nHere is how that rehearsal went.",
        "debrief": {
            "kind": "ask",
            "scores": {"clarity": 80, "ownership": 65, "openness": 70, "free_of_pressure": 40},
            "strengths": [{"code": "specific", "quote": "I'd like to try a blindfold",
                           "explanation": "You named what you want."}],
            "concerns": [{"code": "guilt_trip", "quote": "If you loved me you'd try it",
                          "explanation": "Love used as leverage makes no hard to say.",
                          "suggestion": SUGGESTION}],
            "partner_pressure": [{"id": "ask_again", "name": "Asking again",
                                  "description": "Sam asked once more after your no."}],
            "comparison": comparison,
        },
        "buttons": [{"title": "Practise again", "payload": "/restart_rehearsal"},
                    {"title": "Something else", "payload": "/choose_kind"}],
    }


def safety_referral() -> Reply:
    return {
        "role": "safety", "type": "disclosure", "category": "abuse",
        "text": "I'm stepping out of the practice for a moment.\n\nWhat you describe sounds serious.",
        "resources": [
            {"name": "Support Line", "description": "Free, confidential, 24/7.",
             "phone": "+1 800 799 7233", "url": "https://example.org/support", "region": "US"},
            {"name": "Chat service", "description": "Talk by text.", "url": "https://example.org/chat",
             "region": "international"},
        ],
        "buttons": [{"title": "Back to the menu", "payload": "/greet"}],
    }


@dataclass
class Session:
    turns: int = 0
    debriefs: int = 0
    lines: list[str] = field(default_factory=list)


class MockRasa:
    """Scripted Rasa socket.io server on 127.0.0.1 in a background thread."""

    def __init__(self, reply_delay: float = 0.05) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.reply_delay = self.default_delay = reply_delay
        self.received: list[tuple[str, Any]] = []
        self.sessions: dict[str, Session] = {}
        self.overrides: dict[str, Callable[[str, Session], list[Reply]]] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._runner: web.AppRunner | None = None
        self._sio: socketio.AsyncServer | None = None

    # ---- lifecycle (called from the test thread)

    def _call(self, coro, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> "MockRasa":
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self._call(self._cancel_leftovers())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.sessions.clear()
            self.overrides.clear()
        self.reply_delay = self.default_delay

    def drop_all(self) -> int:
        """Disconnect every client from the server side (like a server restart or timeout)."""
        return self._call(self._drop_all())

    # ---- observations

    def events(self, name: str) -> list[Any]:
        with self._lock:
            return [data for event, data in self.received if event == name]

    def messages(self) -> list[str]:
        return [d.get("message") for d in self.events("user_uttered") if isinstance(d, dict)]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError("mock Rasa: condition not met in time; received=%r" % self.received)

    # ---- the server

    async def _start(self) -> None:
        sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        app = web.Application()
        sio.attach(app, socketio_path="socket.io")
        sio.on("session_request", self._on_session_request)
        sio.on("user_uttered", self._on_user_uttered)
        self._sio = sio
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._sio = None

    async def _cancel_leftovers(self) -> None:
        """engine.io leaves ping and service tasks behind; end them before the loop stops."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _drop_all(self) -> int:
        sio = self._sio
        if sio is None:
            return 0
        sids = [sid for sid, _ in sio.manager.get_participants("/", None)]
        for sid in sids:
            await sio.disconnect(sid)
        return len(sids)

    async def _on_session_request(self, sid: str, data: Any) -> None:
        with self._lock:
            self.received.append(("session_request", data))
        if not isinstance(data, dict):
            data = {}
        session_id = data.get("session_id") or uuid.uuid4().hex
        await self._sio.enter_room(sid, session_id)
        await self._sio.emit("session_confirm", session_id, room=sid)

    async def _on_user_uttered(self, sid: str, data: Any) -> None:
        with self._lock:
            self.received.append(("user_uttered", data))
        if not isinstance(data, dict) or not data.get("session_id"):
            return  # Rasa ignores messages without a session id when persistence is on
        session_id = str(data["session_id"])
        message = str(data.get("message", ""))
        with self._lock:
            session = self.sessions.setdefault(session_id, Session())
        for reply in self.replies(message, session):
            await asyncio.sleep(self.reply_delay)
            await self._sio.emit("bot_uttered", reply, room=session_id)

    # ---- the script

    def replies(self, message: str, session: Session) -> list[Reply]:
        for prefix, handler in self.overrides.items():
            if message.startswith(prefix):
                return handler(message, session)
        if message == "/greet":
            return [{"data": guide(
                "Welcome. This is a practice space, not therapy.\n\nAre you 18 or older?",
                [("I'm 18 or older", "/confirm_adult"), ("I'm under 18", "/deny_adult")])}]
        if message == "/confirm_adult":
            return [guide("What would you like to practise?", [
                ("Ask for something", '/choose_kind{"kind":"ask"}'),
                ("Say no to something", '/choose_kind{"kind":"refuse"}'),
                ("Change a limit", '/choose_kind{"kind":"renegotiate"}')])]
        if message.startswith("/choose_kind"):
            return [guide("Which activity?", [("A blindfold", '/choose_activity{"activity":"blindfold"}')])]
        if message.startswith("/start_rehearsal") or message.startswith("/choose_activity"):
            session.turns = 0
            scenario = message.partition("{")[2]
            try:
                slots = json.loads("{" + scenario) if scenario else {}
            except ValueError:
                slots = {}
            kind = slots.get("kind", "ask")
            return [guide(f"Let's begin ({kind}). Say red or press Stop at any time."),
                    partner("Hey, can I ask you something?")]
        if message == "/slow_down":
            return [partner("Okay, let's slow down. How are you feeling right now?")]
        if message == "/stop_roleplay":
            return [guide("We've stopped. Nothing more will happen in the role-play.",
                          [("Back to the menu", "/greet")])]
        if message == "/rewind":
            session.turns = max(0, session.turns - 1)
            return [guide("Rewound your last line. Try it again whenever you're ready.")]
        if message == "/help":
            return [guide("Type what you'd say to your partner. Pause slows down, Stop ends the role-play.")]
        if message == "/end_rehearsal":
            session.debriefs += 1
            comparison = None if session.debriefs == 1 else {
                "clarity": 10, "ownership": -5, "openness": 0, "free_of_pressure": 15}
            return [{"data": debrief(comparison)}]
        if message == "/download_history":
            return [{"role": "guide", "type": "download", "text": "Here is your practice history as a file.",
                     "filename": "practice-history-0b8f3e12.json",
                     "export": {"attempts": [{"kind": "ask", "scores": {"clarity": 80}}]}}]
        if message.startswith("/"):
            return [guide("Okay.")]
        if "[safety]" in message:
            return [{"data": safety_referral()}]
        session.turns += 1
        session.lines.append(message)
        return [partner(f"Hm, let me think about that. (turn {session.turns})"), coach_tip(message)]
