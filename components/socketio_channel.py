"""Rasa's socket.io channel, with session persistence that works on python-socketio 5.10+.

Rasa 3.6 calls ``sio.enter_room(...)`` without awaiting it (rasa#13027). With the
python-socketio that Rasa's own pins resolve to today, that coroutine never runs: the browser
never joins its session's room, and with ``session_persistence: true`` no answer ever reaches
the page. This subclass re-registers ``session_request`` and awaits the call; everything else
(events, options, metadata) is Rasa's channel unchanged.
"""
from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


class SocketIOWithRooms(SocketIOInput):
    """Configured in credentials.yml exactly like Rasa's ``socketio`` channel."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid)

        return socketio_webhook
