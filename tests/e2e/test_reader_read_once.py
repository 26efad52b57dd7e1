"""What the signed-in person holds (the organisations they act for, sign for and administer) is read once per page,
not once per rule that asks it; and never answered from before a command the same request ran."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from flask import g
from sqlalchemy import event

from coalition.infra.extensions import committing
from coalition.web.pages import actor, held
from tests.e2e.conftest import services
from tests.e2e.pages import signed_in
from tests.e2e.test_pages_statements import open_statement
from tests.e2e.world import World


def reads_of_people(world: World, path: str, person: str, needle: str = "FROM organisation_people") -> int:
    """How many statements the page at `path` sends that hold `needle` (by default: that read organisations'
    people, `organisation_people`)."""
    client = signed_in(world, person)
    client.get(path)  # warm: the session, the caches
    seen: list[str] = []
    engine = services(world.api.app).engine

    def count(conn: object, cursor: object, statement: str, *_: object) -> None:
        if needle in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_home_and_a_statement_read_the_readers_organisations_once(world: World) -> None:
    statement = open_statement(world)
    # the rules about the reader, the statements awaiting their signature, the evaluation round and the inbox
    assert reads_of_people(world, world.path, "mo") == 1
    assert reads_of_people(world, world.path, "ana") == 1
    assert reads_of_people(world, statement, "mo") == 1


def test_the_coalition_pages_tell_whether_it_ended_from_the_agreement_they_read(world: World) -> None:
    """The banner of an ended coalition asks `coalition_ended`, which the home, the members page and a statement
    page answer from the agreement their snapshot of now already holds; other pages read it."""
    statement = open_statement(world)
    ended = "SELECT coalition_agreements.ended_on"
    for path in (world.path, f"{world.path}/members", statement):
        assert reads_of_people(world, path, "ana", ended) == 0, path
    assert reads_of_people(world, f"{world.path}/roles", "ana", ended) == 1


def test_a_request_that_wrote_reads_what_the_person_holds_again(world: World) -> None:
    app = world.api.app
    with app.test_request_context("/"), services(app).engine.connect() as connection:
        g._login_user = SimpleNamespace(user_id=world.users["mo"], is_authenticated=True)
        before = held(connection)
        assert world.river in before.signs_for and before.mandates[world.river] == "Executive Director"
        # Mo's mandate is revoked by another request (in a thread of its own, as a request of another process
        # would be: not in this request's context): this request, which wrote nothing, still answers from its
        # one read, as a page rendered from one moment does
        revoking = threading.Thread(
            target=world.ok, args=("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['mo']}", "bo")
        )
        revoking.start()
        revoking.join()
        connection.rollback()  # (a new snapshot of the database for this connection, as a new statement would see)
        assert held(connection) is before
        committing()  # once the request itself may have written, nothing is answered from before
        after = held(connection)
        assert world.river not in after.signs_for and world.river not in after.mandates
        assert world.river not in actor(connection).acts_for


def test_a_statement_page_reads_its_tallies_once(world: World) -> None:
    """The summary of the signatures that count, who has not signed yet and how many signed are all sums of the
    statement's tallies: the page reads them once and hands them to all three."""
    statement = open_statement(world)
    assert reads_of_people(world, statement, "ana", "FROM statement_tallies") == 1
