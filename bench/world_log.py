"""A campaign-shaped log for the rebuild benchmark: the app's real event types, written by the real store.

The world: organisations with a signing mandate each; coalitions whose members request and are
approved, with roles, commitments (pledged, some fulfilled or rescheduled), tasks (created, accepted,
completed) and an evaluation round; statements drafted, translated and opened several at a time,
signed by most members in interleaved order, some amended midway (then re-confirmed by about half
their signers), a few signatures withdrawn, a few endorsements, then closed. About four events in
five are signatures. Every payload passes the registry's schemas (the store validates each append),
personal fields are sealed under per-person keys and the chain is real. Deterministic for a seed.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from coalition.domain import coalition, departure, organisation, statement, work  # noqa: F401  (register event types)
from coalition.domain.event_types import registry
from events import EventStore, Metadata, NewEvent

FIRST = ("Ana", "Mihai", "Elena", "Andrei", "Ioana", "Katarzyna", "Juhani", "Petya", "Zsófia", "Maria")
LAST = ("Popescu", "Ionescu", "Kowalska", "Virtanen", "Petrova", "Nagy", "Dumitrescu", "Constantin")
TITLES = ("Executive Director", "Chair of the Board", "Coordinator", "President", "Head of Advocacy")
COUNTRIES = ("RO", "PL", "FI", "BG", "HU", "DE", "FR")
BODY = "We, the undersigned organisations, call on the government to act. " * 6
#: Statements collecting signatures at the same time (their signatures interleave in the log).
OPEN_AT_ONCE = 8


def _id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


@dataclass(slots=True)
class Member:
    """An organisation and the person who signs for it."""

    organisation_id: str
    user_id: str
    name: str
    title: str


@dataclass(slots=True)
class World:
    """Everything the generator has made so far."""

    rng: random.Random
    members: list[Member] = field(default_factory=list)


def _organisations(world: World, count: int) -> Iterator[NewEvent]:
    rng = world.rng
    for number in range(count):
        member = Member(_id(rng), _id(rng), f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(TITLES))
        world.members.append(member)
        org, stream = member.organisation_id, f"organisation-{member.organisation_id}"
        yield NewEvent(
            stream,
            "OrganisationCreated",
            {
                "organisation_id": org,
                "name": f"Association {number}",
                "country": rng.choice(COUNTRIES),
                "sector": "ngo",
                "mission": "Civic participation and open government.",
                "created_by": member.user_id,
            },
        )
        yield NewEvent(
            stream,
            "MandateGranted",
            {
                "organisation_id": org,
                "mandate_id": _id(rng),
                "user_id": member.user_id,
                "title": member.title,
                "valid_from": "2026-01-01",
            },
        )
        if number % 50 == 1:  # the rarer organisation events: an administrator added and removed, a mandate revoked
            deputy = {"organisation_id": org, "user_id": _id(rng)}
            yield NewEvent(stream, "AdministratorAdded", deputy)
            yield NewEvent(stream, "AdministratorRemoved", deputy)
            mandate = {"organisation_id": org, "mandate_id": _id(rng), "user_id": deputy["user_id"]}
            yield NewEvent(stream, "MandateGranted", {**mandate, "title": "Deputy", "valid_from": "2026-02-01"})
            yield NewEvent(
                stream,
                "MandateRevoked",
                {"organisation_id": org, "mandate_id": mandate["mandate_id"]} | {"revoked_on": "2026-03-01"},
            )


def _coalition(world: World, size: int) -> tuple[str, list[Member], Iterator[NewEvent]]:
    """A coalition founded with `size` members, its roles, work and evaluation; its id, members and events."""
    rng = world.rng
    cid, founder = _id(rng), world.members[rng.randrange(len(world.members))]
    members = [founder, *rng.sample([m for m in world.members if m is not founder], size - 1)]

    def events() -> Iterator[NewEvent]:
        stream = f"coalition-{cid}"
        ids = {"coalition_id": cid}
        yield NewEvent(
            stream,
            "CoalitionFounded",
            {
                **ids,
                "name": f"Coalition {cid[:6]}",
                "purpose": "A joint voice on open government.",
                "objectives": [{"objective_id": "o1", "text": "Adopt the open data law"}],
                "starts_on": "2026-01-01",
                "cooperation_mechanism": "Monthly meetings.",
                "benefit_sharing": "Shared visibility.",
                "organisation_id": founder.organisation_id,
                "founded_by": founder.user_id,
            },
        )
        yield NewEvent(
            stream,
            "RoleAssigned",
            {
                **ids,
                "role_id": _id(rng),
                "role": "facilitator",
                "user_id": founder.user_id,
                "organisation_id": founder.organisation_id,
            },
        )
        for member in members[1:]:
            org = {**ids, "organisation_id": member.organisation_id}
            yield NewEvent(stream, "MembershipRequested", org)
            yield NewEvent(stream, "MembershipApproved", org)
        for member in members[1:10]:
            role = {"role_id": _id(rng), "role": "endorser", "user_id": member.user_id}
            yield NewEvent(stream, "RoleAssigned", {**ids, **role, "organisation_id": member.organisation_id})
        for member in members[1:3]:  # the rarer membership and role events
            org = {**ids, "organisation_id": member.organisation_id}
            yield NewEvent(stream, "MemberVerified", {**org, "verified_by": founder.user_id})
            yield NewEvent(stream, "MemberSuspended", {**org, "reason": "Dues unpaid."})
            yield NewEvent(stream, "MemberReinstated", {**org, "reason": "Dues paid."})
            yield NewEvent(stream, "MemberVerificationWithdrawn", {**org, "withdrawn_by": founder.user_id})
            role = {"role_id": _id(rng), "role": "liaison", "user_id": member.user_id}
            yield NewEvent(stream, "RoleAssigned", {**ids, **role, "organisation_id": member.organisation_id})
            yield NewEvent(stream, "RoleRemoved", {**ids, "role_id": role["role_id"], "reason": "Moved on."})
        for member in members[: len(members) // 4]:
            commitment = {**ids, "commitment_id": _id(rng)}
            yield NewEvent(
                stream,
                "CommitmentPledged",
                {
                    **commitment,
                    "organisation_id": member.organisation_id,
                    "kind": "staff-time",
                    "description": "Two days of a policy officer",
                    "due_on": "2026-06-30",
                },
            )
            task = {**ids, "task_id": _id(rng)}
            yield NewEvent(
                stream,
                "TaskCreated",
                {**task, "title": "Draft a position", "description": "One page", "due_on": "2026-05-31"}
                | {"organisation_id": member.organisation_id, "commitment_id": commitment["commitment_id"]},
            )
            yield NewEvent(stream, "TaskAccepted", task)
            luck = rng.random()
            if luck < 0.05:  # the rarer work events
                other = {"organisation_id": founder.organisation_id, "reason": "Capacity."}
                yield NewEvent(stream, "TaskReassigned", {**task, **other})
                yield NewEvent(stream, "TaskDropped", {**task, "reason": "No longer needed."})
                yield NewEvent(stream, "CommitmentWithdrawn", {**commitment, "reason": "Budget cut."})
            elif luck < 0.5:
                yield NewEvent(stream, "TaskCompleted", {**task, "completed_on": "2026-05-20", "note": "Done."})
                yield NewEvent(
                    stream, "CommitmentFulfilled", {**commitment, "note": "Delivered.", "fulfilled_on": "2026-05-21"}
                )
            else:
                yield NewEvent(
                    stream, "CommitmentRescheduled", {**commitment, "due_on": "2026-09-30", "reason": "Summer."}
                )
        evaluation = {**ids, "evaluation_id": _id(rng)}
        question = [{"question_id": "q1", "text": "How useful was the coalition?"}]
        yield NewEvent(
            stream,
            "EvaluationOpened",
            {**evaluation, "title": "Mid-term", "questions": question, "closes_on": "2026-07-01"}
            | {"opened_by": founder.user_id},
        )
        for member in members[: len(members) // 5]:
            answer = [{"question_id": "q1", "rating": rng.randint(1, 5), "comment": ""}]
            yield NewEvent(
                stream,
                "EvaluationResponded",
                {**evaluation, "organisation_id": member.organisation_id, "responded_by": member.user_id}
                | {"answers": answer},
            )
        yield NewEvent(stream, "EvaluationClosed", {**evaluation, "summary": "Useful.", "closed_by": founder.user_id})
        yield NewEvent(
            stream,
            "ObjectiveProgressRecorded",
            {**ids, "progress_id": _id(rng), "objective_id": "o1", "value": 0.5, "as_of": "2026-06-01"}
            | {"recorded_by": founder.user_id},
        )

    return cid, members, events()


def _signer(ids: dict[str, str], member: Member, version_hash: str) -> dict[str, str]:
    return {
        **ids,
        "organisation_id": member.organisation_id,
        "user_id": member.user_id,
        "signer_name": member.name,
        "signer_title": member.title,
        "version_hash": version_hash,
    }


def _statement(rng: random.Random, cid: str, members: list[Member]) -> Iterator[NewEvent]:
    """One statement's life: drafted, translated, opened, signed (some amended, re-confirmed), closed."""
    sid = _id(rng)
    stream, ids = f"statement-{sid}", {"coalition_id": cid, "statement_id": sid}
    founder = members[0]
    yield NewEvent(
        stream,
        "StatementDrafted",
        {**ids, "language": "en", "title": "Open data now", "body": BODY, "drafted_by": founder.user_id},
    )
    if rng.random() < 0.1:
        revised = {"language": "en", "title": "Open data, now", "body": BODY}
        yield NewEvent(stream, "DraftRevised", {**ids, **revised})
    yield NewEvent(stream, "TranslationSet", {**ids, "language": "ro", "title": "Date deschise acum", "body": BODY})
    first = rng.randbytes(32).hex()
    yield NewEvent(stream, "StatementOpened", {**ids, "version": 1, "version_hash": first})
    signers = [m for m in members if rng.random() < 0.9]
    rng.shuffle(signers)
    amend_at = len(signers) // 2 if rng.random() < 1 / 3 else None
    version_hash, signed = first, []
    for index, member in enumerate(signers):
        if index == amend_at:
            version_hash = rng.randbytes(32).hex()
            yield NewEvent(
                stream,
                "StatementAmended",
                {**ids, "version": 2, "version_hash": version_hash, "previous_hash": first}
                | {"title": "Open data now", "body": BODY + "Amended."}
                | {"translations": {"ro": {"title": "Date deschise acum", "body": BODY + "Modificat."}}},
            )
            for earlier in signed[::2]:
                yield NewEvent(stream, "SignatureConfirmed", _signer(ids, earlier, version_hash))
        yield NewEvent(stream, "StatementSigned", _signer(ids, member, version_hash))
        signed.append(member)
        if rng.random() < 0.02:
            gone = {"organisation_id": member.organisation_id, "user_id": member.user_id, "reason": "Changed mind."}
            yield NewEvent(stream, "SignatureWithdrawn", {**ids, **gone})
        if index < 3:
            yield NewEvent(
                stream,
                "StatementEndorsed",
                {**ids, "user_id": _id(rng), "name": "Public Figure", "organisation_id": member.organisation_id}
                | {"version_hash": version_hash},
            )
    yield NewEvent(stream, "StatementClosed", {**ids, "reason": "deadline"})
    if rng.random() < 0.5:
        yield NewEvent(stream, "StatementPublished", {**ids, "version_hash": version_hash, "signatures": len(signed)})


def _interleaved(rng: random.Random, lives: list[Iterator[NewEvent]]) -> Iterator[NewEvent]:
    """The events of several statements' lives mixed at random, each life in its own order."""
    while lives:
        index = rng.randrange(len(lives))
        found = next(lives[index], None)
        if found is None:
            lives.pop(index)
        else:
            yield found


def world_events(total: int, seed: int = 19) -> Iterator[NewEvent]:
    """Exactly `total` events of a campaign world (the last statements may be cut short)."""
    world = World(random.Random(seed))
    organisations = max(20, total // 250)
    coalitions = max(1, total // 50_000)
    size = min(organisations, 600)

    def everything() -> Iterator[NewEvent]:
        yield from _organisations(world, organisations)
        made = [_coalition(world, size) for _ in range(coalitions)]
        for _cid, _members, events in made:
            yield from events
        wave = 0
        while True:  # statements, OPEN_AT_ONCE at a time, round robin over the coalitions
            chosen = [made[(wave * OPEN_AT_ONCE + k) % len(made)] for k in range(OPEN_AT_ONCE)]
            wave += 1
            yield from _interleaved(world.rng, [_statement(world.rng, cid, members) for cid, members, _ in chosen])

    return islice(everything(), total)


def build_world_log(store: EventStore, total: int, per_append: int = 1000, seed: int = 19) -> Counter[str]:
    """Append the world's `total` events through `store`, `per_append` at a time; the count of each type."""
    counts: Counter[str] = Counter()
    events = world_events(total, seed)
    actor = Metadata(actor_id="bench-facilitator")
    while batch := list(islice(events, per_append)):
        store.append(batch, metadata=actor)
        counts.update(event.type for event in batch)
    return counts


__all__ = ["build_world_log", "registry", "world_events"]
