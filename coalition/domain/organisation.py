"""The organisation aggregate: its profile, its administrators and its signing mandates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pycountry
from marshmallow import Schema, fields, validate

from coalition.domain import policy
from coalition.domain.base import Change, Invalid, NotAllowed, NotFound, RuleBroken, drop_none, fold
from coalition.domain.event_types import registry
from coalition.domain.names import name_key, registration_key, registration_shown

SECTORS = ("ngo", "community-based", "faith-based", "academic", "public", "private")
COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)


def stream(organisation_id: str) -> str:
    """The stream holding one organisation's events."""
    return f"organisation-{organisation_id}"


# -- events ---------------------------------------------------------------------------------------


@registry.register("OrganisationCreated")
class OrganisationCreated(Schema):
    organisation_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(required=True, validate=validate.OneOf(sorted(COUNTRIES)))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    mission = fields.String(required=True)
    website = fields.String()
    created_by = fields.String(required=True)
    # Optional, since 2026-12: the national registration number (one organisation per number and country).
    registration_number = fields.String(validate=validate.Length(min=1, max=100))


@registry.register("AdministratorAdded")
class AdministratorAdded(Schema):
    organisation_id = fields.String(required=True)
    user_id = fields.String(required=True)


@registry.register("AdministratorRemoved")
class AdministratorRemoved(Schema):
    organisation_id = fields.String(required=True)
    user_id = fields.String(required=True)


@registry.register("MandateGranted")
class MandateGranted(Schema):
    organisation_id = fields.String(required=True)
    mandate_id = fields.String(required=True)
    user_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date()


@registry.register("MandateRevoked")
class MandateRevoked(Schema):
    organisation_id = fields.String(required=True)
    mandate_id = fields.String(required=True)
    revoked_on = fields.Date(required=True)


# -- state ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mandate:
    """A user's authority to act and sign for the organisation, between two dates."""

    mandate_id: str
    user_id: str
    title: str
    valid_from: date
    valid_until: date | None = None
    revoked_on: date | None = None

    def valid_on(self, day: date) -> bool:
        """True when the mandate holds on `day` (see `policy.mandate_valid`)."""
        return policy.mandate_valid(self, day)


@dataclass(frozen=True, slots=True)
class Organisation:
    """What the rules need to know about an organisation."""

    organisation_id: str
    name: str
    country: str
    sector: str
    administrators: frozenset[str] = frozenset()
    mandates: dict[str, Mandate] = field(default_factory=dict)
    registration_number: str | None = None

    def mandate_of(self, user_id: str, day: date) -> Mandate | None:
        """The user's mandate valid on `day`, if any."""
        return next((m for m in self.mandates.values() if m.user_id == user_id and m.valid_on(day)), None)

    def may_act(self, user_id: str, day: date) -> bool:
        """Administrators and users with a valid mandate act for the organisation (see `policy.acts_for`)."""
        return policy.acts_for(self, user_id, day)


def evolve(state: Organisation | None, change: Change) -> Organisation | None:
    """The organisation after one of its events."""
    p = change.payload
    if change.type == "OrganisationCreated":
        return Organisation(
            p["organisation_id"],
            p["name"],
            p["country"],
            p["sector"],
            frozenset([p["created_by"]]),
            registration_number=p.get("registration_number"),
        )
    if state is None:
        return None
    if change.type == "AdministratorAdded":
        return replace(state, administrators=state.administrators | {p["user_id"]})
    if change.type == "AdministratorRemoved":
        return replace(state, administrators=state.administrators - {p["user_id"]})
    if change.type == "MandateGranted":
        mandate = Mandate(
            p["mandate_id"],
            p["user_id"],
            p["title"],
            date.fromisoformat(p["valid_from"]),
            date.fromisoformat(p["valid_until"]) if p.get("valid_until") else None,
        )
        return replace(state, mandates={**state.mandates, mandate.mandate_id: mandate})
    if change.type == "MandateRevoked":
        revoked = replace(state.mandates[p["mandate_id"]], revoked_on=date.fromisoformat(p["revoked_on"]))
        return replace(state, mandates={**state.mandates, revoked.mandate_id: revoked})
    return state


def replay(changes: list[Change]) -> Organisation | None:
    """The state after a stream of events."""
    return fold(evolve, changes)


# -- commands and decisions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateOrganisation:
    organisation_id: str
    name: str
    country: str
    sector: str
    mission: str
    website: str | None = None
    registration_number: str | None = None  # as typed; kept without invisible characters, spaces collapsed


@dataclass(frozen=True, slots=True)
class AddAdministrator:
    user_id: str


@dataclass(frozen=True, slots=True)
class RemoveAdministrator:
    user_id: str


@dataclass(frozen=True, slots=True)
class GrantMandate:
    mandate_id: str
    user_id: str
    title: str
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class RevokeMandate:
    mandate_id: str


Command = CreateOrganisation | AddAdministrator | RemoveAdministrator | GrantMandate | RevokeMandate


def decide(state: Organisation | None, command: Command, actor_id: str, today: date) -> list[Change]:
    """The events a command produces, or a DomainError saying why it is refused."""
    if isinstance(command, CreateOrganisation):
        if state is not None:
            raise RuleBroken("organisation %(organisation)s already exists", organisation=command.organisation_id)
        if command.country not in COUNTRIES:
            raise RuleBroken("%(country)r is not an ISO 3166-1 alpha-2 country code", country=command.country)
        number = registration_shown(command.registration_number) if command.registration_number else None
        if command.registration_number is not None and not registration_key(command.registration_number):
            raise Invalid(
                "a registration number needs letters or digits: %(number)r has none", number=command.registration_number
            )
        if not name_key(command.name):
            raise Invalid("an organisation's name needs visible letters or digits")
        return [
            Change(
                "OrganisationCreated",
                drop_none(
                    {
                        "organisation_id": command.organisation_id,
                        "name": command.name,
                        "country": command.country,
                        "sector": command.sector,
                        "mission": command.mission,
                        "website": command.website,
                        "created_by": actor_id,
                        "registration_number": number,
                    }
                ),
            )
        ]
    if state is None:
        raise NotFound("no such organisation")
    if actor_id not in state.administrators:
        raise NotAllowed("only administrators of %(organisation)s may do this", organisation=state.name)
    if isinstance(command, AddAdministrator):
        if command.user_id in state.administrators:
            raise RuleBroken("this user is already an administrator")
        return [Change("AdministratorAdded", {"organisation_id": state.organisation_id, "user_id": command.user_id})]
    if isinstance(command, RemoveAdministrator):
        if command.user_id not in state.administrators:
            raise NotFound("this person is not an administrator of %(organisation)s", organisation=state.name)
        if policy.last_administrator(state, command.user_id):
            raise RuleBroken(
                "an organisation always keeps at least one administrator: this is the last one of %(organisation)s; "
                "add another administrator first",
                organisation=state.name,
            )
        return [Change("AdministratorRemoved", {"organisation_id": state.organisation_id, "user_id": command.user_id})]
    if isinstance(command, GrantMandate):
        if command.valid_until is not None and command.valid_until < command.valid_from:
            raise RuleBroken("a mandate cannot end before it starts: valid_until is before valid_from")
        return [
            Change(
                "MandateGranted",
                drop_none(
                    {
                        "organisation_id": state.organisation_id,
                        "mandate_id": command.mandate_id,
                        "user_id": command.user_id,
                        "title": command.title,
                        "valid_from": command.valid_from.isoformat(),
                        "valid_until": command.valid_until.isoformat() if command.valid_until else None,
                    }
                ),
            )
        ]
    if isinstance(command, RevokeMandate):
        mandate = state.mandates.get(command.mandate_id)
        if mandate is None:
            raise NotFound("no such mandate")
        if mandate.revoked_on is not None:
            raise RuleBroken("this mandate is already revoked")
        return [
            Change(
                "MandateRevoked",
                {
                    "organisation_id": state.organisation_id,
                    "mandate_id": command.mandate_id,
                    "revoked_on": today.isoformat(),
                },
            )
        ]
    raise TypeError(f"not an organisation command: {command!r}")
