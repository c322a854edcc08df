"""Alembic: first schema -> latest (0001 -> 0002 -> 0003) keeps every row; upgrade is idempotent."""
from __future__ import annotations

import sqlalchemy as sa

from bot.storage import Store, current_revision, head_revision, upgrade_database
from bot.storage.migrate import downgrade_database


def test_migration_from_first_schema_to_latest_keeps_rows(db_url, key):
    assert current_revision(db_url) is None
    assert upgrade_database(db_url, revision="0001_initial") == "0001_initial"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("attempts")}
        assert "shared_with_therapist" not in cols
        conn.execute(sa.text(
            "INSERT INTO sessions (id, created_at, last_seen_at, keep_wording, region) "
            "VALUES ('old-user', '2030-01-01 10:00:00', '2030-01-02 10:00:00', :kw, 'DE')"), {"kw": False})
        for i in range(3):
            conn.execute(sa.text(
                "INSERT INTO attempts (session_id, kind, activity_id, started_at, scores, findings) "
                "VALUES ('old-user', 'refuse', 'rope', :t, :s, :f)"),
                {"t": f"2030-01-0{i + 1} 12:00:00", "s": f'{{"clarity": {i}}}',
                 "f": '[{"code": "clear_no", "polarity": "strength", "start": 0, "end": 2, "turn": 1}]'})
        conn.execute(sa.text(
            "INSERT INTO consent_events (session_id, choice, at) VALUES ('old-user', 'adult_confirmed', '2030-01-01 10:00:00')"))
    engine.dispose()

    assert upgrade_database(db_url) == head_revision() == "0003_erasures"
    store = Store(url=db_url, key=key)
    export = store.export_session("old-user")
    assert export["session"]["region"] == "DE" and export["session"]["summary_shared_at"] is None
    assert [a["scores"]["clarity"] for a in export["attempts"]] == [0, 1, 2]
    assert all(a["shared_with_therapist"] is False for a in export["attempts"])
    assert export["attempts"][0]["findings"][0]["code"] == "clear_no"
    assert export["consent_events"] == [{"choice": "adult_confirmed", "at": "2030-01-01T10:00:00+00:00"}]
    store.record_attempt("old-user", {"kind": "refuse"}, None)  # new rows still insert after upgrade
    assert len(store.export_session("old-user")["attempts"]) == 4
    store.close()


def test_upgrade_is_idempotent_and_reports_head(db_url):
    first = upgrade_database(db_url)
    assert upgrade_database(db_url) == first == current_revision(db_url) == head_revision()
    engine = sa.create_engine(db_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"sessions", "attempts", "consent_events", "rehearse_schema_version"} <= tables


def test_downgrade_to_first_schema_and_back(db_url, key):
    store = Store(url=db_url, key=key)
    store.record_attempt("s", {"kind": "ask"}, None)
    store.close()
    assert upgrade_database(db_url) == "0003_erasures"
    assert downgrade_database("0001_initial", db_url) == "0001_initial"
    assert current_revision(db_url) == "0001_initial"
    assert upgrade_database(db_url) == "0003_erasures"
    store = Store(url=db_url, key=key)
    assert len(store.export_session("s")["attempts"]) == 1
    store.close()
