"""The actions' door to bot.storage: one Store per process, and practice never breaks on it.

If the database is down, the rehearsal still works; the failure is logged with the setting to
fix, and the user is not shown a stack trace.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def store():
    from bot.storage import Store

    return Store.from_settings()


def call(method: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """Run ``Store.<method>``; on a storage failure log it and return ``default``."""
    try:
        return getattr(store(), method)(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - storage must never break a rehearsal
        logger.error("Storage call %s failed: %s", method, error)
        return default


def retention_days(default: int = 30) -> int:
    """How long data is kept, for telling the user."""
    try:
        return store().retention_days
    except Exception as error:  # noqa: BLE001
        logger.error("Storage unavailable: %s", error)
        return default
