"""``rehearse purge`` and ``rehearse db``: the storage commands of the console script.

Errors about the database, key or settings print one clear line and exit 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from bot.storage.errors import StorageError


def _fail(error: Exception) -> int:
    print(f"rehearse: {error}", file=sys.stderr)
    return 2


def purge_main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rehearse purge",
        description="Delete sessions, attempts and tracker events older than the retention "
        "period (REHEARSE_RETENTION_DAYS, default 30) from DATABASE_URL.",
    )
    parser.add_argument("--days", type=int, help="override the retention period for this run")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    try:
        args = parser.parse_args(argv or [])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.days is not None and args.days < 1:
        return _fail(ValueError("--days must be at least 1"))
    try:
        from bot.storage.repository import Store
        from bot.storage.settings import Settings

        settings = Settings.from_env()
        store = Store(settings=settings, retention_days=args.days)
        try:
            counts = store.purge_expired()
        finally:
            store.close()
    except StorageError as error:
        return _fail(error)
    if args.json:
        print(json.dumps(counts, sort_keys=True))
    else:
        days = args.days or settings.retention_days
        print(f"Purged data older than {days} days:")
        for name in ("sessions", "attempts", "consent_events", "tracker_events"):
            print(f"  {name}: {counts[name]}")
    return 0


def db_main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rehearse db", description="Manage the database schema at DATABASE_URL."
    )
    sub = parser.add_subparsers(dest="action")
    up = sub.add_parser("upgrade", help="apply migrations (default: to the newest)")
    up.add_argument("revision", nargs="?", default="head")
    sub.add_parser("current", help="print the revision the database is at")
    sub.add_parser("heads", help="print the newest revision this code knows")
    try:
        args = parser.parse_args(argv or [])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.action is None:
        parser.print_help()
        return 2
    from bot.storage.engine import safe_url
    from bot.storage.migrate import current_revision, head_revision, upgrade_database
    from bot.storage.settings import Settings

    try:
        url = Settings.from_env().database_url
        if args.action == "heads":
            print(head_revision())
        elif args.action == "current":
            print(current_revision(url) or "(empty database: run `rehearse db upgrade`)")
        else:
            revision = upgrade_database(url, revision=args.revision)
            print(f"{safe_url(url)} is at revision {revision}")
    except StorageError as error:
        return _fail(error)
    except Exception as error:  # alembic: unknown revision and the like
        if type(error).__module__.startswith("alembic"):
            return _fail(error)
        raise
    return 0
