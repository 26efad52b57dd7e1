"""Signers do not conflict with each other, and a close or an amendment racing them still decides correctly.

Every backend. N organisations' signers read the same open statement, then all append at once (a
barrier holds each request's first append until every one has read). Counted: the conflicts the
store raised. Between signers there are none (the append condition admits other organisations'
signatures); a close or an amendment among them still makes the signers that read before it decide
again, so no signature lands after a close and none is for a version its signer did not read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from coalition import create_app
from coalition.accounts import emails, load_user, register
from coalition.domain import statement as st
from coalition.domain.base import DomainError
from coalition.handlers import Context, retrying
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import organisations as organisation_handlers
from coalition.handlers import statements as handlers
from coalition.infra.extensions import Services
from events import ConcurrencyConflict
from tests.integration.desk import AGREEMENT

TODAY = date(2027, 1, 15)
NOW = datetime(2027, 1, 15, 12, tzinfo=UTC)
#: How many organisations sign at once. COALITION_TEST_SIGNERS=64 with `-k never_conflict` measures the benchmark's
#: 64 clients; the race tests need fewer threads than the engine's pool (15 connections): a locked retry reads the
#: signer's account on a second connection while the threads queued for the lock hold theirs.
SIGNERS = int(os.environ.get("COALITION_TEST_SIGNERS", "8"))


@dataclass
class World:
    """An open statement of a coalition whose SIGNERS members each have one mandated signer."""

    services: Services
    facilitator: str
    coalition: str
    statement: str
    signers: dict[str, str]  # organisation id -> its signer's user id

    def as_(self, user_id: str) -> Context:
        return Context(self.services, user_id, TODAY, now=NOW)

    def events(self) -> list[Any]:
        return self.services.store.read_stream(st.stream(self.statement))


def person(services: Services, name: str) -> str:
    user_id = register(services, f"{name}@example.org", "correct horse battery", name.title())
    emails.mark_verified(services, user_id)
    return user_id


def organisation(services: Services, user_id: str, name: str) -> str:
    context = Context(services, user_id, TODAY)
    made = organisation_handlers.create_organisation(context, name=name, country="RO", sector="ngo", mission="Rivers")
    organisation_handlers.grant_mandate(context, made["id"], email=f"{name.lower()}@example.org", title="Director")
    return str(made["id"])


@pytest.fixture
def world(migrated_url: str, tmp_path: Path) -> Iterator[World]:
    app = create_app(
        {
            "DATABASE_URL": migrated_url,
            "TESTING": True,
            "SECRET_KEY": "test",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SQLITE_SYNCHRONOUS": "OFF",
            "PDF_CACHE_DIRECTORY": str(tmp_path / "pdf-cache"),
            "SEAL_DIRECTORY": str(tmp_path / "seal"),
        }
    )
    services: Services = app.extensions["coalition"]
    ana = person(services, "ana")
    founder = Context(services, ana, TODAY)
    green = organisation(services, ana, "Ana")
    coalition = coalition_handlers.found_coalition(founder, organisation_id=green, **AGREEMENT)["id"]
    signers = {green: ana}
    for n in range(1, SIGNERS):
        user_id = person(services, f"signer{n}")
        org = organisation(services, user_id, f"Signer{n}")
        coalition_handlers.join(Context(services, user_id, TODAY), coalition, organisation_id=org)
        coalition_handlers.change_membership(founder, coalition, org, "approve")
        signers[org] = user_id
    sid = handlers.draft(founder, coalition, title="Clean rivers", body="We ask.", language="en")["id"]
    handlers.open_for_signature(founder, coalition, sid, threshold=1)
    yield World(services, ana, coalition, sid, signers)
    services.engine.dispose()


def race(world: World, commands: list[Callable[[], Any]], leading: int | None = None) -> tuple[list[Any], int]:
    """Run the commands at once, each through `retrying`; their outcomes (answer or refusal) and the conflicts.

    Each command's first append waits until every command has reached its own: all decided on the same facts.
    With `leading` (an index), that command's first append is made before any other's.
    """
    store, real = world.services.store, world.services.store.append
    barrier, conflicts, lock = threading.Barrier(len(commands), timeout=30), [0], threading.Lock()
    first, led = threading.local(), threading.Event()

    def append(*args: Any, **kwargs: Any) -> Any:
        waited = not getattr(first, "done", False)
        if waited:
            first.done = True
            barrier.wait()
            if leading is not None and first.n != leading:
                assert led.wait(30)
        try:
            return real(*args, **kwargs)
        except ConcurrencyConflict:
            with lock:
                conflicts[0] += 1
            raise
        finally:
            if waited and first.n == leading:
                led.set()

    outcomes: list[Any] = [None] * len(commands)

    def run(n: int) -> None:
        first.n = n
        try:
            outcomes[n] = retrying(world.services, commands[n])
        except DomainError as refusal:
            outcomes[n] = refusal

    store.append = append  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(len(commands))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        del store.append
    return outcomes, conflicts[0]


def signing(world: World, organisation: str, version_hash: str | None = None) -> Callable[[], Any]:
    context = world.as_(world.signers[organisation])
    return lambda: handlers.sign(
        context, world.coalition, world.statement, organisation_id=organisation, version_hash=version_hash
    )


def other_signers(world: World) -> list[str]:
    """The organisations whose signer is not the facilitator (who closes or amends in the races)."""
    return [org for org in world.signers if world.signers[org] != world.facilitator]


def amendment_and_signers(world: World) -> tuple[list[Callable[[], Any]], list[str], str]:
    """The facilitator's amendment, then each other organisation signing the version read before it; those
    organisations, and that version's hash."""
    read = world.services.states.load(world.services.store, st.stream(world.statement), st.evolve, None)[0]
    assert read is not None
    amend = lambda: handlers.amend(  # noqa: E731
        world.as_(world.facilitator), world.coalition, world.statement, body="We ask more."
    )
    orgs = other_signers(world)
    return [amend] + [signing(world, org, read.version_hash) for org in orgs], orgs, read.version_hash


def test_signers_of_different_organisations_never_conflict(world: World) -> None:
    outcomes, conflicts = race(world, [signing(world, org) for org in world.signers])

    assert conflicts == 0
    signed = [e for e in world.events() if e.type == "StatementSigned"]
    assert sorted(e.payload["organisation_id"] for e in signed) == sorted(world.signers)
    assert [e.version for e in world.events()] == list(range(1, len(world.events()) + 1))
    versions = sorted(outcome["version"] for outcome in outcomes)  # each answer names where its signature landed
    assert versions == [e.version for e in signed]
    assert world.services.store.verify().ok


def test_the_same_organisation_signing_twice_at_once_signs_once(world: World) -> None:
    org = next(iter(world.signers))
    outcomes, conflicts = race(world, [signing(world, org), signing(world, org)])

    assert conflicts == 1  # the second read the organisation's own signature as absent: it decides again
    assert [e.type for e in world.events()].count("StatementSigned") == 1
    assert not any(isinstance(outcome, DomainError) for outcome in outcomes)


def hashes_along(events: list[Any]) -> list[tuple[Any, str | None, str]]:
    """Each event with the statement's version hash and phase just before it."""
    state, along = None, []
    for event in events:
        along.append((event, None if state is None else state.version_hash, "" if state is None else state.state))
        state = st.evolve(state, event)
    return along


def test_a_close_racing_signatures_leaves_no_signature_after_it(world: World) -> None:
    close = lambda: handlers.close(world.as_(world.facilitator), world.coalition, world.statement)  # noqa: E731
    orgs = other_signers(world)
    outcomes, _conflicts = race(
        world, [signing(world, org) for org in orgs[:3]] + [close] + [signing(world, org) for org in orgs[3:]]
    )

    types = [e.type for e in world.events()]
    assert "StatementClosed" in types
    assert "StatementSigned" not in types[types.index("StatementClosed") :]
    assert all(
        phase == "open" for event, _hash, phase in hashes_along(world.events()) if event.type == "StatementSigned"
    )
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == len(orgs) - types.count("StatementSigned")  # every signer not recorded was told why


def test_an_amendment_racing_signatures_never_counts_one_for_a_version_its_signer_did_not_read(world: World) -> None:
    commands, orgs, read_hash = amendment_and_signers(world)
    outcomes, _conflicts = race(world, commands)

    for event, current, _phase in hashes_along(world.events()):
        if event.type == "StatementSigned":
            assert event.payload["version_hash"] == current == read_hash
    signed = [e for e in world.events() if e.type == "StatementSigned"]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(signed) + len(refused) == len(orgs)


def test_a_close_landing_first_makes_every_signer_that_read_it_open_decide_again_and_refuse(world: World) -> None:
    close = lambda: handlers.close(world.as_(world.facilitator), world.coalition, world.statement)  # noqa: E731
    orgs = other_signers(world)
    outcomes, conflicts = race(world, [close] + [signing(world, org) for org in orgs], leading=0)

    types = [e.type for e in world.events()]
    assert "StatementClosed" in types and "StatementSigned" not in types
    assert conflicts == len(orgs)  # each signer decided on the open statement, and was stopped by the close
    assert all(isinstance(outcome, DomainError) for outcome in outcomes[1:])


def test_an_amendment_landing_first_leaves_no_signature_for_the_version_before_it(world: World) -> None:
    commands, orgs, _read = amendment_and_signers(world)
    outcomes, conflicts = race(world, commands, leading=0)

    assert "StatementAmended" in [e.type for e in world.events()]
    assert not [e for e in world.events() if e.type == "StatementSigned"]
    assert conflicts == len(orgs)  # each signer read the old version, and decided again after the amendment
    assert all(isinstance(outcome, DomainError) for outcome in outcomes[1:])


def endorsing(world: World, organisation: str) -> Callable[[], Any]:
    """The endorsement of the organisation's signer, who holds the coalition's endorser role for it."""
    user_id = world.signers[organisation]
    user = load_user(world.services.engine, user_id)
    assert user is not None
    coalition_handlers.assign_role(
        world.as_(world.facilitator), world.coalition, email=user.email, organisation_id=organisation, role="endorser"
    )
    return lambda: handlers.endorse(world.as_(user_id), world.coalition, world.statement, title="Director")


def test_endorsers_and_signers_never_conflict(world: World) -> None:
    orgs = other_signers(world)
    endorsers, signers = orgs[: len(orgs) // 2], orgs[len(orgs) // 2 :]
    commands = [endorsing(world, org) for org in endorsers] + [signing(world, org) for org in signers]
    outcomes, conflicts = race(world, commands)

    assert conflicts == 0
    assert not any(isinstance(outcome, DomainError) for outcome in outcomes)
    endorsed = [e for e in world.events() if e.type == "StatementEndorsed"]
    signed = [e for e in world.events() if e.type == "StatementSigned"]
    assert sorted(e.payload["user_id"] for e in endorsed) == sorted(world.signers[org] for org in endorsers)
    assert sorted(e.payload["organisation_id"] for e in signed) == sorted(signers)
    assert [e.version for e in world.events()] == list(range(1, len(world.events()) + 1))
    assert world.services.store.verify().ok


def test_the_same_endorser_endorsing_twice_at_once_endorses_once(world: World) -> None:
    org = next(org for org in world.signers if world.signers[org] != world.facilitator)
    endorse = endorsing(world, org)
    outcomes, conflicts = race(world, [endorse, endorse])

    assert conflicts == 1  # the second read the endorser's own endorsement as absent: it decides again
    assert [e.type for e in world.events()].count("StatementEndorsed") == 1
    assert not any(isinstance(outcome, DomainError) for outcome in outcomes)


def test_an_organisations_signer_and_its_endorser_at_once_do_not_conflict(world: World) -> None:
    org = next(org for org in world.signers if world.signers[org] != world.facilitator)
    outcomes, conflicts = race(world, [endorsing(world, org), signing(world, org)])  # the same person, even

    assert conflicts == 0  # neither decision reads the other's kind of event
    types = [e.type for e in world.events()]
    assert (types.count("StatementEndorsed"), types.count("StatementSigned")) == (1, 1)
    assert not any(isinstance(outcome, DomainError) for outcome in outcomes)
