"""A command may decide on states this process cached, unread; a stale one never makes a wrong decision.

Every backend. Two apps on one database stand for two server processes, each with its own state cache.
Process A folds a stream into its cache; process B changes that stream; A then decides a command on it.
A stale state that says yes is caught by the append (the version it relied on moved: a conflict, decided
again on fresh reads); a stale state that says no, or that there is nothing to do, is decided again on
fresh reads before it is answered (`handlers.retrying`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coalition import create_app
from coalition.domain import organisation as org
from coalition.domain import statement as st
from coalition.domain.base import DomainError
from coalition.handlers import Context, retrying
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import organisations as organisation_handlers
from coalition.handlers import statements as handlers
from coalition.infra.extensions import Services
from events import ConcurrencyConflict, NewEvent
from tests.integration.desk import AGREEMENT
from tests.integration.test_signers_concurrency import NOW, TODAY, organisation, person


@dataclass
class Two:
    """One coalition with an open statement and one signing member, served by two processes, `a` and `b`."""

    a: Services
    b: Services
    facilitator: str
    coalition: str
    statement: str
    signer: str  # the member organisation's signer (user id)
    member: str  # the member organisation
    founder: str  # the facilitator's organisation

    def as_(self, services: Services, user_id: str) -> Context:
        return Context(services, user_id, TODAY, now=NOW)

    def sign_in_a(self) -> Any:
        """Sign for the member in process A, as a request would (through `retrying`)."""
        context = self.as_(self.a, self.signer)
        return retrying(
            self.a, lambda: handlers.sign(context, self.coalition, self.statement, organisation_id=self.member)
        )

    def cache_in_a(self) -> None:
        """Process A folds the statement, the coalition and the member into its cache, as a read would."""
        for stream, evolve in ((st.stream(self.statement), st.evolve), (org.stream(self.member), org.evolve)):
            self.a.states.load(self.a.store, stream, evolve)

    def types(self) -> list[str]:
        return [e.type for e in self.a.store.read_stream(st.stream(self.statement))]

    def mandate(self) -> str:
        state, _ = self.b.states.load(self.b.store, org.stream(self.member), org.evolve)
        assert state is not None
        return next(m.mandate_id for m in state.mandates.values() if m.user_id == self.signer and m.revoked_on is None)


def app_on(url: str, tmp_path: Path, name: str) -> Services:
    app = create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "SECRET_KEY": "test",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SQLITE_SYNCHRONOUS": "OFF",
            "PDF_CACHE_DIRECTORY": str(tmp_path / name / "pdf-cache"),
            "SEAL_DIRECTORY": str(tmp_path / name / "seal"),
        }
    )
    services: Services = app.extensions["coalition"]
    return services


@pytest.fixture
def two(migrated_url: str, tmp_path: Path) -> Iterator[Two]:
    a, b = app_on(migrated_url, tmp_path, "a"), app_on(migrated_url, tmp_path, "b")
    ana = person(b, "ana")
    founder = Context(b, ana, TODAY)
    green = organisation(b, ana, "Ana")
    coalition = coalition_handlers.found_coalition(founder, organisation_id=green, **AGREEMENT)["id"]
    signer = person(b, "signer")
    member = organisation(b, signer, "Signer")
    coalition_handlers.join(Context(b, signer, TODAY), coalition, organisation_id=member)
    coalition_handlers.change_membership(founder, coalition, member, "approve")
    statement = handlers.draft(founder, coalition, title="Clean rivers", body="We ask.", language="en")["id"]
    handlers.open_for_signature(founder, coalition, statement, threshold=1)
    yield Two(a, b, ana, coalition, statement, signer, member, green)
    a.engine.dispose()
    b.engine.dispose()


@pytest.fixture
def conflicts(two: Two) -> Iterator[list[ConcurrencyConflict]]:
    """The conflicts process A's appends meet (a stale cached state shows as one)."""
    store, real, seen = two.a.store, two.a.store.append, []

    def append(*args: Any, **kwargs: Any) -> Any:
        try:
            return real(*args, **kwargs)
        except ConcurrencyConflict as conflict:
            seen.append(conflict)
            raise

    store.append = append  # type: ignore[method-assign]
    yield seen
    del store.append


def test_a_mandate_revoked_in_another_process_refuses_a_signature_decided_on_the_cached_one(
    two: Two, conflicts: list[ConcurrencyConflict]
) -> None:
    two.cache_in_a()  # A holds the member with its signer's mandate
    organisation_handlers.revoke_mandate(two.as_(two.b, two.signer), two.member, two.mandate())

    with pytest.raises(DomainError):
        two.sign_in_a()

    assert [c.stream_id for c in conflicts] == [org.stream(two.member)]  # decided on the cache, caught by the append
    assert "StatementSigned" not in two.types()


def test_a_refusal_made_on_a_stale_cached_state_is_decided_again_on_a_fresh_one(two: Two) -> None:
    organisation_handlers.revoke_mandate(two.as_(two.b, two.signer), two.member, two.mandate())
    two.cache_in_a()  # A holds the member without a mandate
    organisation_handlers.grant_mandate(
        two.as_(two.b, two.signer), two.member, email="signer@example.org", title="Chair"
    )

    answer = two.sign_in_a()

    assert answer["organisation_id"] == two.member
    assert two.types().count("StatementSigned") == 1


def test_nothing_to_do_on_a_stale_cached_state_is_decided_again_on_a_fresh_one(two: Two) -> None:
    two.sign_in_a()  # A's cache now holds the member's signature (its own append, folded on)
    handlers.withdraw(two.as_(two.b, two.signer), two.coalition, two.statement, two.member, reason="Board vote")

    two.sign_in_a()  # the cache says "already signed": that proves nothing, so it is decided on a fresh read

    assert two.types()[-3:] == ["StatementSigned", "SignatureWithdrawn", "StatementSigned"]


def test_a_close_in_another_process_refuses_a_signature_decided_on_the_cached_open_statement(
    two: Two, conflicts: list[ConcurrencyConflict]
) -> None:
    two.cache_in_a()  # A holds the statement open
    handlers.close(two.as_(two.b, two.facilitator), two.coalition, two.statement)

    with pytest.raises(DomainError):
        two.sign_in_a()

    assert [c.stream_id for c in conflicts] == [st.stream(two.statement)]  # the append condition saw the close
    assert two.types()[-1] == "StatementClosed"


def test_a_cached_state_is_offered_unread_only_briefly(two: Two, monkeypatch: pytest.MonkeyPatch) -> None:
    from coalition.infra import states

    two.cache_in_a()
    stream = org.stream(two.member)
    assert two.a.states.peek(stream, org.evolve) is not None
    monkeypatch.setattr(states, "TRUST_FOR", -1.0)
    assert two.a.states.peek(stream, org.evolve) is None  # past TRUST_FOR: the next command reads the stream


def test_an_append_of_this_process_extends_the_cached_state_only_if_nothing_came_between(two: Two) -> None:
    stream = st.stream(two.statement)
    two.sign_in_a()
    peeked = two.a.states.peek(stream, st.evolve)
    assert peeked is not None and peeked[1] == len(two.types())  # A's own signature, folded on: no read needed

    handlers.withdraw(two.as_(two.b, two.signer), two.coalition, two.statement, two.member, reason="Board vote")
    founder = two.as_(two.a, two.facilitator)
    retrying(two.a, lambda: handlers.sign(founder, two.coalition, two.statement, organisation_id=two.founder))

    assert two.a.states.peek(stream, st.evolve) is None  # B's withdrawal came between: read before trusting again


def test_an_append_of_this_process_outside_a_request_stops_its_cached_state_being_trusted(two: Two) -> None:
    stream = st.stream(two.statement)
    two.cache_in_a()
    assert two.a.states.peek(stream, st.evolve) is not None

    # a script's command in process A (not under `retrying`): it reads and appends, folding nothing on
    handlers.sign(two.as_(two.a, two.signer), two.coalition, two.statement, organisation_id=two.member)

    assert two.a.states.peek(stream, st.evolve) is None  # behind the stream now: the next command reads it
    state, version = two.a.states.load(two.a.store, stream, st.evolve)
    assert version == len(two.types()) and state is not None
    assert two.a.states.peek(stream, st.evolve) == (state, version)  # read again: trusted again


def test_any_append_of_this_process_stops_its_cached_fold_of_the_stream_being_trusted(two: Two) -> None:
    stream = st.stream(two.statement)
    two.cache_in_a()
    assert two.a.states.peek(stream, st.evolve) is not None

    ids = {"statement_id": two.statement, "coalition_id": two.coalition}
    two.a.append([NewEvent(stream, "StatementClosed", {**ids, "reason": "facilitator"})])  # straight to the store

    assert two.a.states.peek(stream, st.evolve) is None
