"""The user's own data over HTTP: export it, or delete everything of a session at once.

The session id is the widget's random socket.io session id, which only that browser knows;
it is the key to the data, so it is never logged. Storage errors become a clear 503.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from sanic import Blueprint, response
from sanic.request import Request

logger = logging.getLogger(__name__)

blueprint = Blueprint("privacy_api", url_prefix="/api/sessions")

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


@lru_cache(maxsize=1)
def _store():
    from bot.storage import Store

    return Store.from_settings()


def _bad_id():
    return response.json({"error": "unknown or malformed session id"}, status=400)


def _unavailable(error: Exception):
    logger.error("Storage unavailable: %s", error)
    return response.json({"error": "storage is unavailable right now; nothing was changed"}, status=503)


@blueprint.get("/<session_id>/export")
async def export(_request: Request, session_id: str):
    if not _SESSION_ID.match(session_id):
        return _bad_id()
    try:
        data = _store().export_session(session_id)
    except Exception as error:  # noqa: BLE001 - any storage failure is a 503, never a trace
        return _unavailable(error)
    return response.json(
        data,
        headers={"Content-Disposition": f'attachment; filename="practice-history-{session_id[:8]}.json"',
                 "Cache-Control": "no-store"},
    )


@blueprint.delete("/<session_id>")
async def delete(_request: Request, session_id: str):
    if not _SESSION_ID.match(session_id):
        return _bad_id()
    try:
        counts = _store().delete_session(session_id)
    except Exception as error:  # noqa: BLE001
        return _unavailable(error)
    return response.json({"deleted": True, "counts": counts}, headers={"Cache-Control": "no-store"})
