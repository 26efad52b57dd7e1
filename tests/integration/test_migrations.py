"""The Alembic migrations: they build the schema on every backend and can be walked back and forth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from coalition.infra.db import alembic_config, downgrade, upgrade
from events import EventStore, NewEvent, create_engine
from events.hashing import FORMATS, event_hash
from tests.conftest import make_registry

TABLES = {
    "events",
    "log_format",
    "idempotency_keys",
    "projection_checkpoints",
    "stream_heads",
    "users",
    "api_tokens",
    "password_resets",
    "user_sessions",
    "organisation_claims",
    "email_links",
    "invitations",
    "command_answers",
    "organisations",
    "organisation_people",
    "coalition_agreements",
    "coalition_memberships",
    "coalition_roles",
    "coalition_commitments",
    "coalition_tasks",
    "coalition_open_work",
    "coalition_log",
    "coalition_activity",
    "coalition_member_counts",
    "objective_progress",
    "statements",
    "statement_translations",
    "statement_versions",
    "statement_signatures",
    "statement_endorsements",
    "statement_tallies",
    "statement_tally_keys",
    "outbox",
    "notification_preferences",
    "notification_digest_hours",
    "webhooks",
    "webhook_deliveries",
    "alembic_version",
}


#: The newest revision, as the migrations folder declares it.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_newest_revision_is_numbered_after_every_other() -> None:
    numbers = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    assert HEAD == max(numbers)


def table_names(engine: sa.Engine) -> set[str]:
    """The tables the database holds now."""
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_creates_every_table_and_records_the_revision(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        assert TABLES <= table_names(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert table_names(engine) & TABLES <= {"alembic_version"}
        upgrade(engine)
        assert TABLES <= table_names(engine)
    finally:
        engine.dispose()


def test_upgrading_a_current_database_changes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO projection_checkpoints (name, position) VALUES ('x', 7)"))
        upgrade(engine)
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT position FROM projection_checkpoints WHERE name = 'x'"))
            assert found.scalar_one() == 7
    finally:
        engine.dispose()


def test_0006_fills_who_each_projected_statement_was_drafted_for_from_the_audit_log(database_url: str) -> None:
    engine = create_engine(database_url)
    statement = (
        "INSERT INTO statements (statement_id, coalition_id, language, title, body, state, version, drafted_by,"
        " drafted_at, changed_at, from_position, until_position)"
        " VALUES (:id, 'c1', 'en', 't', 'b', 'draft', 0, 'u1', 'then', 'then', :start, :until)"
    )
    logged = (
        "INSERT INTO coalition_log (position, coalition_id, type, subject_organisation_id, recorded_at)"
        " VALUES (:position, 'c1', 'StatementDrafted', :subject, 'then')"
    )
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(sa.text(logged), [{"position": 3, "subject": "o1"}, {"position": 4, "subject": "None"}])
            connection.execute(
                sa.text(statement),
                [
                    {"id": "s1", "start": 3, "until": 5},  # drafted for o1, then revised at 5
                    {"id": "s1", "start": 5, "until": None},
                    {"id": "s2", "start": 4, "until": None},  # a facilitator's draft, naming no one
                ],
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT statement_id, from_position, drafted_for FROM statements ORDER BY 1, 2")
            ).all()
        assert [tuple(r) for r in rows] == [("s1", 3, "o1"), ("s1", 5, "o1"), ("s2", 4, None)]
    finally:
        engine.dispose()


def test_0007_starts_the_notification_reactor_at_the_head_of_an_existing_log(database_url: str) -> None:
    """Upgrading a running platform must not mail everyone about everything that ever happened."""
    engine = create_engine(database_url)
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            for position in (1, 2, 3):
                connection.execute(
                    sa.text(
                        "INSERT INTO events (position, stream_id, version, type, schema_version, payload,"
                        " metadata, recorded_at, hash)"
                        " VALUES (:p, 's', :p, 'T', 1, '{}', '{}', '2026-01-01T00:00:00.000000Z', 'y')"
                    ),
                    {"p": position},
                )
        upgrade(engine)
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT position FROM projection_checkpoints WHERE name = 'notify'"))
            assert found.scalar_one() == 3
    finally:
        engine.dispose()


def test_0011_records_format_1_for_a_log_that_held_events_and_it_still_verifies(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine, "0010")
        payload, metadata, at = '{"name":"a","tags":[12000.0]}', "{}", "2026-01-01T00:00:00.000000Z"
        hashed = event_hash(FORMATS[1].genesis, 1, "thing-1", 1, "ThingCreated", 1, payload, metadata, at)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO events (position, stream_id, version, type, schema_version, payload, metadata,"
                    " recorded_at, hash) VALUES (1, 'thing-1', 1, 'ThingCreated', 1, :p, :m, :at, :h)"
                ),
                {"p": payload, "m": metadata, "at": at, "h": hashed},
            )
        upgrade(engine)
        report = EventStore(engine, make_registry()).verify()
        assert (report.ok, report.count, report.head_hash, report.log_format) == (True, 1, hashed, 1)
    finally:
        engine.dispose()


def test_0011_starts_an_empty_log_in_format_2_and_keeps_a_format_2_log_from_going_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        store = EventStore(engine, make_registry())
        assert store.log_format().number == 2
        downgrade(engine, "0010")  # nothing written yet: nothing to lose
        upgrade(engine)
        store.append([NewEvent("thing-1", "ThingCreated", {"name": "a"})])
        with pytest.raises(RuntimeError, match="chain format 2"):
            downgrade(engine, "0010")
        assert store.verify().ok
    finally:
        engine.dispose()


def test_0014_gives_tokens_made_before_it_90_days_from_the_upgrade_and_goes_back(database_url: str) -> None:
    """Tokens never expired before 0014: each now does, the default lifetime after the upgrade."""
    engine = create_engine(database_url)
    try:
        upgrade(engine, "0012")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (user_id, email, name, password_hash, created_at)"
                    " VALUES ('u1', 'a@example.org', 'A', 'x', '2026-01-01T00:00:00.000000Z')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO api_tokens (token_id, user_id, token_hash, created_at)"
                    " VALUES ('t1', 'u1', 'h', '2026-01-01T00:00:00.000000Z')"
                )
            )
        before = datetime.now(UTC)
        upgrade(engine, "0014")
        with engine.connect() as connection:
            expires, used = connection.execute(sa.text("SELECT expires_at, last_used_at FROM api_tokens")).one()
            closed = connection.execute(sa.text("SELECT closed_at FROM users")).scalar_one()
        assert before + timedelta(days=90) <= datetime.fromisoformat(expires) <= datetime.now(UTC) + timedelta(days=90)
        assert used is None and closed is None and "user_sessions" in table_names(engine)
        downgrade(engine, "0012")
        assert "user_sessions" not in table_names(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT token_id FROM api_tokens")).scalar_one() == "t1"
    finally:
        engine.dispose()


def test_0015_claims_the_names_of_existing_organisations_and_keeps_colliding_ones(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Organisations recorded before names were unique keep their names; the first recorded holds the claim."""
    engine = create_engine(database_url)
    profile = (
        "INSERT INTO organisations (organisation_id, name, country, sector, mission, created_at, position)"
        " VALUES (:id, :name, :country, 'ngo', 'm', '2026-01-01T00:00:00.000000Z', :position)"
    )
    try:
        upgrade(engine, "0012")
        with engine.begin() as connection:
            connection.execute(
                sa.text(profile),
                [
                    {"id": "first", "name": "Asociația Râuri Curate", "country": "RO", "position": 1},
                    {"id": "twin", "name": "ASOCIATIA RAURI CURATE", "country": "RO", "position": 2},
                    {"id": "abroad", "name": "Asociatia Rauri Curate", "country": "MD", "position": 3},
                ],
            )
        with caplog.at_level("WARNING", logger="coalition.infra.claims"):
            upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT kind, country, organisation_id FROM organisation_claims ORDER BY country")
            ).all()
            names = connection.execute(sa.text("SELECT name FROM organisations ORDER BY position")).scalars().all()
        assert [tuple(r) for r in rows] == [("name", "MD", "abroad"), ("name", "RO", "first")]
        assert names == ["Asociația Râuri Curate", "ASOCIATIA RAURI CURATE", "Asociatia Rauri Curate"]
        assert any("twin" in r.getMessage() and "first" in r.getMessage() for r in caplog.records)
        downgrade(engine, "0012")
        assert "organisation_claims" not in table_names(engine)
    finally:
        engine.dispose()


def test_0022_fills_each_members_open_work_from_the_rows_as_they_are(database_url: str) -> None:
    """Open: no `closed_on`, in the rows true now; a closed row, an old version or a fulfilled one counts nothing."""
    engine = create_engine(database_url)
    commitment = (
        "INSERT INTO coalition_commitments (coalition_id, commitment_id, organisation_id, kind, description, due_on,"
        " state, closed_on, pledged_position, from_position, until_position)"
        " VALUES ('c1', :id, :org, 'funding', 'd', :due, :state, :closed, 1, :start, :until)"
    )
    task = (
        "INSERT INTO coalition_tasks (coalition_id, task_id, title, description, organisation_id, due_on, state,"
        " closed_on, created_position, from_position, until_position)"
        " VALUES ('c1', :id, 't', 'd', :org, :due, :state, :closed, 1, :start, :until)"
    )
    try:
        upgrade(engine, "0021")
        with engine.begin() as connection:
            connection.execute(
                sa.text(commitment),
                [
                    {
                        "id": "k1",
                        "org": "o1",
                        "due": "2027-03-31",
                        "state": "pledged",
                        "closed": None,
                        "start": 1,
                        "until": 4,
                    },  # an old version: rescheduled at 4
                    {
                        "id": "k1",
                        "org": "o1",
                        "due": "2027-05-31",
                        "state": "pledged",
                        "closed": None,
                        "start": 4,
                        "until": None,
                    },
                    {
                        "id": "k2",
                        "org": "o2",
                        "due": "2027-01-31",
                        "state": "fulfilled",
                        "closed": "2027-01-20",
                        "start": 5,
                        "until": None,
                    },
                ],
            )
            connection.execute(
                sa.text(task),
                [
                    {
                        "id": "t1",
                        "org": "o1",
                        "due": "2027-04-30",
                        "state": "accepted",
                        "closed": None,
                        "start": 2,
                        "until": None,
                    },
                    {
                        "id": "t2",
                        "org": "o2",
                        "due": "2027-02-28",
                        "state": "open",
                        "closed": None,
                        "start": 3,
                        "until": None,
                    },
                ],
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT organisation_id, items, earliest_due_on FROM coalition_open_work ORDER BY 1")
            ).all()
        assert [(o, n, str(d)) for o, n, d in rows] == [("o1", 2, "2027-04-30"), ("o2", 1, "2027-02-28")]
        downgrade(engine, "0021")
        assert "coalition_open_work" not in table_names(engine)
    finally:
        engine.dispose()


def test_0023_tallies_the_signatures_an_existing_platform_holds_and_starts_at_the_statements_checkpoint(
    database_url: str,
) -> None:
    """Reads after the upgrade find the tallies filled, not empty until the next event."""
    engine = create_engine(database_url)
    signature = (
        "INSERT INTO statement_signatures (statement_id, organisation_id, coalition_id, user_id, signer_name,"
        " signer_title, version_hash, status, signed_at, first_signed_at, event_position, event_hash,"
        " from_position, until_position) VALUES ('s1', :o, 'c1', 'u', 'n', 't', :v, :status, 'x', 'x', :p, 'h', :p, :u)"
    )
    member = (
        "INSERT INTO coalition_memberships (coalition_id, organisation_id, state, since, from_position, until_position)"
        " VALUES ('c1', :o, :state, 'x', 1, NULL)"
    )
    try:
        upgrade(engine, "0021")
        with engine.begin() as connection:
            for o, v, status, p, u in (
                ("o1", "v1", "signed", 5, None),
                ("o2", "v1", "signed", 6, 8),  # replaced at 8: not counted twice
                ("o2", "v1", "withdrawn", 8, None),
                ("o3", "v0", "signed", 7, None),
            ):
                connection.execute(sa.text(signature), {"o": o, "v": v, "status": status, "p": p, "u": u})
            for o, state in (("o1", "active"), ("o2", "active"), ("o3", "suspended")):
                connection.execute(sa.text(member), {"o": o, "state": state})
            connection.execute(sa.text("INSERT INTO projection_checkpoints (name, position) VALUES ('statements', 8)"))
        upgrade(engine)
        with engine.connect() as connection:
            tallies = connection.execute(
                sa.text(
                    "SELECT version_hash, withdrawn, member_state, country, signatures FROM statement_tallies"
                    " ORDER BY 1, 2"
                )
            ).all()
            checkpoint = connection.execute(
                sa.text("SELECT position FROM projection_checkpoints WHERE name = 'signature_tallies'")
            ).scalar_one()
        assert [(v, bool(w), s, c, n) for v, w, s, c, n in tallies] == [
            ("v0", False, "suspended", "", 1),
            ("v1", False, "active", "", 1),
            ("v1", True, "active", "", 1),
        ]
        assert checkpoint == 8
    finally:
        engine.dispose()


def test_0025_counts_each_coalitions_events_by_day_and_type_from_the_audit_log_it_holds(database_url: str) -> None:
    """The activity chart after the upgrade shows the history the platform already had, not only what follows, and
    the counts' own checkpoint starts where the audit log's stood."""
    engine = create_engine(database_url)
    entry = "INSERT INTO coalition_log (position, coalition_id, type, recorded_at) VALUES (:p, :c, :t, :at)"
    try:
        upgrade(engine, "0024")
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO projection_checkpoints (name, position) VALUES ('audit', 5)"))
            for p, c, t, at in (
                (1, "c1", "CoalitionFounded", "2026-11-30T23:59:59.999999Z"),
                (2, "c1", "MembershipRequested", "2026-12-01T00:00:00.000000Z"),
                (3, "c1", "MembershipRequested", "2026-12-01T17:00:00.000000Z"),
                (4, "c2", "MembershipRequested", "2026-12-01T17:00:01.000000Z"),
                (5, "c1", "MembershipApproved", "2026-12-01T18:00:00.000000Z"),
            ):
                connection.execute(sa.text(entry), {"p": p, "c": c, "t": t, "at": at})
        upgrade(engine)
        with engine.connect() as connection:
            counted = connection.execute(
                sa.text("SELECT coalition_id, day, type, events FROM coalition_activity ORDER BY 1, 2, 3")
            ).all()
            checkpoint = connection.execute(
                sa.text("SELECT position FROM projection_checkpoints WHERE name = 'activity'")
            ).scalar_one()
        assert checkpoint == 5  # counted up to where the audit log was: what follows is the projection's to count
        assert [tuple(row) for row in counted] == [
            ("c1", "2026-11-30", "CoalitionFounded", 1),
            ("c1", "2026-12-01", "MembershipApproved", 1),
            ("c1", "2026-12-01", "MembershipRequested", 2),
            ("c2", "2026-12-01", "MembershipRequested", 1),
        ]
        downgrade(engine, "0024")
        assert "coalition_activity" not in table_names(engine)
        with engine.connect() as connection:
            names = connection.execute(sa.text("SELECT name FROM projection_checkpoints")).scalars().all()
        assert "activity" not in names and "audit" in names
    finally:
        engine.dispose()


def test_0026_counts_each_coalitions_members_by_state_and_starts_at_the_coalitions_checkpoint(
    database_url: str,
) -> None:
    """The members counted after the upgrade are the memberships the platform holds now (a row per state, the
    closed rows of the past not counted), and the counts' own checkpoint starts where the coalitions' stood."""
    engine = create_engine(database_url)
    row = (
        "INSERT INTO coalition_memberships (coalition_id, organisation_id, state, since, from_position, until_position)"
        " VALUES (:c, :o, :s, '2026-12-01T00:00:00.000000Z', :f, :u)"
    )
    try:
        upgrade(engine, "0025")
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO projection_checkpoints (name, position) VALUES ('coalitions', 9)"))
            for c, o, s, f, u in (
                ("c1", "o1", "active", 1, None),
                ("c1", "o2", "requested", 2, 3),  # asked, then approved: counted once, as active
                ("c1", "o2", "active", 3, None),
                ("c1", "o3", "suspended", 4, None),
                ("c2", "o1", "requested", 5, None),
                ("c2", "o4", "left", 6, None),
            ):
                connection.execute(sa.text(row), {"c": c, "o": o, "s": s, "f": f, "u": u})
        upgrade(engine)
        with engine.connect() as connection:
            counted = connection.execute(
                sa.text("SELECT coalition_id, state, members FROM coalition_member_counts ORDER BY 1, 2")
            ).all()
            checkpoint = connection.execute(
                sa.text("SELECT position FROM projection_checkpoints WHERE name = 'member_counts'")
            ).scalar_one()
        assert checkpoint == 9
        assert [tuple(r) for r in counted] == [
            ("c1", "active", 2),
            ("c1", "suspended", 1),
            ("c2", "left", 1),
            ("c2", "requested", 1),
        ]
        downgrade(engine, "0025")
        assert "coalition_member_counts" not in table_names(engine)
        with engine.connect() as connection:
            names = connection.execute(sa.text("SELECT name FROM projection_checkpoints")).scalars().all()
        assert "member_counts" not in names and "coalitions" in names
    finally:
        engine.dispose()


def test_0026_leaves_a_new_database_to_the_runner(database_url: str) -> None:
    """Without a coalitions checkpoint (nothing projected yet) the counts stay empty and have no checkpoint: the
    runner fills them from the log, from the start."""
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM coalition_member_counts")).scalar_one() == 0
            names = connection.execute(sa.text("SELECT name FROM projection_checkpoints")).scalars().all()
        assert "member_counts" not in names
    finally:
        engine.dispose()


def test_0027_gives_postgresql_an_index_of_the_current_memberships_by_state_and_goes_back(database_url: str) -> None:
    engine = create_engine(database_url)

    def indexes() -> dict[str, list[str | None]]:
        return {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("coalition_memberships")}

    try:
        upgrade(engine)
        postgresql = engine.dialect.name == "postgresql"
        assert (indexes().get("ix_coalition_memberships_current") == ["coalition_id", "state"]) is postgresql
        if postgresql:
            with engine.connect() as connection:
                definition = connection.execute(
                    sa.text(
                        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                        " AND indexname = 'ix_coalition_memberships_current'"
                    )
                ).scalar_one()
            assert definition.endswith("WHERE (until_position IS NULL)"), definition
        downgrade(engine, "0026")
        assert "ix_coalition_memberships_current" not in indexes()
        upgrade(engine)
    finally:
        engine.dispose()
