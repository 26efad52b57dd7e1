"""The signature tallies (`projections/tallies.py`) give the count `policy.counts` gives over the whole list.

After every step of a statement's life (signing, an amendment, re-confirming, withdrawing and signing again,
a member suspended, reinstated and leaving, a signer erased), the count and countries read from the tallies
(now) and from the versioned rows grouped in SQL (at each past position) equal those computed row by row with
`policy.counts` over every signature; so do the tallies built event by event and rebuilt from the log. A rule
that did look at membership would be counted right too: the tallies keep the facts, the verdict is read time's.
On every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from coalition.domain import policy
from coalition.domain.policy import statements as statement_rules
from coalition.reads import signatories
from coalition.reads.statement_standing import standing
from coalition.reads.statements import counts, organisation_facts
from projections import tallies
from projections.coalition_rows import member_states
from projections.statement_rows import view
from tests.e2e.conftest import services
from tests.e2e.test_api_statements import opened
from tests.e2e.test_erasure import erase
from tests.e2e.world import World


def by_every_row(world: World, statement_id: str, position: int | None) -> dict[str, int]:
    """The summary asked of `policy.counts` once per signature, as the statement page used to."""
    with services(world.api.app).engine.connect() as connection:
        found = view(connection, statement_id, position)
        assert found is not None
        states = member_states(connection, world.coalition, position)
        counting = [row for row in found.signatures if counts(row, found.statement["version_hash"], states)]
        facts = organisation_facts(connection, {row["organisation_id"] for row in counting})
    countries = {facts.get(row["organisation_id"], {}).get("country") for row in counting}
    return {"organisations": len(counting), "countries": len(countries)}


def by_tallies(world: World, statement_id: str, position: int | None) -> dict[str, int]:
    with services(world.api.app).engine.connect() as connection:
        found = view(connection, statement_id, position, signatures_too=False)
        assert found is not None
        return signatories.summary(connection, found.statement, position)


def tally_rows(world: World) -> set[tuple[Any, ...]]:
    with services(world.api.app).engine.connect() as connection:
        return {tuple(row) for t in (tallies.tallies, tallies.keys) for row in connection.execute(select(t))}


def life(world: World) -> tuple[str, list[int]]:
    """A statement through every kind of change; its id and the log position after each step."""
    path = opened(world)
    statement_id = path.rsplit("/", 1)[1]
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    steps = [
        ("POST", f"{path}/signatures", "mo", {"organisation_id": world.river}),
        ("POST", f"{path}/signatures", "ana", {"organisation_id": world.green}),
        ("POST", f"{path}/amend", "ana", {"translations": {"ro": {"title": "Râuri curate, acum", "body": "Cerem."}}}),
        ("POST", f"{path}/signatures/{world.river}/confirm", "lia", {}),
        ("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "Our board disagreed"}),
        ("POST", f"{path}/signatures", "mo", {"organisation_id": world.river}),
        ("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed three calls"}),
        ("POST", f"{world.path}/members/{world.river}/reinstate", "ana", {"reason": "Back on track"}),
        ("POST", f"{path}/signatures/{world.green}/confirm", "ana", {}),
    ]
    positions = []
    for method, where, person, body in steps:
        world.ok(method, where, person, body)
        positions.append(world.api.head())
    assert erase(world.api.app, world.email("mo"))[0] == 0
    positions.append(world.api.head())
    dispositions = [
        {"item": world.commitment, "action": "withdraw", "reason": "We merge"},
        {"item": world.task, "action": "hand_over", "to": world.green, "reason": "Green Earth carries on"},
    ]
    world.ok(
        "POST", f"{world.path}/members/{world.river}/leave", "bo", {"reason": "Merging", "dispositions": dispositions}
    )
    positions.append(world.api.head())
    return statement_id, positions


def test_the_tallies_count_as_the_rule_counts_every_row_at_every_step(world: World) -> None:
    statement_id, positions = life(world)

    for position in positions:
        assert by_tallies(world, statement_id, position) == by_every_row(world, statement_id, position), position
    assert by_tallies(world, statement_id, None) == by_every_row(world, statement_id, None)
    assert by_every_row(world, statement_id, positions[1]) == {"organisations": 2, "countries": 2}
    assert by_every_row(world, statement_id, positions[2]) == {"organisations": 0, "countries": 0}  # amended
    assert by_every_row(world, statement_id, None) == {"organisations": 2, "countries": 2}  # left: still counts


def test_the_tallies_are_the_same_built_event_by_event_and_rebuilt(world: World) -> None:
    life(world)
    built = tally_rows(world)
    runner = services(world.api.app).runner

    runner.rebuild(["signature_tallies"])
    assert tally_rows(world) == built and built
    runner.rebuild()
    assert tally_rows(world) == built
    assert all(c.agrees for c in runner.check(["signature_tallies"]))


def test_a_rule_that_looks_at_membership_is_counted_right_from_the_same_tallies(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement_id, positions = life(world)

    def members_only(version_hash: str, withdrawn: bool, current: str | None, state: str | None = None) -> bool:
        return not withdrawn and version_hash == current and state == "active"

    monkeypatch.setattr(statement_rules, "counts", members_only)
    monkeypatch.setattr(policy, "counts", members_only)
    suspended = positions[6]
    assert by_tallies(world, statement_id, suspended) == by_every_row(world, statement_id, suspended)
    assert by_every_row(world, statement_id, suspended)["organisations"] == 0  # Green Earth not confirmed yet
    assert (
        by_tallies(world, statement_id, None)
        == by_every_row(world, statement_id, None)
        == {
            "organisations": 1,
            "countries": 1,
        }
    )  # River Watch left: with this rule, only Green Earth


def test_the_waiting_list_names_the_active_members_whose_signature_does_not_count(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    with services(world.api.app).engine.connect() as connection:
        found = view(connection, path.rsplit("/", 1)[1], None, signatures_too=False)
        assert found is not None
        waiting = signatories.waiting(connection, found.statement, None, 10)
        assert [w["organisation_id"] for w in waiting.items] == [world.green] and waiting.total == 1


def test_a_draft_waits_for_nobody_and_an_opened_statement_for_every_active_member(world: World) -> None:
    """Nobody may sign a draft, so its page names nobody as not signed yet; once opened, every active member is."""
    drafted = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "A draft", "body": "Not yet.", "language": "en"}
    )["id"]
    with services(world.api.app).engine.connect() as connection:
        found = view(connection, drafted, None, signatures_too=False)
        assert found is not None
        assert standing(connection, found, datetime.now(UTC))["waiting"].total == 0
    world.ok("POST", f"{world.path}/statements/{drafted}/open", "ana", {"threshold": 1})
    with services(world.api.app).engine.connect() as connection:
        found = view(connection, drafted, None, signatures_too=False)
        assert found is not None
        waiting = standing(connection, found, datetime.now(UTC))["waiting"]
        assert waiting.total == 2 and {w["organisation_id"] for w in waiting.items} == {world.green, world.river}
